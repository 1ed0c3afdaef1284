"""Dates lie between 2000 and 2099 (第十七条: publication is counted in working days).

A typing slip such as 9999-12-31 or 0001-01-02 is a valid date to the schema, but no working-day
calendar covers it and no inspection of this program took place then. Such a date is reported
here; the deadline rule leaves its row aside (generator.workdays.supported).
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.model import Dataset
from generator.rules.date_cells import dated_cells
from generator.schemas import table_schema
from generator.workdays import FIRST_DAY, LAST_DAY

ARTICLE = "第十七条"
RULE = "date/range"

TABLES = ("checklist", "inspectors", "recusals", "replacements", "corrections", "results")

# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"layout", "plans", *TABLES})


def _message(day: object) -> str:
    return f"日期 {day} 不在合理范围内（{FIRST_DAY} 至 {LAST_DAY}）：请检查是否录入有误"


def check(ds: Dataset) -> Iterable[Finding]:
    fields = {name: [f["name"] for f in table_schema(name)["fields"] if f.get("type") == "date"] for name in TABLES}
    for file, row, field, value in dated_cells(ds, fields, lambda day: (day < FIRST_DAY) | (day > LAST_DAY)):
        yield error(file, RULE, _message(value), row=row, field=field, article=ARTICLE)
    for plan in ds.plans.values():
        dated = [(plan.published_on, "published_on", None), *((day, key, task) for task in plan.tasks
                                                              for day, key in ((task.window_start, "start"),
                                                                               (task.window_end, "end")))]
        for day, field, task in dated:
            if not FIRST_DAY <= day <= LAST_DAY:
                yield error(plan.file, RULE, _message(day), row=task.line if task is not None else None,
                            field=field, article=ARTICLE)
