"""Every setting Relance reads from the environment, declared once.

`docs/configuration.md` documents each of them; a test keeps the two in step.
Nothing here touches Django, so the command line can use it before set-up.
"""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from relance.config.private import private_folder


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str
    shown_default: str = ""  # what the docs say when the default is computed

    @property
    def documented_default(self) -> str:
        return self.shown_default or self.default


VARIABLES = {
    v.name: v
    for v in [
        Variable(
            "RELANCE_DATA_DIR",
            "./data",
            "Folder for the SQLite database, the task queue, outgoing .eml files, "
            "uploaded PDFs and the generated secret key.",
        ),
        Variable(
            "DATABASE_URL",
            "",
            "Database, e.g. postgres://user:password@host:5432/relance.",
            "sqlite:///RELANCE_DATA_DIR/relance.sqlite3",
        ),
        Variable(
            "SECRET_KEY",
            "",
            "Django's signing key. Set the same one on every machine of a "
            "multi-machine setup.",
            "generated once into RELANCE_DATA_DIR/secret_key",
        ),
        Variable("RELANCE_DEBUG", "false", "Django debug mode; never in production."),
        Variable(
            "RELANCE_ALLOWED_HOSTS",
            "localhost,127.0.0.1,[::1]",
            "Comma-separated host names the web server answers to.",
        ),
        Variable(
            "RELANCE_CSRF_TRUSTED_ORIGINS",
            "",
            "Comma-separated origins (https://relance.example.fr) behind a proxy.",
        ),
        Variable(
            "RELANCE_HTTPS",
            "false",
            "Served over HTTPS (behind a proxy setting X-Forwarded-Proto): HSTS, "
            "redirect from HTTP, secure cookies.",
        ),
        Variable(
            "RELANCE_SECURE_COOKIES",
            "false",
            "Send session and CSRF cookies over HTTPS only (implied by RELANCE_HTTPS).",
        ),
        Variable(
            "RELANCE_PROXY_COUNT",
            "0",
            "How many reverse proxies stand before the web server; the client's "
            "address is then read from X-Forwarded-For, as they appended it.",
        ),
        Variable(
            "RELANCE_LOGIN_FAILURE_LIMIT",
            "5",
            "Failed sign-ins after which an account, and apart from it an "
            "address, is locked.",
        ),
        Variable(
            "RELANCE_API_FAILURE_LIMIT",
            "10",
            "Bad API tokens after which an address is refused.",
        ),
        Variable(
            "RELANCE_LOCKOUT_MINUTES",
            "15",
            "How long a lock lasts; a failed sign-in while locked starts it again.",
        ),
        Variable(
            "EMAIL_URL",
            "",
            "Outgoing mail server: smtp://user:password@host:587 (STARTTLS) or "
            "smtps://user:password@host:465 (TLS). Empty: messages are written as "
            ".eml files into RELANCE_DATA_DIR/outbox.",
        ),
        Variable(
            "RELANCE_SMTP_TIMEOUT",
            "10",
            "Seconds to wait for the mail server: to connect, then for each answer. "
            "A server that times out is not waited for again in the same pass.",
        ),
        Variable(
            "RELANCE_INBOX_URL",
            "",
            "Mailbox where bounces and replies come back, read over IMAP by the "
            "worker and `relance mailbox fetch`: "
            "imaps://user:password@host/INBOX, or imap://…?starttls=1. Empty: "
            "not read.",
        ),
        Variable(
            "RELANCE_INBOX_CA_FILE",
            "",
            "PEM file of a private certificate authority the IMAP server's "
            "certificate is checked against (default: the system's).",
        ),
        Variable(
            "RELANCE_INBOX_COMPANY",
            "",
            "Company (id) whose mailbox RELANCE_INBOX_URL is, when there are several.",
            "the only company",
        ),
        Variable(
            "RELANCE_INBOX_EVERY_MINUTES",
            "5",
            "How often the worker reads RELANCE_INBOX_URL, in minutes (1 to 60).",
        ),
        Variable(
            "RELANCE_QUEUE",
            "sqlite",
            "Where the task queue lives: sqlite (a file in RELANCE_DATA_DIR, one "
            "machine), redis (REDIS_URL) or postgres (the DATABASE_URL server).",
        ),
        Variable(
            "REDIS_URL",
            "redis://127.0.0.1:6379/0",
            "Redis server of the task queue when RELANCE_QUEUE=redis.",
        ),
        Variable(
            "RELANCE_WORKER_THREADS",
            "2",
            "Threads of each `relance worker` (messages sent in parallel).",
        ),
        Variable(
            "RELANCE_BASE_URL",
            "http://localhost:8000",
            "Address of the web interface, for links in the daily digest email and "
            "in reminders (the customer's page).",
        ),
        Variable(
            "RELANCE_LOG_LEVEL", "INFO", "Log level: DEBUG, INFO, WARNING, ERROR."
        ),
        Variable(
            "RELANCE_COMPANY_NAME",
            "Ma Société",
            "Company created by `relance init --no-input` when there is none.",
        ),
        Variable(
            "RELANCE_ADMIN_EMAIL",
            "admin@example.com",
            "Administrator created by `relance init --no-input`.",
        ),
        Variable(
            "RELANCE_ADMIN_PASSWORD",
            "",
            "Password of the administrator created by `relance init --no-input`.",
            "random, printed once and kept in RELANCE_DATA_DIR/initial_admin_password",
        ),
        Variable(
            "RELANCE_PASSWORD",
            "",
            "Password given to `relance user create` and `relance user password` "
            "by a script (in a terminal, they ask for it twice instead).",
        ),
    ]
}


def get(name: str) -> str:
    """The value of a declared variable, or its default when unset or empty."""
    variable = VARIABLES[name]
    value = os.environ.get(name, "").strip()
    if value:
        return value
    return variable.default


def get_bool(name: str) -> bool:
    value = get(name).lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{name} must be true or false, not {value!r}")


def get_int(name: str, minimum: int = 0) -> int:
    value = get(name)
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ValueError(f"{name} must be a whole number ≥ {minimum}, not {value!r}")
    return number


def get_seconds(name: str) -> float:
    value = get(name)
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} must be a number of seconds above 0, not {value!r}")
    return seconds


def get_list(name: str) -> list[str]:
    return [item.strip() for item in get(name).split(",") if item.strip()]


def data_dir() -> Path:
    return private_folder(Path(get("RELANCE_DATA_DIR")).expanduser().resolve())


def secret_key(folder: Path) -> str:
    """SECRET_KEY, or a key generated once and kept (mode 600) in the data folder."""
    value = get("SECRET_KEY")
    if value:
        return value
    path = folder / "secret_key"
    if not path.exists():
        # Written aside then linked into place, so that two commands starting
        # together never read a half-written key.
        draft = folder / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
