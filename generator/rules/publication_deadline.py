"""Results are published within 20 working days after the inspection ends (第十七条).

Late or missing publication is a compliance fact the site shows (第二十五条), so it is a
warning, not broken data. Deadlines resting on a year without official holiday data are
marked provisional.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.findings import Finding, warning
from generator.model import Dataset
from generator.workdays import PUBLICATION_WORKING_DAYS, Calendar, supported

ARTICLE = "第十七条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"as_of", "holidays", "layout", "results"})
RULE = "results/publication-deadline"


def timeliness(ds: Dataset) -> pl.DataFrame:
    """Per result row: its deadline, whether that rests on official holiday data, and the
    working days it was (or, unpublished, is as of `ds.as_of`) late.

    Computed per distinct date, then joined: a city has a million result rows but only a
    few thousand distinct dates.
    """
    calendar = Calendar(ds.holidays)
    rows = ds.results.select("_file", "_row", "task_id", "object_id", "item_id", "department_id",
                             "inspected_to", "published_on")
    # A date no calendar covers (a slip like 9999-12-31: rules.date_range reports it) has no deadline.
    ends = [end for end in rows["inspected_to"].drop_nulls().unique().to_list() if supported(end)]
    deadlines = {end: calendar.publication_deadline(end) for end in ends}
    rows = rows.with_columns(
        pl.col("inspected_to").replace_strict({e: d for e, (d, _) in deadlines.items()}, default=None,
                                              return_dtype=pl.Date).alias("deadline"),
        pl.col("inspected_to").replace_strict({e: o for e, (_, o) in deadlines.items()}, default=None,
                                              return_dtype=pl.Boolean).alias("deadline_official"),
        pl.col("published_on").fill_null(ds.as_of).alias("_reference"),
    )
    days = (set(rows["deadline"].drop_nulls().unique().to_list())
            | set(rows["_reference"].drop_nulls().unique().to_list()))
    counts = {day: calendar.count_to(day) for day in days if supported(day)}

    def count(column: str) -> pl.Expr:
        return pl.col(column).replace_strict(counts, default=None, return_dtype=pl.Int64)

    return rows.with_columns(pl.max_horizontal(count("_reference") - count("deadline"), pl.lit(0))
                             .alias("late_by")).drop("_reference")


def check(ds: Dataset) -> Iterable[Finding]:
    late = timeliness(ds).filter(pl.col("late_by") > 0).select(
        "_file", "_row", "object_id", "item_id", "published_on", "deadline", "deadline_official", "late_by")
    # Column lists, not iter_rows: a city has tens of thousands of late rows.
    for file, row, object_id, item_id, published_on, deadline, official, late_by in zip(
            *(late.get_column(c).to_list() for c in late.columns), strict=True):
        note = "" if official else "（期限按暂定节假日安排计算）"
        if published_on:
            message = (f"对象 {object_id} 的事项 {item_id} 于 {published_on} 公示，"
                       f"超过期限 {deadline}（检查结束后 {PUBLICATION_WORKING_DAYS} 个工作日）"
                       f"{late_by} 个工作日{note}")
        else:
            message = (f"对象 {object_id} 的事项 {item_id} 已超过公示期限 {deadline} "
                       f"{late_by} 个工作日仍未公示：视为未完成任务（第二十五条）{note}")
        yield warning(file, RULE, message, row=row, field="published_on", article=ARTICLE)
