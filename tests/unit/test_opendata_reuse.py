"""Content-addressed downloads (generator/opendata/keys.py): a rebuild links each file of the last
release whose inputs did not change, and the release it writes is byte for byte the one a full
build writes; a changed result rewrites exactly the files that hold it."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

from generator.errors import BuildFailed
from generator.opendata import OpenDataRelease, archive, build_open_data, pieces
from generator.opendata import build as opendata_build
from generator.opendata.storage import Storage
from generator.publish.context import SiteContext, data_as_of
from generator.publish.reuse import Reuse, code_digest
from generator.publish.settings import load_settings
from generator.validate import validate
from tests.unit.test_opendata import tree
from tests.unit.test_site_build import INSPECTOR_NAME, OBJECT
from tests.unit.test_site_incremental import change_result

# What names the release, or holds every table: written for every release (with SHA256SUMS).
ALWAYS = ["changelog.json", "datapackage.json", "sunlight-all.zip"]
# What one changed 2026 result (R01 -> R07 in ZB-2026-001) is in.
CHANGED = ["results_items.csv", "results_items.json.gz", "results_objects.csv", "results_objects.json.gz",
           "sunlight-2026.xlsx", "sunlight-2026.zip", "sunlight.sqlite.gz"]


def build(data: Path, site: Path, previous: list[Path], *, incremental: bool = True,
          storage: Storage | None = None) -> OpenDataRelease:
    """The open data of `data` into `site/data`, reusing what the last build into `site` left
    (its keys are saved as a site build saves them, once the build has succeeded)."""
    ds, findings = validate(data)
    assert not [f for f in findings if f.severity.name == "ERROR"], findings[:3]
    ds.as_of = data_as_of(ds)
    reuse = Reuse.open(site, code_digest(), enabled=incremental)
    target = site / "data"
    shutil.rmtree(target, ignore_errors=True)
    release = build_open_data(SiteContext(ds, load_settings()), target, previous=previous,
                              repo_url="https://example.org/sunlight", title="测试", storage=storage, reuse=reuse)
    release.deliver()
    reuse.save()
    return release


def first_build(data: Path, tmp_path: Path, storage: Storage | None = None) -> Path:
    site = tmp_path / "site"
    build(data, site, [], storage=storage)
    shutil.copytree(site / "data", tmp_path / "published")  # what a rebuild carries over
    return site


def test_unchanged_data_reuses_every_file_and_is_the_same_release(minimal_copy: Path, tmp_path: Path) -> None:
    site = first_build(minimal_copy, tmp_path)
    before = tree(site / "data")
    again = build(minimal_copy, site, [tmp_path / "published"])
    assert sorted(again.reused) == sorted(f.path for f in again.release.files if f.path not in ALWAYS)
    assert tree(site / "data") == before


def test_one_changed_result_rewrites_only_its_files_and_equals_a_full_build(minimal_copy: Path,
                                                                            tmp_path: Path) -> None:
    site = first_build(minimal_copy, tmp_path)
    change_result(minimal_copy)
    incremental = build(minimal_copy, site, [tmp_path / "published"])
    full_site = tmp_path / "full"
    full = build(minimal_copy, full_site, [tmp_path / "published"], incremental=False)
    assert full.reused == []
    assert incremental.version == full.version and incremental.version.endswith(".2")
    files = [f.path for f in incremental.release.files]
    assert sorted(set(files) - set(incremental.reused)) == sorted(ALWAYS + CHANGED)
    assert tree(site / "data") == tree(full_site / "data")


def test_a_stored_file_edited_since_is_written_again(minimal_copy: Path, tmp_path: Path) -> None:
    """A release served elsewhere is reused from --downloads-out; a file changed there since is not."""
    store = Storage("https://example.org/releases/download/data-{version}/", tmp_path / "store")
    site = first_build(minimal_copy, tmp_path, store)
    version = next(p.name for p in (tmp_path / "store").iterdir())
    edited = tmp_path / "store" / version / "sunlight-2025.xlsx"
    original = edited.read_bytes()
    edited.unlink()  # the store's file is a link of the published one: replaced, not written through
    edited.write_bytes(original[:100] + bytes([original[100] ^ 1]) + original[101:])
    change_result(minimal_copy)
    again = build(minimal_copy, site, [tmp_path / "published"], storage=store)
    assert "sunlight-2025.xlsx" not in again.reused and "sunlight-2025.zip" in again.reused
    assert (tmp_path / "store" / again.version / "sunlight-2025.xlsx").read_bytes() == original


def test_a_new_private_value_is_looked_for_in_every_table_again(minimal_copy: Path, tmp_path: Path) -> None:
    """A reused table passed the privacy check for the private values of its key: an inspector now
    named like a published business makes every table checked again (第二十一条)."""
    site = first_build(minimal_copy, tmp_path)
    objects = (minimal_copy / "directory" / "objects.csv").read_text(encoding="utf-8")
    name = next(line.split(",")[2] for line in objects.splitlines() if line.startswith(OBJECT))
    inspectors = minimal_copy / "inspectors.csv"
    inspectors.write_text(inspectors.read_text(encoding="utf-8").replace(INSPECTOR_NAME, name), encoding="utf-8")
    with pytest.raises(BuildFailed) as caught:
        build(minimal_copy, site, [tmp_path / "published"])
    assert "objects.csv：不公开字段的值" in str(caught.value)


def test_a_release_of_the_same_name_built_from_other_data_is_not_reused(minimal_copy: Path, tmp_path: Path) -> None:
    """The saved keys describe the release that build wrote: when the output now holds another
    release of that name (restored from the live site, built elsewhere from other data of the same
    date), none of its files is taken, and the rebuild is what a full build writes."""
    site = first_build(minimal_copy, tmp_path)
    other = tmp_path / "other"
    shutil.copytree(minimal_copy, other)
    change_result(other)
    elsewhere = build(other, tmp_path / "elsewhere", [])
    shutil.rmtree(tmp_path / "published")
    shutil.copytree(tmp_path / "elsewhere" / "data", tmp_path / "published")  # what is deployed now
    again = build(minimal_copy, site, [tmp_path / "published"])
    full = build(minimal_copy, tmp_path / "full", [tmp_path / "published"], incremental=False)
    assert again.reused == []
    assert again.version == full.version != elsewhere.version
    assert tree(site / "data") == tree(tmp_path / "full" / "data")


def _compressed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(archive, member) for every file member compressed from now on, whole or a piece of it."""
    calls: list[tuple[str, str]] = []
    original, in_pieces, compress = archive.add_file, archive.add_pieces, pieces.compress
    # The member each writer thread is adding: the other thread compresses other files meanwhile.
    adding = threading.local()

    def add_file(target: zipfile.ZipFile, name: str, source: Path, day: dt.date, level: int = 6) -> None:
        calls.append((Path(str(target.filename)).name, name))
        original(target, name, source, day, level)

    def add_pieces(target: zipfile.ZipFile, info: zipfile.ZipInfo, *args: Any) -> list[pieces.Piece]:
        adding.member = (Path(str(target.filename)).name, info.filename)
        try:
            return in_pieces(target, info, *args)
        finally:
            adding.member = None

    def compressed(data: bytes, level: int = pieces.LEVEL) -> bytes:
        if getattr(adding, "member", None) is not None:
            calls.append(adding.member)
        return compress(data, level)

    monkeypatch.setattr(archive, "add_file", add_file)
    monkeypatch.setattr(archive, "add_pieces", add_pieces)
    monkeypatch.setattr(pieces, "compress", compressed)
    return calls


def test_a_rebuild_compresses_only_the_changed_tables_again(minimal_copy: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The complete archive takes each unchanged table compressed from the last one, the changed
    year's archive its draw files, and the named files are written once (the release of the same
    date holds other data: this one is .2 at once)."""
    site = first_build(minimal_copy, tmp_path)
    change_result(minimal_copy)
    compressed = _compressed(monkeypatch)
    named: list[str] = []
    write_named = opendata_build._write_named

    def counted(*args: Any) -> None:
        named.append(args[3])
        write_named(*args)

    monkeypatch.setattr(opendata_build, "_write_named", counted)
    again = build(minimal_copy, site, [tmp_path / "published"])
    assert named == [again.version] and again.version.endswith(".2")
    assert sorted(m for a, m in compressed if a == "sunlight-all.zip") == [
        "csv/results_items.csv", "csv/results_objects.csv"]
    # The changed year's archive takes its (unchanged) draw files compressed from the last one too.
    with zipfile.ZipFile(tmp_path / "published" / again.version.removesuffix(".2") / "sunlight-2026.zip") as year:
        draws = [name for name in year.namelist() if name.startswith("draws/")]
    # ... and of its tables, only the changed ones are compressed again (their pieces: one each here).
    assert draws and sorted(m for a, m in compressed if a == "sunlight-2026.zip") == [
        "csv/results_items.csv", "csv/results_objects.csv"]
    del compressed[:]
    full_site = tmp_path / "full"
    build(minimal_copy, full_site, [tmp_path / "published"], incremental=False)
    assert sorted(m for a, m in compressed if a == "sunlight-2026.zip" and m.startswith("draws/")) == sorted(draws)
    assert tree(site / "data") == tree(full_site / "data")


def test_a_complete_archive_edited_since_is_not_copied_from(minimal_copy: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A table is copied from the last complete archive only while that archive is the published one."""
    store = Storage("https://example.org/releases/download/data-{version}/", tmp_path / "store")
    site = first_build(minimal_copy, tmp_path, store)
    version = next(p.name for p in (tmp_path / "store").iterdir())
    edited = tmp_path / "store" / version / "sunlight-all.zip"
    with zipfile.ZipFile(edited) as listing:
        member = listing.getinfo("csv/checklist.csv")
    original = bytearray(edited.read_bytes())
    middle = member.header_offset + 30 + len(member.filename) + member.compress_size // 2
    original[middle] ^= 1  # its size and CRC still say the table is unchanged
    edited.unlink()  # the store's file is a link of the published one: replaced, not written through
    edited.write_bytes(bytes(original))
    change_result(minimal_copy)
    compressed = _compressed(monkeypatch)
    again = build(minimal_copy, site, [tmp_path / "published"], storage=store)
    assert "checklist.csv" in again.reused
    assert "csv/checklist.csv" in [m for a, m in compressed if a == "sunlight-all.zip"]
    written = (tmp_path / "store" / again.version / "sunlight-all.zip").read_bytes()
    shutil.rmtree(tmp_path / "store" / again.version)
    full = build(minimal_copy, tmp_path / "full", [tmp_path / "published"], incremental=False, storage=store)
    assert (tmp_path / "store" / full.version / "sunlight-all.zip").read_bytes() == written
