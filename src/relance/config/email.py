"""EMAIL_URL → Django email settings."""

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class EmailUrlError(ValueError):
    pass


def email_settings(url: str, outbox: Path, timeout: float = 10.0) -> dict:
    """Django settings for `url`; without one, .eml files written to `outbox`.
    `timeout`: seconds to wait for the server to connect and for each answer."""
    if not url:
        return {
            "EMAIL_BACKEND": "relance.mailing.backends.EmlFileBackend",
            "EMAIL_FILE_PATH": str(outbox),
        }
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise EmailUrlError(
            f"EMAIL_URL must start with smtp:// or smtps://, not {parts.scheme}://"
        )
    if not parts.hostname:
        raise EmailUrlError("EMAIL_URL has no host name")
    tls = parts.scheme == "smtps"
    options = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    unknown = set(options) - {"starttls"}
    if unknown:
        raise EmailUrlError(f"EMAIL_URL: unknown option {sorted(unknown)[0]!r}")
    if options.get("starttls", "on") not in {"on", "off"}:
        raise EmailUrlError("EMAIL_URL: starttls must be on or off")
    starttls = not tls and options.get("starttls", "on") == "on"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or (465 if tls else 587),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": tls,
        # smtp:// upgrades with STARTTLS; `?starttls=off` for a plain local relay.
        "EMAIL_USE_TLS": starttls,
        "EMAIL_TIMEOUT": timeout,
    }
