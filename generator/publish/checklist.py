"""The checklist (第六条): by department and by field; every item with its legal basis, methods,
category, versions and effective dates (superseded versions kept and marked), and the tasks
that used it."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from generator.model import Task
from generator.publish.common import day
from generator.publish.context import ItemVersion, SiteContext
from generator.publish.paths import page_url, rel
from generator.publish.render import Page


def _tasks_using(ctx: SiteContext) -> dict[str, list[str]]:
    using: dict[str, list[str]] = defaultdict(list)
    for task in sorted(ctx.tasks.values(), key=lambda t: t.task_id):
        for item in task.items:
            using[item].append(task.task_id)
    return using


def _version(ctx: SiteContext, v: ItemVersion) -> dict[str, Any]:
    return {"version": v.version, "from": day(v.effective_from), "to": day(v.effective_to),
            "status": v.status(ctx.as_of), "sub_item": v.sub_item,
            "source": ctx.settings.source_url(ctx.data_rel(ctx.ds.layout.checklist), v.row)}


def _task_href(here: str, task: Task) -> str:
    return _task_link(here, task.year, task.task_id)


@functools.lru_cache(maxsize=65536)
def _task_link(here: str, year: int, task_id: str) -> str:
    """rel(here, task URL), once per page and task: an item lists every task that used it (a
    city's checklist pages link to tasks 90,000 times, mostly the same few per page)."""
    return rel(here, page_url("tasks", str(year), task_id))


def _item(ctx: SiteContext, here: str, item_id: str, using: list[str]) -> dict[str, Any]:
    versions = ctx.items[item_id]
    current = ctx.item_at(item_id, ctx.as_of) or versions[-1]
    return {
        "id": item_id, "matter": current.matter, "sub_item": current.sub_item, "field": current.field,
        "object_type": current.object_type, "category": current.category, "methods": list(current.methods),
        "legal_basis": current.legal_basis, "inspecting_body": current.inspecting_body,
        "status": current.status(ctx.as_of),
        "versions": [_version(ctx, v) for v in versions],
        "tasks": [{"id": t, "href": _task_href(here, ctx.tasks[t]), "year": ctx.tasks[t].year} for t in using],
        "href": rel(here, page_url("checklist", current.department_id) + f"#{item_id}"),
        "department": ctx.dept(current.department_id),
    }


def pages(ctx: SiteContext) -> list[Page]:
    using = _tasks_using(ctx)
    by_department: dict[str, list[str]] = defaultdict(list)
    by_field: dict[str, list[str]] = defaultdict(list)
    for item_id, versions in ctx.items.items():
        by_department[versions[-1].department_id].append(item_id)
        current = ctx.item_at(item_id, ctx.as_of) or versions[-1]
        by_field[current.field].append(item_id)
    source = ctx.source(ctx.ds.layout.checklist)
    scenarios = ctx.source(ctx.ds.layout.scenarios) if ctx.ds.layout.scenarios.exists() else None
    out: list[Page] = []
    index_url = page_url("checklist")
    summary = []
    for department in ctx.departments:
        ids = sorted(by_department.get(department, []))
        if not ids:
            continue
        statuses = [(ctx.item_at(i, ctx.as_of) or ctx.items[i][-1]).status(ctx.as_of) for i in ids]
        here = page_url("checklist", department)
        summary.append({"name": ctx.dept_full.get(department, department), "href": rel(index_url, here),
                        "item_count": len(ids), "current": statuses.count("现行"),
                        "fields": sorted({ctx.items[i][-1].field for i in ids})})
        out.append(Page(here, f"{ctx.dept(department)}抽查事项清单", "checklist_department.html.j2", {
            "department": ctx.dept_full.get(department, department),
            "items": [_item(ctx, here, i, using.get(i, [])) for i in ids],
            "index_href": rel(here, index_url), "fields_href": rel(here, page_url("checklist", "fields")),
            "sources": [{"what": "抽查事项清单", **source}],
        }, description=f"{ctx.dept_full.get(department, department)}的随机抽查事项清单"))
    fields_url = page_url("checklist", "fields")
    fields = [{"field": name, "items": [_item(ctx, fields_url, i, using.get(i, [])) for i in sorted(ids)]}
              for name, ids in sorted(by_field.items())]
    sources = [{"what": "抽查事项清单", **source}]
    if scenarios:
        sources.append({"what": "联合抽查场景", **scenarios})
    out.insert(0, Page(index_url, "抽查事项清单", "checklist_index.html.j2", {
        "departments": summary, "total": len(ctx.items), "fields_href": rel(index_url, fields_url),
        "as_of": day(ctx.as_of), "sources": sources,
    }, description="淄博市市场监管领域联合随机抽查事项清单（按部门）"))
    out.insert(1, Page(fields_url, "抽查事项清单（按领域）", "checklist_fields.html.j2", {
        "fields": fields, "index_href": rel(fields_url, index_url), "sources": sources,
    }, description="淄博市市场监管领域联合随机抽查事项清单（按抽查领域）"))
    return out
