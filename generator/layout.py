"""Where each dataset lives inside a data directory. One place, so nothing guesses paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
        resolved = path.resolve()
        try:
            return resolved.relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return resolved.as_posix()


DRAW_FILES = ("manifest.json", "frame.csv", "roster.csv", "exclusions.csv", "record.json")
