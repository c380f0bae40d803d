"""A customer's history as one list, newest first: pure (standard library
only, no ORM).

Each source (invoices, reminders, payments, pauses, notes, …) is read apart,
newest first and bounded (`reports.timeline_queries`), turned into `Event`s,
then merged here into one order. One more source is one more list given to
`merge`.

The order: the day (the company's calendar date), then the time of day when
the source knows it (an event known only by its date comes after the day's
timed ones, read newest first: it is placed at the start of its day), then
the source's rank and id, so that two reads give the same order.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

# Ties on the same instant: a later stage of a story first (newest first).
RANKS = {
    "change": 95,
    "note": 90,
    "task": 85,
    "inbound": 80,
    "pause_lifted": 70,
    "pause": 60,
    "portal_answer": 58,  # before the pause it sets
    "letter_received": 55,
    "letter_sent": 50,
    "reminder": 40,
    "payment": 30,
    "einvoice": 20,
    "invoice": 10,
}


@dataclass(frozen=True)
class Event:
    """One line of the history, as shown (`title` already in the reader's
    language). `who` is empty when the data does not say who did it."""

    day: date
    source: str  # a key of RANKS
    pk: int
    title: str
    at: time | None = None  # the local time of day, when known
    detail: str = ""
    text: str = ""  # a note's or a reply's words
    status: str = ""  # a reminder's status, a promise's outcome
    tone: str = "neutral"  # success, warning, danger, accent, neutral
    who: str = ""
    amount: Decimal | None = None
    currency: str = "EUR"
    invoice_id: int | None = None
    invoice_number: str = ""
    reminder_id: int | None = None
    letter_id: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple:
        return (self.day, self.at or time.min, RANKS.get(self.source, 0), self.pk)


@dataclass(frozen=True)
class Page:
    events: list[Event]
    more: bool  # older events exist beyond these


def merge(sources: Iterable[list[Event]], limit: int) -> Page:
    """The `limit` newest events of all sources. Each source must hold its
    newest `limit + 1` events (or all it has): then an event left out of the
    page is older than every event in it, and `more` is exact."""
    events = sorted(
        (event for events in sources for event in events),
        key=lambda event: event.key,
        reverse=True,
    )
    return Page(events[:limit], len(events) > limit)


def promise_outcome(
    *, until: date, paid_on: date | None, lifted_on: date | None, today: date
) -> str:
    """A payment promise: « kept » when the invoice was paid in full on or
    before the promised date, « broken » when that date has passed without
    it, « lifted » when the promise was lifted or replaced before its date
    and before such a payment (no verdict then), else « pending »."""
    paid = paid_on is not None and paid_on <= until and paid_on <= today
    lifted = lifted_on is not None and lifted_on <= until
    if lifted and (not paid or lifted_on < paid_on):
        return "lifted"
    if paid:
        return "kept"
    return "broken" if until < today else "pending"
