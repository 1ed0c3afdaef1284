"""The canonical form: UTF-8 CSV with LF line ends, a header of field names, ISO dates, `true`/`false`,
empty for missing. Values are written exactly as published (lossless): see the data guide on
formula-like cells, which the XLSX files neutralise instead."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, line_terminator="\n", null_value="", date_format="%Y-%m-%d")
