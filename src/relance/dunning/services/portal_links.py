"""The customer's private links (portal/, ADR 18).

A token is made for each reminder that quotes `{{ portal_url }}`, travels in
that message only, and is stored as its SHA-256 digest: nothing in the
database gives it back. All of a customer's links expire together,
`Company.portal_link_days` after the customer's last reminder (each reminder
that leaves moves them forward), and are revoked together; a revoked link
never works again, and the next reminder makes a new one.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from relance.core.models import Company
from relance.dunning.models import PortalLink
from relance.invoices.models import Customer

MAX_TOKEN_LENGTH = 100  # longer: not one of ours, not even hashed


def portal_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def portal_token_new() -> str:
    return secrets.token_urlsafe(32)


def portal_url(token: str) -> str:
    return f"{settings.RELANCE_BASE_URL}/p/{token}/"


def portal_expiry(*, company: Company, now: datetime) -> datetime:
    return now + timedelta(days=company.portal_link_days)


def portal_link_create(
    *,
    company: Company,
    customer: Customer,
    digest: str,
    now: datetime,
    reminder_id: int | None = None,
) -> PortalLink:
    """A link for a token already made (its digest); the customer's other live
    links now expire with it."""
    expires_at = portal_expiry(company=company, now=now)
    link = PortalLink.objects.create(
        company=company,
        customer=customer,
        reminder_id=reminder_id,
        token_hash=digest,
        created_at=now,
        expires_at=expires_at,
    )
    portal_links_extend(customer_id=customer.pk, expires_at=expires_at)
    return link


def portal_links_extend(*, customer_id: int, expires_at: datetime) -> int:
    """A reminder left: the customer's live links expire `expires_at` at the
    earliest (never sooner than they did)."""
    return PortalLink.objects.filter(
        customer_id=customer_id, revoked_at__isnull=True, expires_at__lt=expires_at
    ).update(expires_at=expires_at)


def portal_links_revoke(*, company: Company, customer: Customer, now: datetime) -> int:
    """Every live link of the customer stops working; how many did."""
    return PortalLink.objects.filter(
        company=company, customer=customer, revoked_at__isnull=True
    ).update(revoked_at=now)


def portal_links_live(*, customer: Customer, now: datetime) -> QuerySet[PortalLink]:
    return PortalLink.objects.filter(
        customer=customer, revoked_at__isnull=True, expires_at__gt=now
    )


def portal_link_open(*, token: str, now: datetime) -> PortalLink | None:
    """The live link of this token, its customer and company loaded, its visit
    noted; None for a token unknown, revoked or expired (said alike)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = (
        PortalLink.objects.select_related("customer", "company")
        .filter(
            token_hash=portal_digest(token),
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .first()
    )
    if link is None or link.customer.company_id != link.company_id:
        return None
    if link.last_used_at is None or now - link.last_used_at > timedelta(minutes=1):
        PortalLink.objects.filter(pk=link.pk).update(last_used_at=now)
        link.last_used_at = now
    return link
