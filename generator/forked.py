"""Run one piece of work in a forked process beside the main one, where that is safe and pays.

Validation is CPU-bound Python: a thread gains nothing, but a second core can. A forked
process inherits everything already in memory without copying it, and only its answer
(small: findings, or parsed plans) comes back, pickled through a pipe. A spawned process is
not used: it would re-import the caller's `__main__`.

Only Linux forks here: on macOS forking a process that runs threads (polars' pool) is
unsafe. Elsewhere, or on one core, the work simply runs in this process when asked for; so
it does too if the forked process could not start or died (killed for memory, say): the
work is pure, and doing it again here gives the same answer.
The work itself must not use polars: a fork does not copy the parent's threads, so a pool
the parent already started would wait forever in the child.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return sys.platform == "linux" and cores >= 2


class _Failed:
    """What the forked process sends when the work raised: the exception, or its text."""

    def __init__(self, error: BaseException) -> None:
        self.error: BaseException | None = error
        self.text = "".join(traceback.format_exception(error))


def _child(work: Callable[[], Any], sending: Connection) -> None:
    try:
        answer: Any = work()
    except BaseException as exc:
        answer = _Failed(exc)
    try:
        sending.send(answer)
    except Exception as exc:
        failed = _Failed(exc)
        failed.error = None
        sending.send(failed)
    sending.close()


class Beside(Generic[T]):
    """`work` started now in a forked process (or later, here); `result()` waits for it.

    Use it as a context manager: leaving the block without the result (the caller raised)
    stops the process instead of letting it run to the end.
    """

    def __init__(self, work: Callable[[], T], *, fork: bool = True) -> None:
        self._work = work
        self._process: Any = None
        self._receiving: Connection | None = None
        if fork and can_fork():
            context = multiprocessing.get_context("fork")
            receiving, sending = context.Pipe(duplex=False)
            try:
                process = context.Process(target=_child, args=(work, sending), daemon=True)
                process.start()
            except OSError:  # no process to be had (memory, process limits): work here later
                receiving.close()
                return
            finally:
                sending.close()
            self._process, self._receiving = process, receiving

    def result(self) -> T:
        if self._receiving is None:
            return self._work()
        try:
            answer = self._receiving.recv()
        except EOFError:  # the process died without answering
            self._stop()
            return self._work()
        self._stop()
        if isinstance(answer, _Failed):
            if answer.error is not None:
                raise answer.error
            raise RuntimeError(f"forked work failed:\n{answer.text}")
        result: T = answer
        return result

    def _stop(self) -> None:
        if self._receiving is not None:
            self._receiving.close()
            self._receiving = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None

    def __enter__(self) -> Beside[T]:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop()
