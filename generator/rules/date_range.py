"""Dates lie between 2000 and 2099 (第十七条: publication is counted in working days).

A typing slip such as 9999-12-31 or 0001-01-02 is a valid date to the schema, but no working-day
calendar covers it and no inspection of this program took place then. Such a date is reported
here; the deadline rule leaves its row aside (generator.workdays.supported).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.findings import Finding, error
from generator.model import Dataset
from generator.schemas import table_schema
from generator.workdays import FIRST_DAY, LAST_DAY

ARTICLE = "第十七条"
RULE = "date/range"

TABLES = ("checklist", "inspectors", "recusals", "replacements", "corrections", "results")


def _message(day: object) -> str:
    return f"日期 {day} 不在合理范围内（{FIRST_DAY} 至 {LAST_DAY}）：请检查是否录入有误"


def check(ds: Dataset) -> Iterable[Finding]:
    for name in TABLES:
        frame: pl.DataFrame = getattr(ds, name)
        dates = [f["name"] for f in table_schema(name)["fields"]
                 if f.get("type") == "date" and f["name"] in frame.columns and frame.schema[f["name"]] == pl.Date]
        if not dates or frame.is_empty():
            continue
        outside = [(pl.col(d) < FIRST_DAY) | (pl.col(d) > LAST_DAY) for d in dates]
        suspects = frame.filter(pl.any_horizontal(outside))
        default_file = ds.layout.display(getattr(ds.layout, name)) if name != "results" else ""
        for field, condition in zip(dates, outside, strict=True):
            columns = ["_row", field, *(["_file"] if "_file" in frame.columns else [])]
            for row, value, *file in suspects.filter(condition).select(columns).iter_rows():
                yield error(file[0] if file else default_file, RULE, _message(value), row=row, field=field,
                            article=ARTICLE)
    for plan in ds.plans.values():
        dated = [(plan.published_on, "published_on", None), *((day, key, task) for task in plan.tasks
                                                              for day, key in ((task.window_start, "start"),
                                                                               (task.window_end, "end")))]
        for day, field, task in dated:
            if not FIRST_DAY <= day <= LAST_DAY:
                yield error(plan.file, RULE, _message(day), row=task.line if task is not None else None,
                            field=field, article=ARTICLE)
