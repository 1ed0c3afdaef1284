"""`sunlight task new`: add a task to a year's plan from a joint-checklist scenario (第七条).

The scenario already says which departments inspect together, which items they check and
which objects are in scope; the new task copies that and adds the defaults every sample
task uses (three risk tiers, 第八条; two inspectors from the lead department, one from each
other, 第十四条), so the clerk only reviews and adjusts. The task is appended to the plan's
`tasks:` list as text, keeping the file's comments and layout.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UsageError
from generator.findings import has_errors
from generator.io.atomic import write_atomically
from generator.layout import Layout
from generator.load import load_plans, load_scenarios
from generator.model import Scenario

# The tiers the sample plans use: higher ratios for risky objects (第八条), base 3 %.
DEFAULT_STRATA: list[dict[str, Any]] = [
    {"id": "high", "name": "高风险",
     "when_any": {"serious_violation": True, "abnormal_list": True, "key_attention": True}, "ratio_bp": 3000},
    {"id": "watch", "name": "投诉较多", "when_any": {"complaints_at_least": 3}, "ratio_bp": 1000},
    {"id": "general", "name": "一般", "ratio_bp": 300},
]


@dataclass(frozen=True)
class NewTask:
    year: int
    scenario: str
    start: dt.date
    end: dt.date
    name: str | None = None
    level: str = "市级"


def _next_id(layout: Layout, year: int) -> str:
    used = set(re.findall(rf"ZB-{year}-(\d{{3}})", "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in sorted(layout.plans_dir.glob("*.yaml")))))
    number = max((int(n) for n in used), default=0) + 1
    if number > 999:
        raise UsageError(f"{year} 年度的任务编号已用完（ZB-{year}-999）")
    return f"ZB-{year}-{number:03d}"


def task_entry(task_id: str, request: NewTask, scenario: Scenario) -> dict[str, Any]:
    participants = [d for d in scenario.departments if d != scenario.lead]
    scope: dict[str, Any] = {"object_types": list(scenario.object_types)}
    if scenario.industries:
        scope["industries"] = list(scenario.industries)
    if scenario.keywords:
        scope["keywords"] = list(scenario.keywords)
    return {
        "task_id": task_id,
        "name": request.name or f"{request.year}年{scenario.name.removesuffix('联合检查')}部门联合抽查",
        "scenario": scenario.id,
        "level": request.level,
        "lead": scenario.lead,
        "participants": participants,
        "items": list(scenario.items),
        "scope": scope,
        "strata": DEFAULT_STRATA,
        "frequency": 1,
        "window": {"start": request.start.isoformat(), "end": request.end.isoformat()},
        "team": {"departments": [{"id": d, "size": 2 if d == scenario.lead else 1}
                                 for d in (scenario.lead, *participants)]},
    }


def _insert(text: str, block: str) -> str:
    """The plan text with `block` appended to its top-level `tasks:` list."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"tasks:\s*(\[\s*\])?\s*(#.*)?$", line)), None)
    if start is None:
        raise UsageError("年度计划中没有 tasks: 一项，无法追加任务")
    lines[start] = "tasks:\n"
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"[A-Za-z_]", lines[i])), len(lines))
    if end and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    return "".join(lines[:end]) + block + "".join(lines[end:])


def new_task(root: Path, request: NewTask) -> str:
    """Append a task to `plans/<year>.yaml`; returns its id. Refuses, writing nothing, on bad input."""
    layout = Layout(root)
    plan = layout.plan(request.year)
    if not plan.is_file():
        raise UsageError(f"找不到 {request.year} 年度计划 {layout.display(plan)}：请先建立年度计划文件")
    if request.start > request.end:
        raise UsageError(f"执行开始日期 {request.start} 晚于结束日期 {request.end}")
    if request.start.year != request.year or request.end.year != request.year:
        raise UsageError(f"执行期限应在 {request.year} 年内：{request.start} 至 {request.end}")
    scenarios, problems = load_scenarios(layout)
    if has_errors(problems):
        raise UsageError(f"联合抽查场景文件有错误，请先运行 sunlight validate：{problems[0].message}")
    scenario = next((s for s in scenarios if s.id == request.scenario), None)
    if scenario is None:
        known = "、".join(s.id for s in scenarios)
        raise UsageError(f"找不到联合抽查场景 {request.scenario}（已有：{known}）")
    task_id = _next_id(layout, request.year)
    block = yaml.safe_dump([task_entry(task_id, request, scenario)], allow_unicode=True, sort_keys=False,
                           default_flow_style=False, width=200)
    updated = _insert(plan.read_text(encoding="utf-8"), block)
    _check_readable(updated, request.year)
    write_atomically(plan, updated)
    return task_id


def _check_readable(text: str, year: int) -> None:
    """Read the updated plan from a scratch copy before the real file is touched."""
    with tempfile.TemporaryDirectory() as scratch:
        layout = Layout(Path(scratch))
        layout.plans_dir.mkdir()
        layout.plan(year).write_text(text, encoding="utf-8")
        _, findings = load_plans(layout)
    errors = [f for f in findings if f.severity.value == "error"]
    if errors:
        raise UsageError(f"年度计划文件本身有错误，未追加任务：第 {errors[0].row} 行 {errors[0].message}。"
                         "请先运行 sunlight validate 并修正")
