"""Results are published within 20 working days after the inspection ends (第十七条).

Late or missing publication is a compliance fact the site shows (第二十五条), so it is a
warning, not broken data. Deadlines resting on a year without official holiday data are
marked provisional.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from generator.findings import Finding, warning
from generator.model import Dataset
from generator.workdays import PUBLICATION_WORKING_DAYS, Calendar

ARTICLE = "第十七条"
RULE = "results/publication-deadline"


@dataclass(frozen=True)
class Timeliness:
    deadline: dt.date
    official: bool
    late_by: int  # working days after the deadline; 0 when on time
    published: bool


def timeliness(ds: Dataset) -> pl.DataFrame:
    """Per result row: deadline, whether it is official, working days late, as of ds.as_of."""
    calendar = Calendar(ds.holidays)
    cache: dict[tuple[dt.date, dt.date | None], Timeliness] = {}

    def judge(end: dt.date, published: dt.date | None) -> Timeliness:
        key = (end, published)
        if key not in cache:
            deadline, official = calendar.publication_deadline(end)
            reference = published or ds.as_of
            late = max(0, calendar.workdays_between(deadline, reference))
            cache[key] = Timeliness(deadline, official, late, published is not None)
        return cache[key]

    rows = ds.results.select("_file", "_row", "task_id", "object_id", "item_id", "department_id",
                             "inspected_to", "published_on")
    judged = [judge(end, published) if end else None
              for end, published in zip(rows["inspected_to"], rows["published_on"], strict=True)]
    return rows.with_columns(
        pl.Series("deadline", [j.deadline if j else None for j in judged], dtype=pl.Date),
        pl.Series("deadline_official", [j.official if j else None for j in judged]),
        pl.Series("late_by", [j.late_by if j else None for j in judged], dtype=pl.Int64),
    )


def check(ds: Dataset) -> Iterable[Finding]:
    for row in timeliness(ds).filter(pl.col("late_by") > 0).iter_rows(named=True):
        note = "" if row["deadline_official"] else "（期限按暂定节假日安排计算）"
        if row["published_on"]:
            message = (f"对象 {row['object_id']} 的事项 {row['item_id']} 于 {row['published_on']} 公示，"
                       f"超过期限 {row['deadline']}（检查结束后 {PUBLICATION_WORKING_DAYS} 个工作日）"
                       f"{row['late_by']} 个工作日{note}")
        else:
            message = (f"对象 {row['object_id']} 的事项 {row['item_id']} 已超过公示期限 {row['deadline']} "
                       f"{row['late_by']} 个工作日仍未公示：视为未完成任务（第二十五条）{note}")
        yield warning(row["_file"], RULE, message, row=row["_row"], field="published_on",
                      article=ARTICLE)
