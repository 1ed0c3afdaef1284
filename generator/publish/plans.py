"""Annual plans (第七条): every task, coverage of the checklist, each department's participation."""

from __future__ import annotations

import datetime as dt

import polars as pl

from generator.model import Plan
from generator.publish.common import checklist_href, day, percent, task_url
from generator.publish.context import SiteContext
from generator.publish.paths import page_url, rel
from generator.publish.render import Page
from generator.publish.tasks import draw_status
from generator.rules.coverage import uncovered
from generator.rules.participation import absent


def plan_url(year: int) -> str:
    return page_url("plans", str(year))


def in_force_items(ctx: SiteContext, year: int) -> list[str]:
    checklist = ctx.ds.checklist
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    active = checklist.filter((pl.col("effective_from") <= end)
                              & (pl.col("effective_to").is_null() | (pl.col("effective_to") > start)))
    return sorted(set(active["item_id"].to_list()))


def plan_page(ctx: SiteContext, plan: Plan) -> Page:
    here = plan_url(plan.year)
    published = dict(ctx.published.filter(pl.col("year") == plan.year).group_by("task_id").len().iter_rows())
    tasks = [{
        "id": t.task_id, "name": t.name, "href": rel(here, task_url(t)), "lead": ctx.dept(t.lead),
        "participants": [ctx.dept(d) for d in t.participants],
        "window": f"{day(t.window_start)} 至 {day(t.window_end)}", "item_count": len(t.items),
        "status": draw_status(ctx, t.task_id), "published": published.get(t.task_id, 0),
    } for t in sorted(plan.tasks, key=lambda t: t.task_id)]
    active = in_force_items(ctx, plan.year)
    gaps = uncovered(ctx.ds, plan.year)
    missing = set(absent(ctx.ds, plan.year))
    departments = []
    for department in ctx.departments:
        led = [t.task_id for t in plan.tasks if t.lead == department]
        joined = [t.task_id for t in plan.tasks if department in t.participants]
        departments.append({"name": ctx.dept_full.get(department, department), "level": ctx.dept_level[department],
                            "led": len(led), "joined": len(joined), "absent": department in missing})
    gap_items = [{"id": i, "title": ctx.item_title(i), "href": checklist_href(ctx, here, i),
                  "department": ctx.dept(ctx.items[i][-1].department_id)} for i in gaps]
    context = {
        "year": plan.year, "published_on": day(plan.published_on), "published_by": plan.published_by,
        "tasks": tasks,
        "coverage": {"active": len(active), "covered": len(active) - len(gaps),
                     "percent": percent(len(active) - len(gaps), len(active)), "gaps": gap_items},
        "departments": departments, "absent": len(missing),
        "compliance_href": rel(here, page_url("compliance", str(plan.year))),
        "results_href": rel(here, page_url("results", str(plan.year))),
        "sources": [{"what": f"{plan.year} 年度计划", **ctx.source(ctx.ds.layout.plan(plan.year))}],
    }
    return Page(here, f"{plan.year} 年度联合抽查计划", "plan.html.j2", context,
                description=f"淄博市 {plan.year} 年度部门联合抽查计划：全部任务、事项清单覆盖情况与各部门参与情况")


def pages(ctx: SiteContext) -> list[Page]:
    return [plan_page(ctx, plan) for _, plan in sorted(ctx.ds.plans.items())]
