"""Every reference points at something that exists (第四条, 第九条, 第二十二条)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.findings import Finding, error
from generator.model import Dataset

ARTICLE = "第四条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"checklist", "departments", "districts", "inspectors", "layout", "objects", "plans",
                   "recusals", "result_codes", "results", "scenarios", "unusable"})
RULE = "reference"
# What each kind of reference points into, to skip references into an unreadable table.
TARGETS = {"部门": "departments", "上级部门": "departments", "抽查事项": "checklist", "执法检查人员": "inspectors",
           "检查对象": "objects"}


def _unknown(column: str, known: set[str] | pl.Series) -> pl.Expr:
    # A Series goes to polars as it is; a million ids as a Python list cost more than the test.
    values = known if isinstance(known, pl.Series) else pl.Series(list(known), dtype=pl.String)
    return pl.col(column).is_not_null() & ~pl.col(column).is_in(values.implode())


def _missing(frame: pl.DataFrame, column: str, known: set[str] | pl.Series) -> pl.DataFrame:
    return frame.filter(_unknown(column, known))


def _table_refs(ds: Dataset, frame: pl.DataFrame, file: str, column: str, known: set[str] | pl.Series,
                what: str) -> Iterable[Finding]:
    if TARGETS.get(what) in ds.unusable:
        return
    for row in _missing(frame, column, known).select("_row", column).iter_rows():
        yield error(file, RULE, f"{what}“{row[1]}”不存在", row=row[0], field=column,
                    article=ARTICLE)


def check(ds: Dataset) -> Iterable[Finding]:
    lay = ds.layout
    departments = set(ds.departments["department_id"].to_list())
    items = set(ds.checklist["item_id"].to_list())
    inspectors = set(ds.inspectors["inspector_id"].to_list())
    objects = ds.objects["object_id"]  # a million ids: kept in polars
    tasks = ds.tasks
    districts = set(ds.districts["code"].to_list())

    yield from _table_refs(ds, ds.departments, lay.display(lay.departments), "parent_id",
                           departments, "上级部门")
    yield from _table_refs(ds, ds.departments, lay.display(lay.departments), "district",
                           districts, "行政区划代码（GB/T 2260）")
    yield from _table_refs(ds, ds.checklist, lay.display(lay.checklist), "department_id",
                           departments, "部门")
    yield from _table_refs(ds, ds.inspectors, lay.display(lay.inspectors), "department_id",
                           departments, "部门")
    recusals = lay.display(lay.recusals)
    yield from _table_refs(ds, ds.recusals, recusals, "task_id", set(tasks), "任务")
    yield from _table_refs(ds, ds.recusals, recusals, "object_id", objects, "检查对象")
    yield from _table_refs(ds, ds.recusals, recusals, "inspector_id", inspectors, "执法检查人员")
    codes = set(ds.result_codes["code"].to_list())
    result_refs = (("task_id", set(tasks), "任务"), ("item_id", items, "抽查事项"),
                   ("department_id", departments, "部门"), ("result_code", codes, "检查结果代码"))
    # Only rows with some unknown reference, then file by file as people read them.
    suspect = ds.results.filter(pl.any_horizontal(_unknown(column, known) for column, known, _ in result_refs))
    for frame in suspect.partition_by("_file", maintain_order=True) if len(suspect) else []:
        file = frame["_file"][0]
        for column, known, what in result_refs:
            yield from _table_refs(ds, frame, file, column, known, what)

    seen: dict[str, str] = {}
    for plan in ds.plans.values():
        for task in plan.tasks:
            where = {"row": task.line, "article": ARTICLE}
            if task.task_id in seen:
                yield error(plan.file, RULE, f"任务编号 {task.task_id} 与 {seen[task.task_id]} 中的任务重复",
                            field="task_id", **where)  # type: ignore[arg-type]
            seen[task.task_id] = plan.file
            if not task.task_id.startswith(f"ZB-{plan.year}-"):
                yield error(plan.file, RULE, f"任务编号 {task.task_id} 应以 ZB-{plan.year}- 开头（与计划年度一致）",
                            field="task_id", row=task.line, article=ARTICLE)
            named = [("lead", task.lead), ("drawn_by", task.drawn_by),
                     *(("participants", d) for d in task.participants),
                     *(("dispatched_to", d) for d in task.dispatched_to),
                     *(("team", s.department) for s in task.team)]
            for field, department in named:
                if department not in departments and "departments" not in ds.unusable:
                    yield error(plan.file, RULE, f"任务 {task.task_id} 引用的部门“{department}”不存在",
                                row=task.line, field=field, article=ARTICLE)
            for district in task.districts:
                if district not in districts:
                    yield error(plan.file, RULE, f"任务 {task.task_id} 的区县代码“{district}”不是 GB/T 2260 代码",
                                row=task.line, field="scope.districts", article="第九条")
            if task.scenario and task.scenario not in {s.id for s in ds.scenarios}:
                yield error(plan.file, RULE, f"任务 {task.task_id} 引用的联合抽查场景“{task.scenario}”不存在",
                            row=task.line, field="scenario", article="第六条")
    scenarios_file = lay.display(lay.scenarios)
    for scenario in ds.scenarios:
        for department in scenario.departments:
            if department not in departments and "departments" not in ds.unusable:
                yield error(scenarios_file, RULE, f"场景 {scenario.id} 的部门“{department}”不存在",
                            row=scenario.line, field="departments", article="第六条")
        for item in scenario.items:
            if item not in items and "checklist" not in ds.unusable:
                yield error(scenarios_file, RULE, f"场景 {scenario.id} 的抽查事项“{item}”不在抽查事项清单中",
                            row=scenario.line, field="items", article="第六条")
