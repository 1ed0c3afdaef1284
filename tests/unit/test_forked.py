"""Work run beside the main process: where it runs, what comes back, what a failure does."""

from __future__ import annotations

import os

import pytest

from generator.forked import Beside, can_fork


def test_work_runs_in_a_forked_process_that_sees_what_this_one_holds() -> None:
    if not can_fork():
        pytest.skip("forks only on Linux with two or more cores")
    held = {"plans": [1, 2, 3]}
    beside = Beside(lambda: (os.getpid(), sum(held["plans"])))
    pid, total = beside.result()
    assert pid != os.getpid() and total == 6


def test_without_fork_the_work_runs_here_when_asked_for() -> None:
    ran: list[int] = []
    beside = Beside(lambda: ran.append(os.getpid()) or "done", fork=False)
    assert ran == []
    assert beside.result() == "done" and ran == [os.getpid()]


def test_a_failure_in_the_work_is_raised_to_the_caller() -> None:
    def broken() -> None:
        raise ValueError("问题")

    with pytest.raises(ValueError, match="问题"):
        Beside(broken).result()
