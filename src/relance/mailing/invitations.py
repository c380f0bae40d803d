"""The invitation email: written from `mailing/invitation.txt` in the
company's language, and sent at once through the mail settings that the
company's reminders use (its sender and reply-to addresses, EMAIL_URL)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.invitations import invitation_cancel, invitation_create
from relance.core.models import Company, Invitation, User
from relance.core.money import format_date
from relance.mailing.delivery import Outcome, send_now
from relance.mailing.html import text_to_html
from relance.mailing.mime import Email, email_message, message_id_new


def invitation_link(raw: str) -> str:
    return f"{settings.RELANCE_BASE_URL}/invitation/{raw}/"


def invitation_email(*, invitation: Invitation, raw: str) -> Email:
    """The message that carries the invitation's link to the invited address."""
    company = invitation.company
    inviter = invitation.invited_by
    expires = invitation.expires_at.astimezone(ZoneInfo(company.time_zone))
    with translation.override(company.language):
        subject = _("Invitation à rejoindre %(company)s sur Relance") % {
            "company": company.name
        }
        text = render_to_string(
            "mailing/invitation.txt",
            {
                "inviter": (inviter.full_name or inviter.email)
                if inviter
                else _("Un administrateur"),
                "company": company.name,
                "role": str(invitation.get_role_display()).lower(),
                "link": invitation_link(raw),
                "expires": f"{format_date(expires.date(), company.language)} "
                f"{expires:%H:%M}",
            },
        )
    return email_message(
        sender_name=company.name,
        sender=company.sender_email,
        to=[invitation.email],
        reply_to=company.reply_to_email,
        subject=subject,
        text=text,
        html=text_to_html(text, title=subject),
        message_id=message_id_new(company.sender_email),
        headers={"Auto-Submitted": "auto-generated"},
    )


def invitation_send(
    *, company: Company, email: str, role: str, invited_by: User, now: datetime
) -> Invitation:
    """Invite `email` to `company` with `role`, and send the link at once.

    The same outcome whether or not the address has an account. If the mail
    server does not take the message, the invitation is cancelled and the
    refusal says why, so that nobody holds a link that nobody received."""
    if not company.sender_email:
        raise ApplicationError(
            _(
                "Renseignez d'abord l'adresse d'expédition de la société "
                "(Configuration › Société) : l'invitation part de cette adresse."
            )
        )
    invitation, raw = invitation_create(
        company=company, email=email, role=role, invited_by=invited_by, now=now
    )
    result = send_now(invitation_email(invitation=invitation, raw=raw))
    if result.outcome != Outcome.SENT:
        invitation_cancel(invitation=invitation, now=now)
        raise ApplicationError(
            _(
                "Le serveur d'envoi n'a pas pris l'invitation (%(error)s) : son "
                "lien est annulé. Réessayez plus tard."
            )
            % {"error": result.detail}
        )
    return invitation
