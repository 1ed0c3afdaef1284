"""JSON: one gzip-compressed file per table, an array of objects keyed by field name (dates as ISO
strings). Every row repeats its field names, so the plain files were 2.6 times the CSV at city
scale (656 MB); compressed they are smaller than the CSV. Written in slices of rows, so a million
rows never sit in memory as one JSON text, each slice compressed on its own (a piece,
generator.opendata.pieces): a rebuild generates and compresses only the slices whose rows changed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import polars as pl

from generator.opendata import pieces
from generator.publish.reuse import Digest

SLICE_ROWS = 25_000  # rows as JSON text at once (and its copies): 100,000 took 300 MB at city scale


def _slice(frame: pl.DataFrame, dates: list[str], start: int) -> bytes:
    buffer = io.BytesIO()
    part = frame.slice(start, SLICE_ROWS)
    # Dates as ISO text slice by slice: converting the whole frame first copied every column.
    (part.with_columns(pl.col(dates).dt.to_string("%Y-%m-%d")) if dates else part).write_json(buffer)
    text = buffer.getvalue()[1:-1]  # the slice's array without its brackets
    return (b"," if start else b"[") + text + (b"]" if start + SLICE_ROWS >= len(frame) else b"")


def _sources(frame: pl.DataFrame, base: str | None) -> Iterator[pieces.Source]:
    """A piece of the file per slice of rows, keyed (with `base`, the salt of keys.py) by the
    slice's rows and place (the first opens the array, the last closes it)."""
    if not len(frame):
        yield "", lambda: b"[]"
        return
    dates = [name for name, kind in frame.schema.items() if kind == pl.Date]
    hashes = frame.hash_rows(seed=0).to_numpy() if base is not None else None
    schema = [[name, str(kind)] for name, kind in frame.schema.items()]
    for start in range(0, len(frame), SLICE_ROWS):
        key = "" if hashes is None else Digest(base, "json", schema, start == 0, start + SLICE_ROWS >= len(frame),
                                               hashes[start:start + SLICE_ROWS].tobytes()).hexdigest()
        yield key, partial(_slice, frame, dates, start)


def write_json_gz(frame: pl.DataFrame, path: Path, base: str | None = None, index: Path | None = None,
                  earlier: pieces.Previous | None = None) -> None:
    """The table's JSON, gzip-compressed in pieces of SLICE_ROWS rows (generator.opendata.pieces);
    with `index`, the pieces are listed there for the next build, and those of `earlier` taken."""
    pieces.write_gzip(path, _sources(frame, base), index if base is not None else None, earlier)
