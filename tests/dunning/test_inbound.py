"""What comes back: real bounces, automatic replies and replies taken in from
files, with their exact effects on reminders, invoices and customers."""

import json
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from relance.core.errors import ApplicationError
from relance.dunning.models import InboundMessage, Reminder
from relance.dunning.planning import Code, reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.inbound import inbound_reply_handle, mailbox_import
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice, PauseKind
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
FILES = Path(__file__).resolve().parents[1] / "mailing" / "files"
TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def sample_id(n: int) -> str:
    """The Message-ID of the reminder each sample file answers or returns."""
    return f"<176457924400.1234.555000{n}@durand-btp.fr>"


@pytest.fixture
def company():
    company = make_company(name="Durand BTP", sender_email="relances@durand-btp.fr")
    make_steps(company)
    return company


def reminded(company, n: int, email: str, *, number=None, now=NOW, today=TODAY):
    """A customer with one invoice, reminded once (step 1) through a real
    SMTP server; its reminder carries the sample's Message-ID."""
    customer = make_customer(company, email=email, name=f"Client {n}")
    invoice = make_invoice(
        customer,
        number=number or f"FA-2026-00{n}",
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 10, 31),
    )
    reminder = send(company, [invoice], now=now, today=today)
    Reminder.objects.filter(pk=reminder.pk).update(message_id=sample_id(n))
    reminder.refresh_from_db()
    invoice.refresh_from_db()
    return customer, invoice, reminder


def send(company, invoices, *, now=NOW, today=TODAY) -> Reminder:
    invoices_refresh(company=company, today=today)
    plan = reminder_plan(company=company, today=today, invoices=invoices)
    assert not plan.errors, plan.errors
    created = reminders_create(plan=plan, origin="user", user=None)
    delivered = reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders], now=now, today=today
    )
    assert len(delivered.sent) == 1
    return delivered.sent[0]


def take_in(company, *names, now=LATER):
    files = [(name, (FILES / name).read_bytes()) for name in names]
    return mailbox_import(company=company, files=files, now=now).as_dict()


def test_a_postfix_bounce_makes_the_reminder_not_delivered_and_the_invoice_go_back(
    company, smtp_server
):
    customer, invoice, reminder = reminded(company, 1, "compta@client-disparu.fr")
    assert (invoice.dunning_level, invoice.last_reminder_on) == (1, TODAY)

    report = take_in(company, "postfix_bounce.eml")

    reason = (
        "550 5.1.1 <compta@client-disparu.fr>: Recipient address rejected: "
        "User unknown in virtual mailbox table"
    )
    assert report == {
        "read": 1,
        "bounces": [
            {
                "reminder": reminder.pk,
                "invoices": ["FA-2026-001"],
                "recipient": "compta@client-disparu.fr",
                "permanent": True,
                "reason": reason,
            }
        ],
        "auto_replies": 0,
        "replies": [],
        "unknown": 0,
    }
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.BOUNCED
    assert reminder.get_status_display() == "Non remise"
    assert reminder.error == f"Non remise : {reason}"
    assert not reminder.lines.filter(holds_level=True).exists()
    invoice.refresh_from_db()
    assert (invoice.dunning_level, invoice.last_reminder_on) == (0, None)
    assert invoice.to_remind is True
    assert invoice.next_level == 1
    customer.refresh_from_db()
    assert customer.email_refused == "compta@client-disparu.fr"
    assert customer.email_refused_reason == reason
    message = InboundMessage.objects.get()
    assert (message.kind, message.reminder, message.customer) == (
        "bounce",
        reminder,
        customer,
    )


def test_a_refused_address_is_an_error_of_the_summary_until_it_changes(
    company, smtp_server
):
    customer, _invoice, _reminder = reminded(company, 1, "compta@client-disparu.fr")
    take_in(company, "postfix_bounce.eml")

    plan = reminder_plan(company=company, today=TODAY)
    assert plan.messages == []
    [error] = plan.errors
    assert error.code == Code.REFUSED_EMAIL
    assert error.message == (
        "Adresse « compta@client-disparu.fr » refusée par le serveur du client "
        "Client 1 (550 5.1.1 <compta@client-disparu.fr>: Recipient address "
        "rejected: User unknown in virtual mailbox table) : à corriger."
    )

    Customer.objects.filter(pk=customer.pk).update(email="compta@client-trouve.fr")
    plan = reminder_plan(company=company, today=TODAY)
    assert plan.errors == []
    [message] = plan.messages
    assert message.recipients == ["compta@client-trouve.fr"]
    assert [line.invoice.number for line in message.lines] == ["FA-2026-001"]
    assert [line.level for line in message.lines] == [1]


def test_an_exchange_report_is_found_by_the_returned_message_and_reads_its_reason(
    company, smtp_server
):
    customer, invoice, reminder = reminded(company, 2, "compta@client-ancien.fr")

    report = take_in(company, "exchange_ndr.eml")

    assert report["bounces"] == [
        {
            "reminder": reminder.pk,
            "invoices": ["FA-2026-002"],
            "recipient": "compta@client-ancien.fr",
            "permanent": True,
            "reason": (
                "The e-mail account does not exist at the organization this "
                "message was sent to. Check the e-mail address, or contact the "
                "recipient directly to find out the correct address. "
                "<EXCH01.client-ancien.fr #5.1.1>"
            ),
        }
    ]
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.BOUNCED
    invoice.refresh_from_db()
    assert invoice.dunning_level == 0
    customer.refresh_from_db()
    assert customer.email_refused == "compta@client-ancien.fr"


def test_a_delay_report_is_recorded_and_changes_nothing(company, smtp_server):
    customer, invoice, reminder = reminded(company, 3, "compta@client-lent.fr")

    report = take_in(company, "delay_report.eml")

    assert report["bounces"] == [
        {
            "reminder": reminder.pk,
            "invoices": [],
            "recipient": "compta@client-lent.fr",
            "permanent": False,
            "reason": (
                "connect to mx.client-lent.fr[198.51.100.7]:25: Connection timed out"
            ),
        }
    ]
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    invoice.refresh_from_db()
    assert (invoice.dunning_level, invoice.last_reminder_on) == (1, TODAY)
    customer.refresh_from_db()
    assert customer.email_refused == ""


def test_a_bounced_second_reminder_takes_the_invoice_back_to_the_first(
    company, smtp_server
):
    _customer, invoice, first = reminded(company, 1, "compta@client-disparu.fr")
    later = date(2026, 12, 20)
    second = send(
        company,
        [invoice],
        now=datetime(2026, 12, 20, 8, 0, tzinfo=UTC),
        today=later,
    )
    Reminder.objects.filter(pk=first.pk).update(message_id="<first@durand-btp.fr>")
    Reminder.objects.filter(pk=second.pk).update(message_id=sample_id(1))
    invoice.refresh_from_db()
    assert (invoice.dunning_level, invoice.last_reminder_on) == (2, later)

    take_in(company, "postfix_bounce.eml", now=datetime(2026, 12, 20, 9, 0, tzinfo=UTC))

    invoice.refresh_from_db()
    assert (invoice.dunning_level, invoice.last_reminder_on) == (1, TODAY)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("sent", "bounced")


def test_out_of_office_answers_are_recorded_and_change_nothing(company, smtp_server):
    absent, invoice_fr, reminder_fr = reminded(company, 4, "compta@client-absent.fr")
    abroad, invoice_en, reminder_en = reminded(
        company, 5, "accounts@client-abroad.co.uk"
    )

    report = take_in(company, "out_of_office_fr.eml", "out_of_office_en.eml")

    assert report == {
        "read": 2,
        "bounces": [],
        "auto_replies": 2,
        "replies": [],
        "unknown": 0,
    }
    for customer in (absent, abroad):
        customer.refresh_from_db()
        assert (customer.paused_until, customer.email_refused) == (None, "")
    for reminder in (reminder_fr, reminder_en):
        reminder.refresh_from_db()
        assert reminder.status == Reminder.Status.SENT
    for invoice in (invoice_fr, invoice_en):
        invoice.refresh_from_db()
        assert invoice.dunning_level == 1
    assert sorted(InboundMessage.objects.values_list("kind", "reminder")) == [
        ("auto_reply", reminder_fr.pk),
        ("auto_reply", reminder_en.pk),
    ]


def test_a_reply_is_attached_to_its_reminder_and_pauses_the_customer(
    company, smtp_server
):
    customer, invoice, reminder = reminded(company, 6, "compta@client-repond.fr")

    report = take_in(company, "reply.eml")

    assert report == {
        "read": 1,
        "bounces": [],
        "auto_replies": 0,
        "replies": [{"reminder": reminder.pk, "customer": customer.code}],
        "unknown": 0,
    }
    customer.refresh_from_db()
    assert customer.paused_until == date(2026, 12, 6)
    assert customer.pause_reason == "réponse du client à traiter"
    invoice.refresh_from_db()
    assert invoice.to_remind is False
    assert invoice.next_reminder_on == date(2026, 12, 16)  # « Relance 2 »
    message = InboundMessage.objects.get()
    assert (message.kind, message.reminder, message.customer, message.handled) == (
        "reply",
        reminder,
        customer,
        False,
    )
    assert message.excerpt == (
        "Bonjour,\n\nNous avons bien reçu votre relance. La facture FA-2026-006 "
        "sera réglée par virement le 15 décembre.\n\nCordialement,\nMarc Petit"
    )
    assert message.subject == "RE: Relance 1 — facture FA-2026-006"


def test_the_pause_after_a_reply_follows_the_company_setting(company, smtp_server):
    company.reply_pause_days = 10
    company.save()
    customer, _invoice, _reminder = reminded(company, 6, "compta@client-repond.fr")

    take_in(company, "reply.eml")

    customer.refresh_from_db()
    assert customer.paused_until == date(2026, 12, 11)


def test_a_reply_becomes_a_payment_promise_in_one_action(company, smtp_server):
    _customer, invoice, _reminder = reminded(company, 6, "compta@client-repond.fr")
    take_in(company, "reply.eml")
    message = InboundMessage.objects.get()

    inbound_reply_handle(
        message=message,
        action="promise",
        until=date(2026, 12, 15),
        today=TODAY,
        now=LATER,
    )

    invoice.refresh_from_db()
    assert invoice.pause_kind == PauseKind.PROMISE
    assert invoice.paused_until == date(2026, 12, 15)
    assert invoice.pause_reason == (
        "réponse du 01/12/2026 : RE: Relance 1 — facture FA-2026-006"
    )
    message.refresh_from_db()
    assert (message.handled, message.handled_note) == (
        True,
        "Promesse de paiement (15/12/2026)",
    )
    with pytest.raises(ApplicationError) as refused:
        inbound_reply_handle(message=message, action="close", today=TODAY, now=LATER)
    assert str(refused.value) == "Cette réponse est déjà traitée."


def test_a_reply_becomes_a_dispute_or_is_closed(company, smtp_server):
    _customer, invoice, _reminder = reminded(company, 6, "compta@client-repond.fr")
    take_in(company, "reply.eml")
    message = InboundMessage.objects.get()

    inbound_reply_handle(
        message=message,
        action="dispute",
        until=date(2027, 1, 31),
        today=TODAY,
        now=LATER,
    )

    invoice.refresh_from_db()
    assert (invoice.pause_kind, invoice.paused_until) == (
        PauseKind.DISPUTE,
        date(2027, 1, 31),
    )


def test_a_message_answering_no_reminder_is_kept_as_unknown(company, smtp_server):
    _customer, _invoice, _reminder = reminded(company, 6, "compta@client-repond.fr")

    report = take_in(company, "unknown.eml")

    assert report == {
        "read": 1,
        "bounces": [],
        "auto_replies": 0,
        "replies": [],
        "unknown": 1,
    }
    message = InboundMessage.objects.get()
    assert (message.kind, message.reminder, message.customer) == ("unknown", None, None)
    assert message.subject == "Les nouveautés de décembre"
    assert bytes(message.raw) == (FILES / "unknown.eml").read_bytes()


def test_messages_taken_in_twice_change_nothing_the_second_time(company, smtp_server):
    customer, _invoice, _reminder = reminded(company, 1, "compta@client-disparu.fr")
    names = ["postfix_bounce.eml", "reply.eml", "unknown.eml", "out_of_office_fr.eml"]
    take_in(company, *names)
    Customer.objects.filter(pk=customer.pk).update(email="nouvelle@client.fr")

    again = take_in(company, *names)

    assert again == {
        "read": 4,
        "bounces": [],
        "auto_replies": 0,
        "replies": [],
        "unknown": 0,
    }
    assert InboundMessage.objects.count() == 4
    customer.refresh_from_db()
    assert customer.email_refused == "compta@client-disparu.fr"
    assert customer.reminder_email_refused is False


def test_an_mbox_file_is_taken_in_message_by_message(company, smtp_server, tmp_path):
    reminded(company, 1, "compta@client-disparu.fr")
    reminded(company, 6, "compta@client-repond.fr")
    mbox = b""
    for name in ("postfix_bounce.eml", "reply.eml", "unknown.eml"):
        data = (FILES / name).read_bytes().replace(b"\nFrom ", b"\n>From ")
        mbox += b"From MAILER-DAEMON Tue Dec  1 09:14:07 2026\n" + data + b"\n"
    path = tmp_path / "boite.mbox"
    path.write_bytes(mbox)
    out = StringIO()

    call_command(
        "mailbox", "import", str(path), "--json", f"--company={company.pk}", stdout=out
    )

    report = json.loads(out.getvalue())
    assert report["read"] == 3
    assert [b["recipient"] for b in report["bounces"]] == ["compta@client-disparu.fr"]
    assert len(report["replies"]) == 1
    assert report["unknown"] == 1


def test_the_command_says_what_came_back_in_french(company, smtp_server):
    _customer, _invoice, _reminder = reminded(company, 1, "compta@client-disparu.fr")
    out = StringIO()

    call_command(
        "mailbox",
        "import",
        str(FILES / "postfix_bounce.eml"),
        str(FILES / "unknown.eml"),
        f"--company={company.pk}",
        stdout=out,
    )

    assert out.getvalue().splitlines() == [
        "2 message(s) lu(s).",
        "Non remis (définitif) à compta@client-disparu.fr : 550 5.1.1 "
        "<compta@client-disparu.fr>: Recipient address rejected: User unknown in "
        "virtual mailbox table — FA-2026-001.",
        "0 réponse(s) automatique(s).",
        "1 message(s) inconnu(s), gardé(s).",
    ]


def test_the_daily_digest_counts_the_reminders_not_delivered(company, smtp_server):
    from relance.dunning.models import DailyRun
    from relance.dunning.services.digest import digest_send

    company.reply_to_email = "compta@durand-btp.fr"
    company.save()
    reminded(company, 1, "compta@client-disparu.fr")
    take_in(company, "postfix_bounce.eml")
    run = DailyRun.objects.create(company=company, date=TODAY, started_at=LATER)
    smtp_server.received.clear()

    assert digest_send(company=company, run=run, now=LATER) is True

    [digest] = smtp_server.received
    assert digest.message["Subject"] == "Relance : 1 relance(s) à vérifier"
    text = digest.message.get_body(("plain",)).get_content()
    assert "Non remises : adresse à corriger, puis relancer (1)" in text
    assert (
        "- Client 1 — Relance 1 (FA-2026-001) : Non remise : 550 5.1.1 "
        "<compta@client-disparu.fr>: Recipient address rejected: User unknown in "
        "virtual mailbox table"
    ) in text


def test_a_bounce_settles_an_uncertain_reminder_as_not_delivered(company, smtp_server):
    _customer, invoice, reminder = reminded(company, 1, "compta@client-disparu.fr")
    # As after a crash mid-send: uncertain, the level not raised.
    Reminder.objects.filter(pk=reminder.pk).update(status=Reminder.Status.UNCERTAIN)
    Invoice.objects.filter(pk=invoice.pk).update(dunning_level=0, last_reminder_on=None)

    report = take_in(company, "postfix_bounce.eml")

    assert report["bounces"][0]["invoices"] == ["FA-2026-001"]
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.BOUNCED
    assert not reminder.lines.filter(holds_level=True).exists()
    invoice.refresh_from_db()
    assert (invoice.dunning_level, invoice.to_remind) == (0, True)


def test_a_reminder_queued_to_an_address_refused_since_never_leaves(
    company, smtp_server
):
    customer, invoice, _first = reminded(company, 1, "compta@client-disparu.fr")
    Reminder.objects.filter(pk=_first.pk).update(message_id="<first@durand-btp.fr>")
    later = date(2026, 12, 20)
    invoices_refresh(company=company, today=later)
    plan = reminder_plan(company=company, today=later, invoices=[invoice])
    [queued] = reminders_create(plan=plan, origin="user", user=None).reminders
    Customer.objects.filter(pk=customer.pk).update(
        email_refused="compta@client-disparu.fr",
        email_refused_reason="550 5.1.1 User unknown",
    )
    smtp_server.received.clear()

    delivered = reminders_deliver(
        reminder_ids=[queued.pk],
        now=datetime(2026, 12, 20, 8, 0, tzinfo=UTC),
        today=later,
    )

    assert smtp_server.received == []
    assert [r.pk for r in delivered.failed] == [queued.pk]
    queued.refresh_from_db()
    assert queued.status == Reminder.Status.FAILED
    assert queued.error == (
        "Adresse « compta@client-disparu.fr » refusée par le serveur du client "
        "(550 5.1.1 User unknown) : corrigez-la, puis relancez."
    )
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1
