"""`sunlight directory confirm`: record that a department checked the object directory (第九条).

Confirmation names the exact content drawn from: `directory/snapshot.yaml` holds the row count
and SHA-256 of `objects.csv` (generator.rules.snapshot_confirmed refuses anything else). The
clerk who has reviewed an updated directory runs this instead of computing both by hand; a
directory that does not pass its own schema is not confirmed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.errors import UsageError
from generator.findings import Finding, has_errors
from generator.io.atomic import write_atomically
from generator.layout import Layout
from generator.load import read_table
from generator.rules.snapshot_confirmed import file_sha256_of

HEADER = "# 检查对象名录库快照确认（第九条）：由 sunlight directory confirm 写入\n"


@dataclass(frozen=True)
class Confirmation:
    rows: int
    sha256: str
    snapshot_date: dt.date
    confirmed_on: dt.date
    confirmed_by: str


def confirm_directory(layout: Layout, by: str, on: dt.date, snapshot_date: dt.date | None = None
                      ) -> tuple[Confirmation | None, list[Finding]]:
    """Write `snapshot.yaml` for `objects.csv` as it is now, with the tables' findings. A
    directory with errors is not confirmed (None, nothing written); an unknown confirming
    department or a snapshot date after the confirmation is a usage error."""
    snapshot_date = snapshot_date or on
    if snapshot_date > on:
        raise UsageError(f"快照日期 {snapshot_date} 晚于确认日期 {on}：只能确认已经导出的名录库")
    departments, department_problems = read_table(layout.departments, "departments", layout)
    if has_errors(department_problems):
        return None, department_problems
    if by not in set(departments.get_column("department_id").to_list()):
        raise UsageError(f"部门 {by} 不在 departments.csv 中：确认部门应填部门编号，如 scjg")
    objects, problems = read_table(layout.objects, "objects", layout)
    if has_errors(problems):
        return None, problems
    digest = file_sha256_of(layout.objects)
    if digest is None:  # pragma: no cover - read_table has just read it
        raise UsageError(f"无法读取 {layout.display(layout.objects)}")
    confirmation = Confirmation(objects.height, digest, snapshot_date, on, by)
    write_atomically(layout.snapshot, HEADER + (
        f"snapshot_date: '{snapshot_date}'\n"
        f"confirmed_on: '{on}'\n"
        f"confirmed_by: '{by}'\n"  # quoted: a department id such as no or on reads as a boolean
        f"rows: {confirmation.rows}\n"
        f"sha256: {digest}\n"))
    return confirmation, problems

