"""Loading a city creates tens of millions of small objects; Python's cycle collector would
walk all of them again and again while they are made (it doubled the time to parse the
plans and the draw records) and a few times more as they age, though they hold no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_freezing = False  # inside `one_shot_command`


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Hold the cycle collector while the block allocates.

    In a one-shot command (`one_shot_command`) everything alive at the end is also frozen
    (`gc.freeze()`): moved where the collector no longer visits it, while reference counting
    still frees it. Elsewhere (a library caller, a long test run) nothing is frozen: frozen
    garbage that is part of a cycle would never be freed. A forked process started inside
    the block inherits the pause.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freezing:
            gc.freeze()
        if enabled:
            gc.enable()


@contextmanager
def one_shot_command() -> Iterator[None]:
    """A command run by the CLI, after which the process usually ends: objects made in bulk
    are frozen, and left frozen at the end (unfreezing would only make the collector walk
    them all once more as the process exits). A later command in the same process (a test
    calling `cli.main` again) first unfreezes them, so that nothing stays frozen for good."""
    global _freezing
    gc.unfreeze()
    before = _freezing
    _freezing = True
    try:
        yield
    finally:
        _freezing = before
