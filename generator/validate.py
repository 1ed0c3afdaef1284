"""`sunlight validate`: load everything, run every rule, return all findings in order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.errors import UsageError
from generator.findings import Finding, ordered
from generator.incremental import ValidationCache
from generator.layout import Layout
from generator.load import load
from generator.model import Dataset
from generator.rules import run_rules


def validate(root: Path, *, as_of: dt.date | None = None, recompute_draws: frozenset[str] = frozenset(),
             cached: bool = False, refresh: bool = False) -> tuple[Dataset, list[Finding]]:
    """Load everything under `root` and run every rule.

    Locked draws are checked for integrity (their files are the ones locked); those named in
    `recompute_draws` are also recomputed, as `sunlight verify` recomputes every draw.
    `cached`: take what an earlier run worked out from the same files from the user's cache,
    and keep this run's there (generator.incremental); the findings are the same. `refresh`:
    take nothing from the cache, but keep this run's work there (`sunlight build --full`).
    """
    if not root.is_dir():
        raise UsageError(f"数据目录不存在：{root}")
    cache = ValidationCache.open(Layout(root), reading=not refresh) if cached or refresh else None
    dataset, findings = load(root, cache=cache)
    if as_of is not None:
        dataset.as_of = as_of
    dataset.recompute_draws = recompute_draws
    findings = ordered([*findings, *run_rules(dataset, cache)])
    if cache is not None:
        cache.close()
    return dataset, findings
