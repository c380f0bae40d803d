"""Who changed which dunning step (issue 18 §6): created, changed, moved,
archived, deleted by an import; each with its fields before and after and
who did it (a user, the API's token, the command line)."""

from datetime import date

import pytest
from django.test import Client

from relance.core.models import ChangeRecord
from relance.dunning.models import DunningStep
from relance.dunning.services.steps import (
    step_create,
    step_move,
    step_update,
    steps_create_defaults,
    steps_export,
    steps_import,
)
from relance.reports.changes import change_lines, change_title, change_who
from tests.conftest import Api
from tests.dunning.test_models import remind
from tests.factories import make_company, make_customer, make_invoice, make_user

TODAY = date(2026, 3, 2)

pytestmark = pytest.mark.django_db


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


def steps(company):
    return list(DunningStep.objects.filter(company=company).order_by("order"))


def test_a_new_step_is_recorded_with_all_its_values_and_who_created_it(company, marie):
    step = step_create(
        company=company,
        today=TODAY,
        by=marie,
        name="Appel",
        days=20,
        subject="Facture {{ invoice.number }}",
        body="Bonjour",
        channel="call",
    )
    record = ChangeRecord.objects.get()
    assert (record.kind, record.subject_id, record.subject_label) == (
        "step",
        step.pk,
        "Appel",
    )
    assert (record.user, record.by_name, record.customer_id) == (
        marie,
        "Marie Dupont",
        None,
    )
    assert record.before == {}
    assert record.after == {
        "order": 5,
        "name": "Appel",
        "trigger": "after_due_date",
        "days": 20,
        "subject": "Facture {{ invoice.number }}",
        "body": "Bonjour",
        "attach_pdf": True,
        "attach_statement": False,
        "formal_notice": False,
        "channel": "call",
        "active": True,
    }
    assert change_title(record) == "Étape créée"
    assert change_lines(record)[:3] == [
        "Ordre : 5",
        "Nom : Appel",
        "Date de déclenchement : après l'échéance de la facture",
    ]


def test_a_changed_step_keeps_only_the_changed_fields_and_nothing_when_unchanged(
    company, marie
):
    first = steps(company)[0]
    step_update(step=first, today=TODAY, by=marie, days=5, attach_pdf=False)
    record = ChangeRecord.objects.get()
    assert (record.before, record.after) == (
        {"days": 3, "attach_pdf": True},
        {"days": 5, "attach_pdf": False},
    )
    assert change_title(record) == "Étape modifiée"
    assert change_lines(record) == [
        "Nombre de jours : 3 → 5",
        "Joindre le PDF des factures : oui → non",
    ]
    assert change_who(record) == "Marie Dupont"
    step_update(step=first, today=TODAY, by=marie, days=5)
    assert ChangeRecord.objects.count() == 1


def test_moving_a_step_records_the_order_of_each_step_that_moved(company, marie):
    second = steps(company)[1]
    step_move(step=second, offset=-1, today=TODAY, by=marie)
    records = ChangeRecord.objects.order_by("id")
    assert [(r.subject_label, r.before, r.after) for r in records] == [
        ("Relance 2", {"order": 2}, {"order": 1}),
        ("Relance 1", {"order": 1}, {"order": 2}),
    ]
    assert {r.user for r in records} == {marie}


def test_an_import_records_the_steps_it_deletes_and_archives_and_not_those_it_keeps(
    company,
):
    remind(make_invoice(make_customer(company)), steps(company)[3], 4)
    exported = steps_export(company=company)["steps"]
    deleted = [(s.pk, s.name) for s in steps(company)[1:3]]
    steps_import(
        company=company,
        data={"steps": exported[:1]},
        today=TODAY,
        by="relance steps import",
    )
    records = list(ChangeRecord.objects.order_by("id"))
    # A step's texts in other languages are kept apart (DunningStepText),
    # not among the step's recorded fields.
    exported = [
        {key: value for key, value in step.items() if key != "texts"}
        for step in exported
    ]
    assert [(r.subject_id, r.subject_label) for r in records] == [
        *deleted,
        (steps(company)[1].pk, "Mise en demeure"),
    ]
    assert records[0].before == {"order": 2, **exported[1]}
    assert records[0].after == {}
    assert change_title(records[0]) == "Étape supprimée"
    assert records[1].before == {"order": 3, **exported[2]}
    assert (records[2].before, records[2].after) == (
        {"active": True},
        {"active": False},
    )
    assert {(r.user, r.by_name, r.origin) for r in records} == {
        (None, "relance steps import", "system")
    }
    assert change_who(records[2]) == "relance steps import"


def test_steps_replaced_through_the_api_are_recorded_under_the_tokens_name(company):
    from relance.core.tokens import token_create

    api = Api(token_create(company=company, name="ERP Sage")[1])
    exported = steps_export(company=company)["steps"]
    exported[0]["days"] = 7
    status, _body = api.call("put", "/steps", {"steps": exported})
    assert status == 200
    record = ChangeRecord.objects.get()
    assert (record.subject_label, record.before, record.after) == (
        "Relance 1",
        {"days": 3},
        {"days": 7},
    )
    assert (record.by_name, record.origin) == ("ERP Sage", "api")
    assert change_who(record) == "API (jeton « ERP Sage »)"


def test_archiving_and_moving_a_step_on_the_page_are_recorded_under_the_user(
    company, marie
):
    client = Client()
    client.force_login(marie)
    third = steps(company)[2]
    answer = client.post(
        f"/configuration/etapes/{third.pk}/action/", {"action": "archive"}
    )
    assert answer.status_code == 302
    client.post(f"/configuration/etapes/{third.pk}/action/", {"action": "down"})
    records = ChangeRecord.objects.order_by("id")
    assert [(r.subject_label, r.before, r.after, r.user) for r in records] == [
        ("Relance 3", {"active": True}, {"active": False}, marie),
        ("Mise en demeure", {"order": 4}, {"order": 3}, marie),
        ("Relance 3", {"order": 3}, {"order": 4}, marie),
    ]
