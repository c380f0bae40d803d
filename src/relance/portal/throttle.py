"""Bad private links, counted per address (the pattern of core/throttle.py):
past FAILURE_LIMIT within RELANCE_LOCKOUT_MINUTES the address is refused
(429) for that long, whatever link it shows."""

import math
import time

from django.conf import settings
from django.core.cache import cache

FAILURE_LIMIT = 20


class Blocked(Exception):
    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def _keys(address: str) -> tuple[str, str]:
    return f"relance:portal-failures:{address}", f"relance:portal-blocked:{address}"


def portal_address_check(address: str) -> None:
    """Raises Blocked while the address is refused."""
    until = cache.get(_keys(address)[1])
    if until is not None and until > time.time():
        raise Blocked(math.ceil(until - time.time()))


def portal_address_failed(address: str) -> None:
    """Counts one bad link; the last one allowed starts the refusal."""
    failures, blocked = _keys(address)
    lasting = settings.RELANCE_LOCKOUT_MINUTES * 60
    cache.add(failures, 0, lasting)
    try:
        count = cache.incr(failures)
    except ValueError:  # expired in between
        cache.set(failures, 1, lasting)
        count = 1
    if count >= FAILURE_LIMIT:
        cache.set(blocked, time.time() + lasting, lasting)
        cache.delete(failures)
