"""JSON: one file per table, an array of objects keyed by field name (dates as ISO strings)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl


def write_json(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    dates = [name for name, kind in frame.schema.items() if kind == pl.Date]
    frame = frame.with_columns(pl.col(dates).dt.to_string("%Y-%m-%d")) if dates else frame
    if len(frame):
        frame.write_json(path)
    else:
        path.write_text(json.dumps([]), encoding="utf-8")
