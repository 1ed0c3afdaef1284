"""Compliance (第二十五条): per department, tasks planned and done, results published on time,
late (with working days late) and missing; objects drawn twice; coverage; charts.

"Missing" follows 第二十五条: data not entered in time counts as a task not done. A result the
task owes (each selected object × each of the department's items) with no published row after
its 20-working-day deadline (第十七条) is missing; where no row was ever entered, the deadline
runs from the end of the task's window.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

import polars as pl

from generator.publish.charts import bar_chart, stacked_chart
from generator.publish.common import lookup_href, percent, task_link
from generator.publish.context import SiteContext
from generator.publish.paths import page_url, rel
from generator.publish.plans import in_force_items
from generator.publish.render import Page
from generator.rules.coverage import uncovered
from generator.rules.participation import absent

SERIES = (("按期公示", "ontime"), ("逾期公示", "late"), ("逾期未公示", "missing"), ("未到期限", "pending"))


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


# Per build context: the compliance pages and the open data (generator.opendata) share one computation.
_COMPUTED: WeakKeyDictionary[SiteContext, dict[int, dict[str, DepartmentYear]]] = WeakKeyDictionary()


def department_years(ctx: SiteContext) -> dict[int, dict[str, DepartmentYear]]:
    known = _COMPUTED.get(ctx)
    if known is None:
        known = _COMPUTED[ctx] = _department_years(ctx)
    return known


def _department_years(ctx: SiteContext) -> dict[int, dict[str, DepartmentYear]]:
    """Every result a task owes (each selected object × each of its items, counted for the
    item's department) judged against its row: the rows that were entered are counted in polars
    (a city owes 1.5 million results, a row each would take hundreds of megabytes), the owed
    results never entered per task and department. Years, departments and tasks are in the order
    the owed results first name them (tasks as first selected, then their items), as the open
    data's compliance table lists them."""
    out: dict[int, dict[str, DepartmentYear]] = defaultdict(lambda: defaultdict(DepartmentYear))
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
        r = found.get(key)
        if r is not None:
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
            else:
                stats.pending += never
    return out


TWICE_LISTED = 1000  # objects drawn twice listed on a year's page (all are counted)


def _drawn_twice(ctx: SiteContext, here: str, year: int) -> tuple[list[dict[str, Any]], int]:
    """The first TWICE_LISTED objects drawn at least twice in `year`, by id, and how many there are
    (only the listed ones are looked up: a city has tens of thousands)."""
    chosen = ctx.selections.filter(pl.col("year") == year)
    counts = chosen.group_by("object_id").agg(pl.col("task_id").sort().alias("tasks"), pl.len().alias("n"))
    twice = counts.filter(pl.col("n") >= 2).sort("object_id")
    return [{"name": ctx.object_name(o), "id": o, "href": lookup_href(here, o), "times": n,
             "tasks": [task_link(ctx, here, t) for t in tasks]}
            for o, tasks, n in twice.head(TWICE_LISTED).select("object_id", "tasks", "n").iter_rows()], len(twice)


def year_page(ctx: SiteContext, year: int, stats: dict[str, DepartmentYear]) -> Page:
    here = page_url("compliance", str(year))
    missing_departments = set(absent(ctx.ds, year))
    rows: list[dict[str, Any]] = []
    for department in ctx.departments:
        s = stats.get(department)
        if s is None:
            if department in missing_departments:
                rows.append({"name": ctx.dept(department), "planned": 0, "done": 0, "ontime": 0, "late": 0,
                             "late_days": 0, "late_max": 0, "missing": 0, "missing_days": 0, "pending": 0,
                             "due": 0, "ontime_rate": "—", "absent": True})
            continue
        due = s.ontime + s.late + s.missing
        rows.append({"name": ctx.dept(department), "planned": len(s.planned), "done": s.done, "ontime": s.ontime,
                     "late": s.late, "late_days": s.late_days, "late_max": s.late_max, "missing": s.missing,
                     "missing_days": s.missing_days, "pending": s.pending, "due": due,
                     "ontime_rate": percent(s.ontime, due), "absent": department in missing_departments})
    year_results = ctx.published.filter(pl.col("year") == year)
    mix = Counter(year_results["current_code"].to_list())
    mix_rows = [(ctx.code_label(code), n) for code, n in sorted(mix.items())]
    total = sum(mix.values())
    timeliness_rows: list[tuple[str, list[int]]] = [
        (str(r["name"]), [int(r["ontime"]), int(r["late"]), int(r["missing"]), int(r["pending"])])
        for r in rows if r["due"] or r["pending"]]
    gaps = uncovered(ctx.ds, year)
    in_force = len(in_force_items(ctx, year))
    twice, twice_total = _drawn_twice(ctx, here, year)
    context = {
        "year": year, "rows": rows, "as_of": ctx.as_of.isoformat(),
        "mix_chart": bar_chart(f"mix-{year}", f"{year} 年已公示检查结果的类别分布",
                               f"共 {total} 条结果；各类别的条数见下表。", mix_rows),
        "mix": [{"label": label, "count": n, "share": percent(n, total)} for label, n in mix_rows],
        "timeliness_chart": stacked_chart(
            f"timeliness-{year}", f"{year} 年各部门检查结果公示的及时性",
            "每个部门一条横条，按按期公示、逾期公示、逾期未公示、未到期限的比例分段；数字见上表。",
            SERIES, timeliness_rows),
        "series": [name for name, _ in SERIES],
        "twice": twice, "twice_total": twice_total,
        "coverage": {"gaps": len(gaps), "in_force": in_force,
                     "href": rel(here, page_url("plans", str(year)) + "#coverage")},
        "absent": [ctx.dept(d) for d in sorted(missing_departments)],
        "results_href": rel(here, page_url("results", str(year))),
        "sources": [{"what": f"{year} 年度计划", **ctx.source(ctx.ds.layout.plan(year))},
                    {"what": f"{year} 年检查结果目录", **ctx.source(ctx.ds.layout.results_dir / str(year))}],
    }
    return Page(here, f"{year} 年各部门履职情况", "compliance.html.j2", context,
                description=f"{year} 年各部门联合抽查任务完成、检查结果按期公示、逾期与未公示情况（第二十五条）")


def pages(ctx: SiteContext) -> list[Page]:
    stats = department_years(ctx)
    out = [year_page(ctx, year, stats.get(year, {})) for year in ctx.years]
    here = page_url("compliance")
    years = [{"year": y, "href": rel(here, page_url("compliance", str(y)))} for y in reversed(ctx.years)]
    out.insert(0, Page(here, "履职情况", "compliance_index.html.j2", {"years": years},
                       description="各部门联合抽查履职情况通报（第二十五条）"))
    return out
