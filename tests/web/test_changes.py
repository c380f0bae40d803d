"""Who changed what on the pages (issue 18 §6): a customer changed on its
page shows in its history (« Langue : français → anglais, par Marie
Dupont »); the company's settings and steps in « Historique des
modifications », newest first, paginated, filtered by kind."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from relance.core.changes import change_record
from relance.core.models import ChangeRecord
from relance.dunning.services.steps import steps_create_defaults
from tests.factories import make_company, make_customer, make_user

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand")
    steps_create_defaults(company=company)
    return company


@pytest.fixture
def marie(company):
    user = make_user(company, full_name="Marie Dupont")
    user.memberships.update(role="admin")
    return user


@pytest.fixture
def client(marie):
    client = Client()
    client.force_login(marie)
    return client


@pytest.fixture
def customer(company):
    return make_customer(
        company, name="Garage Dupuis", email="compta@dupuis.example", language="fr"
    )


def customer_form(customer, **changes):
    return {
        "name": customer.name,
        "kind": customer.kind,
        "email": customer.email,
        "dunning_email": customer.dunning_email,
        "phone": customer.phone,
        "language": customer.language,
        "agreed_penalty_rate": "",
        "owner": "",
        **changes,
    }


@time_machine.travel(NOW, tick=False)
def test_a_customer_changed_on_its_page_shows_who_changed_what_in_its_history(
    client, customer, marie
):
    answer = client.post(
        f"/clients/{customer.pk}/",
        customer_form(customer, language="en", owner=str(marie.pk)),
    )
    assert answer.status_code == 302
    record = ChangeRecord.objects.get()
    assert (record.kind, record.subject_id, record.customer_id) == (
        "customer",
        customer.pk,
        customer.pk,
    )
    assert (record.user, record.by_name) == (marie, "Marie Dupont")
    assert (record.before, record.after) == (
        {"language": "fr", "owner": None},
        {"language": "en", "owner": "Marie Dupont"},
    )
    page = client.get(f"/clients/{customer.pk}/").content.decode()
    assert (
        '<li data-source="change">\n    <span class="when">02/03/2026 10:15</span>'
        in page
    )
    assert "<strong>Client modifié</strong>" in page
    assert (
        "Langue : français → anglais · Responsable : (vide) → Marie Dupont · "
        '<span class="who">par Marie Dupont</span>' in page
    )


def test_saving_a_customer_unchanged_records_nothing(client, customer):
    assert (
        client.post(f"/clients/{customer.pk}/", customer_form(customer)).status_code
        == 302
    )
    assert not ChangeRecord.objects.exists()


SETTINGS = {
    "name": "Bâtiments Durand",
    "time_zone": "Europe/Paris",
    "language": "fr",
    "min_gap_days": "5",
    "daily_run_at": "06:00",
    "grouping": "step",
    "penalty_day_basis": 365,
    "sender_email": "relances@durand.example",
    "reply_to_email": "compta@durand.example",
    "reply_pause_days": 7,
    "portal_link_days": 90,
    "letter_deadline_days": 8,
}


def test_the_company_settings_changed_are_recorded_with_who_and_shown_on_the_page(
    client, company, marie
):
    assert client.post("/configuration/societe/", SETTINGS).status_code == 302
    ChangeRecord.objects.all().delete()  # what the form fills the first time
    answer = client.post(
        "/configuration/societe/", {**SETTINGS, "min_gap_days": "7", "auto_send": "on"}
    )
    assert answer.status_code == 302
    record = ChangeRecord.objects.get()
    assert (record.kind, record.subject_id, record.subject_label) == (
        "company",
        company.pk,
        "Bâtiments Durand",
    )
    assert (record.before, record.after, record.user) == (
        {"min_gap_days": 5, "auto_send": False},
        {"min_gap_days": 7, "auto_send": True},
        marie,
    )
    page = client.get("/configuration/historique/").content.decode()
    assert "<strong>Paramètres de la société modifiés</strong>" in page
    assert "<li>Écart minimal entre deux relances (jours) : 5 → 7</li>" in page
    assert "<li>Envoi automatique des relances : non → oui</li>" in page
    assert "<td>Marie Dupont</td>" in page


def test_the_history_page_is_newest_first_paginated_by_50_and_filtered_by_kind(
    client, company, customer
):
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for n in range(55):
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            change_record(
                company=company,
                by=None,
                kind="step",
                subject_id=1,
                subject_label=f"Étape {n}",
                before={"days": n},
                after={"days": n + 1},
            )
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        change_record(
            company=company,
            by=None,
            kind="customer",
            subject_id=customer.pk,
            subject_label="Garage Dupuis",
            customer=customer,
            before={"email": "a@dupuis.example"},
            after={"email": "b@dupuis.example"},
        )
    page = client.get("/configuration/historique/").content.decode()
    assert page.count('<tr data-kind="') == 50
    assert page.index("Garage Dupuis") < page.index("Étape 54") < page.index("Étape 6<")
    assert "Étape 5<" not in page
    assert "1-50 / 56" in page
    second = client.get("/configuration/historique/?page=2").content.decode()
    assert second.count('<tr data-kind="') == 6
    assert "Étape 0<" in second
    only = client.get("/configuration/historique/?kind=customer").content.decode()
    assert only.count('<tr data-kind="customer">') == 1
    assert 'data-kind="step"' not in only
    assert "<li>Courriel : a@dupuis.example → b@dupuis.example</li>" in only
    assert f'<a href="/clients/{customer.pk}/">Garage Dupuis</a>' in only
    assert "<td>système</td>" in only


def test_the_history_page_is_for_the_companys_administrators(company, customer):
    member = make_user(company, full_name="Paul Martin")
    client = Client()
    client.force_login(member)
    assert client.get("/configuration/historique/").status_code == 403
