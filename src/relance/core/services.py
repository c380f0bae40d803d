"""Writes on companies, users and memberships."""

from django.db import transaction
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError, model_validate
from relance.core.models import Company, Membership, User

COMPANY_FIELDS = (
    "name",
    "siren",
    "siret",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "sender_email",
    "reply_to_email",
    "phone",
    "iban",
    "bic",
    "time_zone",
    "language",
    "min_gap_days",
    "group_per_customer",
    "auto_send",
    "daily_run_at",
)


def company_update(*, company: Company, **values) -> Company:
    """Change a company's details and dunning settings; every value checked."""
    unknown = set(values) - set(COMPANY_FIELDS)
    if unknown:
        raise ApplicationError(_("Champ inconnu."), field=sorted(unknown)[0])
    for field, value in values.items():
        setattr(company, field, value.strip() if isinstance(value, str) else value)
    company.iban = company.iban.replace(" ", "").upper()
    company.bic = company.bic.replace(" ", "").upper()
    model_validate(company, set(values))
    company.save(update_fields=list(values))
    return company


def member_add(
    *, company: Company, email: str, full_name: str = "", role: str, password: str = ""
) -> Membership:
    """Give a person access to a company; creates their account if needed."""
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ApplicationError(_("Rôle inconnu."), field="role")
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            if len(password) < 8:
                raise ApplicationError(
                    _("Choisissez un mot de passe d'au moins 8 caractères."),
                    field="password",
                )
            user = User(email=email, full_name=full_name.strip())
            model_validate(user, {"email", "full_name"})
            user.set_password(password)
            user.save()
        if Membership.objects.filter(user=user, company=company).exists():
            raise ApplicationError(
                _("%(email)s a déjà accès à cette société.") % {"email": email},
                field="email",
            )
        return Membership.objects.create(user=user, company=company, role=role)


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
