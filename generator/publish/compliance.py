"""Compliance (第二十五条): per department, tasks planned and done, results published on time,
late (with working days late) and missing (counted in owed.py); objects drawn twice; coverage;
charts."""

from __future__ import annotations

from typing import Any

import polars as pl

from generator.publish.charts import bar_chart, stacked_chart
from generator.publish.common import lookup_href, percent, task_link
from generator.publish.context import SiteContext
from generator.publish.owed import DepartmentYear, department_years
from generator.publish.paths import page_url, rel
from generator.publish.plans import in_force_items
from generator.publish.render import Page
from generator.rules.coverage import uncovered
from generator.rules.participation import absent

SERIES = (("按期公示", "ontime"), ("逾期公示", "late"), ("逾期未公示", "missing"), ("未到期限", "pending"))


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
    # Counted in polars: a year has 200,000 results.
    mix = year_results.group_by("current_code").len().sort("current_code", nulls_last=False)
    mix_rows = [(ctx.code_label(code), n) for code, n in mix.iter_rows()]
    total = sum(n for _, n in mix_rows)
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
