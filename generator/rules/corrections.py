"""A published result is never changed, only corrected with the principal's approval (第十九条).

Each correction names a published result, states the value it replaces exactly as it
then stood (the original or the previous correction's new value) and a valid new value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import polars as pl

from generator.findings import Finding, error
from generator.model import Dataset
from generator.schemas import table_schema

ARTICLE = "第十九条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"corrections", "layout", "result_codes", "results"})
RULE = "corrections"


def follow_up_pattern() -> re.Pattern[str]:
    field = next(f for f in table_schema("results")["fields"] if f["name"] == "follow_up")
    return re.compile(field["constraints"]["pattern"])


def current_values(ds: Dataset) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Each result's fields after applying every correction in order."""
    values = {(r["task_id"], r["object_id"], r["item_id"]): dict(r)
              for r in ds.results.iter_rows(named=True)}
    for c in ds.corrections.sort("correction_id").iter_rows(named=True):
        key = (c["task_id"], c["object_id"], c["item_id"])
        if key in values:
            values[key][c["field"]] = c["new_value"]
    return values


def check(ds: Dataset) -> Iterable[Finding]:
    file = ds.layout.display(ds.layout.corrections)
    keys = ["task_id", "object_id", "item_id"]
    # Only the results some correction names (a million rows would cost seconds as dicts).
    named = ds.results.join(ds.corrections.select(keys).unique(), on=keys, how="semi", nulls_equal=True)
    results = {(r["task_id"], r["object_id"], r["item_id"]): dict(r) for r in named.iter_rows(named=True)}
    codes = set(ds.result_codes["code"].to_list())
    follow_up = follow_up_pattern()
    # Rows with an unreadable id or date are reported by the schema; they cannot be judged here.
    ordered = ds.corrections.filter(pl.col("correction_id").is_not_null() & pl.col("approved_on").is_not_null()
                                    ).sort("correction_id")
    # The first row, in file order, whose id comes before an id above it.
    highest = ""
    for row, correction_id in ordered.sort("_row").select("_row", "correction_id").iter_rows():
        if correction_id < highest:
            yield error(file, RULE, "更正记录应按更正编号顺序逐条追加在文件末尾", row=row, field="correction_id",
                        article=ARTICLE)
            break
        highest = correction_id
    for c in ordered.iter_rows(named=True):
        def fail(message: str, field: str, r: dict[str, Any] = c) -> Finding:
            return error(file, RULE, f"{r['correction_id']}：{message}", row=r["_row"], field=field,
                         article=ARTICLE)
        key = (c["task_id"], c["object_id"], c["item_id"])
        result = results.get(key)
        if result is None:
            yield fail(f"要更正的结果不存在（任务 {key[0]}、对象 {key[1]}、事项 {key[2]}）", "item_id")
            continue
        if result["published_on"] is None:
            yield fail("该结果尚未公示：未公示的结果直接修改即可，无须更正", "task_id")
            continue
        stood = result[c["field"]]
        if (stood or None) != (c["old_value"] or None):
            yield fail(f"原值应为当时公示的值“{stood or ''}”，而不是“{c['old_value'] or ''}”", "old_value")
        new = c["new_value"] or None
        if new == (stood or None):
            yield fail("新值与原值相同", "new_value")
        elif c["field"] == "result_code" and new not in codes:
            yield fail(f"新的检查结果代码“{new}”不存在", "new_value")
        elif c["field"] == "follow_up" and new is not None and not follow_up.fullmatch(new):
            yield fail(f"新的后续处理“{new}”不是允许的措施", "new_value")
        if c["approved_on"] < result["published_on"]:
            yield fail("批准日期早于原结果的公示日期", "approved_on")
        if c["published_on"] is not None and c["published_on"] < c["approved_on"]:
            yield fail("更正的公示日期早于批准日期", "published_on")
        results[key][c["field"]] = new



