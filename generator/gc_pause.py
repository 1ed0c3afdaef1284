"""Loading a city creates some hundred million small objects; Python's cycle collector
would walk all of them again and again while they are made (doubling the time it takes to
parse the draw records) and again afterwards, though they hold no cycles to collect."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Hold the cycle collector while the block allocates, then exempt what it made.

    `gc.freeze()` moves every object alive at the end to a generation the collector no
    longer visits (reference counting still frees them): without it, re-enabling the
    collector would walk them all a few more times as they age. A forked process started
    inside the block inherits the pause.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
