"""Validation findings are data: collected in full, grouped by file, rendered at the edge."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in the data, located as precisely as the file allows.

    `row` is the 1-based physical row of a CSV file (the header is row 1, as in
    Frictionless) or the 1-based line of a YAML/JSON file; None when the finding is
    about the whole file.
    """

    file: str
    row: int | None
    field: str | None
    rule: str
    message: str
    severity: Severity = Severity.ERROR
    article: str | None = None

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.file, self.row or 0, self.field or "", self.rule, self.message)


def error(file: str, rule: str, message: str, *, row: int | None = None,
          field: str | None = None, article: str | None = None) -> Finding:
    return Finding(file, row, field, rule, message, Severity.ERROR, article)


def warning(file: str, rule: str, message: str, *, row: int | None = None,
            field: str | None = None, article: str | None = None) -> Finding:
    return Finding(file, row, field, rule, message, Severity.WARNING, article)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Stable order: by file, then row, field and rule; duplicates removed."""
    return sorted(set(findings), key=Finding.sort_key)


_SEVERITY_ZH = {Severity.ERROR: "错误", Severity.WARNING: "警告"}


def format_text(findings: list[Finding], *, hidden_warnings: int = 0) -> str:
    """Human report, grouped by file, Chinese first. `hidden_warnings`: warnings left out of
    `findings` (validate --errors-only), counted in the last line."""
    if not findings and not hidden_warnings:
        return "数据校验通过：未发现问题。\n"
    lines: list[str] = []
    current = None
    for f in findings:
        if f.file != current:
            current = f.file
            lines.append(f"\n{f.file}")
        article = f"（{f.article}）" if f.article else ""
        where = f"第 {f.row} 行" if f.row is not None else "整个文件"
        field = f" 字段 {f.field}" if f.field else ""
        lines.append(f"  {_SEVERITY_ZH[f.severity]} {where}{field}：{f.message}{article} [{f.rule}]")
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = len(findings) - errors + hidden_warnings
    hidden = "（未列出警告：运行 sunlight validate 可列出全部）" if hidden_warnings else ""
    lines.append(f"\n共 {errors} 个错误，{warnings} 个警告{hidden}。")
    return "\n".join(lines).lstrip("\n") + "\n"


def _github_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def format_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: shown inline on the pull request's diff."""
    out = []
    for f in findings:
        level = "error" if f.severity is Severity.ERROR else "warning"
        props = [f"file={f.file}"]
        if f.row is not None:
            props.append(f"line={f.row}")
        title = f"{f.rule}" + (f" {f.article}" if f.article else "")
        props.append("title=" + _github_escape(title).replace(",", "%2C").replace(":", "%3A"))
        field = f"字段 {f.field}：" if f.field else ""
        out.append(f"::{level} {','.join(props)}::{_github_escape(field + f.message)}")
    return "\n".join(out) + ("\n" if out else "")


def format_json(findings: list[Finding], *, hidden_warnings: int = 0) -> str:
    """`hidden_warnings`: as in `format_text`, counted in "warnings" but not listed."""
    items = []
    for f in findings:
        item = asdict(f)
        item["severity"] = f.severity.value
        items.append(item)
    payload = {
        "errors": sum(f.severity is Severity.ERROR for f in findings),
        "warnings": sum(f.severity is Severity.WARNING for f in findings) + hidden_warnings,
        "findings": items,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


__all__ = ["Finding", "Severity", "error", "format_github", "format_json", "format_text",
           "has_errors", "ordered", "warning"]
