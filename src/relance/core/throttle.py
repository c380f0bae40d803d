"""Bad API tokens, counted per address: past RELANCE_API_FAILURE_LIMIT within
RELANCE_LOCKOUT_MINUTES, the address is refused (429) for that long, whatever
token it shows. Counters live in the cache (a folder of the data folder)."""

import math
import time

from django.conf import settings
from django.core.cache import cache


class TooManyBadTokens(Exception):
    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def _keys(address: str) -> tuple[str, str]:
    return f"relance:api-failures:{address}", f"relance:api-blocked:{address}"


def api_address_check(address: str) -> None:
    """Raises TooManyBadTokens while the address is refused."""
    until = cache.get(_keys(address)[1])
    if until is not None and until > time.time():
        raise TooManyBadTokens(math.ceil(until - time.time()))


def api_address_failed(address: str) -> None:
    """Counts one bad token; the last one allowed starts the refusal."""
    failures, blocked = _keys(address)
    lasting = settings.RELANCE_LOCKOUT_MINUTES * 60
    cache.add(failures, 0, lasting)
    try:
        count = cache.incr(failures)
    except ValueError:  # expired in between
        cache.set(failures, 1, lasting)
        count = 1
    if count >= settings.RELANCE_API_FAILURE_LIMIT:
        cache.set(blocked, time.time() + lasting, lasting)
        cache.delete(failures)


def api_address_unblock(address: str) -> None:
    cache.delete_many(_keys(address))
