"""Task pages (第十一条 to 第十八条): scope, strata, schedule, departments, the draw and its proof,
the selected objects with their results, the teams and every replacement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import markupsafe
import polars as pl
from markupsafe import Markup

from generator.model import Task
from generator.publish import fragments
from generator.publish.common import (
    checklist_href,
    condition_text,
    day,
    lookup_href,
    ratio_text,
    task_url,
    timeliness_text,
)
from generator.publish.context import SiteContext
from generator.publish.owed import task_departments
from generator.publish.paths import page_url, rel
from generator.publish.render import Page
from generator.publish.task_keys import TaskInputs, task_key

DRAW_FILES = (
    ("manifest.json", "抽取清单（manifest）", "抽取前固定并公开的全部条件"),
    ("frame.csv", "抽取框架", "范围内的全部检查对象及其风险层级"),
    ("roster.csv", "执法检查人员名单", "参与匹配的人员化名编号及部门"),
    ("exclusions.csv", "回避配对", "抽取前申报的回避对象与人员（原因不公开）"),
    ("beacon.json", "公共随机信标", "抽取所用的公共随机数"),
    ("record.json", "锁定记录", "抽取结果：抽中对象、检查小组与记录哈希"),
)
BEACON_SOURCES = {"drand-quicknet": "drand quicknet 公共随机信标", "dice": "公开掷骰仪式",
                  "sample": "示例信标（虚构值）"}


def draw_status(ctx: SiteContext, task_id: str) -> str:
    summary = ctx.summaries.get(task_id)
    if summary is None or not summary.prepared:
        return "未抽取"
    return "已锁定" if summary.locked else "已准备，等待信标"


def _proof(ctx: SiteContext, task: Task, here: str) -> dict[str, Any] | None:
    draw = ctx.draws.get(task.task_id)
    if draw is None or draw.manifest is None:
        return None
    manifest, record = draw.manifest, draw.record or {}
    beacon = manifest.get("beacon") or {}
    files = []
    sizes = ctx.draw_file_sizes(draw)
    for name, title, note in DRAW_FILES:
        if name not in sizes:
            continue
        declared = {"frame.csv": "frame", "roster.csv": "inspectors", "exclusions.csv": "exclusions"}.get(name)
        rows = (manifest.get(declared) or {}).get("rows") if declared else None
        files.append({"name": name, "title": title, "note": note,
                      "href": ctx.draw_file(here, task.year, task.task_id, name),
                      "rows": rows, "bytes": sizes[name]})
    directory = manifest.get("directory") or {}
    return {
        "locked": draw.record is not None,
        "prepared_on": manifest.get("prepared_on", ""),
        "locked_on": record.get("locked_on", ""),
        "manifest_sha256": record.get("manifest_sha256", ""),
        "beacon_source": BEACON_SOURCES.get(str(beacon.get("source")), str(beacon.get("source", ""))),
        "beacon_round": beacon.get("round"),
        "beacon_is_drand": beacon.get("source") == "drand-quicknet",
        "beacon_is_sample": beacon.get("source") == "sample",
        "beacon_value": record.get("beacon_value", ""),
        "seed": record.get("seed", ""),
        "record_sha256": record.get("record_sha256", ""),
        "previous": manifest.get("previous", ""),
        "cap": manifest.get("cap_per_year"),
        "excluded_by_cap": len(record.get("excluded_by_cap") or []),
        "frame_rows": (manifest.get("frame") or {}).get("rows"),
        "directory": {"sha256": directory.get("sha256", ""), "rows": directory.get("rows"),
                      "snapshot_date": directory.get("snapshot_date", ""),
                      "confirmed_on": directory.get("confirmed_on", ""),
                      "confirmed_by": ctx.dept(directory.get("confirmed_by"))},
        "files": files,
        "draw_url": ctx.draw_file(here, task.year, task.task_id),
        "ledger_url": rel(here, "draws/ledger.json"),
        "source": ctx.source(draw.directory / ("record.json" if draw.record else "manifest.json")),
        "verify_href": rel(here, "about/draw/"),
    }


BATCH = 100  # tasks whose results cells are built together (a batch at a time is held)


class ResultCells:
    """The results cell of every selected object of a task: the items of its
    `<ul class="sl-results">` as one pre-escaped string per object (task.html.j2 prints it).

    Built in polars for a batch of tasks at once (pages are rendered in task order), with each
    value converted once per distinct value (fragments.py): the million results of a city took
    most of the build as Python dicts and a Jinja loop. The text is the loop's, byte for byte."""

    def __init__(self, ctx: SiteContext, order: list[str]) -> None:
        self.ctx = ctx
        self.order = order
        self.position = {task_id: i for i, task_id in enumerate(order)}
        self.batch = -1
        self.cells: dict[str, dict[str, str]] = {}

    def for_task(self, task_id: str) -> dict[str, str]:
        batch = self.position.get(task_id, -1) // BATCH
        if task_id not in self.position:
            return _result_items(self.ctx, self.ctx.published_for(task_id)).get(task_id, {})
        if batch != self.batch:
            tasks = self.order[batch * BATCH:(batch + 1) * BATCH]
            self.cells = _result_items(self.ctx, pl.concat([self.ctx.published_for(t) for t in tasks]))
            self.batch = batch
        return self.cells.get(task_id, {})


def _result_items(ctx: SiteContext, rows: pl.DataFrame) -> dict[str, dict[str, str]]:
    """task -> object -> the `<li>` of each of its published results, by item (see ResultCells)."""
    if not len(rows):
        return {}
    rows = rows.sort("task_id", "object_id", "item_id")

    def href(pair: str) -> str:
        task_id, item_id = pair.split("\t")
        return checklist_href(ctx, task_url(ctx.tasks[task_id]), item_id)

    def credit(code: str | None) -> str:
        return "1" if code in ctx.codes and ctx.codes[code].credit_record else ""

    def timeliness(field: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: str(markupsafe.escape(timeliness_text(r)[field]))

    judged = rows.select("published_on", "late_by", "deadline_official", "deadline")
    pieces = pl.DataFrame({
        "task_id": rows["task_id"], "object_id": rows["object_id"],
        "href": fragments.html(rows.select(pl.concat_str("task_id", pl.lit("\t"), "item_id")).to_series(), href),
        "item_id": fragments.html(rows["item_id"]),
        "item": fragments.html(rows["item_id"], ctx.item_title),
        "department": fragments.html(rows["department_id"], ctx.dept),
        "method": fragments.html(rows["method"]),
        "from": fragments.html(rows["inspected_from"], day), "to": fragments.html(rows["inspected_to"], day),
        "span": rows["inspected_from"].ne_missing(rows["inspected_to"]),
        "result": fragments.html(rows["current_code"], ctx.code_label),
        "credit": fragments.per_value(rows["current_code"], credit),
        "original": fragments.html(rows["result_code"], ctx.code_label),
        "corrected": rows["current_code"].ne_missing(rows["result_code"]),
        "follow_up": fragments.html(rows["current_follow_up"], lambda v: (v or "").replace(";", "、")),
        "published_on": fragments.html(rows["published_on"], day),
        "state": fragments.per_row(judged, timeliness("state")), "text": fragments.per_row(judged, timeliness("text")),
    })
    c = pl.col
    original = pl.when(c("corrected")).then(c("original")).otherwise(pl.lit(""))
    items = pieces.select("task_id", "object_id", fragments.joined(
        '<li><a href="', c("href"), '"><code>', c("item_id"), "</code></a> ", c("item"), "（", c("department"),
        "，", c("method"), "，", fragments.when(c("span"), c("from"), " 至 "), c("to"), "）：<strong>", c("result"),
        "</strong>", fragments.when(c("credit") != "", ' <span class="sl-badge sl-badge--credit">失信记录</span>'),
        fragments.when(original != "", ' <span class="sl-muted">（原公示：', original, "，已更正）</span>"),
        fragments.when(c("follow_up") != "", "；后续处理：", c("follow_up")),
        "；", c("published_on"), ' 公示 <span class="sl-badge sl-badge--', c("state"), '">', c("text"),
        "</span></li>").alias("li"))
    cells = items.group_by("task_id", "object_id", maintain_order=True).agg(c("li").str.join(""))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for task_id, object_id, text in cells.iter_rows():
        out[task_id][object_id] = text
    return out


def _escape_slow(text: str) -> str:
    return str(markupsafe.escape(text))


try:  # markupsafe's C escaping of a str, as markupsafe.escape applies it
    from markupsafe._speedups import _escape_inner
    _escape_text: Callable[[str], str] = _escape_inner
except ImportError:  # pragma: no cover - markupsafe without its C extension
    _escape_text = _escape_slow


def _escape(value: object) -> str:
    """What Jinja's autoescape prints for a plain value (markupsafe.escape), without wrapping
    each piece in Markup: a city's task pages hold millions of pieces."""
    return _escape_text(str(value))


def _team_items(ctx: SiteContext, task: Task, members: list[dict[str, Any]]) -> str:
    """The `<li>` of each team member, leader marked (第十四条: the lead department's first member)."""
    out = []
    leader_seen = False
    for m in members:
        leader = not leader_seen and m.get("department") == task.lead and bool(m.get("inspector_id"))
        leader_seen = leader_seen or leader
        muted = "" if m.get("inspector_id") else ' class="sl-muted"'
        out.append(f'<li{muted}><code>{_escape(m.get("inspector_id") or "（未能匹配）")}</code> '
                   f'{_escape(ctx.dept(m.get("department")))}{" <strong>组长</strong>" if leader else ""}</li>')
    return "".join(out)


def _object_cells(ctx: SiteContext, task: Task, here: str, position: int, object_id: str, stratum: str,
                  members: list[dict[str, Any]]) -> Markup:
    """A selected object's first three cells (position; name, id and facts; team), escaped: written
    here rather than in task.html.j2 because a city has 220,000 of them."""
    info = ctx.objects.get(object_id)
    name, kind, status, district = ((info.name, info.object_type, info.status, ctx.district(info.district))
                                    if info else (object_id, "", "", ""))
    shown_status = f" · {_escape(status)}" if status != "存续" else ""
    return Markup(
        f'<td>{position}</td>\n<td><a href="{_escape(lookup_href(here, object_id))}">{_escape(name)}</a><br>'
        f'<code>{_escape(object_id)}</code><br><span class="sl-muted">{_escape(kind)} · {_escape(district)} · '
        f'{_escape(stratum)}{shown_status}</span></td>\n'
        f'<td><ul class="sl-team">{_team_items(ctx, task, members)}</ul></td>')


def task_page(ctx: SiteContext, task: Task, cells: ResultCells | None = None,
              inputs: TaskInputs | None = None) -> Page:
    cells = cells or ResultCells(ctx, [task.task_id])
    inputs = inputs or TaskInputs(ctx)
    # The key is hashed from the page's inputs (task_keys.py): the view model is built only for a
    # page that is rendered.
    return Page(task_url(task), f"{task.task_id} {task.name}", "task.html.j2", search=False, shell=True,
                lazy=lambda: task_view(ctx, task, cells), key=lambda: task_key(ctx, task, inputs),
                description=f"{task.year} 年联合抽查任务 {task.task_id}：抽查范围、抽取过程与验证、抽中对象与检查结果")


def task_view(ctx: SiteContext, task: Task, cells: ResultCells | None = None) -> dict[str, Any]:
    """The task page's view model; without `cells`, every object's results are left out."""
    view = _view_without_results(ctx, task)
    if cells is not None:
        results = cells.for_task(task.task_id)
        for entry in view["objects"]:
            entry["results"] = Markup(results.get(entry["id"], ""))
        view["published"] = len(ctx.published_for(task.task_id))
    return view


def _view_without_results(ctx: SiteContext, task: Task) -> dict[str, Any]:
    here = task_url(task)
    draw = ctx.draws.get(task.task_id)
    record = (draw.record if draw else None) or {}
    strata_names = {s.id: s.name for s in task.strata}
    teams = ctx.teams(task.task_id)
    selected_counts: dict[str, int] = defaultdict(int)
    objects = []
    for position, chosen in enumerate(record.get("selected") or [], start=1):
        object_id = str(chosen.get("object_id"))
        selected_counts[str(chosen.get("stratum"))] += 1
        stratum = strata_names.get(str(chosen.get("stratum")), str(chosen.get("stratum")))
        objects.append({"id": object_id, "results": Markup(""), "cells": _object_cells(
            ctx, task, here, position, object_id, stratum, teams.get(object_id, []))})
    replacements = [{
        "id": r["replacement_id"], "object": ctx.object_name(r["object_id"]),
        "href": lookup_href(here, r["object_id"]), "department": ctx.dept(r["department_id"]),
        "replaced": r["replaced_inspector_id"], "replacement": r["replacement_inspector_id"],
        "reason": r["reason"], "approver": r["approver"], "approved_on": day(r["approved_on"]),
    } for r in ctx.replacements_by_task.get(task.task_id, [])]
    plan = ctx.ds.plans[task.year]
    results_path = ctx.ds.layout.results(task.year, task.task_id)
    sources = [{"what": "年度计划中的本任务", **ctx.source(ctx.ds.layout.plan(task.year), task.line)}]
    if draw is not None and draw.manifest is not None:
        sources.append({"what": "抽取文件", **ctx.source(draw.directory / "manifest.json")})
    if results_path.exists():
        sources.append({"what": "检查结果", **ctx.source(results_path)})
    if replacements:
        sources.append({"what": "人员调整记录", **ctx.source(ctx.ds.layout.replacements)})
    return {
        "task": {
            "id": task.task_id, "name": task.name, "year": task.year, "level": task.level,
            "lead": ctx.dept_full.get(task.lead, task.lead),
            "participants": [ctx.dept_full.get(d, d) for d in task.participants],
            "scenario": task.scenario or "", "scenario_name": ctx.scenario_names.get(task.scenario or "", ""),
            "frequency": task.frequency,
            "window": f"{day(task.window_start)} 至 {day(task.window_end)}",
            "drawn_by": ctx.dept(task.drawn_by), "dispatched_to": [ctx.dept(d) for d in task.dispatched_to],
            "object_types": list(task.object_types),
            "districts": [ctx.district(d) for d in task.districts],
            "industries": [f"{p} {ctx.industry_names.get(p, '')}".strip() for p in task.industries],
            "keywords": list(task.keywords),
            "plan_href": rel(here, f"plans/{task.year}/"), "plan_published": day(plan.published_on),
            "status": draw_status(ctx, task.task_id),
        },
        "strata": [{"name": s.name, "id": s.id, "condition": condition_text(s), "ratio": ratio_text(s),
                    "selected": selected_counts.get(s.id, 0)} for s in task.strata],
        "team_plan": [{"department": ctx.dept(slot.department), "size": slot.size,
                       "lead": slot.department == task.lead} for slot in task.team],
        "max_per_inspector": task.max_per_inspector,
        "items": [{"id": i, "title": ctx.item_title(i), "href": checklist_href(ctx, here, i),
                   "department": ctx.dept(ctx.items[i][-1].department_id) if i in ctx.items else ""}
                  for i in task.items],
        "proof": _proof(ctx, task, here),
        "objects": objects,
        "published": 0,
        "owed": _owed(ctx, task, here),
        "replacements": replacements,
        "sources": sources,
    }


def _owed(ctx: SiteContext, task: Task, here: str) -> dict[str, Any]:
    """The results the task owes per department and how many are still unpublished, so that the
    page agrees with the compliance page, which counts them (第十七条, 第二十五条)."""
    departments = task_departments(ctx, task.task_id)
    rows = [{"name": ctx.dept(d), "owed": s.owed, "published": s.published, "late": s.late,
             "missing": s.missing, "pending": s.pending} for d, s in departments.items()]
    return {"departments": rows, "total": sum(s.owed for s in departments.values()),
            "unpublished": sum(s.missing + s.pending for s in departments.values()),
            "compliance_href": rel(here, page_url("compliance", str(task.year)))}


def pages(ctx: SiteContext) -> list[Page]:
    tasks = sorted(ctx.tasks.values(), key=lambda t: t.task_id)
    cells, inputs = ResultCells(ctx, [task.task_id for task in tasks]), TaskInputs(ctx)
    return [task_page(ctx, task, cells, inputs) for task in tasks]
