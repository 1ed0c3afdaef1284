"""`sunlight draw replace`: append an inspector replacement (第十三条).

The candidate row is checked with the same rule that validation runs, against the data
as it would be, before a single byte is appended to `replacements.csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import polars as pl

from generator.errors import DrawRefused, UsageError
from generator.model import Dataset
from generator.rules.replacements import problems_for
from generator.schemas import table_schema

REASONS = ("岗位调整", "工作冲突", "健康状况", "执法回避")


@dataclass(frozen=True)
class Replacement:
    task_id: str
    object_id: str
    replaced: str
    replacement: str
    reason: str
    approver: str
    approved_on: dt.date


def _next_id(ds: Dataset, year: int) -> str:
    taken = [i for i in ds.replacements["replacement_id"].to_list() if i and i.startswith(f"TH-{year}-")]
    number = max((int(i.rsplit("-", 1)[1]) for i in taken), default=0) + 1
    return f"TH-{year}-{number:04d}"


def append_replacement(ds: Dataset, change: Replacement) -> str:
    """Check and append one replacement; return its id. Refuses with every problem found."""
    if change.reason not in REASONS:
        raise UsageError(f"调整原因只能是：{'、'.join(REASONS)}（第十三条）")
    draw = next((d for d in ds.draws if d.task_id == change.task_id and d.record), None)
    if draw is None:
        raise DrawRefused(f"任务 {change.task_id} 还没有锁定的抽取记录")
    department = next((m.get("department") for t in (draw.record or {}).get("teams", [])
                       if t.get("object_id") == change.object_id for m in t.get("members", [])
                       if m.get("inspector_id") == change.replaced), None)
    replacement_id = _next_id(ds, change.approved_on.year)
    row = {"replacement_id": replacement_id, "task_id": change.task_id, "object_id": change.object_id,
           "department_id": department or "", "replaced_inspector_id": change.replaced,
           "replacement_inspector_id": change.replacement, "reason": change.reason,
           "approver": change.approver, "approved_on": change.approved_on,
           "_row": len(ds.replacements) + 2}  # the row it will have once appended
    candidate = pl.DataFrame([row], schema=ds.replacements.schema)
    problems = [f for f in problems_for(ds, draw, pl.concat([ds.replacements, candidate]))
                if f.row == row["_row"]]
    if problems:
        raise DrawRefused("不能登记这次调整：\n" + "\n".join(f"  {p.message}" for p in problems))
    path = ds.layout.replacements
    header = [f["name"] for f in table_schema("replacements")["fields"]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not path.exists() or path.stat().st_size == 0:
        writer.writerow(header)
    writer.writerow([row[name] if name != "approved_on" else change.approved_on.isoformat() for name in header])
    # Append-only (第十三条 records are never rewritten): open in append mode.
    with path.open("a", encoding="utf-8", newline="") as stream:
        stream.write(buffer.getvalue())
    return replacement_id
