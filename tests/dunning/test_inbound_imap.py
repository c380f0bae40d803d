"""What comes back, read from a real IMAP mailbox (Dovecot): bounces,
automatic replies, a customer's answer to a reminder really sent through the
SMTP test server, and a stranger's message; each taken in once, then marked
read (or moved)."""

import json
import logging
import shutil
from datetime import UTC, date, datetime
from email.message import EmailMessage
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from relance.dunning import tasks
from relance.dunning.models import InboundMessage, Reminder
from relance.dunning.services import inbound as inbound_services
from relance.dunning.services.inbound import mailbox_fetch
from relance.mailing import imap, inbound
from tests.dovecot import PASSWORD, USER, Dovecot, dovecot_binary
from tests.dunning.test_inbound import sample_id, send
from tests.factories import make_company, make_customer, make_invoice, make_steps
from tests.smtp import free_port

pytestmark = pytest.mark.django_db
FILES = Path(__file__).resolve().parents[1] / "mailing" / "files"
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
POSTFIX_REASON = (
    "550 5.1.1 <compta@client-disparu.fr>: Recipient address rejected: "
    "User unknown in virtual mailbox table"
)
EXCHANGE_REASON = (
    "The e-mail account does not exist at the organization this message was "
    "sent to. Check the e-mail address, or contact the recipient directly to "
    "find out the correct address. <EXCH01.client-ancien.fr #5.1.1>"
)
NOTHING = {"read": 0, "bounces": [], "auto_replies": 0, "replies": [], "unknown": 0}


@pytest.fixture
def company():
    company = make_company(
        name="Durand BTP",
        sender_email="relances@durand-btp.fr",
        reply_to_email="compta@durand-btp.fr",
    )
    make_steps(company)
    return company


def reminded(company, number: str, email: str):
    """A customer with one invoice, reminded once (step 1) through the SMTP
    test server: the reminder keeps the Message-ID it was sent with."""
    customer = make_customer(company, email=email, name=f"Client {number}")
    invoice = make_invoice(
        customer,
        number=number,
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 10, 31),
    )
    reminder = send(company, [invoice], now=NOW, today=date(2026, 12, 1))
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1
    return customer, invoice, reminder


def sample(name: str, n: int, reminder: Reminder) -> bytes:
    """A sample file returning (or answering) this reminder: the sample's
    Message-ID replaced by the one the reminder really went out with."""
    data = (FILES / name).read_bytes()
    assert sample_id(n).encode() in data
    return data.replace(sample_id(n).encode(), reminder.message_id.encode())


def answer(smtp_server, address: str) -> bytes:
    """The customer's mail program answering the reminder it received."""
    [received] = [r for r in smtp_server.received if address in r.recipients]
    original = received.message
    reply = EmailMessage()
    reply["From"] = f"Marc Petit <{address}>"
    reply["To"] = original["Reply-To"] or original["From"]
    reply["Subject"] = f"RE: {original['Subject']}"
    reply["Date"] = "Tue, 01 Dec 2026 10:02:00 +0100"
    reply["Message-ID"] = "<reponse-411@client-repond.fr>"
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = original["Message-ID"]
    reply.set_content(
        "Bonjour,\n\nFacture contestée : le chantier n'est pas terminé.\n\n"
        f"Marc Petit\n\n> {original['Subject']}\n"
    )
    return reply.as_bytes()


def test_the_mailbox_is_read_and_each_kind_of_message_acted_upon(
    company, smtp_server, dovecot
):
    disparu, invoice_1, reminder_1 = reminded(
        company, "FA-2026-001", "compta@client-disparu.fr"
    )
    ancien, invoice_2, reminder_2 = reminded(
        company, "FA-2026-002", "compta@client-ancien.fr"
    )
    absent, invoice_4, reminder_4 = reminded(
        company, "FA-2026-004", "compta@client-absent.fr"
    )
    repond, invoice_6, reminder_6 = reminded(
        company, "FA-2026-006", "compta@client-repond.fr"
    )
    dovecot.append(
        sample("postfix_bounce.eml", 1, reminder_1),
        sample("exchange_ndr.eml", 2, reminder_2),
        sample("out_of_office_fr.eml", 4, reminder_4),
        answer(smtp_server, "compta@client-repond.fr"),
        (FILES / "unknown.eml").read_bytes(),
    )

    report = mailbox_fetch(company=company, now=LATER).as_dict()

    assert report == {
        "read": 5,
        "bounces": [
            {
                "reminder": reminder_1.pk,
                "invoices": ["FA-2026-001"],
                "recipient": "compta@client-disparu.fr",
                "permanent": True,
                "reason": POSTFIX_REASON,
            },
            {
                "reminder": reminder_2.pk,
                "invoices": ["FA-2026-002"],
                "recipient": "compta@client-ancien.fr",
                "permanent": True,
                "reason": EXCHANGE_REASON,
            },
        ],
        "auto_replies": 1,
        "replies": [{"reminder": reminder_6.pk, "customer": repond.code}],
        "unknown": 1,
    }
    # The bounces: « non remise », the invoice back a level, the address refused.
    for reminder, invoice, customer, address in (
        (reminder_1, invoice_1, disparu, "compta@client-disparu.fr"),
        (reminder_2, invoice_2, ancien, "compta@client-ancien.fr"),
    ):
        reminder.refresh_from_db()
        assert reminder.get_status_display() == "Non remise"
        invoice.refresh_from_db()
        assert (invoice.dunning_level, invoice.last_reminder_on) == (0, None)
        assert invoice.to_remind is True
        customer.refresh_from_db()
        assert customer.email_refused == address
    reminder_1.refresh_from_db()
    assert reminder_1.error == f"Non remise : {POSTFIX_REASON}"
    # The out-of-office: nothing changes.
    reminder_4.refresh_from_db()
    assert reminder_4.status == Reminder.Status.SENT
    invoice_4.refresh_from_db()
    assert (invoice_4.dunning_level, invoice_4.last_reminder_on) == (
        1,
        date(2026, 12, 1),
    )
    absent.refresh_from_db()
    assert (absent.paused_until, absent.email_refused) == (None, "")
    # The reply: attached to its reminder, the customer paused five days.
    repond.refresh_from_db()
    assert repond.paused_until == date(2026, 12, 6)
    assert repond.pause_reason == "réponse du client à traiter"
    invoice_6.refresh_from_db()
    assert invoice_6.to_remind is False
    reply = InboundMessage.objects.get(kind="reply")
    assert (reply.reminder, reply.customer, reply.handled) == (
        reminder_6,
        repond,
        False,
    )
    assert reply.excerpt == (
        "Bonjour,\n\nFacture contestée : le chantier n'est pas terminé.\n\nMarc Petit"
    )
    assert InboundMessage.objects.get(kind="unknown").subject == (
        "Les nouveautés de décembre"
    )
    # Every message is read now; a second pass finds nothing new.
    assert dovecot.flags() == ["\\Seen"] * 5
    assert mailbox_fetch(company=company, now=LATER).as_dict() == NOTHING
    assert InboundMessage.objects.count() == 5


def test_with_move_to_the_messages_taken_in_go_to_that_folder(
    company, smtp_server, dovecot
):
    _customer, _invoice, reminder = reminded(
        company, "FA-2026-001", "compta@client-disparu.fr"
    )
    dovecot.append(
        sample("postfix_bounce.eml", 1, reminder),
        (FILES / "unknown.eml").read_bytes(),
    )

    report = mailbox_fetch(
        company=company, now=LATER, url=dovecot.url("move_to=Relance")
    )

    assert (report.read, len(report.bounces), report.unknown) == (2, 1, 1)
    assert dovecot.flags() == []
    assert dovecot.flags("Relance") == ["\\Seen", "\\Seen"]


def test_a_crash_before_marking_leaves_the_messages_unread_and_reading_them_again_changes_nothing(  # noqa: E501
    company, smtp_server, dovecot, monkeypatch
):
    customer, invoice, reminder = reminded(
        company, "FA-2026-001", "compta@client-disparu.fr"
    )
    dovecot.append(sample("postfix_bounce.eml", 1, reminder))

    def crash(self, uids):
        raise RuntimeError("coupure de courant")

    with monkeypatch.context() as patch:
        patch.setattr(imap.Mailbox, "taken", crash)
        with pytest.raises(RuntimeError):
            mailbox_fetch(company=company, now=LATER)

    assert dovecot.flags() == [""]  # still unread
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.BOUNCED
    # The address is fixed meanwhile: the bounce read again refuses nothing.
    customer.email = "compta@client-trouve.fr"
    customer.save()

    report = mailbox_fetch(company=company, now=LATER).as_dict()

    assert report == {**NOTHING, "read": 1}
    assert dovecot.flags() == ["\\Seen"]
    assert InboundMessage.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.dunning_level == 0
    customer.refresh_from_db()
    assert customer.reminder_email_refused is False


def test_messages_are_taken_in_by_bounded_batches(
    company, smtp_server, dovecot, monkeypatch
):
    dovecot.append(
        *(
            (FILES / "unknown.eml")
            .read_bytes()
            .replace(b"<news-2026-12@", f"<news-{n}@".encode())
            for n in range(5)
        )
    )
    batches = []

    def take_in(**kwargs):
        batches.append(len(kwargs["messages"]))
        return real_take_in(**kwargs)

    real_take_in = inbound_services.messages_take_in
    monkeypatch.setattr(inbound_services, "messages_take_in", take_in)
    monkeypatch.setattr(imap, "BATCH", 2)

    report = mailbox_fetch(company=company, now=LATER)

    assert batches == [2, 2, 1]
    assert (report.read, report.unknown) == (5, 5)
    assert dovecot.flags() == ["\\Seen"] * 5


def test_a_message_too_big_or_not_an_email_is_left_unread_and_the_rest_taken_in(
    company, smtp_server, dovecot, monkeypatch
):
    monkeypatch.setattr(inbound, "MAX_MESSAGE", 4000)
    unknown = (FILES / "unknown.eml").read_bytes()
    dovecot.append(
        b"Subject: rien\n\n" + b"x" * 100 + b"\n",
        unknown.replace(b"<news-2026-12@", b"<gros@") + b"x" * 5000 + b"\n",
        unknown,
    )

    not_email, too_big, _fine = dovecot.uids()

    report = mailbox_fetch(company=company, now=LATER)

    assert report.as_dict() == {**NOTHING, "read": 1, "unknown": 1}
    assert report.skipped == [
        f"Message {too_big} de « INBOX » : trop volumineux (0 Mo au plus), "
        "laissé non lu.",
        f"Message {not_email} de « INBOX » : ce n'est pas un courriel (ni From, "
        "ni Date, ni Message-ID). Laissé non lu.",
    ]
    assert dovecot.flags() == ["", "", "\\Seen"]


def test_the_command_prints_the_same_json_as_the_file_import(
    company, smtp_server, dovecot
):
    _customer, _invoice, reminder = reminded(
        company, "FA-2026-001", "compta@client-disparu.fr"
    )
    dovecot.append(sample("postfix_bounce.eml", 1, reminder))
    out = StringIO()

    call_command("mailbox", "fetch", "--json", f"--company={company.pk}", stdout=out)

    assert json.loads(out.getvalue()) == {
        **NOTHING,
        "read": 1,
        "bounces": [
            {
                "reminder": reminder.pk,
                "invoices": ["FA-2026-001"],
                "recipient": "compta@client-disparu.fr",
                "permanent": True,
                "reason": POSTFIX_REASON,
            }
        ],
    }


def test_the_command_says_in_french_what_came_back(company, smtp_server, dovecot):
    dovecot.append((FILES / "unknown.eml").read_bytes())
    out = StringIO()

    call_command("mailbox", "fetch", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 message(s) lu(s).",
        "0 réponse(s) automatique(s).",
        "1 message(s) inconnu(s), gardé(s).",
    ]


def fetch_refused(settings, url: str) -> str:
    settings.RELANCE_INBOX_URL = url
    with pytest.raises(CommandError) as refused:
        call_command("mailbox", "fetch", stdout=StringIO())
    return str(refused.value)


def test_a_refused_login_is_said_without_the_password(company, dovecot, settings):
    url = dovecot.url().replace("%40sse", "%40SSE")

    message = fetch_refused(settings, url)

    assert message == (
        f"Le serveur IMAP 127.0.0.1:{dovecot.port} refuse l'utilisateur "
        f"« {USER} » et son mot de passe : [AUTHENTICATIONFAILED] "
        "Authentication failed."
    )
    assert "SSE" not in message and "secret" not in message


def test_an_unreachable_server_an_unknown_folder_or_a_bad_url_are_clear_errors(
    company, dovecot, settings
):
    port = free_port()
    assert fetch_refused(settings, f"imap://u:p@127.0.0.1:{port}/INBOX") == (
        f"Serveur IMAP 127.0.0.1:{port} injoignable : Connection refused"
    )
    assert fetch_refused(settings, dovecot.url(folder="Archives")) == (
        f"Dossier « Archives » introuvable sur le serveur IMAP "
        f"127.0.0.1:{dovecot.port}."
    )
    assert fetch_refused(settings, "imap://u:secret@imap.example.fr/INBOX") == (
        "RELANCE_INBOX_URL : imap:// sans chiffrement n'est permis que vers cette "
        "machine. Utilisez imaps://, ou ajoutez ?starttls=1 (ou ?insecure=1 si "
        "vous acceptez que le mot de passe circule en clair)."
    )
    assert fetch_refused(settings, "") == (
        "RELANCE_INBOX_URL n'est pas renseignée : aucune boîte à lire "
        "(voir docs/inbound.md)."
    )


def test_the_worker_reads_the_mailbox_of_the_only_company(
    company, smtp_server, dovecot, monkeypatch
):
    _customer, invoice, reminder = reminded(
        company, "FA-2026-001", "compta@client-disparu.fr"
    )
    dovecot.append(sample("postfix_bounce.eml", 1, reminder))
    monkeypatch.setattr(tasks, "utc_now", lambda: LATER)

    tasks.every_few_minutes.call_local()

    invoice.refresh_from_db()
    assert invoice.dunning_level == 0
    assert dovecot.flags() == ["\\Seen"]
    assert tasks.inbox_fetch().as_dict() == NOTHING


def test_the_worker_reads_nothing_without_a_mailbox_and_logs_a_failure(
    company, dovecot, settings, caplog
):
    dovecot.append((FILES / "unknown.eml").read_bytes())
    settings.RELANCE_INBOX_URL = ""
    assert tasks.inbox_fetch() is None
    assert dovecot.flags() == [""]

    settings.RELANCE_INBOX_URL = dovecot.url().replace("%40sse", "%40SSE")
    with caplog.at_level(logging.ERROR):
        assert tasks.inbox_fetch() is None

    assert caplog.messages == [
        f"Boîte aux lettres IMAP non lue : Le serveur IMAP 127.0.0.1:{dovecot.port} "
        f"refuse l'utilisateur « {USER} » et son mot de passe : "
        "[AUTHENTICATIONFAILED] Authentication failed."
    ]
    assert InboundMessage.objects.count() == 0


def test_the_worker_reads_every_few_minutes_as_set():
    assert tasks._every(5) == "*/5"
    assert tasks._every(60) == "0"
    beat = tasks.every_few_minutes.task_class.validate_datetime
    assert [beat(None, datetime(2026, 12, 1, 9, m)) for m in (0, 3, 5, 10)] == [
        True,
        False,
        True,
        True,
    ]


# Over TLS: IMAPS and STARTTLS, the server's certificate checked.


@pytest.fixture(scope="module")
def dovecot_tls():
    if dovecot_binary() is None:
        pytest.skip("Dovecot absent (paquet Debian dovecot-imapd) : tests IMAP sautés")
    if shutil.which("openssl") is None:
        pytest.skip("openssl absent : pas de certificat pour les tests IMAPS")
    server = Dovecot(tls=True).start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    "scheme,query", [("imaps", ""), ("imap", "starttls=1")], ids=["imaps", "starttls"]
)
def test_over_tls_the_certificate_is_checked_against_the_ca_file(
    company, dovecot_tls, settings, scheme, query
):
    dovecot_tls.reset()
    dovecot_tls.append((FILES / "unknown.eml").read_bytes())
    url = dovecot_tls.url(query, scheme=scheme)
    port = dovecot_tls.tls_port if scheme == "imaps" else dovecot_tls.port

    message = fetch_refused(settings, url)

    assert message.startswith(f"Certificat du serveur IMAP 127.0.0.1:{port} refusé (")
    assert message.endswith(
        ") : pour une autorité privée, indiquez-la dans RELANCE_INBOX_CA_FILE."
    )
    assert dovecot_tls.flags() == [""]

    settings.RELANCE_INBOX_CA_FILE = dovecot_tls.ca_file
    report = mailbox_fetch(company=company, now=LATER)

    assert report.as_dict() == {**NOTHING, "read": 1, "unknown": 1}
    assert dovecot_tls.flags() == ["\\Seen"]


def test_the_password_in_the_url_is_percent_decoded(dovecot):
    inbox = imap.inbox_parse(dovecot.url())
    assert (inbox.user, inbox.password) == (USER, PASSWORD)


def test_with_several_companies_the_mailbox_goes_to_the_one_named(
    company, smtp_server, dovecot, settings, monkeypatch
):
    other = make_company(name="Autre SARL", sender_email="relances@autre.example")
    _customer, invoice, reminder = reminded(
        company, "FA-2026-001", "compta@client-disparu.fr"
    )
    dovecot.append(sample("postfix_bounce.eml", 1, reminder))

    assert fetch_refused(settings, dovecot.url()) == (
        f"company : Plusieurs sociétés : précisez --company ({company.pk} = "
        f"Durand BTP, {other.pk} = Autre SARL)."
    )
    settings.RELANCE_INBOX_COMPANY = other.pk
    monkeypatch.setattr(tasks, "utc_now", lambda: LATER)
    assert tasks.inbox_fetch().as_dict() == {
        **NOTHING,
        "read": 1,
        "bounces": [
            {
                "reminder": None,
                "invoices": [],
                "recipient": "compta@client-disparu.fr",
                "permanent": True,
                "reason": POSTFIX_REASON,
            }
        ],
    }
    # Another company's reminder is never touched.
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1
    assert InboundMessage.objects.get().company == other

    dovecot.append(
        sample("postfix_bounce.eml", 1, reminder).replace(b"4Fq2Xk1Z3mz9sRv", b"X2")
    )
    out = StringIO()
    call_command("mailbox", "fetch", "--json", f"--company={company.pk}", stdout=out)
    assert json.loads(out.getvalue())["bounces"][0]["reminder"] == reminder.pk


def test_a_message_left_unread_is_said_by_the_command_and_logged_by_the_worker(
    company, dovecot, caplog
):
    dovecot.append(b"Subject: rien\n\nx\n")
    [uid] = dovecot.uids()
    said = (
        f"Message {uid} de « INBOX » : ce n'est pas un courriel (ni From, ni "
        "Date, ni Message-ID). Laissé non lu."
    )
    out, err = StringIO(), StringIO()

    call_command("mailbox", "fetch", "--json", stdout=out, stderr=err)

    assert json.loads(out.getvalue()) == NOTHING
    assert err.getvalue().splitlines() == [said]
    with caplog.at_level(logging.WARNING):
        tasks.inbox_fetch()
    assert caplog.messages == [f"Boîte aux lettres IMAP : {said}"]
    assert dovecot.flags() == [""]
