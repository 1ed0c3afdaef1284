"""Every department initiates or joins at least one joint inspection a year (第七条)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.findings import Finding, warning
from generator.model import Dataset

ARTICLE = "第七条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"departments", "layout", "plans"})
RULE = "plan/participation"


def absent(ds: Dataset, year: int) -> list[str]:
    """City-level departments in no joint task (two or more departments) of `year`."""
    plan = ds.plans.get(year)
    joined = {d for task in plan.tasks if len(task.departments) > 1
              for d in task.departments} if plan else set()
    city = ds.departments.filter(pl.col("level") == "市级")["department_id"].to_list()
    return sorted(set(city) - joined)


def check(ds: Dataset) -> Iterable[Finding]:
    names = dict(zip(ds.departments["department_id"].to_list(), ds.departments["name"].to_list(),
                     strict=True))
    for year, plan in sorted(ds.plans.items()):
        for department in absent(ds, year):
            name = names.get(department, department)
            yield warning(plan.file, RULE,
                          f"{name}在 {year} 年未发起或参与任何部门联合抽查：各部门每年应至少发起或参与一次",
                          field="tasks", article=ARTICLE)
