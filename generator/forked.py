"""Run one piece of work in a forked process beside the main one, where that is safe and pays.

Validation is CPU-bound Python: a thread gains nothing, but a second core can. A forked
process inherits everything already in memory without copying it, and only its answer
(small: findings, or parsed plans) comes back, pickled. A spawned process is not used: it
would re-import the caller's `__main__`.

Only Linux forks here: on macOS forking a process that runs threads (polars' pool) is
unsafe. Elsewhere, or on one core, the work simply runs in this process when asked for.
The work itself must not use polars: a fork does not copy the parent's threads, so a pool
the parent already started would wait forever in the child.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_inherited: list[Callable[[], Any]] = []  # the work a forked process finds and runs


def _run_inherited(index: int) -> Any:
    return _inherited[index]()


def can_fork() -> bool:
    return sys.platform == "linux" and (os.cpu_count() or 1) >= 2


class Beside(Generic[T]):
    """`work` started now in a forked process (or later, here); `result()` waits for it."""

    def __init__(self, work: Callable[[], T], *, fork: bool = True) -> None:
        self._work = work
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[T] | None = None
        if fork and can_fork():
            _inherited.append(work)
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._pool.submit(_run_inherited, len(_inherited) - 1)
            _inherited.pop()  # the child has its copy: the fork happened at submit

    def result(self) -> T:
        if self._future is None:
            return self._work()
        try:
            return self._future.result()
        finally:
            assert self._pool is not None
            self._pool.shutdown()
