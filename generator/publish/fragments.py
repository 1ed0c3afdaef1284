"""Text for outputs with a row per result (a million at city scale), built column-wise in polars.

Rendering a million results one by one through Python dicts and a Jinja loop took most of a
city build. Here each value is converted once per *distinct* value (a column of a million rows
holds a few thousand), with the very function the page would apply (`markupsafe.escape`, which
Jinja's autoescape uses; `json.dumps`), and the pieces are joined by polars. The output is the
same text, byte for byte (tests/unit/test_site_fragments.py compares both ways).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import markupsafe
import polars as pl


def per_value(series: pl.Series, convert: Callable[[Any], str]) -> pl.Series:
    """`convert` applied to every value of `series`, called once per distinct value."""
    table = {value: convert(value) for value in series.unique().to_list()}
    missing = table.pop(None, None)
    out = series.replace_strict(table, default=None, return_dtype=pl.String) if table else \
        pl.Series(series.name, [None] * len(series), dtype=pl.String)
    return out.fill_null(missing) if missing is not None else out


def per_row(frame: pl.DataFrame, convert: Callable[[dict[str, Any]], str]) -> pl.Series:
    """`convert` applied to every row of `frame` (as a dict), called once per distinct row."""
    distinct = frame.unique(maintain_order=True)
    converted = distinct.with_columns(pl.Series("_converted", [convert(r) for r in distinct.iter_rows(named=True)],
                                                dtype=pl.String))
    return frame.join(converted, on=frame.columns, how="left", maintain_order="left",
                      nulls_equal=True)["_converted"]


def html(series: pl.Series, convert: Callable[[Any], Any] = lambda v: v) -> pl.Series:
    """`convert(value)` as Jinja's autoescape prints it."""
    return per_value(series, lambda v: str(markupsafe.escape(convert(v))))


def json_text(series: pl.Series, convert: Callable[[Any], Any] = lambda v: v) -> pl.Series:
    """`convert(value)` as `json.dumps(..., ensure_ascii=False)` writes it."""
    return per_value(series, lambda v: json.dumps(convert(v), ensure_ascii=False))


def when(condition: pl.Expr, *parts: pl.Expr | str) -> pl.Expr:
    """The concatenation of `parts` where `condition` holds, else the empty string."""
    return pl.when(condition).then(joined(*parts)).otherwise(pl.lit(""))


def joined(*parts: pl.Expr | str) -> pl.Expr:
    """Plain strings are literal text; expressions are columns."""
    return pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in parts])
