"""Where messages go when no mail server is configured: one .eml file each."""

import io
import re
from datetime import datetime
from email import policy
from email.generator import BytesGenerator
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from relance.config.private import private_folder, write_private


def message_bytes(email_message, linesep: str = "\n") -> bytes:
    """The message as it travels: headers folded by today's email rules.

    (Django's own serialisation folds a long encoded subject onto a second
    line, which some readers show with a leading space.)
    """
    buffer = io.BytesIO()
    generator = BytesGenerator(
        buffer, mangle_from_=False, policy=policy.SMTP.clone(linesep=linesep)
    )
    generator.flatten(email_message.message())
    return buffer.getvalue()


class EmlFileBackend(BaseEmailBackend):
    """Writes each message as a standard .eml file (any mail client opens it)."""

    def __init__(self, *, file_path: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        private_folder(self.folder)  # messages name customers and carry PDFs
        sent = 0
        for message in email_messages:
            ident = message.extra_headers.get("Message-ID", "")
            path = eml_path(self.folder, ident or str(sent))
            write_private(path, message_bytes(message))
            sent += 1
        return sent


def eml_path(folder: Path, message_id: str) -> Path:
    """A new file for one message, named after its time and Message-ID."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    ident = re.sub(r"[^A-Za-z0-9.-]", "_", message_id)[:80]
    return folder / f"{stamp}-{ident}.eml"
