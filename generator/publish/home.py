"""The home page: what the program is, the latest published results, key figures for the year."""

from __future__ import annotations

import polars as pl

from generator.publish.common import day, percent, task_link
from generator.publish.context import SiteContext
from generator.publish.owed import department_years
from generator.publish.render import Page

LATEST = 10


def pages(ctx: SiteContext) -> list[Page]:
    here = ""
    year = ctx.current_year
    plan = ctx.ds.plans.get(year)
    tasks = plan.tasks if plan else ()
    locked = [s for s in ctx.summaries.values() if s.locked and s.year == year]
    chosen = ctx.selections.filter(pl.col("year") == year)
    published = ctx.published.filter(pl.col("year") == year)
    # The rate the compliance page gives each department (第二十五条), for all of them: results
    # owed and still unpublished after their deadline count against it, not only late ones.
    stats = department_years(ctx).get(year, {}).values()
    ontime = sum(s.ontime for s in stats)
    due = sum(s.ontime + s.late + s.missing for s in stats)
    corrections = ctx.published_corrections.filter(
        pl.col("task_id").is_in([t.task_id for t in tasks]))
    figures = [
        {"label": "年度计划任务", "value": len(tasks), "note": ""},
        {"label": "已锁定的抽取", "value": len(locked), "note": ""},
        {"label": "抽中检查对象", "value": chosen["object_id"].n_unique(), "note": f"累计抽中 {len(chosen)} 次"},
        {"label": "已公示检查结果", "value": len(published), "note": ""},
        {"label": "按期公示率", "value": percent(ontime, due),
         "note": f"到期应公示 {due} 条，20 个工作日内公示 {ontime} 条"},
        {"label": "参与部门", "value": len({d for t in tasks for d in t.departments}), "note": ""},
        {"label": "结果更正", "value": len(corrections), "note": ""},
    ]
    latest_groups = (ctx.publications.sort(["published_on", "task_id"], descending=[True, False]).head(LATEST))
    latest = []
    for published_on, task_id, count in latest_groups.select("published_on", "task_id", "len").iter_rows():
        task = ctx.tasks.get(task_id)
        latest.append({"date": day(published_on), "task": task_link(ctx, here, task_id), "count": count,
                       "lead": ctx.dept(task.lead) if task else ""})
    context = {
        "year": year, "as_of": day(ctx.as_of), "figures": figures, "latest": latest,
        "links": {
            "checklist": "checklist/", "plan": f"plans/{year}/", "results": f"results/{year}/",
            "lookup": "lookup/", "corrections": "corrections/", "compliance": f"compliance/{year}/",
            "downloads": "downloads/", "feed": "feed.xml", "draw": "about/draw/", "rules": "about/rules/",
            "search": "search/",
        },
    }
    return [Page(here, "首页", "home.html.j2", context,
                 description="淄博市市场监管领域部门联合“双随机、一公开”监管：抽查事项清单、年度计划、抽取过程、检查结果与更正公开")]
