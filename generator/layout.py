"""Where each dataset lives inside a data directory. One place, so nothing guesses paths."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=64)
def _resolved(directory: str) -> str:
    return os.path.realpath(directory)


@lru_cache(maxsize=65_536)
def _display(path: str, cwd: str) -> str:
    """`path` resolved, relative to the resolved `cwd` when inside it (as `Path.relative_to`)."""
    resolved, base = os.path.realpath(path), _resolved(cwd)
    if resolved == base:
        return "."
    inside = base if base.endswith("/") else base + "/"
    return resolved[len(inside):] if resolved.startswith(inside) else resolved


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def departments(self) -> Path:
        return self.root / "departments.csv"

    @property
    def checklist(self) -> Path:
        return self.root / "checklist.csv"

    @property
    def scenarios(self) -> Path:
        return self.root / "scenarios.yaml"

    @property
    def plans_dir(self) -> Path:
        return self.root / "plans"

    def plan(self, year: int) -> Path:
        return self.plans_dir / f"{year}.yaml"

    @property
    def objects(self) -> Path:
        return self.root / "directory" / "objects.csv"

    @property
    def snapshot(self) -> Path:
        return self.root / "directory" / "snapshot.yaml"

    @property
    def inspectors(self) -> Path:
        return self.root / "inspectors.csv"

    @property
    def recusals(self) -> Path:
        return self.root / "recusals.csv"

    @property
    def replacements(self) -> Path:
        return self.root / "replacements.csv"

    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    def results(self, year: int, task_id: str) -> Path:
        return self.results_dir / str(year) / f"{task_id}.csv"

    @property
    def corrections(self) -> Path:
        return self.root / "corrections.csv"

    @property
    def holidays(self) -> Path:
        return self.root / "holidays.yaml"

    @property
    def draws_dir(self) -> Path:
        return self.root / "draws"

    def draw_dir(self, year: int, task_id: str) -> Path:
        return self.draws_dir / str(year) / task_id

    def display(self, path: Path) -> str:
        """The path as people and GitHub annotations expect it: relative to the working dir."""
        # Strings and os.path, not pathlib: this runs for every file of a city (15,000).
        text, cwd = os.fspath(path), os.getcwd()
        name = os.path.basename(text)
        if name in ("", ".", "..") or os.path.islink(text):
            return _display(text, cwd)
        # Resolving is a system call per path component: done once per folder (a city has
        # 10,000 draw files in 5,000 folders), then the file's own name is appended.
        folder = _display(os.path.dirname(text) or ".", cwd)
        if folder == ".":
            return name
        joined = f"{folder.rstrip('/')}/{name}"
        # A folder outside the working dir has one child that is not: the working dir itself.
        return "." if joined == _resolved(cwd) else joined


DRAW_FILES = ("manifest.json", "frame.csv", "roster.csv", "exclusions.csv", "record.json")
