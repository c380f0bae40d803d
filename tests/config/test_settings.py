from pathlib import Path

import pytest

from relance.config import env
from relance.config.email import EmailUrlError, email_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_environment_variable_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in env.VARIABLES if f"`{name}`" not in text]
    assert missing == []


def test_no_undeclared_variable_is_documented():
    import re

    text = DOCS.read_text(encoding="utf-8")
    headings = set(re.findall(r"^### `([A-Z_]+)`", text, re.M))
    assert headings == set(env.VARIABLES)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://marie%40durand.fr:p%C3%A4ss@smtp.durand.fr:587",
            {
                "EMAIL_HOST": "smtp.durand.fr",
                "EMAIL_PORT": 587,
                "EMAIL_HOST_USER": "marie@durand.fr",
                "EMAIL_HOST_PASSWORD": "päss",
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        (
            "smtps://u:p@mail.example:465",
            {"EMAIL_PORT": 465, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True},
        ),
        ("smtp://relay.local", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True}),
        (
            "smtp://127.0.0.1:2525?starttls=off",
            {"EMAIL_PORT": 2525, "EMAIL_USE_TLS": False, "EMAIL_HOST_USER": ""},
        ),
    ],
)
def test_email_url_gives_django_smtp_settings(url, expected, tmp_path):
    result = email_settings(url, tmp_path)
    assert result["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert {key: result[key] for key in expected} == expected


def test_without_email_url_messages_go_to_eml_files(tmp_path):
    assert email_settings("", tmp_path) == {
        "EMAIL_BACKEND": "relance.mailing.backends.EmlFileBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example", "must start with smtp:// or smtps://"),
        ("smtp://", "no host name"),
        ("smtp://h?tls=1", "unknown option 'tls'"),
        ("smtp://h?starttls=maybe", "starttls must be on or off"),
    ],
)
def test_a_bad_email_url_is_refused_clearly(url, message, tmp_path):
    with pytest.raises(EmailUrlError, match=message):
        email_settings(url, tmp_path)


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    assert len(first) > 40
    assert env.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert env.secret_key(tmp_path) == "from-the-environment"


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("0", False), ("", False)]
)
def test_booleans_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("RELANCE_DEBUG", value)
    assert env.get_bool("RELANCE_DEBUG") is expected


def test_a_bad_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("RELANCE_DEBUG", "peut-être")
    with pytest.raises(ValueError, match="RELANCE_DEBUG must be true or false"):
        env.get_bool("RELANCE_DEBUG")


def test_every_template_variable_is_documented():
    from relance.mailing.variables import VARIABLES

    text = (DOCS.parent / "templates.md").read_text(encoding="utf-8")
    missing = [v.path for v in VARIABLES if f"| `{v.path}` |" not in text]
    assert missing == []


def test_every_import_column_is_documented():
    from relance.invoices.importing import INVOICE_COLUMNS, PAYMENT_COLUMNS

    text = (DOCS.parent / "import.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in [*INVOICE_COLUMNS, *PAYMENT_COLUMNS]
        if f"| `{name}` |" not in text
    ]
    assert missing == []


def test_migrate_refuses_a_sqlite_library_without_returning(monkeypatch):
    """core.sql writes many rows a statement with RETURNING (SQLite 3.35):
    an older library is named before anything runs (`relance migrate`
    runs the database's checks)."""
    import sqlite3

    from django.db import connection

    from relance.core.checks import sqlite_is_recent_enough

    assert sqlite_is_recent_enough(None, databases=["default"]) == []
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    found = sqlite_is_recent_enough(None, databases=["default"])
    if connection.vendor != "sqlite":
        assert found == []
        return
    [error] = found
    assert error.id == "relance.E001"
    assert error.msg == (
        "La bibliothèque SQLite 3.34.1 est trop ancienne : Relance demande "
        "SQLite 3.35 ou plus récent."
    )
    assert sqlite_is_recent_enough(None, databases=None) == []  # not asked
