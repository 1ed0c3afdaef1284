"""Read one editable cell of the 汇总表 into a results value, or say in Chinese what is wrong."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from generator.results_sheet.layout import FOLLOW_UPS, Column, methods, shown, text

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FOLLOW_UP = re.compile(f"({'|'.join(FOLLOW_UPS)})(;({'|'.join(FOLLOW_UPS)}))*")


class CellProblem(ValueError):
    """The cell's value breaks the column's rule; the message is for the clerk."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def _date(column: Column, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    typed = text(value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(typed):
        try:
            return dt.date.fromisoformat(typed)
        except ValueError:
            pass
    raise CellProblem("sheet/date",
                      f"{column.title}“{shown(value)}”不是有效的日期：请按 YYYY-MM-DD 填写，如 2026-03-05")


def _method(column: Column, value: Any) -> str:
    typed = text(value)
    if typed not in methods():
        raise CellProblem("sheet/choice", f"{column.title}“{shown(value)}”不是允许的选项：{'、'.join(methods())}")
    return typed


def _result_code(column: Column, value: Any, labels: dict[str, str]) -> str:
    code, _, label = text(value).partition(" ")
    if code in labels and label.strip() in ("", labels[code]):
        return code
    raise CellProblem("sheet/result-code",
                      f"{column.title}“{shown(value)}”不在代码表中：请从下拉列表选择，如“R01 {labels.get('R01', '')}”")


def _follow_up(column: Column, value: Any) -> str:
    measures = re.sub(r"\s*[;；]\s*", ";", text(value))
    if not _FOLLOW_UP.fullmatch(measures):
        raise CellProblem("sheet/follow-up",
                          f"{column.title}“{shown(value)}”不是允许的措施：{'、'.join(FOLLOW_UPS)}；"
                          "多项用英文分号“;”分隔，没有则留空")
    return measures


def parse(column: Column, value: Any, labels: dict[str, str]) -> Any:
    """The typed value of a non-empty editable cell; raises CellProblem."""
    if column.field == "method":
        return _method(column, value)
    if column.field == "result_code":
        return _result_code(column, value, labels)
    if column.field == "follow_up":
        return _follow_up(column, value)
    return _date(column, value)
