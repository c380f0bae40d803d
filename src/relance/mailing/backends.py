"""Where messages go when no mail server is configured: one .eml file each."""

import re
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    """Writes each message as a standard .eml file (any mail client opens it)."""

    def __init__(self, *, file_path: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            mime = message.message()
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            ident = re.sub(r"[^A-Za-z0-9.-]", "_", mime.get("Message-ID", ""))[:80]
            path = self.folder / f"{stamp}-{ident or sent}.eml"
            path.write_bytes(mime.as_bytes())
            sent += 1
        return sent
