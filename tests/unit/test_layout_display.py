"""How a file is named in findings: relative to the working directory when inside it, else
absolute, with symbolic links resolved (what `Path.resolve().relative_to(cwd)` gives)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.layout import Layout


def _expected(path: Path, cwd: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(cwd.resolve()).as_posix() or "."
    except ValueError:
        return resolved.as_posix()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """data/ with a real folder, a linked folder, a linked file, a dangling link, and a
    folder outside the data set that a link inside points to."""
    data = tmp_path / "data"
    (data / "draws" / "2026" / "ZB-1").mkdir(parents=True)
    (data / "draws" / "2026" / "ZB-1" / "record.json").write_text("{}")
    (tmp_path / "elsewhere" / "plans").mkdir(parents=True)
    (tmp_path / "elsewhere" / "plans" / "2026.yaml").write_text("year: 2026\n")
    (data / "plans").symlink_to(tmp_path / "elsewhere" / "plans")
    (data / "objects.csv").symlink_to(data / "draws" / "2026" / "ZB-1" / "record.json")
    (data / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    return data


PATHS = ["draws/2026/ZB-1/record.json", "draws/2026/ZB-1", "draws/2026/../2026/ZB-1/record.json", "plans/2026.yaml",
         "plans", "objects.csv", "gone.csv", "missing/file.csv", ".", "..", "draws/", "/"]


@pytest.mark.parametrize("where", ["data", "data/draws/2026", "data/plans", "elsewhere", "."])
def test_display_is_the_resolved_path_relative_to_the_working_directory(
        tree: Path, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = (tree.parent / where) if where != "." else tree.parent
    monkeypatch.chdir(cwd)
    layout = Layout(tree)
    for text in PATHS:
        for path in (Path(text), tree / text, Path(os.path.relpath(tree / text, cwd))):
            assert layout.display(path) == _expected(path, cwd), (where, str(path))
