"""A task checks only checklist items that exist and are in force (第四条: 不得在清单之外实施抽查).

Each item must also belong to a department that takes part in the task (第四条: each
department answers for its own items).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.findings import Finding, error
from generator.model import Dataset

ARTICLE = "第四条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"checklist", "layout", "plans"})
RULE = "task/items-in-force"


def check(ds: Dataset) -> Iterable[Finding]:
    known = dict(zip(ds.checklist["item_id"].to_list(), ds.checklist["department_id"].to_list(),
                     strict=True))
    # An item with a version whose dates the schema already rejected cannot be judged in or
    # out of force; saying "not in force" would only blame every task for one bad cell.
    undated = set(ds.checklist.filter(pl.col("effective_from").is_null())["item_id"].to_list())
    tasks = ds.tasks.values()
    # Every (start day, item) of the tasks judged at once (a city has a thousand start days);
    # a version is in force from effective_from up to the day before effective_to.
    asked = pl.DataFrame([(t.window_start, i) for t in tasks for i in t.items],
                         schema={"day": pl.Date, "item_id": pl.String}, orient="row").unique()
    in_force_on = set(asked.join(ds.checklist.select("item_id", "effective_from", "effective_to"), on="item_id")
                      .filter((pl.col("effective_from") <= pl.col("day"))
                              & (pl.col("effective_to").is_null() | (pl.col("effective_to") > pl.col("day"))))
                      .select("day", "item_id").iter_rows())
    for task in tasks:
        file = task.file
        for item in task.items:
            if item not in known:
                yield error(file, RULE,
                            f"任务 {task.task_id} 的抽查事项 {item} 不在抽查事项清单中：不得在清单之外实施抽查",
                            row=task.line, field="items", article=ARTICLE)
            elif (task.window_start, item) not in in_force_on and item not in undated:
                yield error(file, RULE,
                            f"任务 {task.task_id} 的抽查事项 {item} 在任务开始日 {task.window_start} 未生效或已停用",
                            row=task.line, field="items", article=ARTICLE)
            elif known[item] not in task.departments:
                yield error(file, RULE, f"任务 {task.task_id} 的抽查事项 {item} 属于未参加本任务的部门 {known[item]}",
                            row=task.line, field="items", article=ARTICLE)
        if task.window_end < task.window_start:
            yield error(file, "task/window", f"任务 {task.task_id} 的结束日期早于开始日期",
                        row=task.line, field="window", article="第十二条")
        if task.window_start.year != task.year or task.window_end.year != task.year:
            yield error(file, "task/window", f"任务 {task.task_id} 的实施时间应在 {task.year} 年内",
                        row=task.line, field="window", article="第七条")
