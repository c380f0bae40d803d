"""Who is acting, for which company, in which language."""

from django.conf import settings
from django.utils import translation

from relance.core.models import Company, Membership

SESSION_KEY = "relance_company"


class CompanyMiddleware:
    """Sets `request.company` (the company being worked on) and
    `request.membership` for a signed-in user, from their memberships only:
    a company id in the session that is not theirs is ignored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.company = None
        request.membership = None
        user = request.user
        if user.is_authenticated:
            memberships = Membership.objects.filter(user=user).select_related("company")
            wanted = request.session.get(SESSION_KEY)
            chosen = None
            for membership in memberships.order_by("company__name", "company_id"):
                if chosen is None or membership.company_id == wanted:
                    chosen = membership
            if chosen:
                request.membership = chosen
                request.company = chosen.company
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """What Django's SecurityMiddleware does not send: the Content-Security-
    Policy (settings.RELANCE_CSP) on every answer, and `Cache-Control:
    private, no-store` on answers made for a signed-in user or an API token,
    so that no cache, shared or the browser's, keeps a company's data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault(
            "Content-Security-Policy",
            "; ".join(
                f"{directive} {' '.join(sources)}"
                for directive, sources in settings.RELANCE_CSP.items()
            ),
        )
        user = getattr(request, "user", None)  # unset when WhiteNoise answered
        if (user is not None and user.is_authenticated) or (
            "HTTP_AUTHORIZATION" in request.META
        ):
            response["Cache-Control"] = "private, no-store"
        return response


def companies_of(user) -> list[Company]:
    return list(Company.objects.filter(memberships__user=user).order_by("name", "id"))
