"""The checklist is managed dynamically: versions are kept, never overlapping (第六条)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.findings import Finding, error
from generator.model import Dataset

ARTICLE = "第六条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"checklist", "layout"})
RULE = "checklist/versions"


def check(ds: Dataset) -> Iterable[Finding]:
    file = ds.layout.display(ds.layout.checklist)
    items = ds.checklist.sort("item_id", "version")
    for row in items.filter(pl.col("effective_to") < pl.col("effective_from")).iter_rows(named=True):
        yield error(file, RULE, f"事项 {row['item_id']} 第 {row['version']} 版的停止日期早于生效日期",
                    row=row["_row"], field="effective_to", article=ARTICLE)
    # Rows with an empty id or start date are reported by the schema; rules skip them.
    items = items.filter(pl.col("item_id").is_not_null() & pl.col("effective_from").is_not_null()
                         & pl.col("version").is_not_null())
    for row in items.iter_rows(named=True):
        prefix = row["item_id"].split("-")[0].lower()
        if row["department_id"] and prefix != row["department_id"]:
            yield error(file, RULE, f"事项编码 {row['item_id']} 的前缀应对应部门 {row['department_id']}",
                        row=row["_row"], field="item_id", article=ARTICLE)
    for (item_id,), versions in items.group_by(["item_id"], maintain_order=True):
        rows = versions.sort("version").iter_rows(named=True)
        previous = None
        for expected, row in enumerate(rows, start=1):
            if row["version"] != expected:
                yield error(file, RULE, f"事项 {item_id} 的版本号应从 1 起连续编号，此处应为 {expected}",
                            row=row["_row"], field="version", article=ARTICLE)
            if previous is not None and (previous["effective_to"] is None
                                         or previous["effective_to"] > row["effective_from"]):
                yield error(file, RULE, f"事项 {item_id} 第 {row['version']} 版生效前，第 {previous['version']} 版"
                            "须已停止（填写停止日期，且不晚于新版生效日期）",
                            row=previous["_row"], field="effective_to", article=ARTICLE)
            if previous is not None and row["department_id"] != previous["department_id"]:
                yield error(file, RULE, f"事项 {item_id} 的各版本应属于同一部门", row=row["_row"],
                            field="department_id", article=ARTICLE)
            previous = row
