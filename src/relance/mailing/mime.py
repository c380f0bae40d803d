"""A reminder as it travels: RFC 5322 headers and a MIME body, written directly.

Python's email package takes about a millisecond to serialise one reminder
with today's folding rules, as long as the rest of its sending; the messages
here always have the same simple shape (text, the same text as HTML, PDF
invoices), so they are written out in a few dozen microseconds.

- Headers stay within 78 characters; non-ASCII text goes in RFC 2047 encoded
  words (base64, never splitting a character), so that every reader shows the
  subject exactly as written.
- Bodies go as 8bit UTF-8 (quoted-printable if a line is too long for SMTP),
  attachments in base64. Line ends are CRLF, as on the wire.
"""

import base64
import binascii
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid, quote

MAX_LINE = 78  # header lines (RFC 5322 recommends 78, requires 998)
MAX_BODY_LINE = 998
ENCODED_WORD = 68  # characters, `=?utf-8?q?…?=` included
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass(frozen=True)
class Email:
    """What the transports deliver: the envelope and the message bytes."""

    sender: str
    recipients: list[str]
    data: bytes = field(repr=False)
    message_id: str = ""


def address(value: str) -> str:
    """An address as SMTP and headers take it: the domain in ASCII (IDNA)."""
    local, at, domain = value.strip().rpartition("@")
    if not at or domain.isascii():
        return value.strip()
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def _q(character: str) -> str:
    if character == " ":
        return "_"
    if character.isascii() and (character.isalnum() or character in "!*+-/"):
        return character
    return "".join(f"={b:02X}" for b in character.encode("utf-8"))


def _encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 "Q" encoded words, readable and ENCODED_WORD long at
    most (so that `Subject: ` and one word hold in a line). Words are cut after
    a space where possible, never inside a character."""
    room = ENCODED_WORD - len("=?utf-8?q??=")
    chunks: list[list[str]] = []
    chunk: list[str] = []  # encoded characters
    size = 0
    for character in text:
        encoded = _q(character)
        if size + len(encoded) > room:
            spaces = [i for i, c in enumerate(chunk) if c == "_"]
            cut = spaces[-1] + 1 if spaces else len(chunk)
            chunks.append(chunk[:cut])
            chunk = chunk[cut:]
            size = sum(map(len, chunk))
        chunk.append(encoded)
        size += len(encoded)
    chunks.append(chunk)
    return [f"=?utf-8?q?{''.join(c)}?=" for c in chunks if c]


def _fold(name: str, pieces: list[str], joiner: str = " ") -> str:
    """`Name: piece piece…` folded before a piece that would pass MAX_LINE."""
    lines, line = [], f"{name}:"
    for index, piece in enumerate(pieces):
        separator = " " if index == 0 else joiner
        if index and len(line) + len(separator) + len(piece) > MAX_LINE:
            lines.append(line)
            line = " " + piece
        else:
            line += separator + piece
    lines.append(line)
    return "\r\n".join(lines)


def _text_header(name: str, value: str) -> str:
    """An unstructured header such as Subject."""
    value = " ".join(value.split())
    if value.isascii():
        return _fold(name, value.split(" ") if value else [""])
    # Whitespace between encoded words is dropped by readers: it stays inside.
    return _fold(name, _encoded_words(value))


def _mailbox(display_name: str, mailbox: str) -> list[str]:
    """`Name <address>` as pieces to fold."""
    mailbox = f"<{address(mailbox)}>"
    name = " ".join(display_name.split())
    if not name:
        return [mailbox]
    if name.isascii():
        return [f'"{quote(name)}"', mailbox]
    return [*_encoded_words(name), mailbox]


def _part_body(text: str) -> tuple[str, bytes]:
    """A text body with CRLF line ends, and the transfer encoding it needs."""
    lines = _LINE_END.split(text.rstrip("\r\n"))
    data = "\r\n".join(lines).encode("utf-8") + b"\r\n"
    if max((len(line) for line in data.split(b"\r\n")), default=0) > MAX_BODY_LINE:
        encoded = binascii.b2a_qp(data.replace(b"\r\n", b"\n"), istext=True)
        return "quoted-printable", encoded.replace(b"\n", b"\r\n")
    return ("7bit" if data.isascii() else "8bit"), data


def _text_part(subtype: str, text: str) -> bytes:
    encoding, data = _part_body(text)
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return head.encode("ascii") + data


def _filename_parameter(filename: str) -> str:
    if filename.isascii():
        return f'filename="{quote(filename)}"'
    encoded = "".join(
        chr(b) if b < 128 and (chr(b).isalnum() or chr(b) in "-._~") else f"%{b:02X}"
        for b in filename.encode("utf-8")
    )
    return f"filename*=utf-8''{encoded}"


def _attachment_part(attachment: Attachment) -> bytes:
    content = base64.encodebytes(attachment.content).replace(b"\n", b"\r\n")
    head = (
        f"Content-Type: {attachment.mimetype}\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment;\r\n"
        f" {_filename_parameter(attachment.filename)}\r\n\r\n"
    )
    return head.encode("ascii") + content


def _multipart(subtype: str, parts: Sequence[bytes]) -> bytes:
    boundary = f"=_{secrets.token_hex(12)}"
    marker = f"--{boundary}".encode("ascii")
    body = b"".join(marker + b"\r\n" + part + b"\r\n" for part in parts)
    head = f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n\r\n'
    return head.encode("ascii") + body + marker + b"--\r\n"


def message_id_new(sender: str) -> str:
    """A globally unique Message-ID in the sender's own mail domain."""
    domain = sender.rpartition("@")[2] or "relance.invalid"
    return make_msgid(idstring="relance", domain=domain)


def email_message(
    *,
    sender_name: str,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    reply_to: str = "",
    headers: dict[str, str] | None = None,
    attachments: Sequence[Attachment] = (),
    date: datetime | None = None,
) -> Email:
    """One message: text and HTML alternatives, then any attachments."""
    recipients = [address(a) for a in to]
    lines = [
        _fold("From", _mailbox(sender_name, sender)),
        _fold("To", [f"{a}," for a in recipients[:-1]] + recipients[-1:]),
    ]
    if reply_to:
        lines.append(f"Reply-To: {address(reply_to)}")
    lines += [
        _text_header("Subject", subject),
        f"Date: {format_datetime(date or datetime.now(UTC))}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    lines += [_text_header(name, value) for name, value in (headers or {}).items()]
    body = _multipart(
        "alternative", [_text_part("plain", text), _text_part("html", html)]
    )
    if attachments:
        body = _multipart("mixed", [body, *map(_attachment_part, attachments)])
    data = ("\r\n".join(lines) + "\r\n").encode("ascii") + body
    return Email(address(sender), recipients, data, message_id)
