"""« Mot de passe oublié » : a link to choose a new password, sent through
the mail settings of the account's company (its sender address, EMAIL_URL),
in the account's language. Whoever asks gets the same answer: nothing tells
whether an address has an account."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from relance.core.models import Membership, User
from relance.mailing.delivery import Outcome, send_now
from relance.mailing.html import text_to_html
from relance.mailing.mime import email_message, message_id_new

logger = logging.getLogger(__name__)


def password_reset_send(*, email: str, link_for: Callable[[str, str], str]) -> bool:
    """Send the link (`link_for(uid, token)`) to the active account of
    `email`; False, silently, when there is none or the message did not go."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return False
    membership = (
        Membership.objects.filter(user=user)
        .select_related("company")
        .order_by("company__name", "company_id")
        .first()
    )
    company = membership.company if membership else None
    sender = (company.sender_email if company else "") or settings.DEFAULT_FROM_EMAIL
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = link_for(uid, default_token_generator.make_token(user))
    with translation.override(user.language or (company.language if company else "fr")):
        subject = _("Relance : choisir un nouveau mot de passe")
        text = render_to_string(
            "mailing/password_reset.txt",
            {
                "link": link,
                "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
                "email": user.email,
            },
        )
    message = email_message(
        sender_name=company.name if company else "Relance",
        sender=sender,
        to=[user.email],
        reply_to=company.reply_to_email if company else "",
        subject=subject,
        text=text,
        html=text_to_html(text, title=subject),
        message_id=message_id_new(sender),
        headers={"Auto-Submitted": "auto-generated"},
    )
    result = send_now(message)
    if result.outcome != Outcome.SENT:
        logger.warning(
            "Password reset for user %s not sent: %s", user.pk, result.detail
        )
        return False
    return True
