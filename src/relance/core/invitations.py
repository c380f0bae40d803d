"""Invitations: the only way a person joins a company from the web.

An administrator names an email address and a role; the person who reads
that mailbox accepts, with the account of that address or a new one. Nobody
is attached to a company without accepting, and nothing here tells the
administrator whether the address already has an account.

The token is made once, travels once in the email's link, and is stored as a
SHA-256 digest, like API tokens (`tokens.py`). It works once, for 7 days, for
the invited address only. Sending the email is `mailing/invitations.py`'s job.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.models import Company, Invitation, Membership, User
from relance.core.services import password_check

VALID_FOR = timedelta(days=7)
MAX_TOKEN_LENGTH = 100

# ApplicationError.code of a link that cannot be used, and why.
UNKNOWN = "unknown"
EXPIRED = "expired"
CANCELLED = "cancelled"
ACCEPTED = "accepted"
OTHER_ACCOUNT = "other_account"
ACCOUNT_EXISTS = "account_exists"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def email_clean(email: str) -> str:
    """An address as invitations and accounts store it: trimmed, lower case."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            _("Saisissez une adresse e-mail valide."), field="email"
        ) from None
    return email


def invitations_pending(*, company: Company, now: datetime) -> QuerySet[Invitation]:
    """Invitations that can still be accepted, the latest first."""
    return Invitation.objects.filter(
        company=company,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=now,
    ).select_related("invited_by")


def invitation_create(
    *, company: Company, email: str, role: str, invited_by: User | None, now: datetime
) -> tuple[Invitation, str]:
    """A new invitation and its raw token (returned here and never again).

    It replaces any pending invitation of the same address to this company:
    their links stop working. Whether the address has an account elsewhere
    changes nothing here."""
    email = email_clean(email)
    if role not in Membership.Role.values:
        raise ApplicationError(_("Rôle inconnu."), field="role")
    if Membership.objects.filter(company=company, user__email__iexact=email).exists():
        # The administrator sees the company's members anyway: no secret here.
        raise ApplicationError(
            _("%(email)s a déjà accès à cette société.") % {"email": email},
            field="email",
        )
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitations_pending(company=company, now=now).filter(email=email).update(
            cancelled_at=now
        )
        invitation = Invitation.objects.create(
            company=company,
            email=email,
            role=role,
            digest=_digest(raw),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + VALID_FOR,
        )
    return invitation, raw


def invitation_cancel(*, invitation: Invitation, now: datetime) -> None:
    """Its link stops working (an accepted invitation stays accepted)."""
    Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)


def _refuse_unusable(invitation: Invitation, now: datetime) -> None:
    if invitation.accepted_at is not None:
        raise ApplicationError(
            _("Cette invitation a déjà été acceptée : elle ne sert qu'une fois."),
            code=ACCEPTED,
        )
    if invitation.cancelled_at is not None:
        raise ApplicationError(
            _(
                "Cette invitation a été annulée. Demandez à un administrateur de "
                "%(company)s de vous inviter à nouveau."
            )
            % {"company": invitation.company.name},
            code=CANCELLED,
        )
    if invitation.expires_at <= now:
        raise ApplicationError(
            _(
                "Cette invitation a expiré. Demandez à un administrateur de "
                "%(company)s de vous inviter à nouveau."
            )
            % {"company": invitation.company.name},
            code=EXPIRED,
        )


def invitation_get(raw: str, *, now: datetime) -> Invitation:
    """The invitation behind a link's token, if it can still be accepted;
    otherwise an ApplicationError whose code says why (UNKNOWN, ACCEPTED,
    CANCELLED, EXPIRED)."""
    invitation = None
    if raw and len(raw) <= MAX_TOKEN_LENGTH:
        invitation = (
            Invitation.objects.select_related("company", "invited_by")
            .filter(digest=_digest(raw))
            .first()
        )
    if invitation is None:
        raise ApplicationError(
            _(
                "Cette invitation n'existe pas. Vérifiez le lien reçu par courriel, "
                "ou demandez une nouvelle invitation."
            ),
            code=UNKNOWN,
        )
    _refuse_unusable(invitation, now)
    return invitation


def invitation_account(invitation: Invitation) -> User | None:
    """The account of the invited address, if there is one."""
    return User.objects.filter(email__iexact=invitation.email).first()


def _claim(invitation: Invitation, user: User, now: datetime) -> Membership:
    """Mark the invitation used by `user`, once, and give them access.
    Inside a transaction: two tabs accepting at once make one membership."""
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=now,
    ).update(accepted_at=now, accepted_by=user)
    if not claimed:
        invitation.refresh_from_db()
        _refuse_unusable(invitation, now)
        raise ApplicationError(_("Cette invitation ne peut plus servir."))
    invitation.accepted_at, invitation.accepted_by = now, user
    # Already a member (by another invitation meanwhile): the role stays.
    membership, _created = Membership.objects.get_or_create(
        user=user, company=invitation.company, defaults={"role": invitation.role}
    )
    return membership


def invitation_accept(
    *, invitation: Invitation, user: User, now: datetime
) -> Membership:
    """The signed-in owner of the invited address accepts."""
    if user.email.lower() != invitation.email.lower():
        raise ApplicationError(
            _(
                "Cette invitation est adressée à une autre adresse que celle de "
                "votre compte (%(email)s)."
            )
            % {"email": user.email},
            code=OTHER_ACCOUNT,
        )
    with transaction.atomic():
        return _claim(invitation, user, now)


def invitation_accept_new_account(
    *, invitation: Invitation, full_name: str, password: str, now: datetime
) -> User:
    """Someone without an account accepts: the account of the invited address
    is created with the password they chose, then given access."""
    user = User(email=invitation.email, full_name=full_name.strip()[:150])
    password_check(password, user)
    user.set_password(password)
    exists = ApplicationError(
        _(
            "Un compte existe déjà pour %(email)s : connectez-vous pour accepter "
            "l'invitation."
        )
        % {"email": invitation.email},
        code=ACCOUNT_EXISTS,
    )
    if invitation_account(invitation) is not None:
        raise exists
    try:
        with transaction.atomic():
            user.save()
            _claim(invitation, user, now)
    except IntegrityError:  # the same address signed up meanwhile
        raise exists from None
    return user
