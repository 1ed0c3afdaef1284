"""A SQLite database with every table, its primary key, foreign keys, indexes on them, and a few
views that answer the usual first questions. Built fresh in a temporary file in one transaction,
rows in key order, so the same data gives the same bytes (a VACUUM would only rewrite 400 MB at city
scale for nothing); dates are ISO text, yes/no are 0/1. Rows go in slices (a million rows as
Python values at once took more than a gigabyte). The file is published gzip-compressed
(`sunlight.sqlite.gz`, a third of its size)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import polars as pl

from generator.opendata.gz import gzip_file
from generator.opendata.tables import Resource

SLICE_ROWS = 50_000
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
    "department_timeliness": """
        SELECT r.year, r.department_id, d.name AS department_name, count(*) AS published,
               sum(r.late_by = 0) AS ontime, sum(r.late_by > 0) AS late,
               round(100.0 * sum(r.late_by = 0) / count(*), 1) AS ontime_percent,
               max(r.late_by) AS late_max
        FROM results_items r JOIN departments d ON d.department_id = r.department_id
        GROUP BY r.year, r.department_id""",
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
    return frame.with_columns(
        [pl.col(n).dt.to_string("%Y-%m-%d") for n, k in frame.schema.items() if k == pl.Date]
        + [pl.col(n).cast(pl.Int64) for n, k in frame.schema.items() if k == pl.Boolean])


def write_sqlite_gz(path: Path, resources: list[Resource]) -> None:
    """The database, gzip-compressed into `path` (`….sqlite.gz`)."""
    plain = path.with_name(path.name.removesuffix(".gz"))
    write_sqlite(plain, resources)
    gzip_file(plain, path)


def write_sqlite(path: Path, resources: list[Resource]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    connection = sqlite3.connect(temporary, isolation_level=None)
    try:
        connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;")
        connection.execute("BEGIN")
        for resource in resources:
            connection.execute(_create(resource))
            marks = ", ".join("?" for _ in resource.fields)
            rows = _rows(resource.frame)
            for start in range(0, len(rows), SLICE_ROWS):
                values = [column.to_list() for column in rows.slice(start, SLICE_ROWS).iter_columns()]
                connection.executemany(f"INSERT INTO {_quote(resource.name)} VALUES ({marks})",
                                       zip(*values, strict=True))
            for fk in resource.foreign_keys:
                if fk["fields"] != resource.primary_key[:len(fk["fields"])]:
                    columns = ", ".join(map(_quote, fk["fields"]))
                    index = f"{resource.name}_by_{'_'.join(fk['fields'])}"
                    connection.execute(f"CREATE INDEX {_quote(index)} ON {_quote(resource.name)} ({columns})")
        for name, sql in VIEWS.items():
            connection.execute(f"CREATE VIEW {_quote(name)} AS {sql.strip()}")
        connection.execute("COMMIT")
    finally:
        connection.close()
    os.replace(temporary, path)
