"""No personal data in a release (第二十一条): every value of every download is a value of one of
the public tables, so the tables are checked column by column (each distinct value once), with
the same patterns and messages as the site's scan (generator.publish.privacy), before any file is
published. Reading the 250 MB of city CSV back as text for that cost 9 s and 700 MB.

The archives also hold each draw's files as they are. Their free text (a dice description, a
beacon note) is in manifest.json and beacon.json (record.json repeats the manifest); the
validation rule looks there for numbers, and `draw_file_leaks` for private values."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from generator.model import Draw
from generator.opendata.tables import Resource
from generator.personal_numbers import HASH, RUN, run_problem
from generator.publish.privacy import Leak, escaped_forms, masked

TEXT_KINDS = (pl.String, pl.Int64, pl.Int32)  # dates and yes/no cannot hold a name or a number run


def leaks(resources: Sequence[Resource], secrets: Sequence[str]) -> list[Leak]:
    """Each table's CSV file that holds a private value or a personal number, as the site's scan words it."""
    found: list[Leak] = []
    for resource in resources:
        values = pl.concat([resource.frame[name].cast(pl.String).drop_nulls().unique()
                            for name, kind in resource.frame.schema.items() if kind in TEXT_KINDS]
                           or [pl.Series([], dtype=pl.String)]).unique().sort()
        path = f"{resource.name}.csv"
        if secrets:
            hits = values.filter(values.str.contains_any(list(secrets)))
            if len(hits):
                words = {v for row in hits.str.extract_many(list(secrets)).to_list() for v in row}
                found.append(Leak(path, f"不公开字段的值 {masked(words)}"))
        runs = values.str.extract_all(f"{HASH}|{RUN}").explode().drop_nulls().unique().sort().to_list()
        for run in runs:
            verdict = run_problem(run)
            if verdict:
                found.append(Leak(path, verdict))
    return found


FREE_TEXT_FILES = ("manifest.json", "beacon.json")


def draw_file_leaks(draws: Sequence[Draw], secrets: Sequence[str]) -> list[Leak]:
    """Each draw file with free text that holds a private value, as the archives name it."""
    forms = escaped_forms(secrets)
    if not forms:
        return []
    names: list[str] = []
    texts: list[bytes] = []
    for draw in draws:
        for name in FREE_TEXT_FILES:
            path: Path = draw.directory / name
            if path.is_file():
                names.append(f"draws/{draw.year}/{draw.task_id}/{name}")
                texts.append(path.read_bytes())
    frame = pl.DataFrame({"path": names, "text": pl.Series(texts, dtype=pl.Binary).cast(pl.String, strict=False)})
    hits = frame.filter(pl.col("text").str.contains_any(list(forms)))
    found = []
    for member, written in hits.select("path", pl.col("text").str.extract_many(list(forms))).iter_rows():
        found.append(Leak(member, f"不公开字段的值 {masked(map(forms.__getitem__, written))}"))
    return found
