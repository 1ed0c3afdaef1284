"""The in-memory data set: tables as polars frames, records as small dataclasses.

Everything is loaded and checked against its schema first (`generator.load`); rules and
renderers only ever see a `Dataset`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from generator.clock import beijing_today
from generator.layout import Layout


@dataclass(frozen=True)
class Stratum:
    id: str
    name: str
    when_any: dict[str, Any]  # empty: matches every object (the catch-all tier)
    ratio_bp: int | None
    count: int | None

    def as_manifest(self) -> dict[str, Any]:
        if self.ratio_bp is not None:
            return {"id": self.id, "ratio_bp": self.ratio_bp}
        return {"id": self.id, "count": self.count}


@dataclass(frozen=True)
class TeamSlot:
    department: str
    size: int


@dataclass(frozen=True)
class Task:
    task_id: str
    year: int
    name: str
    scenario: str | None
    level: str
    lead: str
    participants: tuple[str, ...]
    items: tuple[str, ...]
    object_types: tuple[str, ...]
    districts: tuple[str, ...]
    industries: tuple[str, ...]
    keywords: tuple[str, ...]
    strata: tuple[Stratum, ...]
    frequency: int
    window_start: dt.date
    window_end: dt.date
    team: tuple[TeamSlot, ...]
    max_per_inspector: int | None
    drawn_by: str
    dispatched_to: tuple[str, ...]
    file: str  # display path of the plan file
    line: int  # line of the task in that file

    @property
    def departments(self) -> tuple[str, ...]:
        """Lead first, then the participants (第十二条)."""
        return (self.lead, *self.participants)


@dataclass(frozen=True)
class Plan:
    year: int
    published_on: dt.date
    published_by: str
    tasks: tuple[Task, ...]
    file: str


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    lead: str
    departments: tuple[str, ...]
    items: tuple[str, ...]
    object_types: tuple[str, ...]
    industries: tuple[str, ...]
    keywords: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Snapshot:
    snapshot_date: dt.date
    confirmed_on: dt.date
    confirmed_by: str
    rows: int
    sha256: str
    lines: dict[str, int] = field(default_factory=dict)  # key -> line in snapshot.yaml, for findings


@dataclass(frozen=True)
class HolidayYear:
    year: int
    official: bool
    source: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


# What `Draw` reads from its folder when asked: manifest, record, whether the record is plain.
DrawFiles = tuple[dict[str, Any] | None, dict[str, Any] | None, bool]


class Draw:
    """One task's draw directory: a manifest once prepared, a record once locked.

    The loader parses the files at once (a validation reads every draw). The site's draws
    (generator.load.lazy_draws) are given a `read` instead, which parses this draw's files whenever
    asked (it keeps the last few): a rebuild then parses only the draws of the pages it makes,
    and none stays in memory.
    """

    __slots__ = ("_files", "_read", "directory", "task_id", "year")

    def __init__(self, task_id: str, year: int, directory: Path, manifest: dict[str, Any] | None = None,
                 record: dict[str, Any] | None = None, record_plain: bool = False, *,
                 read: Callable[[], DrawFiles] | None = None) -> None:
        self.task_id = task_id
        self.year = year
        self.directory = directory
        self._files: DrawFiles | None = None if read is not None else (manifest, record, record_plain)
        self._read = read

    def _parsed(self) -> DrawFiles:
        if self._files is not None:
            return self._files
        assert self._read is not None
        return self._read()

    @property
    def manifest(self) -> dict[str, Any] | None:
        return self._parsed()[0]

    @property
    def record(self) -> dict[str, Any] | None:
        return self._parsed()[1]

    @property
    def record_plain(self) -> bool:
        """No float, NaN or Infinity in record.json (canonical.loads_json)."""
        return self._parsed()[2]

    @property
    def locked(self) -> bool:
        return self.record is not None

    def __repr__(self) -> str:
        return f"Draw({self.task_id!r}, {self.year!r}, {str(self.directory)!r})"


@dataclass
class Dataset:
    layout: Layout
    departments: pl.DataFrame
    checklist: pl.DataFrame
    objects: pl.DataFrame
    snapshot: Snapshot | None
    inspectors: pl.DataFrame
    recusals: pl.DataFrame
    replacements: pl.DataFrame
    results: pl.DataFrame  # all results files, with `_file` and `_row` for findings
    corrections: pl.DataFrame
    result_codes: pl.DataFrame
    industries: pl.DataFrame
    districts: pl.DataFrame
    plans: dict[int, Plan] = field(default_factory=dict)
    scenarios: list[Scenario] = field(default_factory=list)
    holidays: dict[int, HolidayYear] = field(default_factory=dict)
    draws: list[Draw] = field(default_factory=list)
    # Tables whose file could not be read at all: rules do not check references into them,
    # which would only repeat one unreadable file as a thousand missing ids.
    unusable: set[str] = field(default_factory=set)
    # The day "now" means for rules about what is overdue; a parameter so runs are repeatable.
    as_of: dt.date = field(default_factory=beijing_today)
    # Draws (task ids) to recompute in full; every other draw is checked for integrity only
    # (see generator.draw.verify). `validate --against` names the draws a change touches.
    recompute_draws: frozenset[str] = frozenset()
    # Facts several rules and pages derive from the loaded data (generator.facts), computed
    # once: the loaded data are not changed afterwards (a `dataclasses.replace` copy starts afresh).
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def tasks(self) -> dict[str, Task]:
        # The first plan that names a task owns it; a repeated id is reported by the reference rule.
        tasks: dict[str, Task] = {}
        for plan in sorted(self.plans.values(), key=lambda p: p.year):
            for task in plan.tasks:
                tasks.setdefault(task.task_id, task)
        return tasks

    def display(self, path: Path) -> str:
        return self.layout.display(path)

    def defer(self, name: str, load: Callable[[], Any]) -> None:
        """Load field `name` on first use rather than now: the loader defers the draws when the
        validation cache holds everything the rules need of them (generator.load)."""
        self.__dict__.setdefault("_deferred", {})[name] = load
        del self.__dict__[name]

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any attribute name

        def __getattr__(self, name: str) -> Any:
            load = self.__dict__.get("_deferred", {}).pop(name, None)
            if load is None:
                raise AttributeError(name)
            value = load()
            setattr(self, name, value)
            return value
