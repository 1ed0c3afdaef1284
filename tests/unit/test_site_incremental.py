"""Incremental rebuilds (generator/publish/reuse.py): after a change to the data, a build that
reuses the last build's outputs gives, file for file, the site a full build gives; a failed
rebuild leaves the published site as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.errors import BuildFailed
from generator.publish import build_site
from tests.unit.test_site_build import OBJECT, rename_object, tree

CHANGED_TASK = "tasks/2026/ZB-2026-001/index.html"


def change_result(root: Path, old: str = "R01", new: str = "R07") -> None:
    """The first published `old` result of ZB-2026-001 becomes `new` (both need no follow-up)."""
    path = root / "results" / "2026" / "ZB-2026-001.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        if cells[7] == old and cells[-1].strip():
            cells[7] = new
            lines[number] = ",".join(cells)
            break
    else:  # pragma: no cover - the fixture has such rows
        raise AssertionError(f"no published {old} row")
    path.write_text("".join(lines), encoding="utf-8", newline="")


def rebuild_both(data: Path, site: Path, tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, int]]:
    """Rebuild `site` incrementally and a copy of it in full (the same previous site, so that
    the open data carries over the same past releases); both trees and the incremental counts."""
    full = tmp_path / "full-site"
    shutil.copytree(site, full, symlinks=True)
    report = build_site(data, site)
    build_site(data, full, incremental=False)
    return tree(site), tree(full), report.counts


@pytest.fixture
def built(minimal_copy: Path, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    build_site(minimal_copy, site)
    return site


def test_rebuild_after_one_changed_result_equals_a_full_build(minimal_copy: Path, built: Path,
                                                              tmp_path: Path) -> None:
    before = tree(built)
    change_result(minimal_copy)
    incremental, full, counts = rebuild_both(minimal_copy, built, tmp_path)
    assert incremental.keys() == full.keys()
    assert [name for name in incremental if incremental[name] != full[name]] == []
    assert incremental[CHANGED_TASK] != before[CHANGED_TASK]
    # Only the task whose result changed was rendered again; the other task pages were reused.
    tasks = sum(1 for name in full if name.startswith("tasks/") and name.endswith("index.html"))
    assert counts["pages_rendered"] == 1
    assert counts["files_reused"] >= tasks - 1
    # The lookup built the histories of the changed object's shard only.
    assert 0 < counts["lookup_histories_built"] < counts["lookup_objects"]


def test_a_later_publication_date_in_the_middle_of_a_task_is_not_missed(minimal_copy: Path, built: Path,
                                                                        tmp_path: Path) -> None:
    """A column and a row a short summary of the task's results would leave out."""
    before = tree(built)
    path = minimal_copy / "results" / "2026" / "ZB-2026-001.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = lines[7].split(",")
    assert middle[-1].strip(), "the fixture's row 7 is published"
    middle[-1] = "2026-06-30\n"
    lines[7] = ",".join(middle)
    path.write_text("".join(lines), encoding="utf-8", newline="")
    incremental, full, counts = rebuild_both(minimal_copy, built, tmp_path)
    assert [name for name in incremental if incremental[name] != full.get(name)] == []
    assert incremental[CHANGED_TASK] != before[CHANGED_TASK]
    assert counts["pages_rendered"] == 1


def test_unchanged_data_reuses_every_page_and_gives_the_same_site(minimal_copy: Path, built: Path,
                                                                 tmp_path: Path) -> None:
    """Also when the data has moved: where it lives is no input of any page."""
    before = tree(built)
    moved = tmp_path / "elsewhere" / "data"
    shutil.copytree(minimal_copy, moved)
    report = build_site(moved, built)
    assert tree(built) == before
    assert report.counts["pages_rendered"] == 0
    assert report.counts["lookup_histories_built"] == 0
    assert report.counts["files_reused"] > 0


def test_a_renamed_object_reaches_every_page_that_names_it(minimal_copy: Path, built: Path, tmp_path: Path) -> None:
    rename_object(minimal_copy, OBJECT, "淄博新名称商贸有限公司")
    incremental, full, _ = rebuild_both(minimal_copy, built, tmp_path)
    assert incremental == full
    assert "淄博新名称商贸有限公司" in incremental[CHANGED_TASK].decode()


def test_a_changed_checklist_title_reaches_the_task_pages(minimal_copy: Path, built: Path, tmp_path: Path) -> None:
    path = minimal_copy / "checklist.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("餐饮服务提供者监督检查", "餐饮服务单位监督检查"),
                    encoding="utf-8", newline="")
    incremental, full, _ = rebuild_both(minimal_copy, built, tmp_path)
    assert incremental == full
    assert "餐饮服务单位监督检查" in incremental[CHANGED_TASK].decode()


def test_an_output_edited_by_hand_is_rendered_again(minimal_copy: Path, built: Path) -> None:
    before = tree(built)
    page = built / CHANGED_TASK
    page.write_text("edited", encoding="utf-8")
    build_site(minimal_copy, built)
    assert tree(built) == before


def test_a_failed_rebuild_leaves_the_site_and_its_reuse_intact(minimal_copy: Path, built: Path,
                                                               tmp_path: Path) -> None:
    before = tree(built)
    change_result(minimal_copy)
    rename_object(minimal_copy, OBJECT, "联系电话13912345678的商店")
    with pytest.raises(BuildFailed, match="个人信息"):
        build_site(minimal_copy, built)
    assert tree(built) == before
    rename_object(minimal_copy, OBJECT, "淄博另一名称商贸有限公司")
    incremental, full, _ = rebuild_both(minimal_copy, built, tmp_path)
    assert incremental == full


def test_the_command_says_what_it_reused_and_full_reuses_nothing(minimal_copy: Path, built: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(built)
    assert main(["build", "--data", str(minimal_copy), "--output", str(built)]) == 0
    assert "个文件的输入未变，沿用上次生成的结果" in capsys.readouterr().out
    assert main(["build", "--data", str(minimal_copy), "--output", str(built), "--full"]) == 0
    assert "沿用" not in capsys.readouterr().out
    assert tree(built) == before
    assert build_site(minimal_copy, built).counts["pages_rendered"] == 0  # --full left its keys
