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
from generator.incremental import ValidationCache
from generator.incremental.reads import VALUES, parts_read
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
    personal_data_in_results,
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
    personal_data_in_results,
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


def _key(cache: ValidationCache, rule: ModuleType, ds: Dataset) -> str | None:
    """The key of a rule's findings: its module, the fingerprints of the parts it reads and the
    values it is given (the day it judges by, the draws to recompute)."""
    values = [getattr(ds, name) for name in VALUES if name in rule.READS]
    plain = [sorted(value) if isinstance(value, set | frozenset) else value for value in values]
    return cache.key(_slot(rule), parts_read(rule.READS), *plain)


def _slot(rule: ModuleType) -> str:
    return f"rule-{rule.__name__.rsplit('.', 1)[-1]}"


def run_rules(ds: Dataset, cache: ValidationCache | None = None) -> list[Finding]:
    """Every rule's findings, in the order of RULES; with `cache`, a rule whose inputs are those
    of an earlier run gives that run's findings without running (generator.incremental)."""
    keys = {rule: _key(cache, rule, ds) for rule in RULES} if cache is not None else {}
    found: dict[ModuleType, list[Finding]] = {}
    for rule, key in keys.items():
        kept = cache.store.get(_slot(rule), key) if cache is not None and key is not None else None
        if isinstance(kept, list):
            found[rule] = kept
    here = [rule for rule in RULES if rule not in found and rule not in APART]
    apart = [rule for rule in APART if rule not in found]
    if team_rules in apart:
        lookups_of(ds)  # team_rules' lookups come from polars frames: built here, before the fork
    fork = bool(apart) and len(ds.draws) > SEPARATE_PROCESS_ABOVE
    with bulk_allocation(), Beside(lambda: [list(rule.check(ds)) for rule in apart], fork=fork) as beside:
        found.update((rule, list(rule.check(ds))) for rule in here)
        found.update(zip(apart, beside.result(), strict=True))
    for rule in [*here, *apart]:
        key = keys.get(rule)
        if cache is not None and key is not None:
            cache.store.put(_slot(rule), key, found[rule])
    return [finding for rule in RULES for finding in found[rule]]
