"""The year's plans cover every checklist item in force (第七条: 监管事项清单全覆盖).

A gap is a compliance fact to publish, not broken data, so it is a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from generator.findings import Finding, warning
from generator.model import Dataset

ARTICLE = "第七条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"checklist", "layout", "plans"})
RULE = "plan/coverage"


def uncovered(ds: Dataset, year: int) -> list[str]:
    """Items in force at some point of `year` that no task of that year checks."""
    plan = ds.plans.get(year)
    used = {item for task in plan.tasks for item in task.items} if plan else set()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    active = ds.checklist.filter(
        (ds.checklist["effective_from"] <= end)
        & (ds.checklist["effective_to"].is_null() | (ds.checklist["effective_to"] > start)))
    return sorted(set(active["item_id"].drop_nulls().to_list()) - used)


def check(ds: Dataset) -> Iterable[Finding]:
    for year, plan in sorted(ds.plans.items()):
        for item in uncovered(ds, year):
            yield warning(plan.file, RULE, f"{year} 年度计划未覆盖抽查事项 {item}：年度抽查计划应覆盖全部抽查事项",
                          field="tasks", article=ARTICLE)
