"""Handing messages to the mail server, and saying honestly what happened.

`Transport.send` returns one of four outcomes:
- SENT: the server accepted the message (250 after DATA);
- TEMPORARY: it surely did not leave and may be tried again (4xx, refused
  connection, time-out before the message was transmitted);
- PERMANENT: it surely did not leave and trying again is pointless (5xx);
- UNCERTAIN: the message was transmitted but the server's answer never came:
  it may have left. Never retried on its own.
One connection serves a whole batch; it is reopened after any failure.

Time: Relance waits at most EMAIL_TIMEOUT seconds (RELANCE_SMTP_TIMEOUT, 10 by
default) to connect and for each answer, and as long for each piece of the
message to go out. A server that times out is dropped at once (no QUIT to wait
for). Within one transport (one sending pass), a failed connection is not
tried again, nor is a server that timed out twice: the messages left get
TEMPORARY at once instead of a time-out each.
"""

import contextlib
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from django.conf import settings

from relance.mailing.backends import eml_path
from relance.mailing.mime import Email


class Outcome(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str = ""
    tried: bool = True  # False: not even tried (the server was given up)


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _classify(code: int, text) -> Result:
    kind = Outcome.PERMANENT if 500 <= code < 600 else Outcome.TEMPORARY
    return Result(kind, _answer(code, text))


DEFAULT_TIMEOUT = 10.0  # seconds, when EMAIL_TIMEOUT is not set
CHUNK = 64 * 1024  # bytes of message data sent under one time-out


def _timed_out(error: BaseException) -> bool:
    """A time-out, even as smtplib reports it (SMTPServerDisconnected raised
    while handling the socket's TimeoutError)."""
    while error is not None:
        if isinstance(error, TimeoutError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _reason(error: Exception, timeout: float) -> str:
    if _timed_out(error):
        return f"pas de réponse en {_seconds(timeout)} s"
    return str(error) or type(error).__name__


class SmtpTransport:
    """SMTP with STARTTLS or TLS, from Django's EMAIL_* settings."""

    def __init__(self):
        self.connection: smtplib.SMTP | None = None
        self.where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        self.timeout = float(settings.EMAIL_TIMEOUT or DEFAULT_TIMEOUT)
        self.timeouts = 0
        # Why the server is not tried again in this pass (None: it may be).
        self.given_up: str | None = None

    def _connect(self) -> smtplib.SMTP:
        timeout = self.timeout
        if settings.EMAIL_USE_SSL:
            connection = smtplib.SMTP_SSL(
                settings.EMAIL_HOST,
                settings.EMAIL_PORT,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            connection = smtplib.SMTP(
                settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout
            )
        try:
            # Each write leaves at once: the message's final dot, written
            # after its body, would otherwise wait (Nagle) for the server to
            # acknowledge the body, which it delays up to 40 ms (a message
            # in the middle of DATA gets no answer before the dot).
            with contextlib.suppress(OSError):  # a speed, not a condition
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if settings.EMAIL_USE_TLS and not settings.EMAIL_USE_SSL:
                connection.starttls(context=ssl.create_default_context())
            connection.ehlo_or_helo_if_needed()
            if settings.EMAIL_HOST_USER:
                connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, email: Email) -> Result:
        if self.given_up is not None:
            return Result(
                Outcome.TEMPORARY, f"non tenté : {self.given_up}", tried=False
            )
        if self.connection is None:
            try:
                self.connection = self._connect()
            except smtplib.SMTPResponseException as error:
                result = _classify(error.smtp_code, error.smtp_error)
                self.given_up = f"{self.where} a refusé la connexion ({result.detail})"
                return result
            except (OSError, smtplib.SMTPException) as error:
                detail = (
                    f"connexion impossible à {self.where} : "
                    f"{_reason(error, self.timeout)}"
                )
                self.given_up = detail
                return Result(Outcome.TEMPORARY, detail)
        return self._transmit(self.connection, email)

    def _transmit(self, connection: smtplib.SMTP, email: Email) -> Result:
        data = email.data
        # Addresses come normalised (mailing/mime.py): no parsing needed here.
        body8bit = not data.isascii() and connection.has_extn("8bitmime")
        transmitted = False
        try:
            option = " BODY=8BITMIME" if body8bit else ""
            connection.putcmd("mail", f"FROM:<{email.sender}>{option}")
            code, text = connection.getreply()
            if code != 250:
                return self._refused(code, text)
            for recipient in email.recipients:
                connection.putcmd("rcpt", f"TO:<{recipient}>")
                code, text = connection.getreply()
                if code not in (250, 251):
                    return self._refused(code, text)
            connection.putcmd("data")
            code, text = connection.getreply()
            if code != 354:
                return self._refused(code, text)
            body = re.sub(rb"(?m)^\.", b"..", data)
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            # Until the final dot the server cannot take the message; each
            # piece has its own time-out, so that a slow link is not a dead one.
            view = memoryview(body)
            for start in range(0, len(body), CHUNK):
                connection.send(view[start : start + CHUNK])
            transmitted = True
            connection.send(b".\r\n")
            code, text = connection.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self._drop(error)
            reason = _reason(error, self.timeout)
            if transmitted:
                return Result(
                    Outcome.UNCERTAIN,
                    f"le message a été transmis à {self.where} mais sa réponse "
                    f"n'est jamais venue ({reason})",
                )
            return Result(Outcome.TEMPORARY, f"{self.where} : {reason}")
        if code == 250:
            return Result(Outcome.SENT, _answer(code, text))
        self._reset()
        return _classify(code, text)

    def _refused(self, code: int, text) -> Result:
        self._reset()
        return _classify(code, text)

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (OSError, smtplib.SMTPException) as error:
            self._drop(error)

    def _drop(self, error: Exception) -> None:
        """Forget a connection that failed, without a word to the server: it
        may not answer a QUIT either. After a second time-out, stop."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if _timed_out(error):
            self.timeouts += 1
            if self.timeouts >= 2:
                self.given_up = (
                    f"{self.where} n'a pas répondu en {_seconds(self.timeout)} s, "
                    f"{self.timeouts} fois"
                )

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            self.connection.close()
        finally:
            self.connection = None


class FolderTransport:
    """No mail server configured: each message becomes an .eml file."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or settings.EMAIL_FILE_PATH)

    def send(self, email: Email) -> Result:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            eml_path(self.folder, email.message_id).write_bytes(email.data)
        except OSError as error:
            return Result(
                Outcome.TEMPORARY, f"écriture impossible dans {self.folder} : {error}"
            )
        return Result(Outcome.SENT, f"écrit dans {self.folder}")

    def close(self) -> None:
        pass


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def transport_open() -> SmtpTransport | FolderTransport:
    """The SMTP server of EMAIL_URL, or else the folder of .eml files."""
    if settings.EMAIL_BACKEND == SMTP_BACKEND:
        return SmtpTransport()
    return FolderTransport()


def send_now(email: Email) -> Result:
    """One message sent at once, over its own connection (an invitation, a
    password reset, the daily digest); reminders go through the pipeline."""
    transport = transport_open()
    try:
        return transport.send(email)
    finally:
        transport.close()


def mail_server() -> str | None:
    """The mail server's name, for the user; None when messages are only
    written to the outbox folder (no server configured)."""
    if settings.EMAIL_BACKEND == SMTP_BACKEND:
        return settings.EMAIL_HOST
    return None


def where_messages_go() -> str:
    """For the user: the mail server, or the folder of .eml files."""
    if settings.EMAIL_BACKEND == SMTP_BACKEND:
        return f"serveur {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    folder = settings.EMAIL_FILE_PATH
    return f"dossier {folder} (aucun serveur d'envoi : EMAIL_URL est vide)"
