"""Concurrency tests' helpers (PostgreSQL): work in a thread of its own,
with its own connection, and a write held open in another transaction."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connections, transaction


def in_thread(work: Callable[[], object], errors: list) -> threading.Thread:
    """`work()` in a thread of its own (not started); what it raises is
    added to `errors`, for the test to report."""

    def run():
        try:
            work()
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@contextmanager
def held_open(write: Callable[[], object], errors: list) -> Iterator[None]:
    """`write()` done in another thread's transaction, left uncommitted for
    the block and committed after it."""
    written, go = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            write()
            written.set()
            go.wait(10)

    thread = in_thread(hold, errors)
    thread.start()
    assert written.wait(10)
    try:
        yield
    finally:
        go.set()
        thread.join(10)
