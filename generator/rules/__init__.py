"""Business rules: one small module per rule, each naming the article it enforces.

A rule is a module with `ARTICLE` (e.g. "第八条") and `check(ds) -> Iterable[Finding]`.
Rules only read the `Dataset`; they never raise on bad data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def run_rules(ds: Dataset) -> list[Finding]:
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.check(ds))
    return findings
