"""Python's cyclic garbage collector held off while a bulk operation builds
hundreds of thousands of short-lived objects (tuples, dictionaries of a bank
statement's open invoices, the rows of a summary's plan or of a file's
chunk): each full collection walks every object the process holds (Django,
the app's modules), and a statement of 10,000 credits set off enough of
them to spend a second or more there (bench/bank_matching.py); a plan of
100,000 invoices a fifth of its time (ADR 24); a file of 100,000 invoices
or payments about 2 s (ADR 25). Those objects hold no cycles: reference
counting frees them, nothing is lost by waiting; the collector runs again at
the end. Paused for the whole process for those seconds: what other threads
leave in cycles meanwhile is collected once it is back on."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (nested blocks: the
    outermost one turns it back on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
