"""The REST API under /api/v1, with its OpenAPI schema and docs."""

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import JsonResponse
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from relance.api.auth import TokenAuth
from relance.core.errors import ApplicationError
from relance.core.throttle import TooManyBadTokens
from relance.invoices.importing import Refused

api = NinjaAPI(
    title="Relance API",
    version="1.0",
    description=(
        "Push invoices and payments from an invoicing tool or an ERP, and run "
        "the dunning: preview and send reminders, follow a run, start the daily "
        "job. Every call needs `Authorization: Bearer TOKEN`; a token sees its "
        "own company only. Errors are JSON objects with a `detail` (in French) "
        "naming the `field` at fault."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(Refused)
def refused(request, error: Refused):
    return api.create_response(
        request,
        {"detail": error.message, "errors": [e.as_dict() for e in error.report.errors]},
        status=400,
    )


@api.exception_handler(ApplicationError)
def application_error(request, error: ApplicationError):
    return api.create_response(
        request, {"detail": error.message, "field": error.field}, status=400
    )


@api.exception_handler(DataError)
def data_error(request, error: DataError):
    return api.create_response(
        request,
        {"detail": "Valeur hors des limites acceptées.", "field": None},
        status=400,
    )


@api.exception_handler(AuthenticationError)
def unauthorized(request, error):
    return api.create_response(
        request,
        {"detail": "Jeton d'API absent ou invalide.", "field": None},
        status=401,
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request, error):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django would answer 400 in HTML)."""
    limit = f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:.1f}"
    limit = limit.removesuffix(".0").replace(".", ",")
    return api.create_response(
        request,
        {"detail": f"Requête trop volumineuse : {limit} Mo au plus.", "field": None},
        status=413,
    )


@api.exception_handler(TooManyBadTokens)
def too_many_bad_tokens(request, error: TooManyBadTokens):
    minutes = math.ceil(error.seconds / 60)
    response = api.create_response(
        request,
        {
            "detail": "Trop de jetons d'API invalides depuis cette adresse. "
            f"Réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.",
            "field": None,
        },
        status=429,
    )
    response["Retry-After"] = str(error.seconds)
    return response


@api.exception_handler(ValidationError)
def invalid(request, error: ValidationError):
    first = error.errors[0] if error.errors else {}
    where = [
        str(part) for part in first.get("loc", []) if part not in ("body", "payload")
    ]
    message = first.get("msg", "?").removeprefix("Value error, ")  # ours, French
    return api.create_response(
        request,
        {
            "detail": f"{'.'.join(where) or 'requête'} : {message}",
            "field": where[-1] if where else None,
        },
        status=422,
    )


from relance.api import bank, routes  # noqa: E402  (routes register on `api`)

api.add_router("", routes.router)
api.add_router("", bank.router)


def bad_request(request, exception):
    """Django's answer to a request it refuses before any view (a Host header
    not in RELANCE_ALLOWED_HOSTS, say): JSON under /api/, as every other
    error of the API; the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Requête invalide.", "field": None}, status=400)
    return defaults.bad_request(request, exception)
