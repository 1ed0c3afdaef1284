"""Date cells of the tables that meet a condition, with the file and row a clerk looks at.

Shared by the rules on dates (date_range, date_future): one filter over each table for all its
date columns, then each column on the few rows left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence

import polars as pl

from generator.model import Dataset


def dated_cells(ds: Dataset, fields: Mapping[str, Sequence[str]], condition: Callable[[pl.Expr], pl.Expr]
                ) -> Iterator[tuple[str, int, str, dt.date]]:
    """(file, row, field, value) of each cell of `fields` (table name → its date columns) for
    which `condition(column)` holds; columns that are absent or not typed as dates are passed over."""
    for name, wanted in fields.items():
        frame: pl.DataFrame = getattr(ds, name)
        dates = [f for f in wanted if f in frame.columns and frame.schema[f] == pl.Date]
        if not dates or frame.is_empty():
            continue
        conditions = [condition(pl.col(d)) for d in dates]
        suspects = frame.filter(pl.any_horizontal(conditions))
        default_file = ds.layout.display(getattr(ds.layout, name)) if name != "results" else ""
        for field, holds in zip(dates, conditions, strict=True):
            columns = ["_row", field, *(["_file"] if "_file" in frame.columns else [])]
            for row, value, *file in suspects.filter(holds).select(columns).iter_rows():
                yield file[0] if file else default_file, row, field, value
