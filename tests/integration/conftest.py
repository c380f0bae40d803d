import pytest
from django.conf import settings as django_settings

from tests.integration.instance import Instance, new_postgres_database
from tests.smtp import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def instance(tmp_path, smtp):
    """An installation on the same kind of database as the suite: a new
    PostgreSQL database when the suite runs on PostgreSQL, else a SQLite file.
    Its queue lives in that database (PostgreSQL) or beside it (SQLite)."""
    database = django_settings.DATABASES["default"]
    drop = None
    if "postgresql" in database["ENGINE"]:
        url, drop = new_postgres_database(database)
        queue = "postgres"
    else:
        url, queue = f"sqlite:///{tmp_path / 'relance.sqlite3'}", "sqlite"
    relance = Instance(
        tmp_path,
        url,
        RELANCE_QUEUE=queue,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}?starttls=off",
    )
    relance.relance("init", "--no-input")
    # Sending at whatever hour the tests run (the calendar has its own tests).
    relance.python(
        "from relance.core.models import Company\n"
        "Company.objects.update(send_calendar=False)"
    )
    yield relance
    relance.stop_all()
    if drop:
        drop()
