"""Memory management for large scans."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a scan.

    A scan builds a large graph of objects that lives until the report is written (resources,
    normalised properties, findings); each collection the allocations trigger walks all of it
    again, which cost about a third of a 5,000-VM scan. Reference counting still frees what is
    dropped; cycles made meanwhile are collected once the collector runs again. The previous
    state is restored on exit (a collector someone else disabled stays disabled)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
