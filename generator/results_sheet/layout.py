"""What the workbook looks like: sheet names, rows and columns, shared by writer and reader."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from generator.errors import DrawRefused, UsageError
from generator.facts import selections
from generator.model import Dataset, Draw, Task
from generator.rules.replacements import teams_after_replacements
from generator.schemas import table_schema

SHEET = "汇总表"
CODES_SHEET = "代码表"
GUIDE_SHEET = "填表说明"
TITLE = "市场监管领域部门联合抽查情况记录表（汇总表）"
TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = 4


@dataclass(frozen=True)
class Column:
    letter: str
    title: str
    field: str  # the results.csv field it fills, or a display-only name
    width: int
    editable: bool


COLUMNS: tuple[Column, ...] = (
    Column("A", "任务编号", "task_id", 14, False),
    Column("B", "对象标识", "object_id", 22, False),
    Column("C", "对象名称", "object_name", 30, False),
    Column("D", "事项编码", "item_id", 12, False),
    Column("E", "抽查事项", "item_name", 40, False),
    Column("F", "负责部门", "department", 16, False),
    Column("G", "检查人员编号", "inspectors", 26, False),
    Column("H", "检查开始日期", "inspected_from", 14, True),
    Column("I", "检查结束日期", "inspected_to", 14, True),
    Column("J", "检查方式", "method", 14, True),
    Column("K", "检查结果", "result_code", 30, True),
    Column("L", "后续处理", "follow_up", 22, True),
    Column("M", "审批日期", "approved_on", 14, True),
    Column("N", "公示日期", "published_on", 14, True),
)
BY_FIELD = {c.field: c for c in COLUMNS}
LOCKED = tuple(c for c in COLUMNS if not c.editable)
EDITABLE = tuple(c for c in COLUMNS if c.editable)
DATE_FIELDS = ("inspected_from", "inspected_to", "approved_on", "published_on")
REQUIRED_FIELDS = ("inspected_from", "inspected_to", "method", "result_code", "approved_on")
FOLLOW_UPS = ("责令整改", "线索移交", "列入经营异常名录", "列入重点关注对象名单", "立案查处")


def methods() -> tuple[str, ...]:
    field = next(f for f in table_schema("results")["fields"] if f["name"] == "method")
    return tuple(field["constraints"]["enum"])


def cell(column: Column, row: int) -> str:
    """The reference a clerk finds with Ctrl+G, e.g. 汇总表!H12."""
    return f"{SHEET}!{column.letter}{row}"


@dataclass(frozen=True)
class ExpectedRow:
    """One prefilled row: what the locked columns must still say when the sheet comes back."""

    object_id: str
    item_id: str
    department_id: str
    locked: dict[str, str]  # field -> the text shown in the locked column


@dataclass(frozen=True)
class TaskSheet:
    task: Task
    draw: Draw
    locked_on: dt.date
    rows: tuple[ExpectedRow, ...]
    code_labels: dict[str, str]

    def code_choice(self, code: str) -> str:
        return f"{code} {self.code_labels[code]}"


def locked_draw(ds: Dataset, task_id: str) -> tuple[Task, Draw]:
    task = ds.tasks.get(task_id)
    if task is None:
        raise UsageError(f"年度计划中没有任务 {task_id}")
    draw = next((d for d in ds.draws if d.task_id == task_id and d.record is not None), None)
    if draw is None:
        raise DrawRefused(f"任务 {task_id} 还没有锁定的抽取记录：抽取锁定后才能生成或导入检查结果表")
    return task, draw


def _item_names(ds: Dataset, task: Task) -> dict[str, str]:
    """Each item's wording in the version in force when the task's window opens (第六条)."""
    names: dict[str, str] = {}
    for r in ds.checklist.sort("item_id", "version").iter_rows(named=True):
        if r["effective_from"] is None or r["effective_from"] <= task.window_start or r["item_id"] not in names:
            names[r["item_id"]] = str(r["sub_item"] or r["matter"] or "")
    return names


def task_sheet(ds: Dataset, task_id: str) -> TaskSheet:
    """The rows the template prefills and the import expects back, in results-file order."""
    task, draw = locked_draw(ds, task_id)
    drawn = selections(ds)
    chosen = drawn.filter(drawn["task_id"] == task_id)["object_id"].to_list()
    objects = ds.objects.filter(ds.objects["object_id"].is_in(chosen))
    object_names = dict(zip(objects["object_id"].to_list(), objects["name"].to_list(), strict=True))
    owners: dict[str, str] = {}
    for r in ds.checklist.iter_rows(named=True):
        owners.setdefault(r["item_id"], r["department_id"])
    shorts = dict(zip(ds.departments["department_id"].to_list(), ds.departments["short_name"].to_list(),
                      strict=True))
    item_names = _item_names(ds, task)
    teams = teams_after_replacements(ds, draw)
    rows = []
    for object_id in sorted(set(chosen)):
        members = teams.get(object_id, [])
        for item_id in sorted(task.items):
            department = owners.get(item_id, "")
            inspectors = "、".join(str(m.get("inspector_id")) for m in members
                                  if m.get("department") == department and m.get("inspector_id"))
            locked = {"task_id": task_id, "object_id": object_id,
                      "object_name": str(object_names.get(object_id) or ""), "item_id": item_id,
                      "item_name": item_names.get(item_id, ""),
                      "department": str(shorts.get(department) or department), "inspectors": inspectors}
            rows.append(ExpectedRow(object_id, item_id, department, locked))
    try:
        locked_on = dt.date.fromisoformat(str((draw.record or {}).get("locked_on")))
    except ValueError as exc:  # a damaged record is reported by `sunlight verify`
        raise DrawRefused(f"任务 {task_id} 的抽取记录没有有效的锁定日期（locked_on）："
                          "请先运行 sunlight verify") from exc
    labels = dict(zip(ds.result_codes["code"].to_list(), ds.result_codes["label"].to_list(), strict=True))
    return TaskSheet(task, draw, locked_on, tuple(rows), labels)


SHOWN_CHARS = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def shown(value: Any) -> str:
    """A cell's text as quoted in a message: on one line, and cut short (a cell holds up to 32,767
    characters, and a crafted file more: the report must stay readable and small)."""
    flat = _CONTROL.sub(" ", text(value))
    return flat if len(flat) <= SHOWN_CHARS else f"{flat[:SHOWN_CHARS]}…（共 {len(flat)} 个字符）"


def text(value: Any) -> str:
    """A cell as the text a clerk sees; None and blanks are empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
