"""Results exist only for objects drawn in that task and for that task's items.

第四条: no inspection outside the checklist, each department answers for its own part;
第十五条: all items of the task are checked in one visit; 第十七条: approval precedes
publication.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from generator.facts import selections
from generator.findings import Finding, error, warning
from generator.model import Dataset

ARTICLE = "第十五条"
RULE = "results/scope"


def check(ds: Dataset) -> Iterable[Finding]:
    tasks = ds.tasks
    chosen = selections(ds)
    selected = set(zip(chosen["task_id"].to_list(), chosen["object_id"].to_list(), strict=True))
    owner = dict(zip(ds.checklist["item_id"].to_list(), ds.checklist["department_id"].to_list(),
                     strict=True))
    locked_on = {d.task_id: str((d.record or {}).get("locked_on", "")) for d in ds.draws if d.record}
    for row in ds.results.iter_rows(named=True):
        def fail(message: str, field: str, article: str = ARTICLE, row: dict[str, Any] = row) -> Finding:
            return error(row["_file"], RULE, message, row=row["_row"], field=field, article=article)
        task = tasks.get(row["task_id"])
        if task is None:
            continue  # reported by the reference rule
        if not row["_file"].endswith(f"/{task.year}/{task.task_id}.csv"):
            yield fail(f"任务 {task.task_id} 的结果应放在 results/{task.year}/{task.task_id}.csv", "task_id", "第五条")
        if (row["task_id"], row["object_id"]) not in selected:
            yield fail(f"对象 {row['object_id']} 不在任务 {row['task_id']} 锁定的抽取名单中："
                       "只能录入被抽中对象的结果", "object_id", "第十二条")
        if row["item_id"] not in task.items:
            yield fail(f"抽查事项 {row['item_id']} 不属于任务 {task.task_id}：不得在任务事项之外检查",
                       "item_id", "第四条")
        elif owner.get(row["item_id"]) != row["department_id"]:
            yield fail(f"抽查事项 {row['item_id']} 由 {owner.get(row['item_id'])} 负责，结果的负责部门应与之一致",
                       "department_id", "第四条")
        start, end = row["inspected_from"], row["inspected_to"]
        if start and end and end < start:
            yield fail("检查结束日期早于开始日期", "inspected_to")
        if start and locked_on.get(row["task_id"]) and start.isoformat() < locked_on[row["task_id"]]:
            yield fail(f"检查开始日期早于抽取锁定日期 {locked_on[row['task_id']]}", "inspected_from", "第十一条")
        if row["approved_on"] and end and row["approved_on"] < end:
            yield fail("审批日期早于检查结束日期", "approved_on", "第十七条")
        if row["published_on"] and row["approved_on"] and row["published_on"] < row["approved_on"]:
            yield fail("公示日期早于审批日期：须先经本部门审批再公示", "published_on", "第十七条")
    yield from _one_visit(ds)


def _one_visit(ds: Dataset) -> Iterable[Finding]:
    """An object with some results must have one for every item of the task (第十五条)."""
    if ds.results.is_empty():
        return
    per_object = ds.results.group_by("_file", "task_id", "object_id").agg(
        pl.col("item_id").unique().alias("items"), pl.col("_row").min().alias("row"))
    tasks = ds.tasks
    for file, task_id, object_id, items, row in per_object.sort("_file", "row").iter_rows():
        task = tasks.get(task_id)
        if task is None:
            continue
        missing = [i for i in task.items if i not in set(items)]
        if missing:
            yield warning(file, RULE,
                          f"对象 {object_id} 缺少抽查事项 {'、'.join(missing)} 的结果：应一次完成全部事项的检查",
                          row=row, field="item_id", article=ARTICLE)
