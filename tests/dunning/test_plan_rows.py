"""The plan read as rows (ADR 24): a varied selection gives the same
messages, errors and warnings as when the plan held model objects, and what
it hands out as `invoice` or `customer` is the model of that row."""

from datetime import date
from decimal import Decimal

import pytest

from relance.dunning.models import Reminder, ReminderInvoice
from relance.dunning.planning import reminder_plan
from relance.invoices.models import Customer, Invoice
from tests.factories import (
    make_company,
    make_credit_note,
    make_customer,
    make_invoice,
    make_steps,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)


def varied_selection():
    """Invoices of every kind a summary meets, and two that do not exist."""
    company = make_company()
    make_steps(company)
    herbly = make_customer(
        company, name="Herbly", dunning_email="compta@herbly.example"
    )
    durand = make_customer(
        company, name="Élan Durand", kind=Customer.Kind.CONSUMER, email="d@ex.fr"
    )
    mute = make_customer(company, name="Sans Courriel", email="")
    wrong = make_customer(company, name="Faux", email="pas une adresse")
    paused = make_customer(
        company,
        name="En Pause",
        email="p@ex.fr",
        paused_until=date(2026, 4, 1),
        pause_reason="accord",
    )
    refused = make_customer(
        company,
        name="Refusé",
        email="r@ex.fr",
        email_refused="R@ex.fr",
        email_refused_reason="550 inconnu",
    )
    invoices = [
        make_invoice(herbly, number="A1", due_date=date(2026, 2, 1)),
        make_invoice(
            herbly,
            number="A2",
            due_date=date(2026, 1, 5),
            dunning_level=1,
            last_reminder_on=date(2026, 1, 10),
            total=Decimal("300.10"),
        ),
        make_invoice(herbly, number="A3", due_date=date(2026, 3, 20)),
        make_invoice(herbly, number="A4", status=Invoice.Status.PAID),
        make_invoice(
            herbly, number="A5", amount_due=Decimal("0.00"), total=Decimal("5.00")
        ),
        make_invoice(herbly, number="A6", einvoice_status="210"),
        make_invoice(herbly, number="A7", payment_suggested_on=date(2026, 2, 20)),
        make_invoice(
            herbly,
            number="A8",
            paused_until=date(2026, 5, 1),
            pause_kind="dispute",
            pause_reason="contesté",
        ),
        make_invoice(
            durand,
            number="B1",
            issue_date=date(2023, 12, 1),
            due_date=date(2024, 1, 2),
        ),
        make_invoice(
            durand,
            number="B2",
            issue_date=date(2024, 4, 1),
            due_date=date(2024, 5, 1),
        ),
        make_invoice(mute, number="C1"),
        make_invoice(wrong, number="D1"),
        make_invoice(paused, number="E1"),
        make_invoice(refused, number="F1"),
        make_invoice(herbly, number="G1", due_date=date(2026, 2, 27)),
        make_invoice(
            herbly, number="A9", due_date=date(2026, 1, 20), total=Decimal("0.99")
        ),
    ]
    make_credit_note(herbly, number="AV1")
    return company, [invoice.pk for invoice in invoices] + [999_999, "NOPE"]


def as_json(plan):
    return {
        "to_send": plan.to_send,
        "messages": [{**m.as_dict(), "total": m.total} for m in plan.messages],
        "errors": [error.as_dict() for error in plan.errors],
        "warnings": [warning.as_dict() for warning in plan.warnings],
    }


def test_a_varied_selection_plans_as_it_did_with_models():
    company, selection = varied_selection()
    plan = reminder_plan(company=company, today=TODAY, invoices=selection)
    # Recorded from the plan of model objects (before ADR 24's amendment).
    assert as_json(plan) == EXPECTED


def test_the_plan_hands_out_the_models_of_its_rows():
    company, selection = varied_selection()
    plan = reminder_plan(company=company, today=TODAY, invoices=selection)
    herbly = Customer.objects.get(name="Herbly")
    first = plan.messages[1]
    assert first.customer == herbly and first.customer.name == "Herbly"
    assert first.customer.city == herbly.city  # not read by the plan: loaded
    assert first.invoices == list(
        Invoice.objects.filter(number__in=["A9", "A1"]).order_by("due_date")
    )
    [error] = [e for e in plan.errors if e.reference == "F1"]
    assert error.invoice == Invoice.objects.get(number="F1")
    assert error.invoice.amount_due == Decimal("1200.00")
    [missing] = [e for e in plan.errors if e.reference == "NOPE"]
    assert missing.invoice is None


def test_a_run_records_each_line_of_the_plan():
    from relance.dunning.services.reminders import reminders_create

    company, selection = varied_selection()
    plan = reminder_plan(company=company, today=TODAY, invoices=selection)
    created = reminders_create(plan=plan)
    assert [
        (r.customer.name, r.step.name, r.recipients) for r in created.reminders
    ] == [(m.customer.name, m.step.name, m.recipients) for m in plan.messages]
    assert sorted(
        ReminderInvoice.objects.values_list(
            "reminder__customer__name", "invoice__number", "level", "amount_due"
        )
    ) == sorted(
        (m.customer.name, line.number, line.level, line.amount_due)
        for m in plan.messages
        for line in m.lines
    )
    assert Reminder.objects.count() == plan.to_send


def test_an_invoice_of_another_company_is_not_found():
    company, _selection = varied_selection()
    other = make_company()
    make_steps(other)
    stranger = make_invoice(make_customer(other, name="Ailleurs"), number="A1")
    plan = reminder_plan(company=company, today=TODAY, invoices=[stranger.pk])
    assert plan.to_send == 0
    assert [error.as_dict() for error in plan.errors] == [
        {
            "invoice": str(stranger.pk),
            "code": "not_found",
            "message": "Facture introuvable.",
        }
    ]


EXPECTED = {
    "errors": [
        {"code": "not_found", "invoice": "999999", "message": "Facture introuvable."},
        {"code": "not_found", "invoice": "NOPE", "message": "Facture introuvable."},
        {"code": "not_open", "invoice": "A4", "message": "Facture déjà payée."},
        {
            "code": "nothing_due",
            "invoice": "A5",
            "message": "Rien à payer : le reste dû est nul.",
        },
        {
            "code": "einvoice_blocked",
            "invoice": "A6",
            "message": "Statut de facturation électronique « Refusée » : pas de "
            "relance.",
        },
        {
            "code": "paused",
            "invoice": "A8",
            "message": "En litige jusqu'au 01/05/2026 : contesté.",
        },
        {
            "code": "customer_paused",
            "invoice": "E1",
            "message": "Client en pause jusqu'au 01/04/2026 : accord.",
        },
        {
            "code": "not_due_yet",
            "invoice": "A3",
            "message": "Pas encore à relancer : « Relance 1 » prévue le 23/03/2026.",
        },
        {
            "code": "not_due_yet",
            "invoice": "G1",
            "message": "Pas encore à relancer : « Relance 1 » prévue le 02/03/2026.",
        },
        {
            "code": "no_email",
            "invoice": "C1",
            "message": "Aucune adresse e-mail pour le client Sans Courriel.",
        },
        {
            "code": "invalid_email",
            "invoice": "D1",
            "message": "Adresse e-mail invalide pour le client Faux : « pas une "
            "adresse ».",
        },
        {
            "code": "refused_email",
            "invoice": "F1",
            "message": "Adresse « r@ex.fr » refusée par le serveur du client "
            "Refusé (550 inconnu) : à corriger.",
        },
        {
            "code": "time_barred",
            "invoice": "B1",
            "message": "Prescrite depuis le 02/01/2026 (2 ans contre un "
            "particulier, article L218-2 du Code de la consommation).",
        },
        {
            "code": "payment_suggested",
            "invoice": "A7",
            "message": "Paiement probable reçu le 20/02/2026 : à confirmer avant "
            "toute relance.",
        },
    ],
    "messages": [
        {
            "customer": "Élan Durand",
            "invoice_steps": ["Relance 1"],
            "invoices": ["B2"],
            "language": "fr",
            "language_note": "",
            "step": "Relance 1",
            "to": ["d@ex.fr"],
            "total": Decimal("1200.00"),
        },
        {
            "customer": "Herbly",
            "invoice_steps": ["Relance 1", "Relance 1"],
            "invoices": ["A9", "A1"],
            "language": "fr",
            "language_note": "",
            "step": "Relance 1",
            "to": ["compta@herbly.example"],
            "total": Decimal("1200.99"),
        },
        {
            "customer": "Herbly",
            "invoice_steps": ["Relance 2"],
            "invoices": ["A2"],
            "language": "fr",
            "language_note": "",
            "step": "Relance 2",
            "to": ["compta@herbly.example"],
            "total": Decimal("300.10"),
        },
    ],
    "to_send": 3,
    "warnings": [
        {
            "code": "barred_soon",
            "invoice": "B2",
            "message": "Prescrite après le 01/05/2026 (2 ans contre un "
            "particulier, article L218-2 du Code de la consommation) "
            ": au-delà, elle ne pourra plus être réclamée en "
            "justice.",
        },
        {
            "code": "unallocated_credit",
            "invoice": "AV1",
            "message": "Avoir non imputé de 200,00\xa0€ pour Herbly : imputez-le "
            "sur ses factures avant de le relancer.",
        },
    ],
}


def mixed_customers():
    """Customers of every rhythm, many invoices sharing the same facts (the
    plan works the rules' verdict out once per such key, ADR 24)."""
    from relance.dunning.models import CustomerDunning, DunningStep
    from relance.dunning.services.plans import plan_create

    company = make_company()
    make_steps(company)
    letters = plan_create(company=company, name="Courrier")
    [letter] = make_steps(
        company, [("Mise en demeure", "after_due_date", 10)], dunning_plan=letters
    )
    letter.channel = DunningStep.Channel.LETTER
    letter.save()
    due = date(2026, 1, 31)
    plain = [
        make_customer(company, name=f"Client {n}", email=f"c{n}@ex.fr")
        for n in range(3)
    ]
    gap = make_customer(company, name="Écart Propre", email="e@ex.fr")
    CustomerDunning.objects.create(company=company, customer=gap, min_gap_days=30)
    posted = make_customer(
        company,
        name="Courrier Postal",
        address_line1="1 rue Haute",
        postal_code="69001",
        city="Lyon",
    )
    CustomerDunning.objects.create(company=company, customer=posted, plan=letters)
    unposted = make_customer(company, name="Courrier Sans Adresse")
    CustomerDunning.objects.create(company=company, customer=unposted, plan=letters)
    paused = make_customer(
        company, name="Pause", paused_until=date(2026, 3, 10), pause_reason="accord"
    )
    mute = make_customer(company, name="Muet", email="", dunning_email="")
    wrong = make_customer(company, name="Mauvaise", email="a@b")
    invoices = []
    for customer in [*plain, gap, posted, unposted, paused, mute, wrong]:
        invoices.append(make_invoice(customer, due_date=due))
        invoices.append(make_invoice(customer, due_date=due, total=Decimal("10.00")))
    invoices += [
        make_invoice(
            plain[0],
            due_date=due,
            paused_until=date(2026, 4, 1),
            pause_kind="dispute",
            pause_reason="contesté",
        ),
        make_invoice(plain[1], due_date=due, amount_due=Decimal(0)),
        make_invoice(
            gap,
            due_date=date(2026, 1, 1),
            dunning_level=1,
            last_reminder_on=date(2026, 2, 20),
        ),
        make_invoice(
            plain[2],
            due_date=date(2026, 1, 1),
            dunning_level=1,
            last_reminder_on=date(2026, 2, 20),
        ),
        make_invoice(plain[2], due_date=date(2026, 2, 27)),
    ]
    return company, [invoice.pk for invoice in invoices]


def test_a_mix_of_customers_plans_as_it_did_per_invoice():
    company, selection = mixed_customers()
    plan = reminder_plan(company=company, today=TODAY, invoices=selection)
    numbers = {pk: n for n, pk in enumerate(selection)}
    # Recorded from the plan that worked each invoice out on its own (before
    # ADR 24's amendment of 2026-12-04), invoices named by their rank.
    got = as_json(plan)
    by_number = dict(
        Invoice.objects.filter(pk__in=selection).values_list("number", "pk")
    )
    rank = {number: f"#{numbers[pk]}" for number, pk in by_number.items()}
    for message in got["messages"]:
        message["invoices"] = [rank[n] for n in message["invoices"]]
    for item in got["errors"] + got["warnings"]:
        item["invoice"] = rank.get(item["invoice"], item["invoice"])
    assert got == MIXED


MIXED = {
    "errors": [
        {
            "code": "nothing_due",
            "invoice": "#19",
            "message": "Rien à payer : le reste dû est nul.",
        },
        {
            "code": "paused",
            "invoice": "#18",
            "message": "En litige jusqu'au 01/04/2026 : contesté.",
        },
        {
            "code": "customer_paused",
            "invoice": "#12",
            "message": "Client en pause jusqu'au 10/03/2026 : accord.",
        },
        {
            "code": "customer_paused",
            "invoice": "#13",
            "message": "Client en pause jusqu'au 10/03/2026 : accord.",
        },
        {
            "code": "not_due_yet",
            "invoice": "#6",
            "message": "Client déjà relancé le 20/02/2026 : au moins 30 jours "
            "entre deux relances d'un même client, prochaine "
            "relance le 22/03/2026.",
        },
        {
            "code": "not_due_yet",
            "invoice": "#7",
            "message": "Client déjà relancé le 20/02/2026 : au moins 30 jours "
            "entre deux relances d'un même client, prochaine "
            "relance le 22/03/2026.",
        },
        {
            "code": "not_due_yet",
            "invoice": "#20",
            "message": "Client déjà relancé le 20/02/2026 : au moins 30 jours "
            "entre deux relances d'un même client, prochaine "
            "relance le 22/03/2026.",
        },
        {
            "code": "not_due_yet",
            "invoice": "#21",
            "message": "Pas encore à relancer : « Relance 2 » prévue le 07/03/2026.",
        },
        {
            "code": "not_due_yet",
            "invoice": "#22",
            "message": "Pas encore à relancer : « Relance 1 » prévue le 02/03/2026.",
        },
        {
            "code": "no_email",
            "invoice": "#14",
            "message": "Aucune adresse e-mail pour le client Muet.",
        },
        {
            "code": "no_email",
            "invoice": "#15",
            "message": "Aucune adresse e-mail pour le client Muet.",
        },
        {
            "code": "invalid_email",
            "invoice": "#16",
            "message": "Adresse e-mail invalide pour le client Mauvaise : « a@b ».",
        },
        {
            "code": "invalid_email",
            "invoice": "#17",
            "message": "Adresse e-mail invalide pour le client Mauvaise : « a@b ».",
        },
        {
            "code": "no_postal_address",
            "invoice": "#10",
            "message": "Aucune adresse postale pour le client Courrier Sans Adresse.",
        },
        {
            "code": "no_postal_address",
            "invoice": "#11",
            "message": "Aucune adresse postale pour le client Courrier Sans Adresse.",
        },
    ],
    "messages": [
        {
            "customer": "Client 0",
            "invoice_steps": ["Relance 1", "Relance 1"],
            "invoices": ["#0", "#1"],
            "language": "fr",
            "language_note": "",
            "step": "Relance 1",
            "to": ["c0@ex.fr"],
            "total": Decimal("1210.00"),
        },
        {
            "customer": "Client 1",
            "invoice_steps": ["Relance 1", "Relance 1"],
            "invoices": ["#2", "#3"],
            "language": "fr",
            "language_note": "",
            "step": "Relance 1",
            "to": ["c1@ex.fr"],
            "total": Decimal("1210.00"),
        },
        {
            "customer": "Client 2",
            "invoice_steps": ["Relance 1", "Relance 1"],
            "invoices": ["#4", "#5"],
            "language": "fr",
            "language_note": "",
            "step": "Relance 1",
            "to": ["c2@ex.fr"],
            "total": Decimal("1210.00"),
        },
        {
            "customer": "Courrier Postal",
            "invoice_steps": ["Mise en demeure", "Mise en demeure"],
            "invoices": ["#8", "#9"],
            "language": "fr",
            "language_note": "",
            "step": "Mise en demeure",
            "to": [],
            "total": Decimal("1210.00"),
        },
    ],
    "to_send": 4,
    "warnings": [],
}
