"""Results exist only for objects drawn in that task and for that task's items.

第四条: no inspection outside the checklist, each department answers for its own part;
第十二条: only the locked list is inspected; 第十五条: all items of the task are checked in
one visit; 第十七条: approval precedes publication. Checked with joins over the whole
results table, so a million item rows cost well under a second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from generator.facts import locked_dates, selections, unreadable_records
from generator.findings import Finding, error, warning
from generator.model import Dataset

ARTICLE = "第十五条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"checklist", "draws", "layout", "plans", "results"})
RULE = "results/scope"


def _task_table(ds: Dataset) -> pl.DataFrame:
    locked_on = locked_dates(ds)
    rows = [{"task_id": t.task_id, "year": t.year,
             "expected_file": f"/{t.year}/{t.task_id}.csv",
             "locked_on": dt.date.fromisoformat(str(locked_on[t.task_id])) if locked_on.get(t.task_id) else None}
            for t in ds.tasks.values()]
    schema = {"task_id": pl.String, "year": pl.Int64, "expected_file": pl.String, "locked_on": pl.Date}
    return pl.DataFrame(rows, schema=schema)


def _task_items(ds: Dataset) -> pl.DataFrame:
    return pl.DataFrame([(t.task_id, i) for t in ds.tasks.values() for i in t.items],
                        schema={"task_id": pl.String, "item_id": pl.String}, orient="row").unique()


def check(ds: Dataset) -> Iterable[Finding]:
    if ds.results.is_empty():
        return
    tasks = _task_table(ds)
    # A record.json that could not be read has the loader's finding; its selection is unknown,
    # so its results are not all blamed as "not drawn".
    unreadable = unreadable_records(ds)
    chosen = selections(ds).select("task_id", "object_id").unique().with_columns(pl.lit(True).alias("drawn"))
    task_items = _task_items(ds).with_columns(pl.lit(True).alias("in_task"))
    owners = ds.checklist.select("item_id", pl.col("department_id").alias("owner")).unique("item_id")
    locked_on = dict(zip(tasks["task_id"].to_list(), tasks["locked_on"].to_list(), strict=True))
    # Row-level facts need only small lookups; what depends on (file, task) or (task, object)
    # alone is judged once per such key below, then traced back to its rows.
    rows = (ds.results.select("_file", "_row", "task_id", "object_id", "item_id", "department_id",
                              "inspected_from", "inspected_to", "approved_on", "published_on")
            .filter(pl.col("task_id").is_in(tasks["task_id"].implode()))  # unknown tasks: the reference rule
            .join(task_items, on=["task_id", "item_id"], how="left")
            .join(owners, on="item_id", how="left")
            .with_columns(pl.col("task_id").replace_strict(locked_on, default=None, return_dtype=pl.Date)
                          .alias("locked_on")))
    row_checks: list[tuple[pl.Expr, str, str, str]] = [
        (pl.col("in_task").is_null(), "item_id", "第四条",
         "抽查事项 {item_id} 不属于任务 {task_id}：不得在任务事项之外检查"),
        (pl.col("in_task").is_not_null() & (pl.col("owner") != pl.col("department_id")), "department_id", "第四条",
         "抽查事项 {item_id} 由 {owner} 负责，结果的负责部门应与之一致"),
        (pl.col("inspected_to") < pl.col("inspected_from"), "inspected_to", ARTICLE, "检查结束日期早于开始日期"),
        (pl.col("inspected_from") < pl.col("locked_on"), "inspected_from", "第十一条",
         "检查开始日期早于抽取锁定日期 {locked_on}"),
        (pl.col("approved_on") < pl.col("inspected_to"), "approved_on", "第十七条", "审批日期早于检查结束日期"),
        (pl.col("published_on") < pl.col("approved_on"), "published_on", "第十七条",
         "公示日期早于审批日期：须先经本部门审批再公示"),
    ]
    yield from _findings(rows, row_checks)
    # Each object's results in each file, once: what follows is judged per such group.
    objects = rows.group_by("_file", "task_id", "object_id").agg(
        pl.col("item_id").filter(pl.col("in_task")).n_unique().alias("have"), pl.col("_row").min().alias("row"))
    # (file, task): a task's results belong in results/<year>/<task_id>.csv (第五条).
    per_file = objects.select("_file", "task_id").unique().join(tasks, on="task_id")
    misplaced = per_file.filter(~pl.col("_file").str.ends_with(pl.col("expected_file")))
    if not misplaced.is_empty():
        yield from _findings(rows.join(misplaced, on=["_file", "task_id"], how="semi").join(tasks, on="task_id"),
                             [(pl.lit(True), "task_id", "第五条",
                               "任务 {task_id} 的结果应放在 results/{year}/{task_id}.csv")])
    # (task, object): only objects on the task's locked list have results (第十二条).
    pairs = objects.select("task_id", "object_id").unique().join(chosen, on=["task_id", "object_id"], how="left")
    undrawn = pairs.filter(pl.col("drawn").is_null() & ~pl.col("task_id").is_in(unreadable))
    if not undrawn.is_empty():
        yield from _findings(rows.join(undrawn, on=["task_id", "object_id"], how="semi", nulls_equal=True),
                             [(pl.lit(True), "object_id", "第十二条",
                               "对象 {object_id} 不在任务 {task_id} 锁定的抽取名单中：只能录入被抽中对象的结果")])
    yield from _one_visit(ds, rows, objects)


def _findings(rows: pl.DataFrame, checks: list[tuple[pl.Expr, str, str, str]]) -> Iterable[Finding]:
    # One pass over the million rows for all checks, then each check on the few rows left.
    suspects = rows.filter(pl.any_horizontal(condition.fill_null(False) for condition, *_ in checks))
    for condition, field, article, template in checks:
        for row in suspects.filter(condition.fill_null(False)).iter_rows(named=True):
            yield error(row["_file"], RULE, template.format(**row), row=row["_row"], field=field, article=article)


def _one_visit(ds: Dataset, rows: pl.DataFrame, objects: pl.DataFrame) -> Iterable[Finding]:
    """An object with some results must have one for every item of the task (第十五条).

    `rows`: the results of known tasks, with `in_task` set where the item is the task's;
    `objects`: per file, task and object, how many of the task's items it `have`s.
    """
    tasks = ds.tasks
    wanted = _task_items(ds).group_by("task_id").agg(pl.len().alias("wanted"))
    # Only the objects short of some item are looked at item by item below.
    short = objects.join(wanted, on="task_id", how="inner").filter(pl.col("have") < pl.col("wanted"))
    if short.is_empty():
        return
    items = (rows.join(short, on=["_file", "task_id", "object_id"], how="semi", nulls_equal=True)
             .group_by("_file", "task_id", "object_id").agg(pl.col("item_id").alias("items")))
    short = short.join(items, on=["_file", "task_id", "object_id"], nulls_equal=True)
    for file, task_id, object_id, present, row in short.select("_file", "task_id", "object_id", "items",
                                                                "row").iter_rows():
        missing = [i for i in tasks[task_id].items if i not in set(present)]
        yield warning(file, RULE,
                      f"对象 {object_id} 缺少抽查事项 {'、'.join(missing)} 的结果：应一次完成全部事项的检查",
                      row=row, field="item_id", article=ARTICLE)
