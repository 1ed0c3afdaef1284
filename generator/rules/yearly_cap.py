"""No object is drawn more than twice in a calendar year (第八条)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.facts import selections
from generator.findings import Finding, error
from generator.model import Dataset

ARTICLE = "第八条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"draws", "layout"})
RULE = "draw/yearly-cap"
CAP = 2


def check(ds: Dataset) -> Iterable[Finding]:
    chosen = selections(ds)
    # Count first, gather task lists only for the few objects over the cap.
    over = chosen.group_by("year", "object_id").agg(pl.len().alias("times")).filter(pl.col("times") > CAP)
    if over.is_empty():
        return
    counts = chosen.join(over, on=["year", "object_id"]).group_by("year", "object_id").agg(
        pl.len().alias("times"), pl.col("task_id").sort().alias("tasks"))
    for year, object_id, times, tasks in counts.sort("year", "object_id").iter_rows():
        last = sorted(tasks)[-1]
        draw = next(d for d in ds.draws if d.task_id == last)
        yield error(ds.display(draw.directory / "record.json"), RULE,
                    f"对象 {object_id} 在 {year} 年被抽中 {times} 次（{'、'.join(tasks)}）：同一年度内原则上不超过两次",
                    field="selected", article=ARTICLE)
