"""`sunlight results import`: check a filled 汇总表 cell by cell, then merge it into the results file.

Three gates, each reporting everything it finds, and nothing is written unless all pass:
1. every cell: prefilled cells unchanged, no row deleted or repeated, values of the right kind;
2. published results are not changed by import (第十九条: they are only corrected);
3. the validator's own rules, run on the data set as it would be, find no new error.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from generator.clock import beijing_today
from generator.errors import DrawRefused, UsageError
from generator.findings import Finding, Severity, error, has_errors, ordered
from generator.io.atomic import write_bytes_atomically
from generator.io.tabular import validate_csv_text
from generator.load import load
from generator.model import Dataset
from generator.results_sheet.cells import CellProblem, parse
from generator.results_sheet.layout import (
    BY_FIELD,
    COLUMNS,
    EDITABLE,
    FIRST_DATA_ROW,
    HEADER_ROW,
    INFO_ROW,
    LOCKED,
    REQUIRED_FIELDS,
    SHEET,
    Column,
    ExpectedRow,
    TaskSheet,
    cell,
    shown,
    task_sheet,
    text,
)
from generator.results_sheet.workbook import SheetUnreadable, open_sheet
from generator.rules import RULES
from generator.schemas import table_schema

_TASK_ID = re.compile(r"ZB-[0-9]{4}-[0-9]{3}")
_FIELDS = [f["name"] for f in table_schema("results")["fields"]]
_RESULT_FIELDS = tuple(c.field for c in EDITABLE)
# Extra filled rows reported one by one before the sheet is refused as a whole.
MAX_EXTRA_ROWS = 100
# The rules that read the results table (as each declares in READS, which
# tests/unit/test_rule_reads.py holds them to): no other rule can find anything new when only it
# changes, and skipping them (the draw chain re-verifies every draw) makes an import of a city's
# data set take seconds, not minutes.
RULES_ON_RESULTS = tuple(rule for rule in RULES if "results" in rule.READS)


def _run_rules(ds: Dataset) -> list[Finding]:
    return [f for rule in RULES_ON_RESULTS for f in rule.check(ds)]


@dataclass
class ImportOutcome:
    """What an import did, or every reason it did nothing."""

    task_id: str | None
    findings: list[Finding] = field(default_factory=list)
    written: Path | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def refused(self) -> bool:
        return has_errors(self.findings)


@dataclass(frozen=True)
class _Filled:
    row: int  # the sheet row
    expected: ExpectedRow
    values: dict[str, Any]


class _Reader:
    """Walks the sheet once, collecting findings located at `汇总表!<cell>`."""

    def __init__(self, display: str, sheet: TaskSheet) -> None:
        self.display = display
        self.sheet = sheet
        self.findings: list[Finding] = []
        self.filled: list[_Filled] = []

    def fail(self, column: Column | None, row: int | None, rule: str, message: str,
             article: str | None = None) -> None:
        where = cell(column, row) if column and row else SHEET
        self.findings.append(error(self.display, rule, f"{where}：{message}", row=row,
                                   field=column.title if column else None, article=article))

    def header(self, head: dict[int, tuple[Any, ...]]) -> None:
        values = dict(zip(COLUMNS, head.get(HEADER_ROW, ()), strict=False))
        for column in COLUMNS:
            found = text(values.get(column))
            if found != column.title:
                self.fail(column, HEADER_ROW, "sheet/header",
                          f"表头被修改：应为“{column.title}”，而不是“{shown(found)}”")

    def rows(self, body: Iterator[tuple[int, tuple[Any, ...]]]) -> None:
        expected = {(r.object_id, r.item_id): r for r in self.sheet.rows}
        objects = {r.object_id for r in self.sheet.rows}
        task_id = self.sheet.task.task_id
        filled = self._filled(body)
        if filled is None:
            return
        present = {(text(cells.get("object_id")), text(cells.get("item_id"))) for _, cells in filled}
        seen: dict[tuple[str, str], int] = {}
        for number, cells in filled:
            key = (text(cells.get("object_id")), text(cells.get("item_id")))
            row = expected.get(key) if key not in seen else None
            if row is None:
                # The row the template put here, if its ids were overwritten rather than the row moved.
                position = number - FIRST_DATA_ROW
                here = self.sheet.rows[position] if 0 <= position < len(self.sheet.rows) else None
                if here is not None and (here.object_id, here.item_id) not in present | seen.keys():
                    seen[(here.object_id, here.item_id)] = number
                    self._row(number, here, cells)
                elif key in seen:
                    self.fail(BY_FIELD["object_id"], number, "sheet/duplicate",
                              f"与第 {seen[key]} 行重复：同一对象的同一事项只能填一行")
                else:
                    self._stranger(number, key, objects, task_id)
                continue
            seen[key] = number
            self._row(number, row, cells)
        for key, row in expected.items():
            if key not in seen:
                self.fail(None, None, "sheet/missing-row",
                          f"缺少对象 {row.object_id}（{row.locked['object_name']}）事项 {row.item_id} 这一行："
                          "预填的行不得删除，请恢复该行或重新生成模板")

    def _filled(self, body: Iterator[tuple[int, tuple[Any, ...]]]) -> list[tuple[int, dict[str, Any]]] | None:
        """The non-empty data rows; None (and one finding) when there are far more than the task's:
        such a sheet is not the template, and listing each extra row would have no end."""
        limit = len(self.sheet.rows) + MAX_EXTRA_ROWS
        filled = []
        for number, values in body:
            if any(text(v) != "" for v in values):
                filled.append((number, dict(zip((c.field for c in COLUMNS), values, strict=False))))
                if len(filled) > limit:
                    self.fail(None, None, "sheet/too-many-rows",
                              f"填写的行超过 {limit} 行（第 {number} 行仍有内容），而任务 {self.sheet.task.task_id} "
                              f"只有 {len(self.sheet.rows)} 行：请勿添加行，请用 sunlight results template 重新生成")
                    return None
        return filled

    def _stranger(self, number: int, key: tuple[str, str], objects: set[str], task_id: str) -> None:
        if not key[0] and not key[1]:
            self.fail(BY_FIELD["object_id"], number, "sheet/extra-row",
                      "对象标识和事项编码为空：请勿在表中添加行，只填写预填的行")
        elif key[0] not in objects:
            self.fail(BY_FIELD["object_id"], number, "sheet/not-drawn",
                      f"对象标识“{shown(key[0])}”不在任务 {task_id} 锁定的抽取名单中：只能填写被抽中的对象",
                      "第十二条")
        else:
            self.fail(BY_FIELD["item_id"], number, "sheet/not-in-task",
                      f"事项编码“{shown(key[1])}”不属于任务 {task_id}：不得在任务事项之外检查", "第四条")

    def _row(self, number: int, row: ExpectedRow, cells: dict[str, Any]) -> None:
        for column in LOCKED:
            found = text(cells.get(column.field))
            wanted = row.locked[column.field]
            if found != wanted:
                self.fail(column, number, "sheet/prefilled-changed",
                          f"预填的{column.title}被修改：应为“{wanted}”，而不是“{shown(found)}”；灰色列不得修改")
        raw = {c.field: cells.get(c.field) for c in EDITABLE}
        if all(text(v) == "" for v in raw.values()):
            return  # not inspected yet: left for a later import
        values: dict[str, Any] = {}
        for column in EDITABLE:
            if text(raw[column.field]) == "":
                values[column.field] = None
                if column.field in REQUIRED_FIELDS:
                    self.fail(column, number, "sheet/required",
                              f"缺少{column.title}：这一行已开始填写，{column.title}为必填")
                continue
            try:
                values[column.field] = parse(column, raw[column.field], self.sheet.code_labels)
            except CellProblem as problem:
                self.fail(column, number, problem.rule, str(problem))
        self.filled.append(_Filled(number, row, values))


def _task_id(head: dict[int, tuple[Any, ...]]) -> str | None:
    for row in (INFO_ROW, FIRST_DATA_ROW):
        match = _TASK_ID.search(text((head.get(row) or (None,))[0]))
        if match:
            return match.group(0)
    return None


def _csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_FIELDS)
    for r in rows:
        writer.writerow(["" if r[f] is None else r[f].isoformat() if isinstance(r[f], dt.date) else r[f]
                         for f in _FIELDS])
    return buffer.getvalue()


def _merge(reader: _Reader, existing: dict[tuple[str, str], dict[str, Any]], outcome: ImportOutcome
           ) -> dict[tuple[str, str], dict[str, Any]]:
    merged = dict(existing)
    task_id = reader.sheet.task.task_id
    for filled in reader.filled:
        key = (filled.expected.object_id, filled.expected.item_id)
        new = {"task_id": task_id, "object_id": key[0], "item_id": key[1],
               "department_id": filled.expected.department_id, **filled.values}
        old = existing.get(key)
        changed = [f for f in _RESULT_FIELDS if old is not None and old[f] != new[f]]
        if old is not None and not changed:
            outcome.unchanged += 1
            continue
        if old is not None and old["published_on"] is not None:
            reader.fail(BY_FIELD[changed[0]], filled.row, "sheet/published",
                        f"该结果已于 {old['published_on'].isoformat()} 公示，不能通过导入修改；"
                        "如需更正，请经本部门主要负责人批准后运行 sunlight correct", "第十九条")
            continue
        outcome.added += old is None
        outcome.updated += old is not None
        merged[key] = new
    return merged


def _locate(finding: Finding, target: str, sheet_rows: dict[int, int], display: str) -> Finding:
    """A rule's finding on a row that came from the sheet, moved to that row's cell."""
    if finding.file != target or finding.row not in sheet_rows:
        return finding
    column = BY_FIELD.get(finding.field or "") or (BY_FIELD["department"] if finding.field == "department_id"
                                                   else None)
    row = sheet_rows[finding.row or 0]
    where = cell(column, row) if column else f"{SHEET}!{row}"
    return dataclasses.replace(finding, file=display, row=row, field=column.title if column else finding.field,
                               message=f"{where}：{finding.message}")


def _rule_findings(ds: Dataset, target: str, candidate: pl.DataFrame, as_of: dt.date,
                   sheet_rows: dict[int, int]) -> list[Finding]:
    """Findings of the validator's rules with `candidate` as the task's results file.

    Without errors, the findings on the imported rows (warnings such as a late publication);
    with errors, those the data set does not already have (it is run a second time as it is
    now, only then: the rules cost most of an import).
    """
    before = dataclasses.replace(ds, as_of=as_of)
    after = _run_rules(dataclasses.replace(before, results=pl.concat(
        [ds.results.filter(pl.col("_file") != target), candidate], how="vertical")))
    if not has_errors(after):
        return [f for f in after if f.file == target and f.row in sheet_rows]

    def key(f: Finding) -> tuple[Any, ...]:
        return f.file, f.field, f.rule, f.message, f.severity

    known = {key(f) for f in _run_rules(before)}
    return [f for f in after if key(f) not in known]


def import_results(root: Path, workbook: Path, *, as_of: dt.date | None = None) -> ImportOutcome:
    """Check `workbook` against the data under `root` and, if all is well, write the results file."""
    ds, loaded = load(root)
    display = ds.display(workbook)
    try:
        with open_sheet(workbook) as found:
            task_id = _task_id(found.head)
            if task_id is None:
                return ImportOutcome(None, [error(display, "sheet/task",
                                                  f"{SHEET}：找不到任务编号（第 {INFO_ROW} 行应写明任务）")])
            try:
                sheet = task_sheet(ds, task_id)
            except (UsageError, DrawRefused) as exc:  # the sheet names a task that cannot take results
                return ImportOutcome(task_id, [error(display, "sheet/task", f"{SHEET}!A{INFO_ROW}：{exc}", row=INFO_ROW,
                                                     field=BY_FIELD["task_id"].title)])
            reader = _Reader(display, sheet)
            reader.header(found.head)
            reader.rows(found.body)
    except SheetUnreadable as problem:
        return ImportOutcome(None, [error(display, problem.rule, str(problem))])
    outcome = ImportOutcome(task_id)
    path = ds.layout.results(sheet.task.year, task_id)
    target = ds.display(path)
    broken = [f for f in loaded if f.file == target and f.severity is Severity.ERROR]
    if broken:
        # Rows that could not be read would be lost by the merge: the file is mended first.
        outcome.findings = ordered([*broken, error(display, "sheet/results-file-broken",
                                                   f"结果文件 {target} 本身有错误，请先改正（见 sunlight validate），"
                                                   "再导入本表")])
        return outcome
    stored = ds.results.filter((pl.col("_file") == target) & (pl.col("task_id") == task_id))
    existing = {(r["object_id"], r["item_id"]): {f: r[f] for f in _FIELDS} for r in stored.iter_rows(named=True)}
    merged = existing if reader.findings else _merge(reader, existing, outcome)
    if reader.findings:
        outcome.findings = ordered(reader.findings)
        return outcome
    rows = [merged[k] for k in sorted(merged)]
    csv_text = _csv_text(rows)
    checked = validate_csv_text(csv_text, table_schema("results"), target)
    from_sheet = {(f.expected.object_id, f.expected.item_id): f.row for f in reader.filled}
    sheet_rows = {position: from_sheet[key] for position, key in enumerate(sorted(merged), start=2)
                  if key in from_sheet}
    findings = [_locate(f, target, sheet_rows, display) for f in checked.findings]
    if checked.frame is not None and not findings:
        candidate = checked.frame.with_columns(pl.lit(target).alias("_file"))
        findings = [_locate(f, target, sheet_rows, display)
                    for f in _rule_findings(ds, target, candidate, as_of or beijing_today(), sheet_rows)]
    outcome.findings = ordered(findings)
    if outcome.refused:
        outcome.added = outcome.updated = outcome.unchanged = 0
        return outcome
    if outcome.added or outcome.updated:
        write_bytes_atomically(path, csv_text.encode("utf-8"))
        outcome.written = path
    return outcome


__all__ = ["ImportOutcome", "import_results"]
