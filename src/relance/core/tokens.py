"""API tokens: made once, shown once, stored as a SHA-256 digest."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.models import ApiToken, Company, User

PREFIX = "rl_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, company: Company, name: str, user: User | None = None
) -> tuple[ApiToken, str]:
    """A new token; the raw value is returned here and never again."""
    name = name.strip()
    if not name:
        raise ApplicationError(
            _("Donnez un nom au jeton (par exemple l'outil qui l'utilise)."),
            field="name",
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        company=company,
        name=name[:100],
        prefix=raw[:10],
        digest=_digest(raw),
        created_by=user,
    )
    return token, raw


def token_check(raw: str, *, now: datetime) -> ApiToken | None:
    """The live token behind a raw value, or None."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("company")
        .filter(digest=_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token and (
        token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1)
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_revoke(*, token: ApiToken, now: datetime) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
