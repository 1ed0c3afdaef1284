"""Business rules: one small module per rule, each naming the article it enforces.

A rule is a module with `ARTICLE` (e.g. "第八条") and `check(ds) -> Iterable[Finding]`.
Rules only read the `Dataset`; they never raise on bad data.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from types import ModuleType

from generator.findings import Finding
from generator.model import Dataset
from generator.rules import (
    checklist_versions,
    corrections,
    coverage,
    credit_codes,
    draw_chain,
    participation,
    personal_data,
    publication_deadline,
    references,
    replacements,
    results_scope,
    snapshot_confirmed,
    task_items,
    team_rules,
    tier_ratios,
    yearly_cap,
)

RULES: tuple[ModuleType, ...] = (
    references,
    credit_codes,
    snapshot_confirmed,
    checklist_versions,
    task_items,
    coverage,
    participation,
    tier_ratios,
    team_rules,
    draw_chain,
    yearly_cap,
    replacements,
    results_scope,
    publication_deadline,
    corrections,
    personal_data,
)

Check = Callable[[Dataset], Iterable[Finding]]


# The draw chain hashes every draw file and record: seconds for a city's ledger. With more
# draws than this it runs in a forked process, which inherits the loaded dataset without
# copying it, while the other rules run here; below it a process costs more than it saves.
SEPARATE_PROCESS_ABOVE = 500
_shared: Dataset | None = None  # the dataset a forked process inherits


def _draw_chain_of_inherited() -> list[Finding]:
    assert _shared is not None
    return list(draw_chain.check(_shared))


def run_rules(ds: Dataset) -> list[Finding]:
    """Every rule's findings, in the order of RULES."""
    global _shared
    # Linux only: forking a process that runs threads (polars' pool) is unsafe on macOS.
    if len(ds.draws) <= SEPARATE_PROCESS_ABOVE or (os.cpu_count() or 1) < 2 or sys.platform != "linux":
        return [finding for rule in RULES for finding in rule.check(ds)]
    _shared = ds
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            chain = pool.submit(_draw_chain_of_inherited)
            found = {rule: list(rule.check(ds)) for rule in RULES if rule is not draw_chain}
            found[draw_chain] = chain.result()
    finally:
        _shared = None
    return [finding for rule in RULES for finding in found[rule]]
