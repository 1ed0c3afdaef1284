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
    date_future,
    date_range,
    draw_chain,
    participation,
    personal_data,
    personal_data_in_draws,
    private_placeholders,
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
from generator.rules.replacements import lookups_of

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
    date_range,
    date_future,
    publication_deadline,
    corrections,
    personal_data,
    personal_data_in_draws,
    private_placeholders,
)

Check = Callable[[Dataset], Iterable[Finding]]


# Rules whose work is Python code alone (no polars, whose thread pool a forked process does
# not have): for a city (more draws than SEPARATE_PROCESS_ABOVE) they run in a forked
# process, which inherits the loaded data set without copying it, while the other rules
# run here. The draw chain hashes every draw file and record; team_rules walks a million
# team members; personal_data_in_draws reads every string of 10,000 draw files. Below that
# size a process costs more than it saves.
APART = (draw_chain, team_rules, personal_data_in_draws)
SEPARATE_PROCESS_ABOVE = 500


def _apart(ds: Dataset) -> list[list[Finding]]:
    return [list(rule.check(ds)) for rule in APART]


def run_rules(ds: Dataset) -> list[Finding]:
    """Every rule's findings, in the order of RULES."""
    lookups_of(ds)  # team_rules' lookups come from polars frames: built here, before the fork
    with bulk_allocation(), Beside(lambda: _apart(ds), fork=len(ds.draws) > SEPARATE_PROCESS_ABOVE) as apart:
        found = {rule: list(rule.check(ds)) for rule in RULES if rule not in APART}
        found.update(zip(APART, apart.result(), strict=True))
    return [finding for rule in RULES for finding in found[rule]]
