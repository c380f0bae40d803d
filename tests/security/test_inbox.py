"""The IMAP mailbox (RELANCE_INBOX_URL): its password is never shown, in an
error or a log; the connection is never silently left unencrypted, nor made
to a server whose certificate does not match."""

import logging
import shutil
from pathlib import Path

import pytest

from relance.core.models import Company
from relance.dunning import tasks
from relance.dunning.services.inbound import mailbox_fetch
from relance.mailing.imap import InboxError, inbox_parse
from tests.dovecot import Dovecot, dovecot_binary
from tests.factories import make_company
from tests.smtp import free_port

pytestmark = pytest.mark.django_db
FILES = Path(__file__).resolve().parents[1] / "mailing" / "files"
SECRET = "Tr3s-S3cret-42"


@pytest.mark.parametrize(
    "url",
    [
        f"imap://u:{SECRET}@imap.example.fr/INBOX",
        f"imaps://u:{SECRET}@imap.example.fr:99999/INBOX",
        f"imaps://u:{SECRET}@imap.example.fr/INBOX?x=1",
        f"imaps://u:{SECRET}@imap.example.fr/INBOX?starttls=1",
        f"imaps://u:{SECRET}@imap.example.fr/INBOX?move_to=INBOX",
        f"pop3://u:{SECRET}@imap.example.fr/INBOX",
    ],
)
def test_a_bad_url_is_refused_without_showing_its_password(url):
    with pytest.raises(InboxError) as refused:
        inbox_parse(url)
    assert SECRET not in str(refused.value)


def test_the_mailbox_as_logged_or_shown_has_no_password():
    inbox = inbox_parse(f"imaps://marie:{SECRET}@imap.example.fr/INBOX")

    assert str(inbox) == "imaps://marie@imap.example.fr:993/INBOX"
    assert SECRET not in repr(inbox)


def test_a_failed_fetch_logs_no_password(dovecot, settings, caplog):
    make_company()
    port = free_port()
    settings.RELANCE_INBOX_URL = f"imap://u:{SECRET}@127.0.0.1:{port}/INBOX"
    with caplog.at_level(logging.DEBUG):
        assert tasks.inbox_fetch() is None
        settings.RELANCE_INBOX_URL = dovecot.url().replace("secret", SECRET)
        assert tasks.inbox_fetch() is None

    assert len(caplog.messages) == 2
    assert all(SECRET not in message for message in caplog.messages)
    assert "Connection refused" in caplog.messages[0]
    assert "[AUTHENTICATIONFAILED]" in caplog.messages[1]


def test_starttls_asked_of_a_server_without_it_is_refused_not_done_in_clear(
    dovecot,
):
    company = Company.objects.create(name="Durand BTP")
    dovecot.append((FILES / "unknown.eml").read_bytes())

    with pytest.raises(InboxError) as refused:
        mailbox_fetch(company=company, now=None, url=dovecot.url("starttls=1"))

    assert str(refused.value) == (
        f"Échange chiffré impossible avec le serveur IMAP 127.0.0.1:{dovecot.port} "
        ": le serveur ne propose pas STARTTLS (essayez imaps://)"
    )
    assert dovecot.flags() == [""]


@pytest.fixture(scope="module")
def dovecot_tls():
    if dovecot_binary() is None:
        pytest.skip("Dovecot absent (paquet Debian dovecot-imapd) : tests IMAP sautés")
    if shutil.which("openssl") is None:
        pytest.skip("openssl absent : pas de certificat pour les tests IMAPS")
    server = Dovecot(tls=True).start()
    yield server
    server.stop()


def test_a_certificate_for_another_name_is_refused_even_from_a_trusted_authority(
    dovecot_tls, settings
):
    company = make_company()
    settings.RELANCE_INBOX_CA_FILE = dovecot_tls.ca_file
    url = dovecot_tls.url(scheme="imaps").replace("127.0.0.1", "localhost")

    with pytest.raises(InboxError) as refused:
        mailbox_fetch(company=company, now=None, url=url)

    assert str(refused.value).startswith(
        f"Certificat du serveur IMAP localhost:{dovecot_tls.tls_port} refusé ("
    )
    assert "mismatch" in str(refused.value) or "match" in str(refused.value)


def test_a_server_that_is_not_imap_is_said_so(smtp_server):
    with pytest.raises(InboxError) as refused:
        mailbox_fetch(
            company=None,
            now=None,
            url=f"imap://u:{SECRET}@127.0.0.1:{smtp_server.port}/INBOX",
        )

    message = str(refused.value)
    assert message.startswith(
        f"Le serveur 127.0.0.1:{smtp_server.port} ne répond pas en IMAP : "
    )
    assert SECRET not in message
