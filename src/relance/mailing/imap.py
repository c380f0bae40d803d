"""The mailbox Relance reads over IMAP (`RELANCE_INBOX_URL`), no database.

Standard library only: `imaplib` over TLS (`imaps://`, or `imap://` upgraded
with STARTTLS), the server's certificate checked against the system's
authorities or `RELANCE_INBOX_CA_FILE`. Plain `imap://` is accepted only to
this machine (a local Dovecot) or with an explicit `?insecure=1`.

The folder is read, never written, until a message has been taken in: bodies
are fetched with `BODY.PEEK[]` (which leaves them unread), and only
`Mailbox.taken` marks them `\\Seen` (or moves them to `?move_to=`). Bounded
like the file import: `inbound.MAX_MESSAGE` bytes a message, batches of at
most `BATCH` messages and `inbound.MAX_FILE` bytes, `inbound.MAX_MESSAGES`
messages a run.

Errors are `InboxError`s in French; none ever shows the password.
"""

import base64
import contextlib
import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.mailing import inbound

TIMEOUT = 30  # seconds to connect, then for each answer
BATCH = 50  # messages taken in at once (and marked read together)
TLS = "tls"  # imaps://
STARTTLS = "starttls"  # imap://…?starttls=1
PLAIN = "plain"  # imap:// to this machine, or ?insecure=1
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


class InboxError(ApplicationError):
    """The mailbox cannot be read (French, without the password)."""


@dataclass(frozen=True)
class Inbox:
    """Where the mailbox is, read from `RELANCE_INBOX_URL`."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    security: str = TLS
    move_to: str = ""
    ca_file: str = ""

    def __str__(self) -> str:
        """For messages and logs: everything but the password."""
        scheme = "imaps" if self.security == TLS else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def inbox_parse(url: str, *, ca_file: str = "") -> Inbox:
    """`imaps://user:password@host[:port]/FOLDER[?move_to=FOLDER]`, or
    `imap://…?starttls=1`; user and password percent-encoded."""
    setting = "RELANCE_INBOX_URL"
    if not url.strip():
        raise InboxError(_("%(setting)s n'est pas renseignée.") % {"setting": setting})
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        raise InboxError(
            _("%(setting)s : adresse illisible (le port doit être un nombre).")
            % {"setting": setting}
        ) from None
    if parts.scheme not in ("imap", "imaps"):
        raise InboxError(
            _("%(setting)s doit commencer par imaps:// ou imap://.")
            % {"setting": setting}
        )
    if not host:
        raise InboxError(
            _("%(setting)s : nom du serveur manquant.") % {"setting": setting}
        )
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if not user or not password:
        raise InboxError(
            _(
                "%(setting)s : utilisateur et mot de passe attendus "
                "(imaps://utilisateur:mot-de-passe@serveur/INBOX)."
            )
            % {"setting": setting}
        )
    try:
        options = {
            key: values[-1]
            for key, values in parse_qs(
                parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)
            ).items()
        }
    except ValueError:
        raise InboxError(
            _("%(setting)s : options illisibles après « ? ».") % {"setting": setting}
        ) from None
    unknown = sorted(set(options) - {"starttls", "insecure", "move_to"})
    if unknown:
        raise InboxError(
            _(
                "%(setting)s : option « %(option)s » inconnue "
                "(starttls, insecure, move_to)."
            )
            % {"setting": setting, "option": unknown[0]}
        )
    starttls = _flag(options, "starttls", setting)
    insecure = _flag(options, "insecure", setting)
    if parts.scheme == "imaps":
        security = TLS
        if starttls:
            raise InboxError(
                _("%(setting)s : starttls ne s'emploie qu'avec imap://.")
                % {"setting": setting}
            )
    elif starttls:
        security = STARTTLS
    elif insecure or _loopback(host):
        security = PLAIN
    else:
        raise InboxError(
            _(
                "%(setting)s : imap:// sans chiffrement n'est permis que vers cette "
                "machine. Utilisez imaps://, ou ajoutez ?starttls=1 (ou ?insecure=1 "
                "si vous acceptez que le mot de passe circule en clair)."
            )
            % {"setting": setting}
        )
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    move_to = options.get("move_to", "").strip()
    for name in (folder, move_to):
        if any(ord(c) < 0x20 or c == "\x7f" for c in name) or len(name) > 200:
            raise InboxError(
                _("%(setting)s : nom de dossier invalide.") % {"setting": setting}
            )
    if move_to and move_to == folder:
        raise InboxError(
            _("%(setting)s : move_to doit nommer un autre dossier que celui lu.")
            % {"setting": setting}
        )
    return Inbox(
        host=host,
        port=port or (993 if security == TLS else 143),
        user=user,
        password=password,
        folder=folder,
        security=security,
        move_to=move_to,
        ca_file=ca_file,
    )


def _flag(options: dict[str, str], name: str, setting: str) -> bool:
    value = options.get(name)
    if value is None:
        return False
    if value.lower() in _TRUE or value == "":
        return True
    if value.lower() in _FALSE:
        return False
    raise InboxError(
        _("%(setting)s : %(option)s vaut 1 ou 0.")
        % {"setting": setting, "option": name}
    )


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def folder_name(name: str) -> str:
    """A folder's name as IMAP spells it: modified UTF-7 (RFC 3501 §5.1.3),
    quoted (« Éléments reçus » is `"&AMk-l&AOk-ments re&AOc-us"`)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            text = base64.b64encode(data).rstrip(b"=").decode("ascii")
            out.append("&" + text.replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    encoded = "".join(out)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    """An open IMAP session on the inbox's folder (see `mailbox_open`)."""

    def __init__(self, inbox: Inbox, connection: imaplib.IMAP4):
        self.inbox = inbox
        self.connection = connection

    def unseen(self) -> list[int]:
        """The UIDs of the folder's unread messages, oldest first."""
        data = self._ok(self.connection.uid("SEARCH", None, "UNSEEN"))
        return sorted(int(uid) for uid in b" ".join(d or b"" for d in data).split())

    def sizes(self, uids: list[int]) -> dict[int, int]:
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), 500):
            chunk = ",".join(str(uid) for uid in uids[start : start + 500])
            data = self._ok(self.connection.uid("FETCH", chunk, "(RFC822.SIZE)"))
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                found = _SIZE.search(line or b"")
                if found:
                    uid, size, size2, uid2 = found.groups()
                    sizes[int(uid or uid2)] = int(size or size2)
        return sizes

    def message(self, uid: int) -> bytes | None:
        """One message's bytes, left unread; None when it went meanwhile."""
        data = self._ok(self.connection.uid("FETCH", str(uid), "(BODY.PEEK[])"))
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return bytes(item[1])
        return None

    def batches(
        self, uids: list[int], skipped: list[str]
    ) -> Iterator[list[tuple[int, bytes]]]:
        """These messages, in batches of at most BATCH messages and
        inbound.MAX_FILE bytes; a message over inbound.MAX_MESSAGE bytes is
        left alone (unread), said in `skipped`."""
        sizes = self.sizes(uids)
        batch: list[tuple[int, bytes]] = []
        weight = 0
        for uid in uids:
            size = sizes.get(uid)
            if size is None:
                continue  # expunged since the search
            if size > inbound.MAX_MESSAGE:
                skipped.append(
                    _(
                        "Message %(uid)s de « %(folder)s » : trop volumineux "
                        "(%(limit)s Mo au plus), laissé non lu."
                    )
                    % {
                        "uid": uid,
                        "folder": self.inbox.folder,
                        "limit": inbound.MAX_MESSAGE // (1024 * 1024),
                    }
                )
                continue
            if batch and (len(batch) >= BATCH or weight + size > inbound.MAX_FILE):
                yield batch
                batch, weight = [], 0
            raw = self.message(uid)
            if raw is not None:
                batch.append((uid, raw))
                weight += len(raw)
        if batch:
            yield batch

    def taken(self, uids: list[int]) -> None:
        """These messages were taken in: mark them read, then move them to
        `move_to` when asked."""
        if not uids:
            return
        chunk = ",".join(str(uid) for uid in uids)
        self._ok(self.connection.uid("STORE", chunk, "+FLAGS.SILENT", r"(\Seen)"))
        if not self.inbox.move_to:
            return
        target = folder_name(self.inbox.move_to)
        if "MOVE" in self.connection.capabilities:
            self._ok(self.connection.uid("MOVE", chunk, target))
            return
        self._ok(self.connection.uid("COPY", chunk, target))
        self._ok(self.connection.uid("STORE", chunk, "+FLAGS.SILENT", r"(\Deleted)"))
        if "UIDPLUS" in self.connection.capabilities:
            self._ok(self.connection.uid("EXPUNGE", chunk))
        else:
            self._ok(self.connection.expunge())

    def _ok(self, answer) -> list:
        kind, data = answer
        if kind != "OK":
            raise imaplib.IMAP4.error(_said(data))
        return data


@contextlib.contextmanager
def mailbox_open(inbox: Inbox) -> Iterator[Mailbox]:
    """Connect, log in and select the folder (read-write: marking read needs
    it); every failure an InboxError in French, without the password."""
    where = f"{inbox.host}:{inbox.port}"
    context = _context(inbox)
    connection = None
    try:
        connection = _connect(inbox, context)
        _login(connection, inbox)
    except imaplib.IMAP4.error as error:
        _close(connection)
        if connection is None:  # its greeting was not IMAP's
            raise InboxError(
                _("Le serveur %(where)s ne répond pas en IMAP : %(error)s")
                % {"where": where, "error": _scrub(str(error), inbox)}
            ) from None
        if isinstance(error, imaplib.IMAP4.abort):
            raise InboxError(
                _("Connexion au serveur IMAP %(where)s interrompue : %(error)s")
                % {"where": where, "error": _scrub(str(error), inbox)}
            ) from None
        raise InboxError(
            _(
                "Le serveur IMAP %(where)s refuse l'utilisateur « %(user)s » "
                "et son mot de passe : %(error)s"
            )
            % {"where": where, "user": inbox.user, "error": _scrub(str(error), inbox)}
        ) from None
    except ssl.SSLCertVerificationError as error:
        _close(connection)
        raise InboxError(
            _(
                "Certificat du serveur IMAP %(where)s refusé (%(error)s) : "
                "pour une autorité privée, indiquez-la dans RELANCE_INBOX_CA_FILE."
            )
            % {"where": where, "error": error.verify_message or error.reason}
        ) from None
    except (ssl.SSLError, ssl.CertificateError) as error:
        _close(connection)
        raise InboxError(
            _("Échange chiffré impossible avec le serveur IMAP %(where)s : %(error)s")
            % {"where": where, "error": getattr(error, "reason", None) or error}
        ) from None
    except OSError as error:
        _close(connection)
        reason = error.strerror or str(error) or type(error).__name__
        if isinstance(error, TimeoutError | socket.timeout):
            reason = _("aucune réponse en %(seconds)s s") % {"seconds": TIMEOUT}
        raise InboxError(
            _("Serveur IMAP %(where)s injoignable : %(error)s")
            % {"where": where, "error": reason}
        ) from None
    try:
        kind, _data = connection.select(folder_name(inbox.folder))
        if kind != "OK":
            raise InboxError(
                _("Dossier « %(folder)s » introuvable sur le serveur IMAP %(where)s.")
                % {"folder": inbox.folder, "where": where}
            )
        if inbox.move_to:
            _folder_ensure(connection, inbox.move_to)
        yield Mailbox(inbox, connection)
    except (imaplib.IMAP4.error, OSError) as error:
        raise InboxError(
            _("Le serveur IMAP %(where)s a répondu : %(error)s")
            % {"where": where, "error": _scrub(str(error), inbox) or _("erreur")}
        ) from None
    finally:
        _close(connection, logout=True)


def _context(inbox: Inbox) -> ssl.SSLContext | None:
    """Certificates checked, host name too; a private authority if given."""
    if inbox.security == PLAIN:
        return None
    try:
        return ssl.create_default_context(cafile=inbox.ca_file or None)
    except (OSError, ssl.SSLError):
        raise InboxError(
            _(
                "RELANCE_INBOX_CA_FILE : « %(file)s » n'est pas un fichier de "
                "certificats lisible (PEM)."
            )
            % {"file": inbox.ca_file}
        ) from None


def _connect(inbox: Inbox, context: ssl.SSLContext | None) -> imaplib.IMAP4:
    if context is None:
        return imaplib.IMAP4(inbox.host, inbox.port, timeout=TIMEOUT)
    if inbox.security == TLS:
        return imaplib.IMAP4_SSL(
            inbox.host, inbox.port, ssl_context=context, timeout=TIMEOUT
        )
    connection = imaplib.IMAP4(inbox.host, inbox.port, timeout=TIMEOUT)
    try:
        connection.starttls(ssl_context=context)
    except imaplib.IMAP4.error:
        _close(connection)
        raise InboxError(
            _(
                "Échange chiffré impossible avec le serveur IMAP %(where)s : "
                "le serveur ne propose pas STARTTLS (essayez imaps://)"
            )
            % {"where": f"{inbox.host}:{inbox.port}"}
        ) from None
    except BaseException:
        _close(connection)
        raise
    return connection


def _login(connection: imaplib.IMAP4, inbox: Inbox) -> None:
    """LOGIN, or SASL PLAIN in UTF-8 for a user or password that is not
    ASCII (LOGIN's strings are ASCII in imaplib)."""
    if (inbox.user + inbox.password).isascii():
        connection.login(inbox.user, inbox.password)
        return
    secret = f"\0{inbox.user}\0{inbox.password}".encode()
    connection.authenticate("PLAIN", lambda _challenge: secret)


def _folder_ensure(connection: imaplib.IMAP4, name: str) -> None:
    """The folder messages are moved to, made when missing."""
    quoted = folder_name(name)
    kind, data = connection.list('""', quoted)
    if kind == "OK" and any(data):
        return
    kind, data = connection.create(quoted)
    if kind != "OK":
        raise imaplib.IMAP4.error(
            _("création du dossier « %(folder)s » refusée (%(error)s)")
            % {"folder": name, "error": _said(data)}
        )


def _close(connection: imaplib.IMAP4 | None, logout: bool = False) -> None:
    if connection is None:
        return
    with contextlib.suppress(Exception):
        if logout:
            connection.logout()
        else:
            connection.shutdown()


def _said(data) -> str:
    parts = [
        d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d)
        for d in data or []
        if d
    ]
    return " ".join(parts)[:300]


def _scrub(text: str, inbox: Inbox) -> str:
    """A server's words, never with the password in them."""
    if text.startswith(("b'", 'b"')):
        text = text[2:-1]
    if inbox.password:
        text = text.replace(inbox.password, "***")
    return text[:300]
