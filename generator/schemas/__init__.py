"""The Frictionless Table Schemas (CSV) and JSON Schemas (YAML records) of every dataset.

These files are the single source of truth for field names, types, constraints and the
Chinese titles and descriptions shown to clerks and published with the data packages.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def table_schema(name: str) -> dict[str, Any]:
    """The Table Schema descriptor `schemas/<name>.json`."""
    text = files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    descriptor: dict[str, Any] = json.loads(text)
    return descriptor


@cache
def record_schema(name: str) -> dict[str, Any]:
    """The JSON Schema `schemas/<name>.schema.json` of a YAML or JSON record."""
    text = files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    descriptor: dict[str, Any] = json.loads(text)
    return descriptor


def private_fields(name: str) -> list[str]:
    """Fields marked `"private": true`: never published (第二十一条)."""
    return [f["name"] for f in table_schema(name)["fields"] if f.get("private")]


def public_fields(name: str) -> list[str]:
    return [f["name"] for f in table_schema(name)["fields"] if not f.get("private")]
