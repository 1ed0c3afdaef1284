"""The database resumed at the first changed table (generator/opendata/sqlite_resume.py) is byte
for byte the database written from scratch, and a cache that is not what it says is not used."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import polars as pl
import pytest

from generator.opendata import sqlite as writer
from generator.opendata import sqlite_resume
from generator.opendata.tables import Resource

TABLES = 20  # their CREATE statements fill more than one page: the schema table is a b-tree of several


def tables(changed: int | None = None) -> list[Resource]:
    """TABLES tables of 3,000 rows (many pages each), each with an index on its foreign key; table
    `changed` has one value changed."""
    out = []
    for number in range(TABLES):
        frame = pl.DataFrame({"id": range(3000), "parent": [i % 7 for i in range(3000)],
                              "label": [f"对象 {number}-{i} 名称" for i in range(3000)]})
        if number == changed:
            frame = frame.with_columns(pl.when(pl.col("id") == 1500).then(pl.lit("改了")).otherwise(pl.col("label"))
                                       .alias("label"))
        fields = [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"},
                  {"name": "label", "type": "string", "description": "一个足够长的说明" * 3}]
        out.append(Resource(f"table_{number:02d}", f"表 {number}", "", fields, ["id"], frame,
                            [{"fields": ["parent"], "reference": {"resource": "table_00", "fields": ["id"]}}]))
    return out


def keys(resources: list[Resource]) -> list[str]:
    return [hashlib.sha256(r.frame.write_csv().encode()).hexdigest() for r in resources]


@pytest.fixture
def staged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first table each database write inserts rows for (0: from scratch)."""
    firsts: list[int] = []
    original = writer._stage

    def stage(path: Path, resources: list[Resource], first: int = 0) -> None:
        firsts.append(first)
        original(path, resources, first)

    monkeypatch.setattr(writer, "_stage", stage)
    return firsts


def scratch(cache: Path, resources: list[Resource]) -> writer.Cache:
    """A build from scratch that leaves its database in `cache`."""
    return writer.Cache(cache, keys(resources), False, cache / "gz.json")


def first_build(tmp_path: Path) -> tuple[Path, tuple[Path, str]]:
    cache = tmp_path / "cache"
    resources = tables()
    writer.write_sqlite_gz(tmp_path / "first.sqlite.gz", resources, scratch(cache, resources))
    published = tmp_path / "first.sqlite.gz"
    return cache, (published, hashlib.sha256(published.read_bytes()).hexdigest())


def from_scratch(tmp_path: Path, resources: list[Resource]) -> bytes:
    writer.write_sqlite_gz(tmp_path / "scratch.sqlite.gz", resources)
    return (tmp_path / "scratch.sqlite.gz").read_bytes()


@pytest.mark.parametrize("changed", [TABLES - 1, 12, 0])
def test_a_resumed_database_is_the_one_written_from_scratch(tmp_path: Path, staged: list[int], changed: int) -> None:
    cache, published = first_build(tmp_path)
    resources = tables(changed)
    again = writer.Cache(cache, keys(resources), True, cache / "gz.json", published)
    writer.write_sqlite_gz(tmp_path / "again.sqlite.gz", resources, again)
    assert staged == [0, changed]  # the tables before the changed one were not written again
    assert (tmp_path / "again.sqlite.gz").read_bytes() == from_scratch(tmp_path, resources)
    database = tmp_path / "again.sqlite"
    database.write_bytes(gzip.decompress((tmp_path / "again.sqlite.gz").read_bytes()))
    sqlite3_cli = shutil.which("sqlite3")
    assert sqlite3_cli
    query = f"SELECT label FROM table_{changed:02d} WHERE id = 1500;"
    checked = subprocess.run([sqlite3_cli, str(database), "PRAGMA integrity_check;", query],
                             capture_output=True, text=True)
    assert checked.stdout.split() == ["ok", "改了"]


def test_a_cached_database_changed_since_is_not_resumed(tmp_path: Path, staged: list[int]) -> None:
    """A page of the cached file changed (its time and size kept): the check of the pages finds it."""
    cache, published = first_build(tmp_path)
    database = cache / "sunlight.sqlite"
    stat = database.stat()
    with database.open("r+b") as handle:
        handle.seek(5 * sqlite_resume.PAGE + 100)
        byte = handle.read(1)
        handle.seek(5 * sqlite_resume.PAGE + 100)
        handle.write(bytes([byte[0] ^ 1]))
    os.utime(database, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    resources = tables(TABLES - 1)
    again = writer.Cache(cache, keys(resources), True, cache / "gz.json", published)
    writer.write_sqlite_gz(tmp_path / "again.sqlite.gz", resources, again)
    assert staged == [0, 0]
    assert (tmp_path / "again.sqlite.gz").read_bytes() == from_scratch(tmp_path, resources)


def test_a_build_from_scratch_does_not_resume(tmp_path: Path, staged: list[int]) -> None:
    cache, _ = first_build(tmp_path)
    resources = tables(TABLES - 1)
    writer.write_sqlite_gz(tmp_path / "again.sqlite.gz", resources, scratch(cache, resources))
    assert staged == [0, 0]


def test_the_boundaries_hold_and_list_the_schema_pages_sqlite_lists(tmp_path: Path) -> None:
    cache, _ = first_build(tmp_path)
    database = cache / "sunlight.sqlite"
    boundaries = sqlite_resume.load(cache / "sunlight.sqlite.json", database)
    assert len(boundaries) == TABLES and sqlite_resume.holds(database, boundaries)
    with database.open("rb") as handle:
        def read(number: int) -> bytes:
            handle.seek((number - 1) * sqlite_resume.PAGE)
            return handle.read(sqlite_resume.PAGE)

        found = sqlite_resume.schema_pages(read)
    with sqlite3.connect(database) as connection:
        try:
            listed = [n for (n,) in connection.execute("SELECT pageno FROM dbstat WHERE name = 'sqlite_schema'")]
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table")
    assert found is not None and len(found) > 1 and sorted(listed) == found
    # A file whose later writes touched an earlier table's pages breaks its boundary's claim.
    assert not sqlite_resume.holds(database, [*boundaries[:3], boundaries[3].__class__(
        boundaries[3].key, boundaries[3].pages, boundaries[3].schema, boundaries[3].check ^ 1)])
