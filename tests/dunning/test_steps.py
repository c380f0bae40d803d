"""Default steps, and steps export / import (all or nothing)."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relance.dunning import defaults
from relance.dunning.models import DunningStep
from relance.dunning.services.steps import steps_create_defaults, steps_export
from relance.mailing import templating, variables
from tests.dunning.test_models import remind
from tests.factories import make_company, make_customer, make_invoice

TODAY = date(2026, 3, 2)

pytestmark = pytest.mark.django_db


def test_default_steps_follow_the_french_plan():
    company = make_company()
    steps = steps_create_defaults(company=company)
    assert [(s.order, s.name, s.trigger, s.days) for s in steps] == [
        (1, "Relance 1", "after_due_date", 3),
        (2, "Relance 2", "after_previous_reminder", 15),
        (3, "Relance 3", "after_previous_reminder", 15),
        (4, "Mise en demeure", "after_previous_reminder", 10),
    ]
    assert steps_create_defaults(company=company) == []
    assert DunningStep.objects.filter(company=company).count() == 4


@pytest.mark.parametrize("step", defaults.DEFAULT_STEPS, ids=lambda s: s["name"])
def test_default_templates_are_valid(step):
    templating.check(step["subject"])
    templating.check(step["body"])


def notice(is_business: bool) -> str:
    context = variables.sample()
    context["customer"]["is_business"] = is_business
    context["recovery_indemnity"] = "40,00 €" if is_business else "0,00 €"
    return templating.render(defaults.FORMAL_NOTICE["body"], context)


def test_the_formal_notice_claims_penalties_and_the_indemnity_from_businesses():
    text = notice(is_business=True)
    assert "Objet : mise en demeure de payer" in text
    assert "nous vous mettons en demeure de nous régler" in text
    assert "dans un délai de huit jours" in text
    assert (
        "- facture FC22120054 du 31/12/2022, échue le 31/01/2023 : 1 234,56 €" in text
    )
    assert "majoré de 10 points" in text
    assert "40 € par facture prévue à l'article D441-5, soit 40,00 €" in text


def test_the_formal_notice_never_claims_fees_from_consumers():
    text = notice(is_business=False)
    assert "mise en demeure" in text
    assert "40 €" not in text
    assert "pénalités" not in text
    assert "intérêt au taux légal à compter de la présente mise en demeure" in text


def export(company) -> dict:
    out = StringIO()
    call_command("steps", "export", "--company", str(company.pk), stdout=out)
    return json.loads(out.getvalue())


def import_file(company, tmp_path, data) -> str:
    path = tmp_path / "steps.json"
    path.write_text(
        data if isinstance(data, str) else json.dumps(data), encoding="utf-8"
    )
    out = StringIO()
    call_command("steps", "import", str(path), "--company", str(company.pk), stdout=out)
    return out.getvalue()


def test_steps_export_then_import_gives_back_the_same_steps(tmp_path):
    company = make_company()
    steps_create_defaults(company=company)
    exported = export(company)
    assert exported["format"] == "relance-steps/1"
    assert [s["name"] for s in exported["steps"]] == [
        "Relance 1",
        "Relance 2",
        "Relance 3",
        "Mise en demeure",
    ]
    ids = list(DunningStep.objects.order_by("order").values_list("pk", flat=True))
    exported["steps"][0]["days"] = -2
    exported["steps"][0]["name"] = "Avant échéance"
    output = import_file(company, tmp_path, exported)
    assert "4 étape(s) de relance importée(s)" in output
    assert export(company) == exported
    # Steps were updated in place: the reminder history stays attached.
    assert (
        list(DunningStep.objects.order_by("order").values_list("pk", flat=True)) == ids
    )


def test_importing_fewer_steps_deletes_unused_ones_and_archives_used_ones(tmp_path):
    company = make_company()
    steps = steps_create_defaults(company=company)
    remind(make_invoice(make_customer(company)), steps[3], 4)
    data = steps_export(company=company)
    data["steps"] = data["steps"][:1]
    import_file(company, tmp_path, data)
    left = list(DunningStep.objects.filter(company=company).order_by("order"))
    assert [(s.name, s.active) for s in left] == [
        ("Relance 1", True),
        ("Mise en demeure", False),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"trigger": "sometimes"}, "étape 2, « trigger » : valeur attendue parmi"),
        (
            {"days": "quinze"},
            "étape 2, « days » : un nombre entier de jours est attendu.",
        ),
        ({"name": ""}, "étape 2, « name » : un nom est obligatoire."),
        ({"colour": "red"}, "étape 2, « colour » : champ inconnu."),
        (
            {"body": "Bonjour {{ client.nom }}"},
            "étape 2, « body » : Corps du courriel — "
            "Ligne 1 : variable inconnue « client »",
        ),
        (
            {"subject": "{% if %}"},
            "étape 2, « subject » : Objet — Ligne 1 : erreur de syntaxe",
        ),
    ],
)
def test_a_bad_step_refuses_the_whole_import(tmp_path, change, message):
    company = make_company()
    steps_create_defaults(company=company)
    before = steps_export(company=company)
    data = steps_export(company=company)
    data["steps"][0]["name"] = "Changée"
    data["steps"][1].update(change)
    with pytest.raises(CommandError) as refused:
        import_file(company, tmp_path, data)
    assert message in str(refused.value)
    assert steps_export(company=company) == before


def test_a_file_that_is_not_json_is_refused_with_its_line(tmp_path):
    company = make_company()
    with pytest.raises(
        CommandError, match=r"n'est pas du JSON valide \(ligne 2, colonne 1"
    ):
        import_file(company, tmp_path, '{"steps": [\n}')


def test_saving_a_step_with_an_unknown_variable_is_refused_and_nothing_changes():
    from relance.core.errors import ApplicationError
    from relance.dunning.services.steps import step_update

    company = make_company()
    step = steps_create_defaults(company=company)[0]
    body = step.body
    with pytest.raises(ApplicationError) as refused:
        step_update(step=step, body="Bonjour {{ client.nom }},\nmerci.", today=TODAY)
    assert refused.value.field == "body"
    assert refused.value.message == (
        "Corps du courriel — Ligne 1 : variable inconnue « client »"
    )
    step.refresh_from_db()
    assert step.body == body


def test_saving_a_step_with_a_syntax_error_names_the_line():
    from relance.core.errors import ApplicationError
    from relance.dunning.services.steps import step_create

    company = make_company()
    with pytest.raises(ApplicationError) as refused:
        step_create(
            company=company,
            today=TODAY,
            name="Relance amicale",
            days=-3,
            subject="Rappel",
            body="Bonjour,\n\n{% for invoice in invoices %}\n{{ invoice.number }}",
        )
    assert refused.value.field == "body"
    assert refused.value.message.startswith(
        "Corps du courriel — Ligne 4 : erreur de syntaxe"
    )
    assert not DunningStep.objects.exists()


def test_a_new_step_comes_last():
    from relance.dunning.services.steps import step_create

    company = make_company()
    steps_create_defaults(company=company)
    step = step_create(
        company=company,
        today=TODAY,
        name="Relance amicale",
        days=-3,
        subject="R",
        body="B",
    )
    assert (step.order, step.trigger, step.attach_pdf, step.active) == (
        5,
        "after_due_date",
        True,
        True,
    )


def test_changing_a_step_takes_effect_on_the_invoices_at_once():
    """Relance 1 moved from D+3 to D+30: the invoice 5 days late is no longer
    « à relancer » in the list, the counts and the summary, without waiting
    for the next daily job."""
    from relance.dunning.planning import reminder_plan
    from relance.dunning.services.state import invoices_refresh
    from relance.dunning.services.steps import step_update

    company = make_company()
    first = steps_create_defaults(company=company)[0]
    invoice = make_invoice(make_customer(company), due_date=date(2026, 2, 25))
    invoices_refresh(company=company, today=TODAY)
    invoice.refresh_from_db()
    assert invoice.to_remind is True
    step_update(step=first, days=30, today=TODAY)
    invoice.refresh_from_db()
    assert (invoice.to_remind, invoice.next_reminder_on) == (False, date(2026, 3, 27))
    assert reminder_plan(company=company, today=TODAY).to_send == 0


def test_a_new_last_step_is_the_next_one_of_invoices_at_the_old_last_at_once():
    from relance.dunning.services.state import invoices_refresh
    from relance.dunning.services.steps import step_create

    company = make_company()
    steps_create_defaults(company=company)
    invoice = make_invoice(
        make_customer(company),
        due_date=date(2026, 1, 2),
        dunning_level=4,
        last_reminder_on=date(2026, 2, 1),
    )
    invoices_refresh(company=company, today=TODAY)
    invoice.refresh_from_db()
    assert invoice.next_level is None
    step_create(
        company=company,
        today=TODAY,
        name="Injonction",
        trigger="after_previous_reminder",
        days=10,
        subject="S",
        body="B",
    )
    invoice.refresh_from_db()
    assert (invoice.next_level, invoice.to_remind) == (5, True)


def test_a_template_saved_from_the_browser_is_the_template_the_cli_saves():
    """Browsers send \\r\\n: stored as \\n, the message is the same."""
    from django.test import Client

    from relance.core.models import Membership
    from tests.factories import make_user

    company = make_company()
    step = steps_create_defaults(company=company)[0]
    user = make_user(company)
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    body = "Bonjour {{ customer.name }},\r\n\r\n{{ total_due }}\r\nMerci."
    client.post(
        f"/configuration/etapes/{step.pk}/",
        {
            "name": step.name,
            "trigger": step.trigger,
            "days": step.days,
            "subject": "Rappel\r\n",
            "body": body,
            "attach_pdf": "on",
            "active": "on",
        },
    )
    step.refresh_from_db()
    assert step.body == "Bonjour {{ customer.name }},\n\n{{ total_due }}\nMerci."
    exported = steps_export(company=company)
    out = StringIO()
    call_command("steps", "export", stdout=out)
    assert json.loads(out.getvalue())["steps"][0]["body"] == step.body
    assert exported["steps"][0]["body"] == step.body


def test_the_migration_stores_templates_saved_with_crlf_as_sent():
    from importlib import import_module

    from django.apps import apps

    company = make_company()
    step = steps_create_defaults(company=company)[0]
    DunningStep.objects.filter(pk=step.pk).update(
        subject="Rappel\r\n", body="Bonjour,\r\n\r\nMerci.\r"
    )
    migration = import_module("relance.dunning.migrations.0006_template_line_endings")
    migration.line_endings_as_sent(apps, None)
    step.refresh_from_db()
    assert (step.subject, step.body) == ("Rappel\n", "Bonjour,\n\nMerci.\n")


def test_a_body_too_long_is_refused_with_its_length():
    """Issue 12 §6: a 228,000-character body was accepted."""
    from relance.core.errors import ApplicationError
    from relance.dunning.services.steps import step_update

    step = steps_create_defaults(company=make_company())[0]
    with pytest.raises(ApplicationError) as refused:
        step_update(step=step, body="x" * 228_000, today=TODAY)
    assert (refused.value.field, refused.value.message) == (
        "body",
        "20\u202f000 caractères au plus (il y en a 228000).",
    )
