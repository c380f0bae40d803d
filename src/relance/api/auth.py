from ninja.security import HttpBearer

from relance.core.clock import utc_now
from relance.core.tokens import token_check


class TokenAuth(HttpBearer):
    """`Authorization: Bearer TOKEN`: the token's company is the only one seen."""

    openapi_description = "A company's API token (Configuration › Jetons d'API)."

    def authenticate(self, request, token):
        found = token_check(token, now=utc_now())
        if found is None:
            return None
        request.company = found.company
        return found
