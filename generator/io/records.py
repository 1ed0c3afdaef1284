"""Check YAML/JSON records against their JSON Schema, with findings a clerk can act on."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from generator.findings import Finding, error
from generator.io.yamlfile import LineDict

_TYPE_ZH = {"string": "文本", "integer": "整数", "boolean": "true 或 false", "array": "列表",
            "object": "映射（键: 值）", "number": "数字", "null": "空值"}


def _line(document: Any, path: Sequence[Any]) -> int | None:
    """The line of the deepest mapping on the path (or of the key itself)."""
    line = document.line if isinstance(document, LineDict) else None
    node = document
    for step in path:
        if isinstance(node, LineDict) and isinstance(step, str):
            line = node.line_of(step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, LineDict):
            line = node.line
    return line


def _dotted(path: Sequence[Any]) -> str | None:
    parts = []
    for step in path:
        parts.append(f"[{step}]" if isinstance(step, int) else f".{step}")
    return "".join(parts).lstrip(".") or None


def _message(e: ValidationError) -> str:
    schema: dict[str, Any] = dict(e.schema) if isinstance(e.schema, dict) else {}
    title = schema.get("title")
    what = f"“{title}”" if title else "此处"
    v = e.validator
    if v == "required":
        missing = e.message.split("'")[1] if "'" in e.message else e.message
        sub = schema.get("properties", {}).get(missing, {})
        return f"缺少必填项“{missing}”（{sub.get('title', missing)}）"
    if v == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extras = [k for k in e.instance if k not in allowed] if isinstance(e.instance, dict) else []
        hints = []
        for key in extras:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hints.append(f"“{key}”" + (f"（是否应为“{close[0]}”？）" if close else ""))
        return f"{what}中有不认识的键：{'、'.join(hints)}。允许的键：{'、'.join(allowed)}"
    if v == "type":
        return f"{what}应为{_TYPE_ZH.get(str(e.validator_value), e.validator_value)}，实际为“{e.instance}”"
    if v == "pattern":
        return f"{what}的值“{e.instance}”格式不正确：{schema.get('description', '')}"
    if v == "enum":
        allowed_values = e.validator_value if isinstance(e.validator_value, list) else []
        return f"{what}的值“{e.instance}”不在允许的取值中：{'、'.join(map(str, allowed_values))}"
    if v in ("minimum", "maximum"):
        word = "小于最小值" if v == "minimum" else "大于最大值"
        return f"{what}的值 {e.instance} {word} {e.validator_value}"
    if v == "minItems":
        return f"{what}至少应有 {e.validator_value} 项"
    if v == "uniqueItems":
        return f"{what}中有重复的项"
    if v == "maxLength":
        return f"{what}过长（最多 {e.validator_value} 个字符）"
    if v == "minProperties":
        return f"{what}至少应写一个条件"
    if v == "oneOf":
        return f"{what}须且只能写 ratio_bp（比例）或 count（数量）之一"
    return f"{what}不符合规范：{e.message}"  # pragma: no cover - every validator we use is above


@cache
def _compiled(schema_text: str) -> Any:
    return jsonschema_rs.validator_for(json.loads(schema_text))


def _certainly_valid(document: Any, schema: dict[str, Any]) -> bool:
    """The Rust validator's verdict, used only to skip the slow one on valid documents.

    A valid plan of a city (1,000 tasks) takes seconds to walk with `jsonschema`, and
    milliseconds with `jsonschema_rs`. Findings always come from `jsonschema`: whenever the
    fast validator has any doubt, the document is checked again in full below.
    """
    try:
        return bool(_compiled(json.dumps(schema, sort_keys=True)).is_valid(document))
    except ValueError:  # a value JSON has no type for (an explicit !!timestamp, !!binary, !!set)
        return False


def check_record(document: Any, schema: dict[str, Any], display: str) -> list[Finding]:
    if _certainly_valid(document, schema):
        return []
    validator = Draft202012Validator(schema)
    findings = []
    for e in validator.iter_errors(document):
        path = list(e.absolute_path)
        line = _line(document, path)
        if e.validator == "additionalProperties" and isinstance(e.instance, LineDict):
            # Point at the misspelt key itself, not at the top of its mapping.
            allowed = e.schema.get("properties", {}) if isinstance(e.schema, dict) else {}
            extras = [k for k in e.instance if k not in allowed]
            line = min((e.instance.line_of(k) for k in extras), default=line)
        findings.append(error(display, f"schema/{e.validator}", _message(e), row=line, field=_dotted(path)))
    return findings
