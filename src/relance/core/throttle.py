"""Bad credentials counted per address and per kind (« api »: API tokens,
« portal »: private links): past the kind's limit within
RELANCE_LOCKOUT_MINUTES, the address is refused (429) for that long,
whatever it shows. Counters live in the cache (a folder of the data folder)."""

import math
import time

from django.conf import settings
from django.core.cache import cache


class Blocked(Exception):
    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


TooManyBadTokens = Blocked  # the API's name for it


def _keys(kind: str, address: str) -> tuple[str, str]:
    return f"relance:{kind}-failures:{address}", f"relance:{kind}-blocked:{address}"


def address_check(kind: str, address: str) -> None:
    """Raises Blocked while the address is refused for `kind`."""
    until = cache.get(_keys(kind, address)[1])
    if until is not None and until > time.time():
        raise Blocked(math.ceil(until - time.time()))


def address_failed(kind: str, address: str, *, limit: int) -> None:
    """Counts one bad attempt; the `limit`-th starts the refusal."""
    failures, blocked = _keys(kind, address)
    lasting = settings.RELANCE_LOCKOUT_MINUTES * 60
    cache.add(failures, 0, lasting)
    try:
        count = cache.incr(failures)
    except ValueError:  # expired in between
        cache.set(failures, 1, lasting)
        count = 1
    if count >= limit:
        cache.set(blocked, time.time() + lasting, lasting)
        cache.delete(failures)


def address_unblock(kind: str, address: str) -> None:
    cache.delete_many(_keys(kind, address))


def api_address_check(address: str) -> None:
    """Raises TooManyBadTokens while the address is refused."""
    address_check("api", address)


def api_address_failed(address: str) -> None:
    """Counts one bad token; the last one allowed starts the refusal."""
    address_failed("api", address, limit=settings.RELANCE_API_FAILURE_LIMIT)


def api_address_unblock(address: str) -> None:
    address_unblock("api", address)
