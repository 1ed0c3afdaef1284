"""`sunlight status`: what a department has to do next, and what is already late.

第十一条 sets the order (task → draw → inspect → publish); 第十七条 gives 20 working days
from the end of an inspection to publication, and 第二十五条 counts data not entered in
time as a task not done. Everything here is computed from the data and a given day, so
two clerks asking on the same day get the same answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import polars as pl

from generator.facts import selections
from generator.model import Dataset, Task
from generator.rules.publication_deadline import timeliness
from generator.workdays import Calendar

DUE_SOON_WORKING_DAYS = 5


@dataclass(frozen=True)
class TaskDue:
    task_id: str
    name: str
    lead: str
    window_start: str
    window_end: str
    stage: str  # 未准备抽取 / 已准备、待锁定
    overdue: bool  # the window has ended without a locked draw


@dataclass(frozen=True)
class ResultsDue:
    task_id: str
    department_id: str
    rows: int  # object × item rows awaiting publication
    deadline: str
    working_days: int  # left before the deadline (≥ 0) or late (> 0), see `late`
    late: bool
    provisional: bool  # the deadline rests on an unofficial holiday calendar


@dataclass(frozen=True)
class AwaitingResults:
    task_id: str
    drawn: int
    without_results: int


@dataclass
class Status:
    today: str
    department: str | None
    tasks: list[TaskDue] = field(default_factory=list)
    awaiting: list[AwaitingResults] = field(default_factory=list)
    due_soon: list[ResultsDue] = field(default_factory=list)
    overdue: list[ResultsDue] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _concerns(task: Task, department: str | None) -> bool:
    return department is None or department in task.departments


def _tasks(ds: Dataset, today: dt.date, department: str | None) -> list[TaskDue]:
    draws = {d.task_id: d for d in ds.draws}
    out = []
    for task in sorted(ds.tasks.values(), key=lambda t: (t.window_start, t.task_id)):
        draw = draws.get(task.task_id)
        if not _concerns(task, department) or task.year > today.year or (draw is not None and draw.locked):
            continue
        stage = "未准备抽取" if draw is None or draw.manifest is None else "已准备、待锁定"
        out.append(TaskDue(task.task_id, task.name, task.lead, task.window_start.isoformat(),
                           task.window_end.isoformat(), stage, task.window_end < today))
    return out


def _awaiting(ds: Dataset, department: str | None) -> list[AwaitingResults]:
    drawn = selections(ds).select("task_id", "object_id").unique()
    if department is not None:
        mine = [t.task_id for t in ds.tasks.values() if department in t.departments]
        drawn = drawn.filter(pl.col("task_id").is_in(mine))
    recorded = ds.results.select("task_id", "object_id").unique().with_columns(pl.lit(True).alias("_has"))
    counts = (drawn.join(recorded, on=["task_id", "object_id"], how="left")
              .group_by("task_id").agg(pl.len().alias("drawn"), pl.col("_has").null_count().alias("missing"))
              .filter(pl.col("missing") > 0).sort("task_id"))
    return [AwaitingResults(r["task_id"], r["drawn"], r["missing"]) for r in counts.iter_rows(named=True)]


def _results(ds: Dataset, today: dt.date, department: str | None) -> tuple[list[ResultsDue], list[ResultsDue]]:
    frame = timeliness(ds).filter(pl.col("published_on").is_null() & pl.col("deadline").is_not_null())
    if department is not None:
        frame = frame.filter(pl.col("department_id") == department)
    groups = (frame.group_by("task_id", "department_id", "deadline")
              .agg(pl.len().alias("rows"), pl.col("deadline_official").all().alias("official"),
                   pl.col("late_by").max().alias("late_by"))
              .sort("deadline", "task_id", "department_id"))
    calendar = Calendar(ds.holidays)
    soon, late = [], []
    for row in groups.iter_rows(named=True):
        deadline: dt.date = row["deadline"]
        if deadline < today:
            late.append(ResultsDue(row["task_id"], row["department_id"], row["rows"], deadline.isoformat(),
                                   row["late_by"], True, not row["official"]))
            continue
        left = calendar.workdays_between(today, deadline)
        if left <= DUE_SOON_WORKING_DAYS:
            soon.append(ResultsDue(row["task_id"], row["department_id"], row["rows"], deadline.isoformat(),
                                   left, False, not row["official"]))
    return soon, late


def status(ds: Dataset, today: dt.date, department: str | None = None) -> Status:
    """What is due as of `today`, for one department or for all."""
    ds.as_of = today  # overdue is judged against the day asked about
    soon, late = _results(ds, today, department)
    return Status(today.isoformat(), department, _tasks(ds, today, department), _awaiting(ds, department),
                  soon, late)
