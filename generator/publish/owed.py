"""The results each task owes (第十七条, 第二十五条), judged against their deadlines: per department
and year for the compliance pages, the home page and the open data, and per task and department
for the task pages, from one computation.

"Missing" follows 第二十五条: data not entered in time counts as a task not done. A result the
task owes (each selected object × each of the department's items) with no published row after
its 20-working-day deadline (第十七条) is missing; where no row was ever entered, the deadline
runs from the end of the task's window.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import polars as pl

from generator.publish.context import SiteContext


@dataclass
class DepartmentYear:
    planned: set[str] = field(default_factory=set)
    expected: Counter[str] = field(default_factory=Counter)  # task -> results owed
    published: Counter[str] = field(default_factory=Counter)  # task -> results published
    ontime: int = 0
    late: int = 0
    late_days: int = 0
    late_max: int = 0
    missing: int = 0
    missing_days: int = 0
    pending: int = 0

    @property
    def done(self) -> int:
        return sum(1 for task, owed in self.expected.items() if owed and self.published[task] >= owed)


@dataclass
class TaskDepartment:
    """One department's results in one task: owed, published (on time or late), late among them,
    missing (unpublished after the deadline) and pending (unpublished, deadline not reached)."""

    owed: int = 0
    published: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0


YearStats = dict[int, dict[str, DepartmentYear]]
TaskStats = dict[str, dict[str, TaskDepartment]]  # task -> department -> its results there

# Per build context: the compliance pages, the home page, the task pages and the open data
# (generator.opendata) share one computation.
_COMPUTED: WeakKeyDictionary[SiteContext, tuple[YearStats, TaskStats]] = WeakKeyDictionary()


def _computed(ctx: SiteContext) -> tuple[YearStats, TaskStats]:
    known = _COMPUTED.get(ctx)
    if known is None:
        known = _COMPUTED[ctx] = _department_years(ctx)
    return known


def department_years(ctx: SiteContext) -> YearStats:
    return _computed(ctx)[0]


def task_departments(ctx: SiteContext, task_id: str) -> dict[str, TaskDepartment]:
    """The departments of a task with results owed (in item order), and how those stand."""
    return _computed(ctx)[1].get(task_id, {})


def _department_years(ctx: SiteContext) -> tuple[YearStats, TaskStats]:
    """Every result a task owes (each selected object × each of its items, counted for the
    item's department) judged against its row: the rows that were entered are counted in polars
    (a city owes 1.5 million results, a row each would take hundreds of megabytes), the owed
    results never entered per task and department. Years, departments and tasks are in the order
    the owed results first name them (tasks as first selected, then their items), as the open
    data's compliance table lists them."""
    out: dict[int, dict[str, DepartmentYear]] = defaultdict(lambda: defaultdict(DepartmentYear))
    per_task: TaskStats = defaultdict(dict)
    for task in ctx.tasks.values():
        for department in task.departments:
            out[task.year][department].planned.add(task.task_id)
    owner = {i: v[-1].department_id for i, v in ctx.items.items()}
    selected = ctx.selections.select("task_id", "object_id").filter(
        pl.col("task_id").is_in(pl.Series(list(ctx.tasks), dtype=pl.String).implode()))
    chosen = dict(selected.group_by("task_id").len().iter_rows())
    expected: dict[tuple[int, str, str], int] = {}
    for task_id in selected["task_id"].unique(maintain_order=True).to_list():
        task = ctx.tasks[task_id]
        for item in task.items:
            key = (task.year, owner.get(item, ""), task_id)
            out[key[0]][key[1]].expected[task_id] += chosen[task_id]
            expected[key] = expected.get(key, 0) + chosen[task_id]
    items = pl.DataFrame([(t.task_id, item, t.year, owner.get(item, ""))
                          for t in ctx.tasks.values() for item in t.items],
                         schema={"task_id": pl.String, "item_id": pl.String, "year": pl.Int64,
                                 "department": pl.String}, orient="row")
    keys = ["task_id", "object_id", "item_id"]
    c = pl.col

    counts = (
        pl.len().alias("entered"), c("published").sum().alias("published_n"),
        (c("published") & (c("late") > 0)).sum().alias("late_n"),
        pl.when(c("published")).then(c("late")).otherwise(0).sum().alias("late_days"),
        pl.when(c("published")).then(c("late")).otherwise(0).max().alias("late_max"),
        (c("published") & (c("late") == 0)).sum().alias("ontime"),
        (~c("published") & (c("late") > 0)).sum().alias("missing"),
        pl.when(~c("published")).then(c("late")).otherwise(0).sum().alias("missing_days"),
        (~c("published") & (c("late") == 0)).sum().alias("pending"))

    def entered(year: int) -> pl.DataFrame:
        # A year at a time (a result's key holds its task, so duplicates never span years): the
        # whole million rows at once added 250 MB to the build's peak.
        return (ctx.results.filter(c("year") == year).select(*keys, "published_on", "late_by")
                .unique(keys, keep="last")
                .join(selected, on=["task_id", "object_id"], how="semi")
                .join(items, on=["task_id", "item_id"], how="inner")
                .select("year", "department", "task_id", c("late_by").fill_null(0).alias("late"),
                        (c("published_on").is_not_null() & (c("published_on") <= ctx.as_of)).alias("published"))
                .group_by("year", "department", "task_id").agg(*counts))

    years = sorted({t.year for t in ctx.tasks.values()})
    found = {(r["year"], r["department"], r["task_id"]): r
             for year in years for r in entered(year).to_dicts()}
    unentered: dict[str, int] = {}  # task -> working days late of its results never entered
    late_after: dict[dt.date, int] = {}  # window end -> the same
    for key, owed in expected.items():
        year, department, task_id = key
        stats = out[year][department]
        in_task = per_task[task_id][department] = TaskDepartment(owed=owed)
        r = found.get(key)
        if r is not None:
            in_task.published, in_task.late = r["published_n"], r["late_n"]
            in_task.missing, in_task.pending = r["missing"], r["pending"]
            if r["published_n"]:
                stats.published[task_id] += r["published_n"]
            stats.late += r["late_n"]
            stats.late_days += r["late_days"]
            stats.late_max = max(stats.late_max, r["late_max"])
            stats.ontime += r["ontime"]
            stats.missing += r["missing"]
            stats.missing_days += r["missing_days"]
            stats.pending += r["pending"]
        never = owed - (r["entered"] if r is not None else 0)
        if never:
            if task_id not in unentered:
                # One deadline per task, from the end of its window (a city has 450,000 such results),
                # and per window end (5,000 tasks end on a few hundred days).
                end = ctx.tasks[task_id].window_end
                if end not in late_after:
                    deadline = ctx.calendar.publication_deadline(end)[0]
                    late_after[end] = (max(0, ctx.calendar.workdays_between(deadline, ctx.as_of))
                                       if ctx.as_of > deadline else 0)
                unentered[task_id] = late_after[end]
            if unentered[task_id]:
                stats.missing += never
                stats.missing_days += never * unentered[task_id]
                in_task.missing += never
            else:
                stats.pending += never
                in_task.pending += never
    return out, per_task
