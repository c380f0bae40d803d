"""Sending reminders to a real SMTP server on loopback: exact messages, honest
records, retries, failures and crashes."""

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from relance.core.models import Grouping
from relance.dunning.models import DunningStep, Reminder
from relance.dunning.planning import Code, reminder_plan
from relance.dunning.services import delivery
from relance.dunning.services.delivery import reminders_deliver, reminders_deliver_due
from relance.dunning.services.recovery import reminders_recover
from relance.dunning.services.reminder_actions import reminder_resend
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice
from relance.mailing.delivery import SmtpTransport
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_pdf,
    make_steps,
    make_user,
    pay,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def company():
    company = make_company(
        name="Bâtiments Durand",
        sender_email="relances@durand.example",
        reply_to_email="compta@durand.example",
    )
    make_steps(
        company,
        subject="{{ step.name }} : {{ invoice_count }} facture(s) — {{ company.name }}",
        body=(
            "Bonjour {{ customer.name }},\n\n"
            "{% for invoice in invoices %}\n"
            "- {{ invoice.number }} échue le {{ invoice.due_date }} : "
            "{{ invoice.amount_due }}\n"
            "{% endfor %}\n\n"
            "Total : {{ total_due }}"
        ),
    )
    return company


def plan_all(company):
    """Every invoice due today, as the daily job would have tagged them."""
    invoices_refresh(company=company, today=TODAY)
    return reminder_plan(company=company, today=TODAY)


def send(company, invoices=None, *, manual=False, origin="user", user=None, now=NOW):
    invoices_refresh(company=company, today=TODAY)
    plan = reminder_plan(company=company, today=TODAY, invoices=invoices, manual=manual)
    created = reminders_create(plan=plan, origin=origin, user=user)
    delivered = reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders], now=now
    )
    return plan, created, delivered


def test_a_reminder_reaches_the_customer_exactly_as_written(company, smtp_server):
    user = make_user(company)
    herbly = make_customer(
        company,
        name="HERBLY Francis",
        email="f@herbly.example",
        dunning_email="compta@herbly.example",
    )
    make_invoice(
        herbly,
        number="FC22120054",
        due_date=date(2026, 1, 31),
        total=Decimal("1234.56"),
    )
    _, _, delivered = send(company, user=user)
    [reminder] = delivered.sent
    [received] = smtp_server.received
    message = received.message
    assert received.sender == "relances@durand.example"
    assert received.recipients == ["compta@herbly.example"]
    assert message["From"] == "Bâtiments Durand <relances@durand.example>"
    assert message["To"] == "compta@herbly.example"
    assert message["Cc"] is None
    assert message["Reply-To"] == "compta@durand.example"
    assert message["Subject"] == "Relance 1 : 1 facture(s) — Bâtiments Durand"
    assert message["Message-ID"] == reminder.message_id
    assert reminder.message_id.endswith("@durand.example>")
    assert message["Auto-Submitted"] is None  # a user clicked: not automatic
    text = message.get_body(("plain",)).get_content()
    assert text == (
        "Bonjour HERBLY Francis,\n\n"
        "- FC22120054 échue le 31/01/2026 : 1\u00a0234,56\u00a0€\n\n"
        "Total : 1\u00a0234,56\u00a0€\n"
    )
    html = message.get_body(("html",)).get_content()
    assert "<li>FC22120054 échue le 31/01/2026 : 1\u00a0234,56\u00a0€</li>" in html
    assert "<p>Bonjour HERBLY Francis,</p>" in html
    assert list(message.iter_attachments()) == []
    # The record is what was sent, by whom.
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert NOW <= reminder.sent_at < NOW + timedelta(seconds=30)  # its own time
    assert reminder.attempts == 1
    assert reminder.recipients == ["compta@herbly.example"]
    assert reminder.subject == message["Subject"]
    assert reminder.body_text == text
    assert reminder.triggered_by == user
    assert reminder.origin == "user"


def test_a_sent_reminder_moves_the_invoice_to_the_next_level(company, smtp_server):
    invoice = make_invoice(make_customer(company), due_date=date(2026, 1, 31))
    send(company)
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1
    assert invoice.last_reminder_on == TODAY
    assert invoice.to_remind is False
    assert (invoice.next_level, invoice.next_reminder_on) == (
        2,
        TODAY + timedelta(days=15),
    )
    line = invoice.reminder_lines.get()
    assert (line.level, line.amount_due, line.holds_level) == (
        1,
        Decimal("1200.00"),
        True,
    )


def test_a_second_run_sends_nothing(company, smtp_server):
    make_invoice(make_customer(company))
    send(company)
    plan, created, delivered = send(company)
    assert plan.to_send == 0
    assert created.reminders == [] and delivered.sent == []
    assert len(smtp_server.received) == 1


def test_the_schedule_marks_its_messages_as_automatic(company, smtp_server):
    make_invoice(make_customer(company))
    send(company, origin=Reminder.Origin.SCHEDULE)
    assert smtp_server.received[0].message["Auto-Submitted"] == "auto-generated"


def test_grouped_per_customer_and_per_step_each_message_is_true_of_its_invoices(
    company, smtp_server
):
    """Issue 12 §1: X at level 1 and Y never reminded, both due: X gets the
    Relance 2 text and Y the Relance 1 text, in two messages of the run."""
    customer = make_customer(company, email="a@client.example")
    new = make_invoice(customer, number="FC-NEW")
    new_too = make_invoice(customer, number="FC-NEW2")
    old = make_invoice(
        customer, number="FC-OLD", dunning_level=1, last_reminder_on=date(2026, 1, 10)
    )
    other = make_invoice(
        make_customer(company, email="b@other.example"), number="FC-OTHER"
    )
    plan, _created, _delivered = send(company)
    assert [
        (m.customer.email, m.step.name, [i.number for i in m.invoices])
        for m in plan.messages
    ] == [
        ("a@client.example", "Relance 1", ["FC-NEW", "FC-NEW2"]),
        ("a@client.example", "Relance 2", ["FC-OLD"]),
        ("b@other.example", "Relance 1", ["FC-OTHER"]),
    ]
    subjects = sorted(
        r.message["Subject"]
        for r in smtp_server.received
        if r.recipients == ["a@client.example"]
    )
    assert subjects == [
        "Relance 1 : 2 facture(s) — Bâtiments Durand",
        "Relance 2 : 1 facture(s) — Bâtiments Durand",
    ]
    for invoice, level in ((new, 1), (new_too, 1), (old, 2), (other, 1)):
        invoice.refresh_from_db()
        assert invoice.dunning_level == level


def test_per_invoice_mode_sends_one_message_per_invoice(company, smtp_server):
    company.grouping = Grouping.INVOICE
    company.save()
    customer = make_customer(company)
    make_invoice(customer, number="FC1")
    make_invoice(customer, number="FC2")
    send(company)
    subjects = sorted(r.message["Subject"] for r in smtp_server.received)
    assert subjects == ["Relance 1 : 1 facture(s) — Bâtiments Durand"] * 2


def test_the_invoice_pdf_is_attached_when_the_step_asks_for_it(company, smtp_server):
    invoice = make_invoice(make_customer(company), number="FC1")
    invoice.pdf.save("FC1.pdf", ContentFile(b"%PDF-1.4 facture FC1"))
    send(company)
    [attachment] = list(smtp_server.received[0].message.iter_attachments())
    assert attachment.get_filename() == "Facture FC1.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.4 facture FC1"


def test_a_pdf_uploaded_on_the_invoice_page_goes_with_the_reminder(
    company, smtp_server
):
    invoice = make_invoice(make_customer(company), number="FC26010001")
    client = Client()
    client.force_login(make_user(company))
    uploaded = make_pdf("FC26010001")
    client.post(
        f"/factures/{invoice.pk}/pdf/joindre/",
        {"pdf": SimpleUploadedFile("scan.pdf", uploaded, "application/pdf")},
    )
    send(company)
    [attachment] = list(smtp_server.received[0].message.iter_attachments())
    assert attachment.get_filename() == "Facture FC26010001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == uploaded


def test_no_pdf_when_the_step_does_not_ask_for_it(company, smtp_server):
    DunningStep.objects.filter(company=company).update(attach_pdf=False)
    invoice = make_invoice(make_customer(company), number="FC1")
    invoice.pdf.save("FC1.pdf", ContentFile(b"%PDF-1.4"))
    send(company)
    assert list(smtp_server.received[0].message.iter_attachments()) == []


def test_an_invoice_paid_between_summary_and_sending_is_dropped(company, smtp_server):
    customer = make_customer(company)
    paid = make_invoice(customer, number="FC-PAID")
    kept = make_invoice(customer, number="FC-KEPT")
    plan = plan_all(company)
    created = reminders_create(plan=plan)
    pay(invoice=paid, on=TODAY, amount=paid.amount_due)
    reminders_deliver(reminder_ids=[r.pk for r in created.reminders], now=NOW)
    text = smtp_server.received[0].message.get_body(("plain",)).get_content()
    assert "FC-KEPT" in text and "FC-PAID" not in text
    paid.refresh_from_db()
    kept.refresh_from_db()
    assert (paid.dunning_level, kept.dunning_level) == (0, 1)
    line = paid.reminder_lines.get()
    assert (line.holds_level, line.dropped) == (False, "réglée entre-temps")


def test_a_reminder_whose_invoices_were_all_paid_is_cancelled(company, smtp_server):
    invoice = make_invoice(make_customer(company))
    created = reminders_create(plan=plan_all(company))
    pay(invoice=invoice, on=TODAY, amount=invoice.amount_due)
    delivered = reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders], now=NOW
    )
    assert smtp_server.received == []
    [reminder] = delivered.cancelled
    assert reminder.status == Reminder.Status.CANCELLED
    assert "réglées, annulées ou mises en pause" in reminder.error


def test_a_temporary_refusal_is_retried_later_and_sent_once(company, smtp_server):
    invoice = make_invoice(make_customer(company))
    smtp_server.handler.answers = ["451 4.3.0 Mailbox busy, try later"]
    _, _, delivered = send(company)
    [reminder] = delivered.retrying
    assert reminder.status == Reminder.Status.PENDING
    assert reminder.next_attempt_at == NOW + timedelta(minutes=5)
    assert reminder.error.startswith(
        "451 4.3.0 Mailbox busy, try later — nouvelle tentative"
    )
    invoice.refresh_from_db()
    assert (invoice.dunning_level, invoice.to_remind) == (0, True)
    # Too early: nothing goes.
    assert reminders_deliver_due(now=NOW + timedelta(minutes=4)).sent == []
    later = reminders_deliver_due(now=NOW + timedelta(minutes=5))
    assert [r.pk for r in later.sent] == [reminder.pk]
    assert len(smtp_server.received) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.error) == ("sent", 2, "")
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1


def test_temporary_failures_give_up_after_four_attempts(company, smtp_server):
    invoice = make_invoice(make_customer(company))
    smtp_server.handler.answers = ["421 4.7.0 Try again later"] * 4
    send(company)
    when = NOW
    for wait in (5, 30, 120):
        when += timedelta(minutes=wait)
        reminders_deliver_due(now=when)
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.FAILED
    assert reminder.attempts == 4
    assert reminder.error == "421 4.7.0 Try again later (abandon après 4 essais)"
    assert smtp_server.received == []
    invoice.refresh_from_db()
    assert invoice.to_remind is True


def test_a_permanent_refusal_fails_at_once_and_leaves_the_invoice_to_remind(
    company, smtp_server
):
    invoice = make_invoice(make_customer(company, email="nobody@client.example"))
    smtp_server.handler.refuse_recipients = {
        "nobody@client.example": "550 5.1.1 User unknown"
    }
    _, _, delivered = send(company)
    [reminder] = delivered.failed
    assert (reminder.status, reminder.error, reminder.attempts) == (
        "failed",
        "550 5.1.1 User unknown",
        1,
    )
    invoice.refresh_from_db()
    assert (invoice.dunning_level, invoice.to_remind, invoice.last_reminder_on) == (
        0,
        True,
        None,
    )
    # The level is free again: once the address is fixed, a new run sends it.
    invoice.customer.email = "compta@client.example"
    invoice.customer.save()
    smtp_server.handler.refuse_recipients = {}
    _, _, again = send(company)
    assert len(again.sent) == 1


def test_a_refused_message_does_not_stop_the_batch_on_one_connection(
    company, smtp_server
):
    for n in range(3):
        make_invoice(
            make_customer(company, name=f"Client {n}", email=f"c{n}@client.example")
        )
    smtp_server.handler.answers = ["250 OK", "554 5.7.1 Rejected as spam", "250 OK"]
    _, _, delivered = send(company)
    assert (len(delivered.sent), len(delivered.failed)) == (2, 1)
    assert smtp_server.handler.rcpt_count == 3
    assert smtp_server.handler.connections == 1  # one connection for the batch


def test_an_unreachable_server_is_a_temporary_failure(company, smtp_server):
    make_invoice(make_customer(company))
    smtp_server.stop()
    _, _, delivered = send(company)
    [reminder] = delivered.retrying
    assert "connexion impossible à 127.0.0.1" in reminder.error


def test_messages_not_tried_when_the_server_is_down_keep_their_attempts(
    company, smtp_server
):
    """The first message finds the server down; the others of the pass are
    not even tried: only the first one counts an attempt."""
    for _ in range(3):
        make_invoice(make_customer(company))
    smtp_server.stop()
    _, _, delivered = send(company)
    assert len(delivered.retrying) == 3
    attempts = dict(Reminder.objects.values_list("pk", "attempts").order_by("pk"))
    assert sorted(attempts.values()) == [0, 0, 1]
    later = Reminder.objects.filter(attempts=0)
    assert {r.next_attempt_at for r in later} == {NOW + timedelta(minutes=5)}
    assert all(r.status == Reminder.Status.PENDING for r in later)
    assert all("nouvelle tentative prévue" in r.error for r in later)


def test_silence_after_the_message_was_transmitted_is_uncertain_and_not_retried(
    company, smtp_server
):
    invoice = make_invoice(make_customer(company))
    smtp_server.handler.answers = ["silence"]
    _, _, delivered = send(company)
    [reminder] = delivered.uncertain
    assert reminder.status == Reminder.Status.UNCERTAIN
    assert "transmis" in reminder.error and "jamais venue" in reminder.error
    assert reminders_deliver_due(now=NOW + timedelta(days=1)).sent == []
    invoice.refresh_from_db()
    assert invoice.dunning_level == 0
    # And no new reminder for that level either, since it may have left.
    plan = plan_all(company)
    assert [e.code for e in plan.errors] == [Code.ALREADY_PENDING]


def test_a_crash_between_claim_and_smtp_leaves_an_uncertain_reminder_never_resent(
    company, smtp_server, monkeypatch
):
    invoice = make_invoice(make_customer(company))
    created = reminders_create(plan=plan_all(company))

    def crash(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(SmtpTransport, "send", crash)
    with pytest.raises(SystemExit):
        reminders_deliver(reminder_ids=[r.pk for r in created.reminders], now=NOW)
    monkeypatch.undo()
    reminder = Reminder.objects.get()
    assert reminder.status == Reminder.Status.SENDING
    # A worker starting again soon after does not touch it…
    assert reminders_recover(now=NOW + timedelta(minutes=5)) == 0
    # …and later marks it uncertain, but never sends it on its own.
    delivered = reminders_deliver_due(now=NOW + timedelta(minutes=20))
    assert delivered.sent == []
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.UNCERTAIN
    assert "peut-être parti" in reminder.error
    assert smtp_server.received == []
    # Only a user's « Renvoyer » sends it, once, with the same Message-ID.
    resent = reminder_resend(reminder=reminder, now=NOW + timedelta(hours=1))
    assert [r.pk for r in resent.sent] == [reminder.pk]
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].message["Message-ID"] == reminder.message_id
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1


def test_two_deliveries_of_the_same_reminder_send_it_once(company, smtp_server):
    make_invoice(make_customer(company))
    created = reminders_create(plan=plan_all(company))
    ids = [r.pk for r in created.reminders]
    first = reminders_deliver(reminder_ids=ids, now=NOW)
    second = reminders_deliver(reminder_ids=ids, now=NOW)
    assert (len(first.sent), len(second.sent)) == (1, 0)
    assert len(smtp_server.received) == 1


def test_a_template_reaching_for_secrets_renders_nothing_sensitive(
    company, smtp_server, settings
):
    # Written straight into the database, past the check made on saving.
    DunningStep.objects.filter(company=company).update(
        body="{{ settings.SECRET_KEY }}{{ customer.__class__ }}{{ company.iban }}"
    )
    make_invoice(make_customer(company))
    _, _, delivered = send(company)
    [reminder] = delivered.failed
    assert reminder.error.startswith("Modèle de l'étape « Relance 1 » :")
    assert settings.SECRET_KEY not in reminder.error
    assert smtp_server.received == []


def remind_json(*args) -> dict:
    out = StringIO()
    call_command("remind", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_remind_command_dry_run_then_send(company, smtp_server):
    herbly = make_customer(company, name="HERBLY Francis", email="f@herbly.example")
    make_invoice(herbly, number="FC1")
    make_invoice(herbly, number="FC2")
    make_invoice(make_customer(company, name="Sans courriel", email=""), number="FC3")
    dry = remind_json("--all-due", "--date", "2026-03-02", "--dry-run")
    assert dry == {
        "to_send": 1,
        "messages": [
            {
                "customer": "HERBLY Francis",
                "to": ["f@herbly.example"],
                "step": "Relance 1",
                "invoices": ["FC1", "FC2"],
                "invoice_steps": ["Relance 1", "Relance 1"],
                "language": "fr",
                "language_note": "",
            }
        ],
        "errors": [
            {
                "invoice": "FC3",
                "code": "no_email",
                "message": "Aucune adresse e-mail pour le client Sans courriel.",
            }
        ],
        "warnings": [],
        "sent": 0,
        "failed": 0,
        "leaves_at": None,  # within the sending calendar (or without one)
        "scheduled": 0,
    }
    assert smtp_server.received == []
    sent = remind_json("--all-due", "--date", "2026-03-02", "--wait")
    assert {key: sent[key] for key in ("to_send", "sent", "failed")} == {
        "to_send": 1,
        "sent": 1,
        "failed": 0,
    }
    assert len(smtp_server.received) == 1
    again = remind_json("--all-due", "--date", "2026-03-02", "--wait")
    assert (again["to_send"], again["sent"]) == (0, 0)
    assert Invoice.objects.get(number="FC1").last_reminder_on == date(2026, 3, 2)


def test_remind_one_invoice_by_hand_before_its_date(company, smtp_server):
    make_invoice(make_customer(company), number="FC1", due_date=date(2026, 3, 1))
    result = remind_json("--invoice", "FC1", "--date", "2026-03-02", "--wait")
    assert (result["to_send"], result["sent"]) == (1, 1)


def test_remind_says_where_messages_went_without_a_mail_server(company, settings):
    make_invoice(make_customer(company), number="FC1")
    out = StringIO()
    call_command("remind", "--all-due", "--date", "2026-03-02", "--wait", stdout=out)
    output = out.getvalue()
    assert f" : dossier {settings.EMAIL_FILE_PATH}" in output
    assert "1 relance(s) envoyée(s)." in output
    assert len(list(settings.DATA_DIR.joinpath("outbox").glob("*.eml"))) == 1


def test_a_payment_while_the_message_is_on_its_way_leaves_a_true_state(
    company, smtp_server, monkeypatch
):
    """The invoice was read before sending and paid before the outcome was
    recorded: the level still rises (the message left), and the stored state
    comes from the database, not from the invoice as it was read."""
    invoice = make_invoice(make_customer(company))
    created = reminders_create(plan=plan_all(company))
    record = delivery._record

    def paid_meanwhile(answered, *args):
        if answered:  # the server has answered: the outcome is about to be saved
            pay(invoice=invoice, on=TODAY, amount=invoice.amount_due)
        record(answered, *args)

    monkeypatch.setattr(delivery, "_record", paid_meanwhile)
    delivered = reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders], now=NOW
    )
    assert [r.status for r in delivered.sent] == [Reminder.Status.SENT]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.dunning_level, invoice.last_reminder_on) == (
        Invoice.Status.PAID,
        1,
        TODAY,
    )
    assert (invoice.to_remind, invoice.next_level, invoice.next_reminder_on) == (
        False,
        None,
        None,
    )


def test_a_reminder_created_meanwhile_for_the_same_level_is_skipped_alone(
    company, smtp_server
):
    taken = make_invoice(make_customer(company, name="Herbly"), number="FC-TAKEN")
    make_invoice(make_customer(company, name="Vasseur"), number="FC-FREE")
    first, second = plan_all(company), plan_all(company)
    first.messages = [m for m in first.messages if m.customer.name == "Herbly"]
    assert len(reminders_create(plan=first).reminders) == 1
    created = reminders_create(plan=second)
    assert [r.customer.name for r in created.reminders] == ["Vasseur"]
    assert [(e.reference, e.code) for e in created.errors] == [
        ("FC-TAKEN", Code.ALREADY_PENDING)
    ]
    assert taken.reminder_lines.count() == 1
    assert Reminder.objects.count() == 2


def test_a_template_that_fails_when_rendered_fails_its_reminder_only(
    company, smtp_server
):
    make_invoice(make_customer(company, name="Herbly"))
    make_invoice(make_customer(company, name="Vasseur"))
    created = reminders_create(plan=plan_all(company))
    step = created.reminders[0].step
    DunningStep.objects.filter(pk=step.pk).update(
        body="{{ customer.name }} {{ invoice_count // (invoice_count - 1) }}"
    )
    delivered = reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders], now=NOW
    )
    assert smtp_server.received == []
    assert [r.status for r in delivered.failed] == [Reminder.Status.FAILED] * 2
    assert delivered.failed[0].error == (
        f"Modèle de l'étape « {step.name} » : le modèle ne peut pas être rendu "
        "(integer division or modulo by zero)"
    )
    # The levels are free again: the reminders can be planned anew.
    assert plan_all(company).to_send == 2


def test_each_answer_is_recorded_as_it_comes_so_the_progress_moves(
    company, smtp_server
):
    """Issue 12 §7: the progress stayed at « 0 / 3 » then jumped to the end,
    the three answers recorded together after the last one."""
    smtp_server.handler.delay = 0.3
    for n in range(3):
        make_invoice(make_customer(company, email=f"c{n}@client.example"))
    _plan, created, delivered = send(company)
    assert len(delivered.sent) == 3
    moments = sorted(
        Reminder.objects.filter(pk__in=[r.pk for r in created.reminders]).values_list(
            "sent_at", flat=True
        )
    )
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert all(gap >= timedelta(seconds=0.2) for gap in gaps), gaps
