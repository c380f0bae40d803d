"""Who changed a dunning plan or a customer's plan (issue 18 §6 with §1):
each recorded with its fields before and after and who did it."""

from datetime import date

import pytest

from relance.core.models import ChangeRecord
from relance.dunning.services.plans import (
    customer_dunning_set,
    plan_create,
    plan_default_set,
    plan_delete,
    plan_rename,
)
from relance.dunning.services.steps import steps_create_defaults
from relance.reports.changes import change_lines, change_title, change_who
from tests.factories import make_company, make_customer, make_user

TODAY = date(2026, 3, 2)

pytestmark = pytest.mark.django_db


def test_a_plan_created_renamed_made_default_and_deleted_is_recorded_with_who():
    company = make_company(name="Bâtiments Durand")
    steps_create_defaults(company=company)
    marie = make_user(company, full_name="Marie Dupont")
    plan = plan_create(company=company, name="Grands comptes", by=marie)
    plan_rename(plan=plan, name="Clients fidèles", by=marie)
    plan_default_set(plan=plan, today=TODAY, by=marie)
    other = plan_create(company=company, name="Mauvais payeurs", by=marie)
    assert plan_delete(plan=other, by=marie) is True

    records = list(ChangeRecord.objects.filter(company=company).order_by("id"))
    assert [change_title(r) for r in records] == [
        "Plan de relance créé",
        "Plan de relance modifié",
        "Plan de relance modifié",
        "Plan de relance créé",
        "Plan de relance supprimé",
    ]
    assert [change_lines(r) for r in records] == [
        ["Nom : Grands comptes"],
        ["Nom : Grands comptes → Clients fidèles"],
        ["Plan par défaut : non → oui"],
        ["Nom : Mauvais payeurs"],
        ["Nom : Mauvais payeurs"],
    ]
    assert {change_who(r) for r in records} == {"Marie Dupont"}
    assert records[4].subject_label == "Mauvais payeurs"


def test_a_customers_plan_and_own_gap_are_recorded_as_the_customers_changes():
    company = make_company()
    steps_create_defaults(company=company)
    marie = make_user(company, full_name="Marie Dupont")
    firm = plan_create(company=company, name="Mauvais payeurs")
    customer = make_customer(company, name="Garage Martin")
    customer_dunning_set(
        company=company,
        customer=customer,
        today=TODAY,
        plan=firm,
        min_gap_days=10,
        by=marie,
    )
    # The same choice again changes nothing and records nothing.
    customer_dunning_set(
        company=company, customer=customer, today=TODAY, plan=firm, by=marie
    )
    record = ChangeRecord.objects.get(company=company, customer_id=customer.pk)
    assert change_title(record) == "Client modifié"
    assert change_lines(record) == [
        "Plan de relance : (vide) → Mauvais payeurs",
        "Écart minimal entre deux relances (jours) : (vide) → 10",
    ]
    assert change_who(record) == "Marie Dupont"
