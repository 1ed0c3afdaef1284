"""A SQLite database with every table, its primary key, foreign keys, indexes on them, and a few
views that answer the usual first questions. Built fresh in a temporary file in one transaction,
rows in key order, so the same data gives the same bytes (a VACUUM would only rewrite 400 MB at city
scale for nothing); dates are ISO text, yes/no are 0/1. The file is published gzip-compressed
(`sunlight.sqlite.gz`, a third of its size).

The rows travel from polars to SQLite without becoming Python values: binding them one by one
through the sqlite3 module cost about 1 µs a value, most of the database's time at city scale
(and it held the GIL the other writers' threads need). The ADBC SQLite driver binds each table's
Arrow columns in C into a table without column types of a scratch database (values stay exactly
as bound: text, integer or NULL), and the sqlite3 module copies them from there with one
`INSERT ... SELECT` per table, in the same order and through the same column affinities as the
bound values went before. So the database is still written by Python's own SQLite alone, byte
for byte as before (tests/unit/test_opendata_sqlite.py compares both ways)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import adbc_driver_sqlite
import polars as pl
from adbc_driver_manager import AdbcConnection, AdbcStatement

from generator.opendata import pieces, sqlite_resume
from generator.opendata.tables import Resource
from generator.publish.reuse import Digest

SLICE_ROWS = 100_000
FORMAT = 1  # of the boundaries' keys: a change to how the database is written makes them new
SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER", "date": "TEXT", "string": "TEXT"}

VIEWS = {
    "results_named": """
        SELECT r.*, o.name AS object_name, o.district_name, d.name AS department_name,
               c.label AS result_label, t.name AS task_name
        FROM results_items r
        LEFT JOIN objects o ON o.object_id = r.object_id
        LEFT JOIN departments d ON d.department_id = r.department_id
        LEFT JOIN result_codes c ON c.code = r.result_code
        LEFT JOIN tasks t ON t.task_id = r.task_id""",
    # The compliance page's figures (第十七条, 第二十五条): results still unpublished after their
    # deadline count against the rate, as they do there (counting published rows only gave 100%).
    "department_timeliness": """
        SELECT c.year, c.department_id, d.name AS department_name, c.results_owed,
               c.ontime + c.late AS published, c.ontime, c.late, c.missing, c.pending,
               CASE WHEN c.ontime + c.late + c.missing > 0
                    THEN round(100.0 * c.ontime / (c.ontime + c.late + c.missing), 1) END AS ontime_percent,
               c.late_max
        FROM compliance c JOIN departments d ON d.department_id = c.department_id""",
    "object_history": """
        SELECT s.object_id, o.name AS object_name, count(*) AS times_drawn,
               group_concat(s.task_id, ';') AS tasks
        FROM selections s LEFT JOIN objects o ON o.object_id = s.object_id
        GROUP BY s.object_id""",
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create(resource: Resource) -> str:
    columns = [f"{_quote(f['name'])} {SQL_TYPES.get(f.get('type', 'string'), 'TEXT')}"
               + (" NOT NULL" if f["name"] in resource.primary_key else "") for f in resource.fields]
    columns.append(f"PRIMARY KEY ({', '.join(map(_quote, resource.primary_key))})")
    for fk in resource.foreign_keys:
        ref = fk["reference"]
        columns.append(f"FOREIGN KEY ({', '.join(map(_quote, fk['fields']))}) REFERENCES "
                       f"{_quote(ref['resource'])} ({', '.join(map(_quote, ref['fields']))})")
    return f"CREATE TABLE {_quote(resource.name)} (\n  " + ",\n  ".join(columns) + "\n) WITHOUT ROWID"


def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The values as the database holds them: dates as ISO text, yes/no as 0/1 (a column of
    nothing but nulls as text, which Arrow binding knows)."""
    return frame.with_columns(
        [pl.col(n).dt.to_string("%Y-%m-%d") for n, k in frame.schema.items() if k == pl.Date]
        + [pl.col(n).cast(pl.Int64) for n, k in frame.schema.items() if k == pl.Boolean]
        + [pl.col(n).cast(pl.String) for n, k in frame.schema.items() if k == pl.Null])


def _staged(index: int) -> str:
    return f"rows_{index}"


def _stage(path: Path, resources: list[Resource], first: int = 0) -> None:
    """Each table's rows from the `first` on, in order, into `rows_<i>` of a new scratch database at
    `path`: columns without a type, so SQLite keeps every value as it was bound (ADBC binds Arrow's
    integers as integers, strings as text, nulls as NULL, as the sqlite3 module binds int, str and
    None)."""
    path.unlink(missing_ok=True)
    with (adbc_driver_sqlite.connect(str(path)) as database, AdbcConnection(database) as connection,
          AdbcStatement(connection) as statement):
        for pragma in ("PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF"):
            statement.set_sql_query(pragma)
            statement.execute_update()
        connection.set_autocommit(False)
        for index, resource in enumerate(resources):
            if index < first:
                continue
            width = resource.frame.width
            columns = ", ".join(f"c{i}" for i in range(width))
            statement.set_sql_query(f"CREATE TABLE {_staged(index)} ({columns})")
            statement.execute_update()
            statement.set_sql_query(f"INSERT INTO {_staged(index)} VALUES ({', '.join('?' * width)})")
            # A slice at a time: the rows as the database holds them (dates as text) are a copy,
            # and a million of them at once added hundreds of megabytes to the build's peak.
            for start in range(0, max(len(resource.frame), 1), SLICE_ROWS):
                statement.bind_stream(_rows(resource.frame.slice(start, SLICE_ROWS)).__arrow_c_stream__())
                statement.execute_update()
        connection.commit()


@dataclass(frozen=True)
class Cache:
    """Where the last build's database is kept (the user's cache, generator.publish.reuse), and
    the keys of this build's tables (generator.opendata.keys), in order."""

    folder: Path
    keys: list[str]
    resume: bool  # False: written from scratch (the cache is still left for the next build)
    index: Path  # where the pieces of the compressed file are listed
    earlier: pieces.Previous | None = None  # the last release's sunlight.sqlite.gz: its pieces are reused


def chain(keys: list[str]) -> list[str]:
    """The key of each boundary (sqlite_resume): everything written up to that table's commit."""
    digest = Digest("sqlite", FORMAT)
    return [digest.add(key).hexdigest() for key in keys]


def write_sqlite_gz(path: Path, resources: list[Resource], cache: Cache | None = None) -> None:
    """The database, gzip-compressed into `path` (`….sqlite.gz`) in pieces (generator.opendata.pieces).
    With a cache, the database is resumed from the last build's at the first changed table, kept
    there for the next build, and the pieces of the last release's file are reused."""
    if cache is None:
        plain = path.with_name(path.name.removesuffix(".gz"))
        write_sqlite(plain, resources)
        pieces.write_gzip(path, pieces.file_sources(plain))
        plain.unlink()
        return
    cache.folder.mkdir(parents=True, exist_ok=True)
    database, marks = cache.folder / "sunlight.sqlite", cache.folder / "sunlight.sqlite.json"
    fresh = database.with_name(database.name + ".new")
    keys = chain(cache.keys)
    boundaries = write_sqlite(fresh, resources, keys, (database, sqlite_resume.load(marks, database))
                              if cache.resume else None)
    pieces.write_gzip(path, pieces.file_sources(fresh), cache.index, cache.earlier if cache.resume else None)
    marks.unlink(missing_ok=True)  # the boundaries go with the file they describe
    # Renaming is instant, freeing the last database's 400 MB of blocks took a third of a second:
    # that is left to a thread (a file left behind by an interrupted build goes with the next).
    old = database.with_name(database.name + ".old")
    if database.exists():
        os.replace(database, old)
    os.replace(fresh, database)
    threading.Thread(target=old.unlink, kwargs={"missing_ok": True}, daemon=True).start()
    if len(boundaries) == len(resources) and sqlite_resume.holds(database, boundaries):
        sqlite_resume.save(marks, database, boundaries)


def _resume(temporary: Path, keys: list[str], resume: tuple[Path, list[sqlite_resume.Boundary]] | None
            ) -> list[sqlite_resume.Boundary]:
    """The boundaries the last build's database shares with this one, restored into `temporary`
    (none: `temporary` is removed, the database is written from scratch)."""
    temporary.unlink(missing_ok=True)
    if resume is None:
        return []
    source, saved = resume
    same = 0
    while same < min(len(saved), len(keys)) and saved[same].key == keys[same]:
        same += 1
    if same and source.is_file() and sqlite_resume.restore(source, saved[:same], temporary):
        return saved[:same]
    temporary.unlink(missing_ok=True)
    return []


def write_sqlite(path: Path, resources: list[Resource], keys: list[str] | None = None,
                 resume: tuple[Path, list[sqlite_resume.Boundary]] | None = None) -> list[sqlite_resume.Boundary]:
    """The database into `path`; with `keys` (`chain`), returns its boundaries, resumed from the
    database and boundaries `resume` when they share the first tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    boundaries = _resume(temporary, keys or [], resume)
    recording = keys is not None

    def committed(number: int) -> None:
        nonlocal recording
        if recording and keys is not None:
            boundary = sqlite_resume.record(temporary, keys[number], boundaries)
            recording = boundary is not None
            if boundary is not None:
                boundaries.append(boundary)

    stage = path.with_name(path.name + ".rows")
    try:
        _stage(stage, resources, len(boundaries))
        _write(temporary, stage, resources, len(boundaries), committed)
    finally:
        stage.unlink(missing_ok=True)
    os.replace(temporary, path)
    return boundaries if recording else []


def _write(path: Path, stage: Path, resources: list[Resource], first: int, committed: Callable[[int], None]) -> None:
    """The tables from the `first` on, one transaction each (its boundary, sqlite_resume), then the views."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;")
        connection.execute("ATTACH DATABASE ? AS stage", (str(stage),))
        for number in range(first, len(resources)):
            resource = resources[number]
            connection.execute("BEGIN")
            connection.execute(_create(resource))
            connection.execute(f"INSERT INTO main.{_quote(resource.name)} SELECT * FROM stage.{_staged(number)} "
                               "ORDER BY rowid")
            for fk in resource.foreign_keys:
                if fk["fields"] != resource.primary_key[:len(fk["fields"])]:
                    columns = ", ".join(map(_quote, fk["fields"]))
                    index = f"{resource.name}_by_{'_'.join(fk['fields'])}"
                    connection.execute(f"CREATE INDEX {_quote(index)} ON {_quote(resource.name)} ({columns})")
            connection.execute("COMMIT")
            committed(number)
        connection.execute("BEGIN")
        for name, sql in VIEWS.items():
            connection.execute(f"CREATE VIEW {_quote(name)} AS {sql.strip()}")
        connection.execute("COMMIT")
        connection.execute("DETACH DATABASE stage")
    finally:
        connection.close()
