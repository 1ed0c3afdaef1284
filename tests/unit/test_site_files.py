"""The site's file listings (privacy scan, build report) walk the folder with os.scandir/os.walk:
the same files, in the same order, as the Path.rglob they replaced."""

from __future__ import annotations

from pathlib import Path

from generator.publish.build import _measure
from generator.publish.privacy import _files, site_files

# Names whose order differs between plain text and path components ("a-b" < "a/b" as text,
# "a" < "a-b" as components), dots where suffixes are tricky, nested and empty folders.
NAMES = ("a/b.html", "a-b.json", "a.b/c.txt", "a/b/c.css", "..html", "x.", ".hidden.json", "data/t.csv",
         "pagefind/p.js", "z/y/x/w.svg", "a/b.bin", "sl/ü.md")


def _tree(root: Path) -> None:
    for name in NAMES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    (root / "empty" / "folder").mkdir(parents=True)


def test_site_files_are_rglob_sorted(tmp_path: Path) -> None:
    _tree(tmp_path)
    expected = [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*")) if p.is_file()]
    assert site_files(tmp_path) == expected
    assert sorted(expected) != expected  # the order is by component, not by text


def test_scanned_files_and_measure(tmp_path: Path) -> None:
    _tree(tmp_path)
    scanned = [relative for relative, _ in _files(tmp_path, frozenset({"a-b.json"}))]
    assert scanned == ["..html", ".hidden.json", "a/b/c.css", "a/b.html", "a.b/c.txt", "sl/ü.md", "z/y/x/w.svg"]
    assert _measure(tmp_path) == (len(NAMES), sum(len(n.encode()) for n in NAMES))
