"""The validation cache (generator.incremental): a run that takes what earlier runs kept reports
exactly what a run from scratch reports, whatever changed in between."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import generator.load as load_module
from generator.cli import main
from generator.findings import Finding, Severity
from generator.incremental import cache_root
from generator.incremental.digests import chunks
from generator.validate import validate
from tests.conftest import MINIMAL, SAMPLE
from tests.unit.test_broken_fixtures import CASES, load_case, overlay

TODAY = dt.date(2026, 11, 20)


def _one_per_finding_kind() -> list[str]:
    """A broken fixture for each set of rules the fixtures expect (53 of 137: the suite's time)."""
    chosen: dict[tuple[str, ...], str] = {}
    for name in CASES:
        chosen.setdefault(tuple(sorted({e["rule"] for e in load_case(name)["expect"]})), name)
    return sorted(chosen.values())


CHANGES = _one_per_finding_kind()


def _both(root: Path) -> tuple[list[Finding], list[Finding]]:
    """Findings with the cache (after whatever earlier runs kept), then without."""
    _, cached = validate(root, as_of=TODAY, cached=True)
    _, fresh = validate(root, as_of=TODAY)
    return cached, fresh


def _settled(root: Path) -> Path:
    """Files as a checkout leaves them, written a while ago: a file written in the last two
    seconds is hashed on every run (generator.incremental.digests, RACY_SECONDS)."""
    an_hour_ago = int((dt.datetime.now().timestamp() - 3600) * 1e9)
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    return root


def _entries() -> list[Path]:
    return sorted(p for p in (cache_root() / "validate").rglob("*") if p.is_file())


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    shutil.copytree(SAMPLE, root)
    monkeypatch.chdir(tmp_path)
    return _settled(root)


@pytest.mark.parametrize("name", CHANGES)
def test_a_change_is_seen_as_a_fresh_run_sees_it(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The minimal data set is validated (and kept), then changed in place as a broken fixture
    changes it; the unchanged files' digests are remembered, so what was loaded from them is reused."""
    root = tmp_path / "data"
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MINIMAL, root)
    validate(_settled(root), as_of=TODAY, cached=True)
    overlay(name, root)
    cached, fresh = _both(root)
    assert cached == fresh


def test_second_run_takes_everything_kept_and_says_the_same(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", str(sample), "--today", "2026-11-20"]) == 0
    first = capsys.readouterr().out
    kept = _entries()
    assert len(kept) > 30  # tables, results by year, plan files, the draws, one entry per rule
    dataset, _ = validate(sample, as_of=TODAY, cached=True)
    assert "draws" not in vars(dataset)  # nothing read them: parsed only when asked for
    assert len(dataset.draws) == len(validate(sample, as_of=TODAY)[0].draws)
    assert main(["validate", "--data", str(sample), "--today", "2026-11-20"]) == 0
    assert capsys.readouterr().out == first
    assert _entries() == kept


def test_no_cache_keeps_nothing(sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", str(sample), "--today", "2026-11-20", "--no-cache"]) == 0
    assert "共 0 个错误" in capsys.readouterr().out
    assert not (cache_root() / "validate").exists()


def test_an_edit_that_keeps_size_and_time_is_seen(sample: Path) -> None:
    """Same size, modification time put back: the change time and the digest still tell."""
    validate(sample, as_of=TODAY, cached=True)
    path = next((sample / "results" / "2026").glob("*.csv"))
    before = os.stat(path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    lines[1] = lines[1].replace(",R01,", ",R99,", 1)
    assert len("".join(lines)) == len(text) and "".join(lines) != text
    path.write_text("".join(lines), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    cached, fresh = _both(sample)
    assert cached == fresh
    assert any(f.rule == "reference" and f.file.endswith(path.name) and f.row == 2 for f in cached)


def test_a_damaged_cache_is_a_miss(sample: Path) -> None:
    validate(sample, as_of=TODAY, cached=True)
    for entry in _entries():
        entry.write_bytes(b"\x80\x04garbage")
    cached, fresh = _both(sample)
    assert cached == fresh


def test_a_cache_that_cannot_be_written_costs_only_time(sample: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("SUNLIGHT_CACHE_DIR", str(blocked))
    cached, fresh = _both(sample)
    assert cached == fresh


def test_first_run_hashes_beside_the_loading(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no digest remembered, the files are hashed in a second process (as for a city) and
    what was loaded meanwhile is kept under the fingerprints it sends back."""
    monkeypatch.setattr(load_module, "PLANS_APART_ABOVE_BYTES", 0)
    cached, fresh = _both(sample)
    assert cached == fresh
    slots = {p.parent.name.rsplit("-", 1)[0] for p in _entries()}
    assert {"objects", "plans_2026.yaml", "draws", "rule-references"} <= slots
    assert any(slot.startswith("results_2026_ZB-2026-") for slot in slots)
    again, _ = _both(sample)
    assert again == fresh


def test_another_day_is_judged_afresh(sample: Path) -> None:
    """Rules that judge by the day (overdue publication) are kept per day."""
    _, first = validate(sample, as_of=TODAY, cached=True)
    _, later = validate(sample, as_of=dt.date(2027, 6, 1), cached=True)
    _, fresh = validate(sample, as_of=dt.date(2027, 6, 1))
    assert later == fresh
    assert later != first


def test_a_full_build_reads_nothing_kept_and_keeps_its_own(sample: Path) -> None:
    """`refresh` (sunlight build --full) works everything out afresh and replaces what was kept."""
    _, fresh = validate(sample, as_of=TODAY, cached=True)
    kept = [p for p in _entries() if p.parent.name.startswith("rule-references-")]
    assert len(kept) == 1
    planted = Finding("departments.csv", 1, None, "reference", "不是真的", Severity.ERROR)
    kept[0].write_bytes(pickle.dumps([planted]))
    _, cached = validate(sample, as_of=TODAY, cached=True)
    assert planted in cached  # read from the cache: what the next two runs must not do
    _, refreshed = validate(sample, as_of=TODAY, refresh=True)
    assert refreshed == fresh
    _, again = validate(sample, as_of=TODAY, cached=True)
    assert again == fresh


@given(st.lists(st.text(alphabet="ZB-0123456789", min_size=1, max_size=12), unique=True, max_size=400),
       st.text(alphabet="ZB-0123456789", min_size=1, max_size=12))
def test_adding_a_file_changes_only_its_own_run(names: list[str], added: str) -> None:
    """A new results file makes its own run be checked again, and no other."""
    before = chunks(sorted(names))
    after = chunks(sorted({*names, added}))
    assert [name for run in after for name in run] == sorted({*names, added})
    gone = [run for run in before if run not in after]
    changed = [run for run in after if run not in before]
    assert len(gone) <= 1  # the run the name joined; every other run is kept
    assert len(changed) <= 2  # that run with the name (split in two if the name ends a run)
    old = gone[0] if gone else []
    assert added in names or sorted(name for run in changed for name in run) == sorted({*old, added})


def test_a_fresh_clone_takes_what_a_restored_cache_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI: a new checkout at the same place (no file's digest remembered) with the cache folder of
    an earlier run: the files are hashed first, and nothing unchanged is read again."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLE, tmp_path / "data")
    _, first = validate(Path("data"), as_of=TODAY, cached=True)
    shutil.rmtree(tmp_path / "data")
    shutil.copytree(SAMPLE, tmp_path / "data")
    read: list[str] = []
    original = load_module.read_table
    monkeypatch.setattr(load_module, "read_table", lambda path, name, *a, **k: read.append(name) or original(
        path, name, *a, **k))
    _, again = validate(Path("data"), as_of=TODAY, cached=True)
    assert again == first
    assert read == []
