"""Writes on companies, users and memberships."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from relance.core import languages, logos
from relance.core.changes import change_record
from relance.core.errors import ApplicationError, model_validate
from relance.core.models import ChangeKind, Company, Membership, User
from relance.core.payment_links import (
    PLACEHOLDERS,
    PaymentUrlRefused,
    payment_url_check,
)

# The company's details and settings that people may change: the settings
# page's form shows these, `company_update` accepts only these. (The country
# is the operator's, in Django's admin.)
COMPANY_FIELDS = (
    "name",
    "siren",
    "siret",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "sender_email",
    "reply_to_email",
    "phone",
    "iban",
    "bic",
    "time_zone",
    "language",
    "languages",
    "min_gap_days",
    "grouping",
    "penalty_rate",
    "penalty_day_basis",
    "auto_send",
    "daily_run_at",
    "bank_max_age_days",
    "letter_deadline_days",
    "letter_signatory",
    "letter_body",
    "reply_pause_days",
    "portal_link_days",
    "send_calendar",
    "send_from",
    "send_until",
    "pause_august",
    "pause_christmas",
    "quota_per_minute",
    "quota_per_day",
    "declared_payment_pause_days",
    "promise_max_days",
    "portal_answers_by_email",
    "payment_url_template",
)
LETTER_BODY_MAX = 5_000  # characters (dunning/letters.py checks its template)


def payment_url_refusal(template: str) -> str:
    """Why the payment link template is refused (French), or ""."""
    try:
        payment_url_check(template)
    except PaymentUrlRefused as refused:
        why = str(refused)
        if why == "https":
            return _("Le lien de paiement doit commencer par https://.")
        if why == "length":
            return _("Le lien de paiement : 500 caractères au plus.")
        if why.startswith("placeholder:"):
            return _(
                "Lien de paiement : « {%(name)s} » inconnu ; utilisables : %(known)s."
            ) % {
                "name": why.split(":", 1)[1],
                "known": ", ".join(f"{{{p}}}" for p in PLACEHOLDERS),
            }
        return _("Lien de paiement : accolades mal fermées.")
    return ""


def company_update(*, company: Company, by=None, **values) -> Company:
    """Change a company's details and dunning settings; every value checked.
    What changed is recorded, with who (`by`: `core.changes`)."""
    unknown = set(values) - set(COMPANY_FIELDS)
    if unknown:
        raise ApplicationError(_("Champ inconnu."), field=sorted(unknown)[0])
    before = {field: getattr(company, field) for field in values}
    for field, value in values.items():
        setattr(company, field, value.strip() if isinstance(value, str) else value)
    if len(company.letter_body) > LETTER_BODY_MAX:
        raise ApplicationError(
            _("%(max)s caractères au plus (il y en a %(n)s).")
            % {"max": "5\u202f000", "n": len(company.letter_body)},
            field="letter_body",
        )
    if "languages" in values:
        unknown = [
            code for code in values["languages"] or () if code not in languages.CODES
        ]
        if unknown:
            raise ApplicationError(
                _("Langue inconnue « %(code)s ».") % {"code": unknown[0]},
                field="languages",
            )
        company.languages = languages.company_languages(values["languages"])
    company.iban = company.iban.replace(" ", "").upper()
    company.bic = company.bic.replace(" ", "").upper()
    if company.send_from >= company.send_until:
        raise ApplicationError(
            _(
                "L'heure de fin d'envoi doit suivre l'heure de début (%(start)s) : "
                "par exemple 08:00 et 18:00."
            )
            % {"start": company.send_from.strftime("%H:%M")},
            field="send_until",
        )
    if company.payment_url_template:
        message = payment_url_refusal(company.payment_url_template)
        if message:
            raise ApplicationError(message, field="payment_url_template")
    model_validate(company, set(values))
    with transaction.atomic():
        company.save(update_fields=list(values))
        change_record(
            company=company,
            by=by,
            kind=ChangeKind.COMPANY,
            subject_id=company.pk,
            subject_label=company.name,
            before=before,
            after={field: getattr(company, field) for field in values},
        )
    return company


def password_check(password: str, user: User) -> None:
    """Django's password rules (AUTH_PASSWORD_VALIDATORS), as a refusal."""
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="password") from None


def user_create(
    *,
    email: str,
    password: str,
    full_name: str = "",
    operator: bool = False,
    company: Company | None = None,
    role: str = Membership.Role.MEMBER,
) -> User:
    """A new account, from the command line (the web invites instead).

    An operator reaches Django's admin (/admin/), which shows every company;
    a company's people, administrators included, never do. With `company`,
    the account gets access to it with `role`."""
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ApplicationError(_("Rôle inconnu."), field="role")
    user = User(
        email=email,
        full_name=full_name.strip(),
        is_staff=operator,
        is_superuser=operator,
    )
    model_validate(user, {"email", "full_name"})
    password_check(password, user)
    user.set_password(password)
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise ApplicationError(
                _("Un compte existe déjà pour %(email)s.") % {"email": email},
                field="email",
            )
        user.save()
        if company is not None:
            Membership.objects.create(user=user, company=company, role=role)
    return user


def user_password_set(*, user: User, password: str) -> None:
    """A new password; the account's open sessions end with the old one."""
    password_check(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


def user_deactivate(*, user: User) -> None:
    """The account can no longer sign in; its open sessions end at once."""
    user.is_active = False
    user.save(update_fields=["is_active"])


def membership_remove(*, membership: Membership, acting: User) -> None:
    if membership.user_id == acting.pk:
        raise ApplicationError(_("Vous ne pouvez pas retirer votre propre accès."))
    admins = Membership.objects.filter(
        company_id=membership.company_id, role=Membership.Role.ADMIN
    )
    if membership.role == Membership.Role.ADMIN and admins.count() == 1:
        raise ApplicationError(_("La société doit garder au moins un administrateur."))
    membership.delete()


def user_language_set(*, user: User, language: str) -> None:
    if language not in {"fr", "en"}:
        raise ApplicationError(_("Langue inconnue."), field="language")
    user.language = language
    user.save(update_fields=["language"])


LOGO_REFUSALS = {
    "empty": lambda: _("Le fichier du logo est vide."),
    "too_big": lambda: (
        _("Logo trop volumineux : %(size)s au plus.") % {"size": logos.MAX_SIZE_TEXT}
    ),
    "unknown_type": lambda: _("Logo : une image PNG ou JPEG seulement (pas de SVG)."),
    "unreadable": lambda: _("Logo : image PNG ou JPEG illisible."),
    "too_large": lambda: (
        _("Logo trop grand : %(n)s × %(n)s pixels au plus.") % {"n": logos.MAX_PIXELS}
    ),
}


def company_logo_set(*, company: Company, content: bytes, filename: str) -> Company:
    """Keep the company's logo (PNG or JPEG by its bytes, core/logos.py) under
    a random name, replacing the former one. Raises ApplicationError
    (field `logo`) with a French message."""
    try:
        kind = logos.logo_type(content)
    except logos.LogoRefused as refused:
        raise ApplicationError(LOGO_REFUSALS[str(refused)](), field="logo") from None
    former = company.logo.name if company.logo else ""
    extension = "png" if kind == "png" else "jpg"
    company.logo.save(f"logo.{extension}", ContentFile(content), save=False)
    company.save(update_fields=["logo"])
    if former:
        company.logo.storage.delete(former)
    return company


def company_logo_remove(*, company: Company) -> Company:
    """Remove the company's logo (its file too)."""
    if company.logo:
        name = company.logo.name
        company.logo = ""
        company.save(update_fields=["logo"])
        company.logo.storage.delete(name)
    return company
