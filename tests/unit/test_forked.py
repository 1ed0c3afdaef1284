"""Work run beside the main process: where it runs, what comes back, what a failure does."""

from __future__ import annotations

import os
import time

import pytest

from generator.forked import Beside, can_fork

needs_fork = pytest.mark.skipif(not can_fork(), reason="forks only on Linux with two or more cores")


@needs_fork
def test_work_runs_in_a_forked_process_that_sees_what_this_one_holds() -> None:
    held = {"plans": [1, 2, 3]}
    with Beside(lambda: (os.getpid(), sum(held["plans"]))) as beside:
        pid, total = beside.result()
    assert pid != os.getpid() and total == 6


def test_without_fork_the_work_runs_here_when_asked_for() -> None:
    ran: list[int] = []
    with Beside(lambda: ran.append(os.getpid()) or "done", fork=False) as beside:
        assert ran == []
        assert beside.result() == "done" and ran == [os.getpid()]


def test_a_failure_in_the_work_is_raised_to_the_caller() -> None:
    def broken() -> None:
        raise ValueError("问题")

    with pytest.raises(ValueError, match="问题"), Beside(broken) as beside:
        beside.result()


@needs_fork
def test_if_the_process_dies_the_work_is_done_here() -> None:
    parent = os.getpid()

    def dies_in_the_child() -> int:
        if os.getpid() != parent:
            os._exit(9)  # as if killed for lack of memory
        return 42

    with Beside(dies_in_the_child) as beside:
        assert beside.result() == 42


@needs_fork
def test_leaving_without_the_result_stops_the_process() -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="the caller failed"), Beside(lambda: time.sleep(60)) as beside:
        process = beside._process
        raise RuntimeError("the caller failed")
    assert time.monotonic() - started < 10
    assert process is not None and not process.is_alive()
