"""What comes back never reaches another company's reminders, customers or
messages; hostile files get a French refusal and nothing is half taken in."""

from pathlib import Path

import pytest
from django.test import Client

from relance.core.errors import ApplicationError
from relance.dunning.models import InboundMessage, Reminder
from relance.dunning.services.inbound import mailbox_import
from relance.mailing import inbound
from tests.dunning.test_inbound import LATER, reminded
from tests.factories import make_company, make_steps, make_user

pytestmark = pytest.mark.django_db
FILES = Path(__file__).resolve().parents[1] / "mailing" / "files"


@pytest.fixture
def ours():
    company = make_company(name="Durand BTP", sender_email="relances@durand-btp.fr")
    make_steps(company)
    return company


@pytest.fixture
def theirs():
    company = make_company(name="Autre SARL", sender_email="relances@autre.example")
    make_steps(company)
    return company


def take_in(company, files):
    return mailbox_import(company=company, files=files, now=LATER)


def sample(name):
    return (name, (FILES / name).read_bytes())


def test_a_bounce_of_another_companys_reminder_changes_nothing_of_it(
    ours, theirs, smtp_server
):
    customer, invoice, reminder = reminded(theirs, 1, "compta@client-disparu.fr")

    report = take_in(ours, [sample("postfix_bounce.eml"), sample("reply.eml")])

    assert report.bounces == [
        {
            "reminder": None,
            "invoices": [],
            "recipient": "compta@client-disparu.fr",
            "permanent": True,
            "reason": (
                "550 5.1.1 <compta@client-disparu.fr>: Recipient address rejected: "
                "User unknown in virtual mailbox table"
            ),
        }
    ]
    assert report.replies == []
    assert report.unknown == 1
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1
    customer.refresh_from_db()
    assert (customer.email_refused, customer.paused_until) == ("", None)
    assert set(InboundMessage.objects.values_list("company", flat=True)) == {ours.pk}


def test_another_companys_messages_are_neither_listed_nor_handled(
    ours, theirs, smtp_server
):
    reminded(theirs, 6, "compta@client-repond.fr")
    take_in(theirs, [sample("reply.eml")])
    message = InboundMessage.objects.get()
    client = Client()
    client.force_login(make_user(ours))

    page = client.get("/courriels-recus/").content.decode()
    answer = client.post(
        f"/courriels-recus/{message.pk}/suite/",
        {"action": "promise", "until_promise": "2026-12-15"},
    )

    assert "RE: Relance 1" not in page
    assert answer.status_code == 404
    message.refresh_from_db()
    assert message.handled is False


def test_a_file_too_big_is_refused_before_reading(ours):
    with pytest.raises(ApplicationError) as refused:
        take_in(ours, [("boite.mbox", b"From x\n" + b"a" * inbound.MAX_FILE)])
    assert str(refused.value) == (
        "Fichier « boite.mbox » trop volumineux : 25 Mo au plus."
    )


def test_too_many_messages_are_refused(ours, monkeypatch):
    monkeypatch.setattr(inbound, "MAX_MESSAGES", 2)
    mbox = b"".join(
        b"From a@b Tue Dec  1 09:14:07 2026\nFrom: a@b\nMessage-ID: <%d@b>\n\nx\n\n" % n
        for n in range(3)
    )
    with pytest.raises(ApplicationError) as refused:
        take_in(ours, [("boite.mbox", mbox)])
    assert str(refused.value) == "Fichier « boite.mbox » : 3 messages, 2 au plus."


def test_one_bad_message_in_an_mbox_refuses_the_whole_file(ours):
    good = (FILES / "unknown.eml").read_bytes()
    mbox = (
        b"From a@b Tue Dec  1 09:14:07 2026\n"
        + good
        + b"\nFrom a@b Tue Dec  1 09:14:08 2026\n"
        + b"ceci n'est pas un en-tete\n\n\x00\x01\x02"
    )
    with pytest.raises(ApplicationError) as refused:
        take_in(ours, [("boite.mbox", mbox)])
    assert str(refused.value) == (
        "Message 2 de « boite.mbox » : ce n'est pas un courriel."
    )
    assert InboundMessage.objects.count() == 0


def test_malformed_mime_is_kept_as_unknown_never_a_crash(ours):
    broken = (
        b"From: x@y.example\r\nMessage-ID: <broken@y.example>\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed\r\n'
        b"Subject: =?utf-8?q?=E9=E9=ZZ?=\r\n\r\n--never-closed\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nAction: ???\r\n"
    )
    report = take_in(ours, [("broken.eml", broken)])
    assert (report.read, report.unknown) == (1, 1)
    message = InboundMessage.objects.get()
    assert message.kind == "unknown"


def test_an_empty_file_is_refused(ours):
    with pytest.raises(ApplicationError) as refused:
        take_in(ours, [("vide.eml", b"  \n")])
    assert str(refused.value) == "Fichier « vide.eml » vide."
