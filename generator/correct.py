"""`sunlight correct`: append a correction of a published result (第十九条).

A published result is never edited: a correction row names it, states the value it
replaces as it now stands (the original with earlier corrections applied) and is approved
by the department's principal (主要负责人). The candidate row is checked with the same rule
validation runs before a byte is written; the file's existing bytes are kept as they are.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import polars as pl

from generator.errors import UsageError
from generator.io.atomic import write_bytes_atomically
from generator.model import Dataset
from generator.rules import corrections as rule
from generator.schemas import table_schema

ARTICLE = "第十九条"
FIELDS = {"result_code": "检查结果代码", "follow_up": "后续处理"}
PRINCIPAL = "主要负责人"


@dataclass(frozen=True)
class Correction:
    task_id: str
    object_id: str
    item_id: str
    field: str
    new_value: str
    reason: str
    approver: str
    approved_on: dt.date
    published_on: dt.date | None = None


def _next_id(ds: Dataset, year: int) -> str:
    taken = [i for i in ds.corrections["correction_id"].to_list() if i and i.startswith(f"GZ-{year}-")]
    number = max((int(i.rsplit("-", 1)[1]) for i in taken), default=0) + 1
    return f"GZ-{year}-{number:04d}"


def _current(ds: Dataset, key: tuple[str, str, str]) -> dict[str, Any] | None:
    """The result as it now stands: the original with earlier corrections applied, in order."""
    match = (pl.col("task_id") == key[0]) & (pl.col("object_id") == key[1]) & (pl.col("item_id") == key[2])
    found = ds.results.filter(match)
    if found.is_empty():
        return None
    narrowed = dataclasses.replace(ds, results=found, corrections=ds.corrections.filter(match))
    return rule.current_values(narrowed).get(key)


def _check_value(ds: Dataset, field: str, value: str) -> None:
    if field == "result_code" and value not in set(ds.result_codes["code"].to_list()):
        raise UsageError(f"新的检查结果代码“{value}”不在代码表中（见 generator/reference/result_codes.csv）")
    if field == "follow_up" and value and not rule.follow_up_pattern().fullmatch(value):
        raise UsageError(f"新的后续处理“{value}”不是允许的措施：责令整改、线索移交、列入经营异常名录、"
                                "列入重点关注对象名单、立案查处，多项用英文分号“;”分隔，留空表示没有")


def _check_approver(ds: Dataset, department_id: str, approver: str) -> None:
    row = ds.departments.filter(pl.col("department_id") == department_id)
    names = [n for n in (row["short_name"].to_list() + row["name"].to_list()) if n] if len(row) else []
    example = f"{names[0]}{PRINCIPAL}" if names else PRINCIPAL
    if PRINCIPAL not in approver or (names and not any(n in approver for n in names)):
        raise UsageError(f"批准人应为负责该结果的部门的主要负责人，如“{example}”，而不是“{approver}”"
                                f"（{ARTICLE}：更正须经本部门主要负责人签字确认）")


def append_correction(ds: Dataset, change: Correction) -> str:
    """Check and append one correction; return its id. Refuses (UsageError) in Chinese."""
    key = (change.task_id, change.object_id, change.item_id)
    current = _current(ds, key)
    if current is None:
        raise UsageError(f"找不到要更正的结果：任务 {key[0]}、对象 {key[1]}、事项 {key[2]}")
    if change.field not in FIELDS:
        raise UsageError(f"字段“{change.field}”不能更正：只能更正 result_code（检查结果代码）"
                                f"或 follow_up（后续处理）（{ARTICLE}）")
    if current["published_on"] is None:
        raise UsageError("该结果尚未公示：未公示的结果直接修改结果文件或重新导入即可，无须更正")
    if not change.reason.strip():
        raise UsageError("缺少更正原因：请用 --reason 写明发现原结果错误的情况")
    new = change.new_value.strip()
    old = current[change.field] or ""
    if new == old:
        raise UsageError(f"新值与当前的{FIELDS[change.field]}“{old}”相同，无须更正")
    _check_value(ds, change.field, new)
    _check_approver(ds, str(current["department_id"]), change.approver.strip())
    correction_id = _next_id(ds, change.approved_on.year)
    row = {"correction_id": correction_id, "task_id": change.task_id, "object_id": change.object_id,
           "item_id": change.item_id, "field": change.field, "old_value": old or None, "new_value": new or None,
           "reason": change.reason.strip(), "approver": change.approver.strip(),
           "approved_on": change.approved_on, "published_on": change.published_on,
           "_row": len(ds.corrections) + 2}  # the row it will have once appended
    candidate = dataclasses.replace(ds, corrections=pl.concat(
        [ds.corrections, pl.DataFrame([row], schema=ds.corrections.schema)]))
    known = set(rule.check(ds))
    problems = [f for f in rule.check(candidate) if f.row == row["_row"] or f not in known]
    if problems:
        raise UsageError("不能登记这次更正：\n" + "\n".join(f"  {p.message}" for p in problems))
    _append(ds, row)
    return correction_id


def _append(ds: Dataset, row: dict[str, object]) -> None:
    path = ds.layout.corrections
    header = [f["name"] for f in table_schema("corrections")["fields"]]
    before = path.read_bytes() if path.exists() else b""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not before.strip():
        before = b""
        writer.writerow(header)
    elif not before.endswith(b"\n"):
        buffer.write("\n")
    values = [row[name] for name in header]
    writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in values])
    # Append-only (第十九条): the existing bytes are kept exactly; the whole file is swapped in at once.
    write_bytes_atomically(path, before + buffer.getvalue().encode("utf-8"))


__all__ = ["Correction", "append_correction"]
