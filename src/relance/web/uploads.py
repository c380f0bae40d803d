"""Files uploaded for a preview, kept until the user confirms (one day at most)."""

import re
import secrets
import time
from pathlib import Path

from django.conf import settings

from relance.config.private import private_folder, write_private

MAX_SIZE = 20 * 1024 * 1024
KEEP_SECONDS = 24 * 3600


def _folder() -> Path:
    return private_folder(Path(settings.DATA_DIR) / "uploads")


def upload_keep(company_id: int, name: str, content: bytes) -> str:
    """Keep an upload; returns the key that finds it again (for this company only)."""
    for old in _folder().glob("*"):
        if time.time() - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    suffix = Path(name).suffix.lower()[:6]
    if not re.fullmatch(r"\.\w+", suffix):
        suffix = ""
    key = f"{company_id}-{secrets.token_hex(16)}{suffix}"
    write_private(_folder() / key, content)
    return key


def upload_read(company_id: int, key: str) -> bytes | None:
    if not re.fullmatch(rf"{company_id}-[0-9a-f]{{32}}(\.\w+)?", key or ""):
        return None
    path = _folder() / key
    return path.read_bytes() if path.exists() else None


def upload_forget(key: str) -> None:
    if re.fullmatch(r"\d+-[0-9a-f]{32}(\.\w+)?", key or ""):
        (_folder() / key).unlink(missing_ok=True)
