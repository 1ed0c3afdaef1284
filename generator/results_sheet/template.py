"""`sunlight results template`: the 汇总表 workbook prefilled from the task's locked draw.

The bytes depend only on the data: the document's created/modified times are the draw's
lock date and every zip entry carries that same timestamp.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from generator.io.atomic import write_bytes_atomically
from generator.model import Dataset
from generator.results_sheet.layout import (
    CODES_SHEET,
    COLUMNS,
    DATE_FIELDS,
    EDITABLE,
    FIRST_DATA_ROW,
    FOLLOW_UPS,
    GUIDE_SHEET,
    HEADER_ROW,
    INFO_ROW,
    SHEET,
    TITLE,
    TITLE_ROW,
    TaskSheet,
    methods,
    task_sheet,
)

_LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
_PUBLISHED_FILL = PatternFill("solid", fgColor="D9E1F2")
_HEADER_FILL = PatternFill("solid", fgColor="BDD7EE")
_DATE_FORMAT = "yyyy-mm-dd"


def _style(name: str, *, locked: bool, fill: PatternFill | None = None, number_format: str = "General") -> NamedStyle:
    style = NamedStyle(name=name, number_format=number_format, protection=Protection(locked=locked))
    if fill is not None:
        style.fill = fill
    return style


def _named_styles() -> dict[str, NamedStyle]:
    """One named style per kind of cell: set by name, far cheaper than styling every cell."""
    return {
        "locked": _style("预填", locked=True, fill=_LOCKED_FILL, number_format="@"),
        "editable": _style("填写", locked=False),
        "editable-date": _style("填写日期", locked=False, number_format=_DATE_FORMAT),
        "published": _style("已公示", locked=True, fill=_PUBLISHED_FILL),
        "published-date": _style("已公示日期", locked=True, fill=_PUBLISHED_FILL, number_format=_DATE_FORMAT),
    }

GUIDE = (
    "填表说明",
    "1. 本表由 sunlight results template 根据已锁定的抽取记录生成，每个被抽中的检查对象、每个抽查事项一行。",
    "2. 灰色列（任务编号、对象标识、对象名称、事项编码、抽查事项、负责部门、检查人员编号）为预填内容，不得修改；"
    "预填的行不得删除，也不要插入新行。",
    "3. 白色列由负责该事项的部门填写：检查开始日期、检查结束日期、检查方式、检查结果、后续处理、审批日期、公示日期。",
    "4. 日期请按 YYYY-MM-DD 填写（如 2026-03-05）；检查开始日期不得早于抽取锁定日期，结束日期不得早于开始日期，"
    "审批日期不得早于检查结束日期，公示日期不得早于审批日期。",
    "5. 检查方式、检查结果请从下拉列表中选择；检查结果代码的含义见“代码表”工作表。",
    "6. 后续处理可选：责令整改、线索移交、列入经营异常名录、列入重点关注对象名单、立案查处；"
    "多项用英文分号“;”分隔，没有则留空。",
    "7. 尚未检查的对象整行留空即可，以后再填；同一行一旦填写，检查开始日期、检查结束日期、检查方式、检查结果、"
    "审批日期均为必填。",
    "8. 蓝色行是已公示的结果，不得修改；已公示结果如有错误，须经本部门主要负责人批准后用 sunlight correct 更正"
    "（第十九条）。",
    "9. 检查结果自结束之日起 20 个工作日内公示（第十七条）；公示日期在公示后填写。",
    "10. 填好后运行 sunlight results import 文件名.xlsx 导入；有错误时会逐格指出（如 汇总表!H12），"
    "全部改正前不会写入任何数据。",
    "11. 本表不含执法人员姓名、执法证号、电话等个人信息，请勿自行添加。",
)


def _value(field: str, value: Any, sheet: TaskSheet) -> Any:
    if value is None:
        return None
    if field == "result_code" and value in sheet.code_labels:
        return sheet.code_choice(value)
    return value


def _summary(ws: Worksheet, sheet: TaskSheet, existing: dict[tuple[str, str], dict[str, Any]],
             styles: dict[str, str]) -> None:
    task = sheet.task
    last = COLUMNS[-1].letter
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.merge_cells(f"A{INFO_ROW}:{last}{INFO_ROW}")
    ws[f"A{TITLE_ROW}"] = TITLE
    ws[f"A{TITLE_ROW}"].font = Font(bold=True, size=14)
    ws[f"A{TITLE_ROW}"].alignment = Alignment(horizontal="center")
    ws[f"A{INFO_ROW}"] = (f"任务：{task.task_id} {task.name}；抽取锁定日期：{sheet.locked_on.isoformat()}；"
                          f"检查时限：{task.window_start.isoformat()} 至 {task.window_end.isoformat()}")
    for column in COLUMNS:
        header = ws[f"{column.letter}{HEADER_ROW}"]
        header.value = column.title
        header.font = Font(bold=True)
        header.fill = _HEADER_FILL
        header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[column.letter].width = column.width
    for number, row in enumerate(sheet.rows, start=FIRST_DATA_ROW):
        stored = existing.get((row.object_id, row.item_id))
        published = bool(stored and stored.get("published_on"))
        for column in COLUMNS:
            target = ws[f"{column.letter}{number}"]
            if column.editable:
                _set(target, _value(column.field, (stored or {}).get(column.field), sheet))
                kind = "published" if published else "editable"
                target.style = styles[f"{kind}-date" if column.field in DATE_FIELDS else kind]
            else:
                _set(target, row.locked[column.field])
                target.style = styles["locked"]
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    # Protected without a password: it stops slips, not people; the import re-checks every cell.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    _validations(ws, sheet)


def _set(cell: Any, value: Any) -> None:
    """A data value, always as what it is: openpyxl makes any text starting with "=" a formula,
    and a business named =HYPERLINK(...) must not become a live link in the departments' sheet."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _validations(ws: Worksheet, sheet: TaskSheet) -> None:
    end = FIRST_DATA_ROW + max(len(sheet.rows), 1) - 1

    def cells(field: str) -> str:
        letter = next(c.letter for c in EDITABLE if c.field == field)
        return f"{letter}{FIRST_DATA_ROW}:{letter}{end}"

    dates = DataValidation(type="date", operator="greaterThanOrEqual",
                           formula1=f"DATE({sheet.locked_on.year},{sheet.locked_on.month},{sheet.locked_on.day})",
                           allow_blank=True, showErrorMessage=True, errorTitle="日期有误",
                           error=f"请按 YYYY-MM-DD 填写日期，且不早于抽取锁定日期 {sheet.locked_on.isoformat()}")
    for field in DATE_FIELDS:
        dates.add(cells(field))
    method = DataValidation(type="list", formula1='"' + ",".join(methods()) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="检查方式有误", error="请从下拉列表中选择检查方式")
    method.add(cells("method"))
    codes = DataValidation(type="list", formula1=f"'{CODES_SHEET}'!$A$2:$A${len(sheet.code_labels) + 1}",
                           allow_blank=True, showErrorMessage=True, errorTitle="检查结果有误",
                           error="请从下拉列表中选择检查结果（代码见“代码表”）")
    codes.add(cells("result_code"))
    # Several measures may be combined ("责令整改;立案查处"), so the list only suggests.
    follow = DataValidation(type="list", formula1='"' + ",".join(FOLLOW_UPS) + '"', allow_blank=True,
                            showErrorMessage=True, errorStyle="information", errorTitle="后续处理",
                            error="多项措施用英文分号“;”分隔，如：责令整改;立案查处")
    follow.add(cells("follow_up"))
    for validation in (dates, method, codes, follow):
        ws.add_data_validation(validation)


def _codes(ws: Worksheet, sheet: TaskSheet) -> None:
    ws.append(["检查结果（下拉选项）", "代码", "名称"])
    for code, label in sheet.code_labels.items():
        ws.append([sheet.code_choice(code), code, label])
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["C"].width = 36
    ws.protection.sheet = True


def _guide(ws: Worksheet, sheet: TaskSheet) -> None:
    ws.column_dimensions["A"].width = 120
    for line in GUIDE:
        ws.append([line])
        ws.cell(ws.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"本表任务：{sheet.task.task_id} {sheet.task.name}"])
    ws.protection.sheet = True


def _deterministic_zip(data: bytes, when: dt.datetime) -> bytes:
    """Re-pack with one fixed timestamp on every entry (zipfile stamps the current time)."""
    stamp = when.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def template_bytes(ds: Dataset, task_id: str) -> bytes:
    """The workbook for `task_id`; refuses (DrawRefused) when its draw is not locked."""
    sheet = task_sheet(ds, task_id)
    existing = {(r["object_id"], r["item_id"]): r for r in ds.results.filter(
        ds.results["task_id"] == task_id).iter_rows(named=True)}
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = SHEET
    styles = _named_styles()
    for style in styles.values():
        workbook.add_named_style(style)
    _summary(summary, sheet, existing, {kind: style.name for kind, style in styles.items()})
    _codes(workbook.create_sheet(CODES_SHEET), sheet)
    _guide(workbook.create_sheet(GUIDE_SHEET), sheet)
    when = dt.datetime.combine(sheet.locked_on, dt.time())
    workbook.properties.creator = "sunlight"
    workbook.properties.title = f"{TITLE} {task_id}"
    workbook.properties.created = when
    workbook.properties.modified = when
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook overwrites `modified` with the current time.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _deterministic_zip(buffer.getvalue(), when)


def write_template(ds: Dataset, task_id: str, output: Path) -> Path:
    write_bytes_atomically(output, template_bytes(ds, task_id))
    return output
