"""Issue 19 §4: a customer's history, one list newest first: each source with
its French title, date and who did it; bounded however long the history;
pause records written by the pause services; promises kept or broken."""

import importlib
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps

from relance.dunning.models import (
    CustomerNote,
    InboundMessage,
    Letter,
    PauseRecord,
    Reminder,
    ReminderInvoice,
)
from relance.dunning.services.notes import customer_note_add
from relance.dunning.services.pauses import (
    customer_pause,
    customers_pause_at_least,
    invoice_pause,
    invoice_pause_lift,
)
from relance.invoices.models import EInvoiceStatusEvent, Invoice, PauseKind
from relance.reports.timeline import Event, merge, promise_outcome
from relance.reports.timeline_queries import customer_timeline
from tests.factories import (
    make_company,
    make_credit_note,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
    pay,
)

TODAY = date(2026, 3, 15)


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


# --- the pure merge ----------------------------------------------------------------


def event(day, source, pk, at=None):
    return Event(day=day, source=source, pk=pk, title=f"{source} {pk}", at=at)


def test_events_merge_newest_first_timed_ones_before_the_days_dated_ones():
    invoices = [
        event(date(2026, 3, 2), "invoice", 2),
        event(date(2026, 3, 1), "invoice", 1),
    ]
    notes = [
        event(date(2026, 3, 2), "note", 7, time(9, 30)),
        event(date(2026, 3, 1), "note", 6, time(23, 0)),
    ]
    page = merge([invoices, notes], limit=10)
    assert [(e.source, e.pk) for e in page.events] == [
        ("note", 7),
        ("invoice", 2),
        ("note", 6),
        ("invoice", 1),
    ]
    assert page.more is False


def test_the_merge_keeps_the_limit_and_says_when_older_events_exist():
    invoices = [event(date(2026, 3, d), "invoice", d) for d in (9, 7, 5)]
    payments = [event(date(2026, 3, d), "payment", d) for d in (8, 6, 4)]
    page = merge([invoices, payments], limit=4)
    assert [e.day.day for e in page.events] == [9, 8, 7, 6]
    assert page.more is True
    assert merge([invoices, payments], limit=6).more is False


def test_the_same_day_and_time_orders_by_source_then_id_the_same_every_time():
    day = date(2026, 3, 1)
    one = [event(day, "payment", 3), event(day, "payment", 2)]
    two = [event(day, "invoice", 9)]
    assert [(e.source, e.pk) for e in merge([two, one], 5).events] == [
        ("payment", 3),
        ("payment", 2),
        ("invoice", 9),
    ]


@pytest.mark.parametrize(
    ("paid_on", "lifted_on", "today", "outcome"),
    [
        (date(2026, 3, 31), None, date(2026, 4, 10), "kept"),
        (date(2026, 4, 1), None, date(2026, 4, 10), "broken"),
        (None, None, date(2026, 4, 1), "broken"),
        (None, None, date(2026, 3, 31), "pending"),
        (None, date(2026, 3, 20), date(2026, 4, 10), "lifted"),
        (date(2026, 3, 18), date(2026, 3, 20), date(2026, 4, 10), "kept"),
    ],
)
def test_a_promise_is_kept_when_paid_in_full_by_its_date(
    paid_on, lifted_on, today, outcome
):
    assert (
        promise_outcome(
            until=date(2026, 3, 31), paid_on=paid_on, lifted_on=lifted_on, today=today
        )
        == outcome
    )


# --- read from the database -----------------------------------------------------------


@pytest.fixture
def story(db):
    """A customer with one of each kind of event, at known dates."""
    company = make_company()
    steps = make_steps(company)
    user = make_user(company, full_name="Marie Durand")
    customer = make_customer(company, name="Garage Dupuis")
    invoice = make_invoice(
        customer,
        number="FC-1",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 2, 4),
        total=Decimal("1200.00"),
    )
    make_credit_note(customer, number="AV-1", issue_date=date(2026, 2, 1))
    first = _reminder(invoice, steps[0], Reminder.Status.SENT, at("2026-02-10", 8))
    Reminder.objects.filter(pk=first.pk).update(origin="schedule")
    second = _reminder(invoice, steps[1], Reminder.Status.BOUNCED, at("2026-02-20", 8))
    Reminder.objects.filter(pk=second.pk).update(triggered_by=user)
    InboundMessage.objects.create(
        company=company,
        customer=customer,
        reminder=second,
        message_id="<bounce-1@mx.example>",
        kind=InboundMessage.Kind.BOUNCE,
        recipient="compta@garage-dupuis.fr",
        reason="550 5.1.1 Utilisateur inconnu",
        received_at=at("2026-02-20", 9),
    )
    letter_step = steps[3]
    third = _reminder(invoice, letter_step, Reminder.Status.SENT, at("2026-03-01", 8))
    Reminder.objects.filter(pk=third.pk).update(channel="letter")
    Letter.objects.create(
        company=company,
        customer=customer,
        reminder=third,
        status=Letter.Status.RECEIVED,
        dated_on=date(2026, 3, 1),
        pay_by=date(2026, 3, 9),
        sender_name="Bâtiments Durand",
        recipient_name="Garage Dupuis",
        tracking_number="1A23456789012",
        sent_on=date(2026, 3, 2),
        received_on=date(2026, 3, 5),
    )
    pay(
        invoice,
        on=date(2026, 3, 10),
        amount="500.00",
        method="cheque",
        reference="CHQ 88",
    )
    EInvoiceStatusEvent.objects.create(
        company=company,
        invoice=invoice,
        code="207",
        status_on=date(2026, 3, 11),
        received_at=at("2026-03-11", 7),
        source=EInvoiceStatusEvent.Source.CDAR,
        reason="Quantités contestées",
    )
    with time_machine.travel(at("2026-03-12", 9), tick=False):
        invoice_pause(
            invoice=invoice,
            until=date(2026, 3, 31),
            kind=PauseKind.PROMISE,
            reason="Paiement promis au téléphone",
            today=date(2026, 3, 12),
            by=user,
        )
    with time_machine.travel(at("2026-03-13", 10), tick=False):
        customer_note_add(customer=customer, text="Rappeler lundi.", by=user)
    return customer, invoice, user


def _reminder(invoice, step, status, sent_at):
    reminder = Reminder.objects.create(
        company_id=invoice.company_id,
        customer=invoice.customer,
        step=step,
        status=status,
        recipients=["compta@garage-dupuis.fr"],
        sent_at=sent_at,
    )
    ReminderInvoice.objects.create(
        company_id=invoice.company_id,
        reminder=reminder,
        invoice=invoice,
        level=step.order,
        amount_due=invoice.amount_due,
        holds_level=status in Reminder.HOLDING,
    )
    return reminder


def shown(page):
    return [
        (
            e.day.strftime("%d/%m/%Y"),
            e.at and e.at.strftime("%H:%M"),
            e.title,
            e.status,
            e.who,
        )
        for e in page.events
    ]


def test_every_source_appears_with_its_french_title_date_and_who_newest_first(story):
    customer, _invoice, _user = story
    page = customer_timeline(customer=customer, today=TODAY, time_zone="Europe/Paris")
    assert shown(page) == [
        ("13/03/2026", "11:00", "Note", "", "Marie Durand"),
        (
            "12/03/2026",
            "10:00",
            "Pause : Promesse de paiement",
            "Promesse en cours",
            "Marie Durand",
        ),
        (
            "11/03/2026",
            None,
            "Facture électronique : En litige",
            "",
            "Plateforme (message CDAR)",
        ),
        ("10/03/2026", None, "Règlement reçu", "", ""),
        ("05/03/2026", None, "Avis de réception de la mise en demeure", "", ""),
        ("02/03/2026", None, "Mise en demeure envoyée en recommandé", "", ""),
        (
            "01/03/2026",
            "09:00",
            "Relance « Mise en demeure » par courrier",
            "Envoyée",
            "",
        ),
        ("20/02/2026", "10:00", "Courriel non remis", "", ""),
        (
            "20/02/2026",
            "09:00",
            "Relance « Relance 2 » par courriel",
            "Non remise",
            "Marie Durand",
        ),
        (
            "10/02/2026",
            "09:00",
            "Relance « Relance 1 » par courriel",
            "Envoyée",
            "Tâche planifiée",
        ),
        ("01/02/2026", None, "Avoir émis", "", ""),
        ("05/01/2026", None, "Facture émise", "", ""),
    ]
    assert page.more is False
    details = {e.title: (e.detail, e.text, e.amount) for e in page.events}
    assert details["Note"] == ("", "Rappeler lundi.", None)
    assert details["Pause : Promesse de paiement"][0] == (
        "jusqu'au 31/03/2026 · Paiement promis au téléphone"
    )
    assert details["Règlement reçu"] == ("Chèque · réf. CHQ 88", "", Decimal("500.00"))
    assert details["Mise en demeure envoyée en recommandé"][0] == (
        "n° 1A23456789012, courrier du 01/03/2026"
    )
    assert details["Courriel non remis"][1] == (
        "compta@garage-dupuis.fr : 550 5.1.1 Utilisateur inconnu"
    )
    assert details["Facture émise"] == (
        "échéance le 04/02/2026",
        "",
        Decimal("1200.00"),
    )
    assert details["Relance « Relance 1 » par courriel"][0] == (
        "compta@garage-dupuis.fr · FC-1"
    )


def test_a_lifted_pause_shows_when_and_by_whom_and_a_promise_paid_in_time_is_kept(
    story,
):
    customer, invoice, user = story
    with time_machine.travel(at("2026-03-14", 15), tick=False):
        invoice_pause_lift(invoice=invoice, today=date(2026, 3, 14), by=user)
    page = customer_timeline(customer=customer, today=TODAY, time_zone="Europe/Paris")
    assert shown(page)[0] == (
        "14/03/2026",
        "16:00",
        "Pause levée",
        "",
        "Marie Durand",
    )
    assert page.events[0].detail == "Pause : Promesse de paiement"
    promise = next(e for e in page.events if e.source == "pause")
    assert (promise.status, promise.tone) == ("Levée avant son terme", "neutral")


def test_a_promise_paid_in_full_by_its_date_is_kept_and_one_past_its_date_broken(db):
    company = make_company()
    customer = make_customer(company)
    kept = make_invoice(customer, number="FC-K", total=Decimal("300.00"))
    broken = make_invoice(customer, number="FC-B", total=Decimal("300.00"))
    for invoice in (kept, broken):
        invoice_pause(
            invoice=invoice,
            until=date(2026, 3, 20),
            kind=PauseKind.PROMISE,
            reason="",
            today=date(2026, 3, 1),
        )
    pay(kept, on=date(2026, 3, 20), amount="300.00")
    pay(broken, on=date(2026, 3, 21), amount="300.00")
    page = customer_timeline(
        customer=customer, today=date(2026, 3, 25), time_zone="Europe/Paris"
    )
    outcomes = {e.invoice_number: e.status for e in page.events if e.source == "pause"}
    assert outcomes == {"FC-K": "Promesse tenue", "FC-B": "Promesse non tenue"}


def test_the_history_reads_a_bounded_number_of_rows_however_long(
    db, django_assert_max_num_queries
):
    company = make_company()
    customer = make_customer(company)
    Invoice.objects.bulk_create(
        Invoice(
            company=company,
            customer=customer,
            number=f"FC-{n:04d}",
            issue_date=date(2025, 1, 1) + (date(2026, 1, 1) - date(2025, 12, 31)) * n,
            due_date=date(2026, 12, 31),
            total=Decimal("10.00"),
            amount_due=Decimal("10.00"),
        )
        for n in range(300)
    )
    CustomerNote.objects.bulk_create(
        CustomerNote(
            company=company,
            customer=customer,
            text=f"note {n}",
            created_at=at("2024-06-01", n % 24),
        )
        for n in range(300)
    )
    # One query a source (timeline_queries.SOURCES).
    with django_assert_max_num_queries(13):
        page = customer_timeline(
            customer=customer, today=TODAY, limit=50, time_zone="Europe/Paris"
        )
    assert len(page.events) == 50 and page.more is True
    assert page.events[0].invoice_number == "FC-0299"
    assert page.events[-1].invoice_number == "FC-0250"
    longer = customer_timeline(
        customer=customer, today=TODAY, limit=400, time_zone="Europe/Paris"
    )
    assert len(longer.events) == 400 and longer.more is True
    assert [e.source for e in longer.events[298:302]] == [
        "invoice",
        "invoice",
        "note",
        "note",
    ]


# --- pause records, written by the pause services -----------------------------------


def test_every_pause_service_records_who_when_kind_until_and_reason(db):
    company = make_company()
    user = make_user(company)
    customer = make_customer(company)
    invoice = make_invoice(customer)
    with time_machine.travel(at("2026-03-01", 9), tick=False):
        invoice_pause(
            invoice=invoice,
            until=date(2026, 3, 20),
            kind=PauseKind.DISPUTE,
            reason="Travaux contestés",
            today=date(2026, 3, 1),
            by=user,
        )
    with time_machine.travel(at("2026-03-02", 9), tick=False):
        invoice_pause(
            invoice=invoice,
            until=date(2026, 3, 25),
            kind=PauseKind.PROMISE,
            reason="",
            today=date(2026, 3, 2),
            origin="api",
        )
        customer_pause(
            customer=customer,
            until=date(2026, 4, 1),
            reason="Échéancier",
            today=date(2026, 3, 2),
            by=user,
        )
    with time_machine.travel(at("2026-03-03", 9), tick=False):
        customers_pause_at_least(
            company=company,
            customer_ids=[customer.pk],
            until=date(2026, 4, 10),
            reason="réponse du client à traiter",
            today=date(2026, 3, 3),
        )
    rows = list(
        PauseRecord.objects.order_by("id").values_list(
            "invoice_id",
            "kind",
            "until",
            "reason",
            "origin",
            "set_by",
            "set_at",
            "lifted_at",
            "lifted_origin",
        )
    )
    assert rows == [
        (
            invoice.pk,
            "dispute",
            date(2026, 3, 20),
            "Travaux contestés",
            "user",
            user.pk,
            at("2026-03-01", 9),
            at("2026-03-02", 9),
            "api",
        ),
        (
            invoice.pk,
            "promise",
            date(2026, 3, 25),
            "",
            "api",
            None,
            at("2026-03-02", 9),
            None,
            "",
        ),
        (
            None,
            "",
            date(2026, 4, 1),
            "Échéancier",
            "user",
            user.pk,
            at("2026-03-02", 9),
            at("2026-03-03", 9),
            "reply",
        ),
        (
            None,
            "",
            date(2026, 4, 10),
            "réponse du client à traiter",
            "reply",
            None,
            at("2026-03-03", 9),
            None,
            "",
        ),
    ]


def test_a_pause_past_its_date_is_not_lifted_by_the_next_one(db):
    company = make_company()
    invoice = make_invoice(make_customer(company))
    invoice_pause(
        invoice=invoice,
        until=date(2026, 3, 5),
        kind="other",
        reason="",
        today=date(2026, 3, 1),
    )
    invoice_pause(
        invoice=invoice,
        until=date(2026, 3, 20),
        kind="other",
        reason="",
        today=date(2026, 3, 10),
    )
    assert list(
        PauseRecord.objects.order_by("id").values_list("lifted_at", flat=True)
    ) == [
        None,
        None,
    ]


def test_the_migration_records_each_pause_in_place_dated_unknown(db):
    company = make_company()
    customer = make_customer(
        company, paused_until=date(2026, 5, 1), pause_reason="Procédure collective"
    )
    invoice = make_invoice(
        customer,
        paused_until=date(2026, 4, 1),
        pause_kind=PauseKind.DISPUTE,
        pause_reason="Malfaçons",
    )
    make_invoice(customer)  # not paused: no record
    migration = importlib.import_module(
        "relance.dunning.migrations.0012_pause_records_and_notes"
    )
    with time_machine.travel(at("2026-03-01", 9), tick=False):
        migration.current_pauses_recorded(apps, None)
    rows = list(
        PauseRecord.objects.order_by("id").values_list(
            "invoice_id", "kind", "until", "reason", "origin", "set_at", "set_at_known"
        )
    )
    assert rows == [
        (
            invoice.pk,
            "dispute",
            date(2026, 4, 1),
            "Malfaçons",
            "",
            at("2026-03-01", 9),
            False,
        ),
        (
            None,
            "",
            date(2026, 5, 1),
            "Procédure collective",
            "",
            at("2026-03-01", 9),
            False,
        ),
    ]
    page = customer_timeline(customer=customer, today=TODAY, time_zone="Europe/Paris")
    assert [(e.title, e.detail, e.who) for e in page.events if e.source == "pause"] == [
        (
            "Pause des relances du client",
            "jusqu'au 01/05/2026 · Procédure collective"
            " · date de mise en pause inconnue",
            "",
        ),
        (
            "Pause : Litige",
            "jusqu'au 01/04/2026 · Malfaçons · date de mise en pause inconnue",
            "",
        ),
    ]


# --- notes --------------------------------------------------------------------------


def test_a_note_is_refused_empty_or_over_5000_characters_in_french(db):
    from relance.core.errors import ApplicationError

    customer = make_customer(make_company())
    with pytest.raises(ApplicationError) as empty:
        customer_note_add(customer=customer, text="  \n ")
    assert (empty.value.field, empty.value.message) == (
        "text",
        "Écrivez le texte de la note.",
    )
    with pytest.raises(ApplicationError) as long:
        customer_note_add(customer=customer, text="x" * 5001)
    assert long.value.message == (
        "La note dépasse 5 000 caractères (5\xa0001) : raccourcissez-la."
    )
    note = customer_note_add(customer=customer, text=" " + "é" * 5000 + "\r\n")
    assert len(note.text) == 5000 and CustomerNote.objects.count() == 1
