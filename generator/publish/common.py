"""Small helpers the view-model builders share: numbers, dates, condition wording, timeliness."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from generator.model import Stratum, Task
from generator.publish.context import SiteContext
from generator.publish.paths import page_url, rel


def task_url(task: Task) -> str:
    return _task_url(task.year, task.task_id)


@functools.lru_cache(maxsize=65536)
def _task_url(year: int, task_id: str) -> str:
    """Checked once per task (the checklist, plans and results link to tasks a hundred thousand times)."""
    return page_url("tasks", str(year), task_id)


def task_link(ctx: SiteContext, here: str, task_id: str) -> dict[str, str]:
    task = ctx.tasks.get(task_id)
    if task is None:
        return {"href": "", "id": task_id, "name": task_id}
    return {"href": rel(here, task_url(task)), "id": task_id, "name": task.name}


def lookup_href(here: str, object_id: str) -> str:
    """rel(here, "lookup/#<id>"), with the path part computed once per page (a task page links
    to dozens of objects, the site to hundreds of thousands)."""
    return f"{_lookup_page(here)}#{object_id}"


@functools.lru_cache(maxsize=256)
def _lookup_page(here: str) -> str:
    return rel(here, "lookup/")


def checklist_href(ctx: SiteContext, here: str, item_id: str) -> str:
    versions = ctx.items.get(item_id)
    if not versions:
        return ""
    return rel(here, page_url("checklist", versions[-1].department_id) + f"#{item_id}")


def percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def ratio_text(stratum: Stratum) -> str:
    if stratum.ratio_bp is not None:
        return f"{stratum.ratio_bp / 100:g}%"
    return f"固定 {stratum.count} 个"


def condition_text(stratum: Stratum) -> str:
    """The tier's condition in words (第八条: differentiated supervision)."""
    when = stratum.when_any
    parts = []
    if when.get("serious_violation"):
        parts.append("有严重违法违规记录")
    if when.get("abnormal_list"):
        parts.append("列入经营异常名录")
    if when.get("key_attention"):
        parts.append("列入重点关注对象名单")
    if "complaints_at_least" in when:
        parts.append(f"近一年投诉举报 {int(when['complaints_at_least'])} 次及以上")
    return "满足任一：" + "、".join(parts) if parts else "其余全部对象"


def day(value: dt.date | str | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def timeliness_text(row: dict[str, Any]) -> dict[str, str]:
    """How a result's publication stands against its 20-working-day deadline (第十七条)."""
    provisional = "" if row.get("deadline_official", True) else "（按暂定节假日安排）"
    late = row.get("late_by") or 0
    if row.get("published_on") is None:
        if late > 0:
            return {"state": "missing", "text": f"逾期 {late} 个工作日未公示{provisional}"}
        return {"state": "pending", "text": f"未到期限 {day(row.get('deadline'))}{provisional}"}
    if late > 0:
        return {"state": "late", "text": f"逾期 {late} 个工作日公示{provisional}"}
    return {"state": "ontime", "text": "按期公示"}
