"""Every dataset's schema documents every field in Chinese and is a valid Frictionless schema."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import Any

import pytest
from frictionless import Schema

SCHEMAS = files("generator.schemas")
TABLES = sorted(p.name for p in SCHEMAS.iterdir() if p.name.endswith(".json") and ".schema." not in p.name)
RECORDS = sorted(p.name for p in SCHEMAS.iterdir() if p.name.endswith(".schema.json"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _load(name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(SCHEMAS.joinpath(name).read_text(encoding="utf-8"))
    return value


@pytest.mark.parametrize("name", TABLES)
def test_table_schema_is_valid_and_documented_in_chinese(name: str) -> None:
    descriptor = _load(name)
    Schema.from_descriptor(descriptor)  # raises on an invalid Table Schema
    assert CHINESE.search(descriptor["title"]) and CHINESE.search(descriptor["description"])
    for field in descriptor["fields"]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", field["name"]), field["name"]
        assert CHINESE.search(field["title"]), field["name"]
        assert CHINESE.search(field["description"]), field["name"]


def _properties(node: Any) -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            found.append((key, value))
        for value in node.values():
            found.extend(_properties(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_properties(value))
    return found


@pytest.mark.parametrize("name", RECORDS)
def test_record_schema_documents_every_key_in_chinese(name: str) -> None:
    for key, spec in _properties(_load(name)):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key), key
        assert CHINESE.search(spec.get("title", "")), key
        assert CHINESE.search(spec.get("description", "")), key


def test_personal_fields_are_marked_private() -> None:
    inspectors = {f["name"]: f.get("private", False) for f in _load("inspectors.json")["fields"]}
    assert [name for name, private in inspectors.items() if private] == ["name", "certificate_no", "phone"]
    recusals = {f["name"]: f.get("private", False) for f in _load("recusals.json")["fields"]}
    assert recusals["reason"] is True
