import json

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _queue_runs_tasks_at_once():
    """Queued tasks run where they are queued, in memory: no queue file."""
    from relance.core.queue import huey

    huey.immediate = True
    yield huey
    huey.immediate = True


@pytest.fixture(autouse=True)
def _french():
    """Each test starts in French, whatever language a previous request left."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Uploaded files and .eml messages of a test stay in its own folder."""
    settings.EMAIL_BACKEND = "relance.mailing.backends.EmlFileBackend"
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.EMAIL_FILE_PATH = str(tmp_path / "outbox")
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # API throttle counters start from zero in each test.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Relance's EMAIL_* settings point to it."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 1
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _dovecot_server():
    from tests.dovecot import Dovecot, dovecot_binary

    if dovecot_binary() is None:
        pytest.skip("Dovecot absent (paquet Debian dovecot-imapd) : tests IMAP sautés")
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def dovecot(_dovecot_server, settings):
    """A real IMAP server (Dovecot) with an empty INBOX; RELANCE_INBOX_URL
    points to it (plain IMAP: it is on this machine)."""
    _dovecot_server.reset()
    settings.RELANCE_INBOX_URL = _dovecot_server.url()
    settings.RELANCE_INBOX_CA_FILE = ""
    return _dovecot_server


class Api:
    """The API as an ERP calls it, with a bearer token."""

    def __init__(self, token: str):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(self, method, path, data=None, **params):
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = getattr(self.client, method)(
            f"/api/v1{path}", json.dumps(data) if data is not None else params, **kwargs
        )
        return response.status_code, response.json() if response.content else None


@pytest.fixture
def api(company):
    """The API with a token of the test module's `company` fixture."""
    from relance.core.tokens import token_create

    return Api(token_create(company=company, name="ERP")[1])


@pytest.fixture(autouse=True)
def _aged_marks_left_by_a_flush_cleared(request):
    """A transactional test ends by flushing the database, its tables in no
    fixed order: invoices deleted after `reports_agedmark` mark their
    customers again (ADR 29's delete triggers), rows the next test would
    find. Cleared as each test that uses the database starts (inside its
    transaction, for the others)."""
    if request.node.get_closest_marker("django_db") is not None:
        from relance.reports.models import AgedMark

        AgedMark.objects.all().delete()
    yield
