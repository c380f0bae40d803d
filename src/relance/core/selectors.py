from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.models import Company, User


def company_get(company_id: int | None) -> Company:
    """The company meant by a command: the one given, or the only one there is."""
    if company_id is not None:
        try:
            return Company.objects.get(pk=company_id)
        except Company.DoesNotExist:
            raise ApplicationError(
                _("Aucune société n'a l'identifiant %(id)s.") % {"id": company_id},
                field="company",
            ) from None
    companies = list(Company.objects.order_by("id")[:20])
    if not companies:
        raise ApplicationError(_("Aucune société : lancez d'abord « relance init »."))
    if len(companies) > 1:
        listing = ", ".join(f"{c.pk} = {c.name}" for c in companies)
        raise ApplicationError(
            _("Plusieurs sociétés : précisez --company (%(list)s).")
            % {"list": listing},
            field="company",
        )
    return companies[0]


def user_get(email: str) -> User:
    """The account of an address, whatever its case."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ApplicationError(
            _("Aucun compte pour %(email)s.") % {"email": email.strip()},
            field="email",
        )
    return user


def company_users(*, company_id: int):
    """The company's users (those who may follow its customers), by name."""
    return User.objects.filter(memberships__company_id=company_id).order_by(
        "full_name", "email"
    )
