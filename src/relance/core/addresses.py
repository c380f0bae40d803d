"""Where a request comes from, for the sign-in and API throttles."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind RELANCE_PROXY_COUNT
    reverse proxies, the address the outermost one saw. X-Forwarded-For is
    read from its right end, where the proxies appended; what a client wrote
    there itself sits further left and is ignored."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.RELANCE_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-min(count, len(hops))]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote
