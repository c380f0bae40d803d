import pytest


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
