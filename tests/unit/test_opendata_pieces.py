"""Files written in independently compressed pieces (generator/opendata/pieces.py): the tools people
use read them as ordinary gzip and zip files, and a file written from the last one's pieces is byte
for byte the file written from scratch, with only the changed pieces compressed again."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import random
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.opendata import archive, pieces

DAY = dt.date(2026, 11, 20)


@given(st.binary(max_size=3000), st.binary(max_size=3000))
def test_crc32_combine_is_the_crc_of_both(first: bytes, second: bytes) -> None:
    assert pieces.crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(first + second)


def lines(count: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    return "".join(f"R{n:07d},{rng.choice(['R01', 'R02', 'R07'])},{rng.randint(0, 10**6)},淄博\n"
                   for n in range(count)).encode()


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 4 KB, so that a small file has many."""
    monkeypatch.setattr(pieces, "PIECE_BYTES", 4096)


@pytest.fixture
def compressed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every piece compressed from now on."""
    sizes: list[int] = []
    original = pieces.compress

    def counting(data: bytes, level: int = pieces.LEVEL) -> bytes:
        sizes.append(len(data))
        return original(data, level)

    monkeypatch.setattr(pieces, "compress", counting)
    return sizes


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_gzip_file_in_pieces_is_one_ordinary_member(tmp_path: Path, small_pieces: None) -> None:
    data = lines(3000)
    source, target = tmp_path / "data.csv", tmp_path / "data.csv.gz"
    source.write_bytes(data)
    pieces.write_gzip(target, pieces.file_sources(source))
    raw = target.read_bytes()
    assert gzip.decompress(raw) == data
    inflater = zlib.decompressobj(31)  # one gzip member, nothing after it
    assert inflater.decompress(raw) == data and inflater.eof and inflater.unused_data == b""
    assert subprocess.run(["gunzip", "-t", str(target)], capture_output=True).returncode == 0
    assert subprocess.run(["zcat", str(target)], capture_output=True, check=True).stdout == data
    assert len(raw) < len(data) / 2


def test_a_changed_piece_is_the_only_one_compressed_again(tmp_path: Path, small_pieces: None,
                                                          compressed: list[int]) -> None:
    data = lines(3000)
    source, index = tmp_path / "data.csv", tmp_path / "cache" / "data.csv.gz.json"
    source.write_bytes(data)
    pieces.write_gzip(tmp_path / "first.gz", pieces.file_sources(source), index)
    published = (tmp_path / "first.gz", sha256(tmp_path / "first.gz"))
    assert len(compressed) == -(-len(data) // 4096)
    source.write_bytes(data.replace(b"R0001500,R01", b"R0001500,R07").replace(b"R0001500,R02", b"R0001500,R07"))
    del compressed[:]
    pieces.write_gzip(tmp_path / "again.gz", pieces.file_sources(source), index, published)
    assert len(compressed) == 1
    pieces.write_gzip(tmp_path / "scratch.gz", pieces.file_sources(source))
    assert (tmp_path / "again.gz").read_bytes() == (tmp_path / "scratch.gz").read_bytes()
    assert gzip.decompress((tmp_path / "again.gz").read_bytes()) == source.read_bytes()


def test_an_index_of_another_file_is_not_used(tmp_path: Path, small_pieces: None, compressed: list[int]) -> None:
    """The pieces listed are those of the file of that SHA-256: an edited or other file gives nothing."""
    source, index = tmp_path / "data.csv", tmp_path / "data.csv.gz.json"
    source.write_bytes(lines(2000))
    pieces.write_gzip(tmp_path / "first.gz", pieces.file_sources(source), index)
    del compressed[:]
    pieces.write_gzip(tmp_path / "again.gz", pieces.file_sources(source), index, (tmp_path / "first.gz", "0" * 64))
    assert len(compressed) == -(-source.stat().st_size // 4096)
    assert (tmp_path / "again.gz").read_bytes() == (tmp_path / "first.gz").read_bytes()


def test_zip_tables_in_pieces_are_read_by_unzip_and_reused(tmp_path: Path, small_pieces: None,
                                                          compressed: list[int]) -> None:
    table, other = tmp_path / "results.csv", lines(800, seed=2)
    table.write_bytes(lines(3000))
    members: list[tuple[str, Path | bytes]] = [("csv/results.csv", table), ("csv/tasks.csv", other),
                                               ("datapackage.json", b"{}")]
    index = tmp_path / "cache" / "all.zip.json"
    archive.write_archive(tmp_path / "first.zip", members, DAY, index=index)
    assert subprocess.run(["unzip", "-tq", str(tmp_path / "first.zip")], capture_output=True).returncode == 0
    with zipfile.ZipFile(tmp_path / "first.zip") as read:
        assert read.testzip() is None
        assert read.read("csv/results.csv") == table.read_bytes() and read.read("csv/tasks.csv") == other
    table.write_bytes(lines(3000).replace(b"R0002000,R01", b"R0002000,R07").replace(b"R0002000,R02", b"R0002000,R07"))
    del compressed[:]
    archive.write_archive(tmp_path / "again.zip", members, DAY,
                          earlier=(tmp_path / "first.zip", sha256(tmp_path / "first.zip")), index=index)
    assert len(compressed) == 1
    archive.write_archive(tmp_path / "scratch.zip", members, DAY)
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "scratch.zip").read_bytes()
    out = tmp_path / "unzipped"
    subprocess.run(["unzip", "-q", str(tmp_path / "again.zip"), "-d", str(out)], check=True)
    assert (out / "csv" / "results.csv").read_bytes() == table.read_bytes()


def test_the_releases_files_pass_gunzip_and_unzip(tmp_path: Path, minimal_copy: Path) -> None:
    """Every compressed file of a release, checked by the command-line tools."""
    from tests.unit.test_opendata import build

    release = build(minimal_copy, tmp_path / "out")
    folder = tmp_path / "out" / release.version
    gz = sorted(folder.glob("*.gz"))
    zips = sorted([*folder.glob("*.zip"), *folder.glob("*.xlsx")])
    assert gz and zips
    for path in gz:
        assert subprocess.run(["gunzip", "-t", str(path)], capture_output=True).returncode == 0, path
    for path in zips:
        assert subprocess.run(["unzip", "-tq", str(path)], capture_output=True).returncode == 0, path
    sqlite3_cli = shutil.which("sqlite3")
    assert sqlite3_cli
    database = tmp_path / "sunlight.sqlite"
    with database.open("wb") as out:
        subprocess.run(["zcat", str(folder / "sunlight.sqlite.gz")], stdout=out, check=True)
    checked = subprocess.run([sqlite3_cli, str(database), "PRAGMA integrity_check;"], capture_output=True, text=True)
    assert checked.stdout.strip() == "ok"


def test_a_workbook_takes_the_unchanged_chunks_of_its_sheets_from_the_last_one(
        tmp_path: Path, compressed: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl
    import polars as pl

    from generator.opendata import xlsx
    from generator.opendata.tables import Resource

    monkeypatch.setattr(xlsx, "CHUNK_ROWS", 100)

    def sheets(label: str) -> list[xlsx.Sheet]:
        frame = pl.DataFrame({"id": range(1000), "label": [label if i == 550 else f"名称 {i}" for i in range(1000)]})
        fields = [{"name": "id", "type": "integer", "title": "编号"}, {"name": "label", "type": "string"}]
        return list(xlsx.split(Resource("t", "表", "", fields, ["id"], frame), frame))

    index = tmp_path / "cache" / "t.xlsx.json"
    xlsx.write_workbook(tmp_path / "first.xlsx", sheets("名称 550"), DAY, "测试", "salt", index)
    first = (tmp_path / "first.xlsx", sha256(tmp_path / "first.xlsx"))
    del compressed[:]
    xlsx.write_workbook(tmp_path / "again.xlsx", sheets("<改了>"), DAY, "测试", "salt", index, first)
    assert len(compressed) == 1  # the chunk of rows 500-599
    xlsx.write_workbook(tmp_path / "scratch.xlsx", sheets("<改了>"), DAY, "测试")
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "scratch.xlsx").read_bytes()
    assert subprocess.run(["unzip", "-tq", str(tmp_path / "again.xlsx")], capture_output=True).returncode == 0
    sheet = openpyxl.load_workbook(tmp_path / "again.xlsx").worksheets[0]
    assert sheet.cell(550 + 3, 2).value == "<改了>" and sheet.cell(1000 + 2, 1).value == 999


def test_pieces_listed_by_other_code_are_never_read(tmp_path: Path) -> None:
    """A piece keyed by its bytes alone must not be copied from a file that other code (another
    level, another zlib) compressed: the lists are kept under the salt of the keys."""
    from generator.opendata.build import Cache
    from generator.publish.reuse import Reuse

    reuse = Reuse.open(tmp_path / "site", "code")
    before = Cache.of(reuse, "a" * 64)
    listed = before.index("sunlight.sqlite.gz")
    assert listed is not None
    pieces.save_index(listed, "0" * 64, {"": []})
    after = Cache.of(reuse, "b" * 64)
    assert after.index("sunlight.sqlite.gz") != listed and not listed.exists()
    assert Cache.of(None, "a" * 64).index("sunlight.sqlite.gz") is None
