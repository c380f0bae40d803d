"""Bad private links, counted per address by core/throttle.py: past
FAILURE_LIMIT within RELANCE_LOCKOUT_MINUTES the address is refused (429)
for that long, whatever link it shows."""

from relance.core.throttle import Blocked, address_check, address_failed

__all__ = ["FAILURE_LIMIT", "Blocked", "portal_address_check", "portal_address_failed"]

FAILURE_LIMIT = 20


def portal_address_check(address: str) -> None:
    """Raises Blocked while the address is refused."""
    address_check("portal", address)


def portal_address_failed(address: str) -> None:
    """Counts one bad link; the last one allowed starts the refusal."""
    address_failed("portal", address, limit=FAILURE_LIMIT)
