"""Business rules: one small module per rule, each naming the article it enforces.

A rule is a module with `ARTICLE` (e.g. "第八条") and `check(ds) -> Iterable[Finding]`.
Rules only read the `Dataset`; they never raise on bad data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType

from generator.findings import Finding
from generator.forked import Beside
from generator.gc_pause import bulk_allocation
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


def run_rules(ds: Dataset) -> list[Finding]:
    """Every rule's findings, in the order of RULES."""
    with bulk_allocation(), Beside(lambda: list(draw_chain.check(ds)),
                                   fork=len(ds.draws) > SEPARATE_PROCESS_ABOVE) as chain:
        found = {rule: list(rule.check(ds)) for rule in RULES if rule is not draw_chain}
        found[draw_chain] = chain.result()
    return [finding for rule in RULES for finding in found[rule]]
