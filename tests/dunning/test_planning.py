"""The summary: what would be sent, and every invoice left out with its reason."""

from datetime import date
from decimal import Decimal

import pytest

from relance.core.models import Grouping
from relance.dunning.models import DunningStep, Reminder
from relance.dunning.planning import Code, reminder_plan
from tests.dunning.test_models import remind
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)


@pytest.fixture
def company():
    company = make_company()
    make_steps(company)
    return company


def plan(company, invoices=None, **kwargs):
    return reminder_plan(company=company, today=TODAY, invoices=invoices, **kwargs)


def test_due_invoices_of_one_customer_make_one_message_per_step(company):
    """Issue 12 §1: FC2 reminded once and FC1 never: two messages of the same
    run, each with its own step, so neither says anything untrue."""
    herbly = make_customer(
        company, name="HERBLY Francis", dunning_email="compta@herbly.example"
    )
    first = make_invoice(herbly, number="FC1", due_date=date(2026, 2, 1))
    second = make_invoice(
        herbly,
        number="FC2",
        due_date=date(2026, 1, 5),
        dunning_level=1,
        last_reminder_on=date(2026, 1, 10),
        total=Decimal("300.00"),
    )
    third = make_invoice(herbly, number="FC3", due_date=date(2026, 2, 2))
    result = plan(company, [first, second, third])
    assert [
        (
            m.customer,
            m.recipients,
            m.step.name,
            [(line.invoice.number, line.level) for line in m.lines],
            m.total,
        )
        for m in result.messages
    ] == [
        (
            herbly,
            ["compta@herbly.example"],
            "Relance 1",
            [("FC1", 1), ("FC3", 1)],
            Decimal("2400.00"),
        ),
        (
            herbly,
            ["compta@herbly.example"],
            "Relance 2",
            [("FC2", 2)],
            Decimal("300.00"),
        ),
    ]
    assert result.errors == []
    assert result.to_send == 2


def test_without_grouping_each_invoice_is_its_own_message(company):
    company.grouping = Grouping.INVOICE
    company.save()
    customer = make_customer(company)
    make_invoice(customer, number="FC1")
    make_invoice(customer, number="FC2")
    result = plan(company, ["FC1", "FC2"])
    assert [[i.number for i in m.invoices] for m in result.messages] == [
        ["FC1"],
        ["FC2"],
    ]


def test_invoices_in_two_currencies_are_never_summed_in_one_message(company):
    customer = make_customer(company)
    make_invoice(customer, number="FC-EUR")
    make_invoice(customer, number="FC-USD", currency="USD")
    result = plan(company, ["FC-EUR", "FC-USD"])
    assert sorted(m.currency for m in result.messages) == ["EUR", "USD"]


def test_the_main_email_is_used_when_there_is_no_dunning_email(company):
    make_invoice(make_customer(company, email="contact@client.example"), number="FC1")
    assert plan(company, ["FC1"]).messages[0].recipients == ["contact@client.example"]


def errors(result) -> list[tuple[str, str, str]]:
    return [(e.reference, e.code, e.message) for e in result.errors]


def test_every_reason_to_leave_an_invoice_out_has_its_code_and_message(company):
    ok = make_customer(company, name="Client OK")
    make_invoice(ok, number="A-DRAFT", status="draft")
    make_invoice(ok, number="B-PAID", status="paid", amount_due=Decimal(0))
    make_invoice(ok, number="C-CANCELLED", status="cancelled")
    make_invoice(ok, number="D-ZERO", amount_due=Decimal(0))
    make_invoice(ok, number="E-EINV", einvoice_status="210")
    make_invoice(
        ok, number="F-LAST", dunning_level=4, last_reminder_on=date(2026, 2, 1)
    )
    make_invoice(
        ok,
        number="G-DISPUTE",
        paused_until=date(2026, 3, 15),
        pause_kind="dispute",
        pause_reason="Travaux contestés",
    )
    make_invoice(
        ok, number="H-PROMISE", paused_until=date(2026, 3, 5), pause_kind="promise"
    )
    paused = make_customer(
        company,
        name="Client en pause",
        paused_until=date(2026, 4, 1),
        pause_reason="Échéancier",
    )
    make_invoice(paused, number="I-CUSTOMER")
    make_invoice(ok, number="J-LATER", due_date=date(2026, 2, 28))
    make_invoice(
        make_customer(company, name="Sans courriel", email=""), number="K-NOEMAIL"
    )
    make_invoice(
        make_customer(company, name="Mal écrit", email="compta@"), number="L-BAD"
    )
    pending = make_invoice(ok, number="M-PENDING")
    remind(
        pending,
        DunningStep.objects.get(company=company, order=1),
        1,
        Reminder.Status.PENDING,
    )
    other_company = make_company()
    make_invoice(make_customer(other_company), number="N-ELSEWHERE")
    numbers = [
        "A-DRAFT",
        "B-PAID",
        "C-CANCELLED",
        "D-ZERO",
        "E-EINV",
        "F-LAST",
        "G-DISPUTE",
        "H-PROMISE",
        "I-CUSTOMER",
        "J-LATER",
        "K-NOEMAIL",
        "L-BAD",
        "M-PENDING",
        "N-ELSEWHERE",
    ]
    result = plan(company, numbers)
    assert result.messages == []
    assert errors(result) == [
        ("N-ELSEWHERE", Code.NOT_FOUND, "Facture introuvable."),
        ("A-DRAFT", Code.NOT_OPEN, "Facture brouillon : elle n'est pas encore émise."),
        ("B-PAID", Code.NOT_OPEN, "Facture déjà payée."),
        ("C-CANCELLED", Code.NOT_OPEN, "Facture annulée."),
        ("D-ZERO", Code.NOTHING_DUE, "Rien à payer : le reste dû est nul."),
        (
            "E-EINV",
            Code.EINVOICE_BLOCKED,
            "Statut de facturation électronique « Refusée » : pas de relance.",
        ),
        (
            "F-LAST",
            Code.LAST_STEP_REACHED,
            "Dernière étape déjà atteinte (Mise en demeure).",
        ),
        (
            "G-DISPUTE",
            Code.PAUSED,
            "En litige jusqu'au 15/03/2026 : Travaux contestés.",
        ),
        ("H-PROMISE", Code.PAUSED, "Promesse de paiement jusqu'au 05/03/2026."),
        (
            "I-CUSTOMER",
            Code.CUSTOMER_PAUSED,
            "Client en pause jusqu'au 01/04/2026 : Échéancier.",
        ),
        (
            "J-LATER",
            Code.NOT_DUE_YET,
            "Pas encore à relancer : « Relance 1 » prévue le 03/03/2026.",
        ),
        (
            "K-NOEMAIL",
            Code.NO_EMAIL,
            "Aucune adresse e-mail pour le client Sans courriel.",
        ),
        (
            "L-BAD",
            Code.INVALID_EMAIL,
            "Adresse e-mail invalide pour le client Mal écrit : « compta@ ».",
        ),
        (
            "M-PENDING",
            Code.ALREADY_PENDING,
            "Une relance « Relance 1 » est en attente d'envoi pour cette facture.",
        ),
    ]


def test_a_step_without_template_is_an_error(company):
    DunningStep.objects.filter(company=company, order=1).update(body="")
    make_invoice(make_customer(company), number="FC1")
    assert errors(plan(company, ["FC1"])) == [
        (
            "FC1",
            Code.NO_TEMPLATE,
            "L'étape « Relance 1 » n'a pas de modèle de courriel.",
        )
    ]


def test_a_single_invoice_may_be_reminded_before_its_date_by_hand(company):
    make_invoice(make_customer(company), number="FC1", due_date=date(2026, 2, 28))
    assert plan(company, ["FC1"]).errors[0].code == Code.NOT_DUE_YET
    manual = plan(company, ["FC1"], manual=True)
    assert manual.errors == []
    assert manual.messages[0].lines[0].level == 1


def test_by_hand_every_other_error_still_holds(company):
    make_invoice(make_customer(company), number="FC1", paused_until=date(2026, 3, 2))
    assert plan(company, ["FC1"], manual=True).errors[0].code == Code.PAUSED


def test_all_due_takes_tagged_invoices_and_those_whose_date_came(company):
    customer = make_customer(company)
    make_invoice(customer, number="TAGGED", to_remind=True)
    make_invoice(
        customer, number="PLANNED", next_level=1, next_reminder_on=date(2026, 2, 10)
    )
    make_invoice(customer, number="UNKNOWN-YET")  # never seen by the daily job
    make_invoice(
        customer, number="FUTURE", next_level=1, next_reminder_on=date(2026, 4, 1)
    )
    result = plan(company)
    assert [i.number for i in result.messages[0].invoices] == ["PLANNED", "TAGGED"]


def test_a_company_without_sender_address_cannot_send(company):
    company.sender_email = ""
    company.save()
    assert plan(company).problems == [
        "Renseignez l'adresse d'expédition de la société avant d'envoyer des relances."
    ]


def test_a_step_can_be_previewed_on_a_chosen_invoice(company):
    from relance.dunning.messages import preview

    step = DunningStep.objects.get(company=company, order=2)
    invoice = make_invoice(
        make_customer(company, name="HERBLY Francis"), number="FC22120054"
    )
    composed = preview(step=step, invoices=[invoice], today=TODAY)
    assert composed.subject == "Relance FC22120054"
    assert (
        composed.text == "Bonjour HERBLY Francis, 1\u00a0200,00\u00a0€ restent dus.\n"
    )
    assert (
        "<p>Bonjour HERBLY Francis, 1\u00a0200,00\u00a0€ restent dus.</p>"
        in composed.html
    )
