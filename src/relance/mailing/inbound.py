"""Messages that come back: read them and say what each one is.

A file (an mbox, or one `.eml` message) becomes a list of messages, each
read with the standard library (`email`, `mailbox` for mbox files) and
classified, without any database. Messages are parsed with the `compat32`
policy, whose headers are plain strings (encoded words decoded when read):
`policy.default` parses every header it is asked for into objects, which made
reading five times slower (bench/inbound.py) for nothing we use.

- a **bounce**: an RFC 3464 delivery report (its per-recipient fields read
  here: Action, Status, Diagnostic-Code), or one of the common non-standard
  forms (Postfix, Exim, qmail, old Exchange…) recognised by `flufl.bounce`;
- an **automatic reply**: `Auto-Submitted` other than `no`, `X-Autoreply`,
  `X-Autorespond`, `Precedence: auto_reply`, or the usual subjects in French
  and English (« Absence du bureau », « Réponse automatique », « Out of
  office », « Automatic reply »…);
- otherwise a **candidate reply**, with the Message-IDs it answers
  (In-Reply-To, References): the services decide whether it answers a
  reminder (a reply) or not (unknown).

Everything is bounded: the file's size, the number of messages, what is kept
of each. Bad input raises `Unreadable` with a French message naming the
message at fault.
"""

import contextlib
import email
import hashlib
import logging
import mailbox
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from django.utils.translation import gettext as _
from flufl.bounce import all_failures

MAX_FILE = 25 * 1024 * 1024  # bytes in one file
MAX_MESSAGES = 2000  # messages in one file
MAX_MESSAGE = 10 * 1024 * 1024  # bytes in one message
RAW_KEPT = 128 * 1024  # bytes of each message kept
EXCERPT = 2000  # characters of a reply's text kept
REASON = 500  # characters of a bounce's reason kept

BOUNCE = "bounce"
AUTO_REPLY = "auto_reply"
REPLY = "reply"  # a candidate: it names the messages it answers
UNKNOWN = "unknown"

AUTO_SUBJECTS = re.compile(
    r"absence\s+du\s+bureau|r[ée]ponse\s+automatique|message\s+d'absence"
    r"|\bout\s+of\s+(the\s+)?office\b|\bautomatic\s+reply\b|\bauto[- ]?reply\b"
    r"|\bautoreply\b|\bje\s+suis\s+absente?\b|\bvacation\s+reply\b",
    re.IGNORECASE,
)
BOUNCE_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|mailer)@", re.IGNORECASE
)
BOUNCE_SUBJECTS = re.compile(
    r"undeliver|undelivered|delivery (status|failure|has failed)|returned mail"
    r"|failure notice|non remis|non distribuable|échec de (la )?remise"
    r"|delayed mail|mail delivery",
    re.IGNORECASE,
)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
_ORIGINAL_ID = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]{1,250}>)", re.I | re.M)
_SMTP_REASON = re.compile(
    r"(?:\b[45]\d\d[ -]#?[45]\.\d{1,3}\.\d{1,3}\b.*|#[45]\.\d{1,3}\.\d{1,3}\b.*"
    r"|\b[45]\d\d\s+\S.*)",
)
_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
# flufl.bounce logs each detector it runs at INFO: too much for a log.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)


class Unreadable(ValueError):
    """The file, or one of its messages, cannot be taken in."""


@dataclass(frozen=True)
class Failure:
    """One recipient a bounce reports."""

    recipient: str
    permanent: bool  # the address is refused for good (5.x.x)
    failed: bool  # the message was not delivered (False: only delayed)
    reason: str


@dataclass
class Parsed:
    message_id: str  # the Message-ID, or "sha256:…" of the bytes
    kind: str
    sender: str = ""
    subject: str = ""
    received_at: datetime | None = None
    # The Message-IDs this message answers, or (a bounce) the one it returns.
    answers: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    excerpt: str = ""
    raw: bytes = b""
    raw_truncated: bool = False


def file_messages(data: bytes, filename: str = "") -> list[bytes]:
    """The messages of a file: an mbox (it starts with « From ») or one message."""
    if len(data) > MAX_FILE:
        raise Unreadable(
            _("Fichier « %(file)s » trop volumineux : %(limit)s Mo au plus.")
            % {"file": filename, "limit": MAX_FILE // (1024 * 1024)}
        )
    if not data.strip():
        raise Unreadable(_("Fichier « %(file)s » vide.") % {"file": filename})
    messages = _mbox_messages(data, filename) if data.startswith(b"From ") else [data]
    if len(messages) > MAX_MESSAGES:
        raise Unreadable(
            _("Fichier « %(file)s » : %(count)s messages, %(limit)s au plus.")
            % {"file": filename, "count": len(messages), "limit": MAX_MESSAGES}
        )
    return messages


def _mbox_messages(data: bytes, filename: str) -> list[bytes]:
    with tempfile.NamedTemporaryFile(suffix=".mbox") as file:
        file.write(data)
        file.flush()
        box = mailbox.mbox(file.name, create=False)
        try:
            return [box.get_bytes(key) for key in box.iterkeys()]
        finally:
            box.close()


def message_read(raw: bytes, number: int, filename: str = "") -> Parsed:
    """One message, classified. `number` (from 1) names it in errors."""
    where = _("Message %(number)s de « %(file)s »") % {
        "number": number,
        "file": filename,
    }
    if len(raw) > MAX_MESSAGE:
        raise Unreadable(
            _("%(where)s : trop volumineux (%(limit)s Mo au plus).")
            % {"where": where, "limit": MAX_MESSAGE // (1024 * 1024)}
        )
    if b"\x00" in raw[:4096]:
        raise Unreadable(_("%(where)s : ce n'est pas un courriel.") % {"where": where})
    try:
        message = email.message_from_bytes(raw, policy=policy.compat32)
        headers = list(message.keys())
    except Exception:
        raise Unreadable(
            _("%(where)s : en-têtes illisibles.") % {"where": where}
        ) from None
    if not any(name.lower() in ("from", "message-id", "date") for name in headers):
        raise Unreadable(
            _("%(where)s : ce n'est pas un courriel (ni From, ni Date, ni Message-ID).")
            % {"where": where}
        )
    try:
        return _classified(message, raw)
    except Unreadable:
        raise
    except Exception:
        raise Unreadable(
            _("%(where)s : structure MIME illisible.") % {"where": where}
        ) from None


def _header(message: Message, name: str) -> str:
    """A header's value, its encoded words decoded, on one line."""
    value = message.get(name)
    if value is None:
        return ""
    value = str(value)
    if "=?" in value:
        with contextlib.suppress(ValueError, LookupError, UnicodeError):
            value = str(make_header(decode_header(value)))  # else as it came
    return " ".join(value.split())


def _classified(message: Message, raw: bytes) -> Parsed:
    message_id = _ids(_header(message, "Message-ID"))
    parsed = Parsed(
        message_id=message_id[0]
        if message_id
        else "sha256:" + hashlib.sha256(raw).hexdigest(),
        kind=UNKNOWN,
        sender=_header(message, "From")[:255],
        subject=_header(message, "Subject")[:255],
        received_at=_date(_header(message, "Date")),
        raw=raw[:RAW_KEPT],
        raw_truncated=len(raw) > RAW_KEPT,
    )
    answers = list(
        dict.fromkeys(
            _ids(_header(message, "In-Reply-To")) + _ids(_header(message, "References"))
        )
    )
    failures = _failures(message)
    if failures is not None:
        parsed.kind = BOUNCE
        parsed.failures = failures
        parsed.answers = list(dict.fromkeys(_returned_ids(message) + answers))
        return parsed
    parsed.answers = answers
    if _automatic(message, parsed.subject):
        parsed.kind = AUTO_REPLY
        return parsed
    parsed.kind = REPLY if answers else UNKNOWN
    parsed.excerpt = _text(message)[:EXCERPT]
    return parsed


def _ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def _date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None or not 2000 <= moment.year <= 2099:
        return None
    return moment


def _automatic(message: Message, subject: str) -> bool:
    submitted = _header(message, "Auto-Submitted").lower()
    if submitted and not submitted.startswith("no"):
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").lower() == "auto_reply":
        return True
    return bool(AUTO_SUBJECTS.search(subject))


def _is_report(message: Message) -> bool:
    """Looks like a delivery report: only these are shown to flufl.bounce,
    so that a person's message quoting one is never taken for a bounce (and
    the detectors run on few messages)."""
    return (
        message.get_content_type() == "multipart/report"
        or BOUNCE_SENDERS.match(_address(_header(message, "From"))) is not None
        or _header(message, "Return-Path") == "<>"
        or bool(message.get("X-Failed-Recipients"))
        or BOUNCE_SUBJECTS.search(_header(message, "Subject")) is not None
    )


def _address(value: str) -> str:
    found = getaddresses([value])
    return found[0][1] if found else ""


def _failures(message: Message) -> list[Failure] | None:
    """What a bounce reports, or None when the message is no bounce."""
    if not _is_report(message):
        return None
    statuses = _delivery_status(message)
    if statuses:
        return statuses
    # The non-standard forms: flufl.bounce's detectors.
    temporary, permanent = all_failures(message)
    if not (temporary or permanent):
        return []
    reason = _reason_in_text(message)
    failures = [
        Failure(_decoded(address), True, True, reason) for address in sorted(permanent)
    ]
    failures += [
        Failure(_decoded(address), False, False, reason)
        for address in sorted(temporary - permanent)
    ]
    return failures


def _decoded(address: bytes | str) -> str:
    if isinstance(address, bytes):
        address = address.decode("ascii", "replace")
    return address.strip().strip("<>")[:254]


def _delivery_status(message: Message) -> list[Failure]:
    """RFC 3464: the message/delivery-status part, one block per recipient."""
    failures = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _status_blocks(part):
            action = block.get("action", "").lower()
            if action not in ("failed", "delayed"):
                continue
            recipient = block.get("final-recipient") or block.get(
                "original-recipient", ""
            )
            recipient = recipient.partition(";")[2].strip() or recipient.strip()
            status = block.get("status", "").strip()
            diagnostic = block.get("diagnostic-code", "")
            diagnostic = diagnostic.partition(";")[2].strip() or diagnostic.strip()
            failed = action == "failed"
            permanent = failed and (
                status.startswith("5") if _STATUS.match(status) else True
            )
            reason = diagnostic or status or action
            failures.append(
                Failure(_decoded(recipient), permanent, failed, reason[:REASON])
            )
    return failures


def _status_blocks(part: Message) -> list[dict[str, str]]:
    """The per-message and per-recipient field blocks of a delivery-status part."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parsed each block
        blocks = payload
        return [
            {key.lower(): " ".join(str(value).split()) for key, value in b.items()}
            for b in blocks
        ]
    text = payload if isinstance(payload, str) else ""
    result = []
    for chunk in re.split(r"\r?\n\s*\r?\n", text):
        fields: dict[str, str] = {}
        name = ""
        for line in chunk.splitlines():
            if line[:1] in (" ", "\t") and name:
                fields[name] += " " + line.strip()
            elif ":" in line:
                name, _colon, value = line.partition(":")
                name = name.strip().lower()
                fields[name] = value.strip()
        if fields:
            result.append(fields)
    return result


def _returned_ids(message: Message) -> list[str]:
    """The Message-ID of the message a bounce returns: in its attached copy
    (message/rfc822 or text/rfc822-headers), else quoted in its text."""
    found: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is not None:
                found += _ids(_header(inner, "Message-ID"))
        elif kind in ("text/rfc822-headers", "text/plain"):
            found += _ORIGINAL_ID.findall(_part_text(part))
    return list(dict.fromkeys(found))


def _reason_in_text(message: Message) -> str:
    """The server's words in a non-standard bounce: the first SMTP answer."""
    for part in message.walk():
        if part.get_content_type() != "text/plain":
            continue
        text = _part_text(part)
        paragraph: list[str] = []
        for line in text.splitlines():
            if not line.strip():
                paragraph = []
                continue
            paragraph.append(line.strip())
            found = _SMTP_REASON.search(line)
            if not found:
                continue
            if found.group(0).startswith("#") and len(paragraph) > 1:
                # Exchange: the explanation above, then « <server #5.1.1> ».
                return " ".join(" ".join(paragraph[1:]).split())[:REASON]
            return " ".join(found.group(0).split())[:REASON]
    return ""


def _part_text(part: Message) -> str:
    """A text part's content, decoded (transfer encoding, then charset)."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", "replace")


def _body(message: Message) -> Message | None:
    """The part a person reads: the first plain text part that is not an
    attachment, else the first HTML one."""
    found = {}
    for part in message.walk():
        kind = part.get_content_type()
        attached = "attachment" in str(part.get("Content-Disposition", "")).lower()
        if kind in ("text/plain", "text/html") and kind not in found and not attached:
            found[kind] = part
    return found.get("text/plain") or found.get("text/html")


def _text(message: Message) -> str:
    """A reply's own text (its plain text part, or its HTML's words), the
    quoted message left out."""
    body = _body(message)
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_type() == "text/html":
        text = re.sub(r"<[^>]*>", " ", text)
    lines = []
    for line in text.splitlines():
        if line.startswith(">") or re.match(r"^(Le |On ).{0,200}(a écrit|wrote)", line):
            break
        lines.append(line.rstrip())
    return "\n".join(lines).strip()
