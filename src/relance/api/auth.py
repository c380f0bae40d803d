from ninja.security import HttpBearer

from relance.core.addresses import client_ip
from relance.core.clock import utc_now
from relance.core.throttle import api_address_check, api_address_failed
from relance.core.tokens import token_check


class TokenAuth(HttpBearer):
    """`Authorization: Bearer TOKEN`: the token's company is the only one seen.

    An address that showed too many bad tokens is refused (429) for a while,
    before any token it sends is looked at."""

    openapi_description = "A company's API token (Configuration › Jetons d'API)."

    def authenticate(self, request, token):
        address = client_ip(request)
        api_address_check(address)
        found = token_check(token, now=utc_now())
        if found is None:
            api_address_failed(address)
            return None
        request.company = found.company
        return found
