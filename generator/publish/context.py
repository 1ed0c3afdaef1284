"""What every page family shares: names, the published results as they now stand, links.

Built once per build from the validated `Dataset`. Only *published* facts reach the site:
results without a publication date and corrections not yet published are counted (第二十五条)
but never shown.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import polars as pl

from generator.errors import BuildFailed
from generator.facts import DrawSummary, draw_summaries, selections, teams
from generator.incremental.digests import Digests
from generator.model import Dataset, Draw, Task
from generator.publish.paths import rel
from generator.publish.reuse import Digest
from generator.publish.settings import Settings
from generator.rules.publication_deadline import timeliness
from generator.rules.replacements import teams_after_replacements
from generator.workdays import Calendar

if TYPE_CHECKING:
    from generator.opendata import OpenDataRelease

FIELD_TITLES = {"result_code": "检查结果", "follow_up": "后续处理"}


class ObjectInfo(NamedTuple):
    """A directory entry as pages show it (a tuple: a city's context holds a quarter of a million,
    made in a fraction of the time frozen dataclasses took)."""

    object_id: str
    name: str
    object_type: str
    district: str
    industry: str | None
    status: str


@dataclass(frozen=True)
class ResultCode:
    code: str
    label: str
    credit_record: bool
    needs_follow_up: bool


@dataclass(frozen=True)
class ItemVersion:
    item_id: str
    version: int
    department_id: str
    field: str
    matter: str
    sub_item: str
    object_type: str
    category: str
    methods: tuple[str, ...]
    legal_basis: str
    inspecting_body: str
    effective_from: dt.date
    effective_to: dt.date | None
    row: int  # line in checklist.csv

    def status(self, day: dt.date) -> str:
        if self.effective_from > day:
            return "尚未生效"
        if self.effective_to is not None and self.effective_to <= day:
            return "已停用"
        return "现行"


class ObjectTable(Mapping[str, ObjectInfo]):
    """Directory entries by object id. While few are asked for (an incremental rebuild shows a
    few thousand) each is looked up in the frame, sorted by id; past DICT_AFTER lookups, or when
    iterated, all 150,000 of a city become a dict (which alone took half a second)."""

    DICT_AFTER = 20_000

    def __init__(self, frame: pl.DataFrame) -> None:
        # Stable: of two rows with one id the later wins, as in a dict built in row order.
        self._frame = frame.select(ObjectInfo._fields).sort("object_id", maintain_order=True)
        self._columns: list[list[Any]] | None = None
        self._dict: dict[str, ObjectInfo] | None = None
        self._asked = 0

    def _all(self) -> dict[str, ObjectInfo]:
        if self._dict is None:
            rows = zip(*self._columns, strict=True) if self._columns is not None else self._frame.rows()
            self._dict = {row[0]: ObjectInfo._make(row) for row in rows}
            self._columns = None  # not both: each holds a city's 150,000 entries
        return self._dict

    def ready(self) -> None:
        """Make the lists lookups bisect, now: they are made once, on the first lookup otherwise
        (while the open data is written beside the render, polars is busy and that took a second)."""
        if self._dict is None and self._columns is None:  # plain lists: a call into polars per lookup took 0.2 ms
            self._columns = [self._frame[name].to_list() for name in ObjectInfo._fields]

    def __getitem__(self, object_id: str) -> ObjectInfo:
        if self._dict is None and self._asked < self.DICT_AFTER:
            self._asked += 1
            self.ready()
            assert self._columns is not None
            ids = self._columns[0]
            at = bisect.bisect_right(ids, object_id) - 1
            if at >= 0 and ids[at] == object_id:
                return ObjectInfo._make(column[at] for column in self._columns)
            raise KeyError(object_id)
        return self._all()[object_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    @property
    def frame(self) -> pl.DataFrame:
        """The entries as a frame, one row per id (the last, as in the mapping), sorted by id: for
        tables built from all of them without a Python object per entry."""
        return self._frame.unique("object_id", keep="last", maintain_order=True)


def data_as_of(ds: Dataset) -> dt.date:
    """The data's own "today": its latest recorded date, so that every build of the same data
    judges what is overdue the same way (never the machine's clock)."""
    dates: list[dt.date] = []

    def take(frame: pl.DataFrame, *columns: str) -> None:
        for column in columns:
            if column in frame.columns and len(frame):
                value = frame[column].drop_nulls().max()
                if isinstance(value, dt.date):
                    dates.append(value)

    take(ds.results, "published_on", "approved_on")
    take(ds.corrections, "published_on", "approved_on")
    take(ds.replacements, "approved_on")
    dates.extend(plan.published_on for plan in ds.plans.values())
    for summary in draw_summaries(ds).values():
        for text in (summary.locked_on, summary.prepared_on):
            if isinstance(text, str):
                try:
                    dates.append(dt.date.fromisoformat(text))
                except ValueError:
                    continue
    if not dates:
        raise BuildFailed("数据中没有任何日期（计划公布、抽取、结果公示等），无法确定发布日期")
    return max(dates)


class SiteContext:
    def __init__(self, ds: Dataset, settings: Settings) -> None:
        self.ds = ds
        self.settings = settings
        self.as_of = ds.as_of
        self.calendar = Calendar(ds.holidays)
        departments = list(ds.departments.iter_rows(named=True))
        self.dept_short: dict[str, str] = {d["department_id"]: d["short_name"] for d in departments}
        self.dept_full: dict[str, str] = {d["department_id"]: d["name"] for d in departments}
        self.dept_level: dict[str, str] = {d["department_id"]: d["level"] for d in departments}
        self.departments: list[str] = [d["department_id"] for d in departments]
        self.district_names: dict[str, str] = dict(zip(ds.districts["code"].to_list(),
                                                       ds.districts["name"].to_list(), strict=True))
        self.industry_names: dict[str, str] = dict(zip(ds.industries["code"].to_list(),
                                                       ds.industries["name"].to_list(), strict=True))
        self.codes: dict[str, ResultCode] = {
            r["code"]: ResultCode(r["code"], r["label"], bool(r["credit_record"]), bool(r["needs_follow_up"]))
            for r in ds.result_codes.iter_rows(named=True)}
        self.scenario_names: dict[str, str] = {s.id: s.name for s in ds.scenarios}
        self.tasks: dict[str, Task] = ds.tasks
        self._root = ds.layout.root.resolve()
        self._relative: dict[str, str] = {}
        self._draw_files: dict[Path, dict[str, int]] = {}
        # Parsed only for the pages that show one draw; what pages show of every draw is in `summaries`.
        self.draws: dict[str, Draw] = {d.task_id: d for d in ds.draws}
        self.summaries: dict[str, DrawSummary] = draw_summaries(ds)
        # The open data release of this build (generator.opendata), set before the pages are made.
        self.open_data: OpenDataRelease | None = None
        # The SHA-256 of data files that keys hold (the draw files of the task pages): a build
        # keeps them between builds, remembered by each file's stat signature.
        self.file_digests = Digests(None)

    def shared_facts(self) -> None:
        """Work out now what the open data and the pages both read (the build writes the one in a
        thread beside the other, generator.publish.build), so that two threads only read it."""
        from generator.publish.owed import department_years  # it builds on this module

        # Each is computed on first use and kept (cached_property).
        _ = (self.published, self.published_corrections, self.objects, self.selections, self.teams_table,
             self.years, self.ledger)
        self.objects.ready()
        department_years(self)

    # -- names -------------------------------------------------------------------------------

    def dept(self, department_id: str | None) -> str:
        if department_id is None:
            return ""
        return self.dept_short.get(department_id, department_id)

    def district(self, code: str | None) -> str:
        return self.district_names.get(code or "", code or "")

    def industry(self, code: str | None) -> str:
        if not code:
            return ""
        return f"{self.industry_names.get(code, '')}（{code}）"

    def code_label(self, code: str | None) -> str:
        if not code:
            return ""
        known = self.codes.get(code)
        return known.label if known else code

    def data_rel(self, path: Path) -> str:
        """A data file's path relative to the data root, as it is in version control."""
        key = str(path)
        known = self._relative.get(key)
        if known is None:
            # The layout builds every path from the data root: then no resolve() (a system call per
            # path component, for thousands of draw folders) is needed.
            if path.is_relative_to(self.ds.layout.root) and ".." not in path.parts:
                known = path.relative_to(self.ds.layout.root).as_posix()
            else:
                known = path.resolve().relative_to(self._root).as_posix()
            self._relative[key] = known
        return known

    def source(self, path: Path, line: int | None = None) -> dict[str, str]:
        """Links to a data file and to its history (第五条、第二十二条)."""
        relative = self.data_rel(path)
        return {"path": f"{self.settings.data_path}/{relative}",
                "source": self.settings.source_url(relative, line),
                "history": self.settings.history_url(relative)}

    def draw_file_sizes(self, draw: Draw) -> dict[str, int]:
        """The size of every file in the draw's folder, by name (one directory read, not a stat
        per file and page: the task pages and the downloads page both list 5,000 draws' files)."""
        known = self._draw_files.get(draw.directory)
        if known is None:
            with os.scandir(draw.directory) as entries:
                known = self._draw_files[draw.directory] = {e.name: e.stat().st_size for e in entries if e.is_file()}
        return known

    def draw_file(self, here: str, year: int, task_id: str, name: str = "") -> str:
        """Link from page `here` to a published draw file (or, with no name, its folder)."""
        if self.settings.draw_files_url:
            return f"{self.settings.draw_files_url}{year}/{task_id}/{name}"
        return rel(here, f"draws/{year}/{task_id}/{name}")

    # -- the checklist -----------------------------------------------------------------------

    @cached_property
    def items(self) -> dict[str, list[ItemVersion]]:
        """Every checklist item with all its versions, oldest first (第六条: dynamic management)."""
        out: dict[str, list[ItemVersion]] = {}
        for r in self.ds.checklist.sort("item_id", "version").iter_rows(named=True):
            out.setdefault(r["item_id"], []).append(ItemVersion(
                r["item_id"], r["version"], r["department_id"], r["field"], r["matter"], r["sub_item"],
                r["object_type"], r["category"], tuple(r["methods"].split(";")), r["legal_basis"],
                r["inspecting_body"], r["effective_from"], r["effective_to"], r["_row"]))
        return out

    def item_at(self, item_id: str, day: dt.date) -> ItemVersion | None:
        """The version in force on `day`, else the latest version."""
        versions = self.items.get(item_id, [])
        for version in versions:
            if version.effective_from <= day and (version.effective_to is None or version.effective_to > day):
                return version
        return versions[-1] if versions else None

    def item_title(self, item_id: str) -> str:
        versions = self.items.get(item_id)
        return versions[-1].matter if versions else item_id

    @cached_property
    def names_digest(self) -> str:
        """A digest of the name tables pages look values up in (checklist items, departments,
        result codes, districts, industries, joint-checklist scenarios): part of the keys of incremental rebuilds."""
        return Digest([repr(v) for versions in self.items.values() for v in versions], self.dept_short,
                      self.dept_full, [repr(c) for c in self.codes.values()], self.district_names,
                      self.industry_names, self.scenario_names).hexdigest()

    # -- draws -------------------------------------------------------------------------------

    @cached_property
    def selections(self) -> pl.DataFrame:
        return selections(self.ds)

    @cached_property
    def teams_table(self) -> pl.DataFrame:
        """Every team member as locked (before replacements): task, object, seat, department, inspector."""
        return teams(self.ds)

    @cached_property
    def ledger(self) -> list[DrawSummary]:
        """Locked draws in chain order (spec section 5)."""
        from generator.draw.ledger import chain_order

        locked = {k: s for k, s in self.summaries.items() if s.locked}
        # What chain_order reads of a record: its copy of the manifest's `previous`, its own hash.
        order, _ = chain_order({k: {"manifest": {"previous": s.chained_to}, "record_sha256": s.record_sha256}
                                for k, s in locked.items()})
        return [locked[name] for name in order]

    @cached_property
    def replacements_by_task(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for row in self.ds.replacements.sort("replacement_id").iter_rows(named=True):
            out.setdefault(row["task_id"], []).append(row)
        return out

    @cached_property
    def _replaced_tasks(self) -> set[str]:
        return set(self.replacements_by_task)

    def teams(self, task_id: str) -> dict[str, list[dict[str, Any]]]:
        """Each object's team as it stands after the replacements (第十三条)."""
        draw = self.draws.get(task_id)
        if draw is None or draw.record is None:
            return {}
        if task_id in self._replaced_tasks:
            return teams_after_replacements(self.ds, draw)  # lookups built once per data set
        return {str(t.get("object_id")): list(t.get("members") or [])
                for t in draw.record.get("teams") or [] if isinstance(t, dict)}

    # -- objects -----------------------------------------------------------------------------

    @cached_property
    def objects(self) -> ObjectTable:
        """The directory entries of every object that was ever drawn (the site shows no others)."""
        wanted = pl.concat([self.selections["object_id"], self.ds.results["object_id"]]).unique()
        return ObjectTable(self.ds.objects.filter(pl.col("object_id").is_in(wanted.implode())))

    def object_name(self, object_id: str) -> str:
        known = self.objects.get(object_id)
        return known.name if known else object_id

    # -- results -----------------------------------------------------------------------------

    @cached_property
    def published_corrections(self) -> pl.DataFrame:
        """Corrections already published (第十九条), in the order they were made."""
        frame = self.ds.corrections
        return frame.filter(pl.col("published_on").is_not_null() & (pl.col("published_on") <= self.as_of)
                            ).sort("correction_id")

    @cached_property
    def results(self) -> pl.DataFrame:
        """Every result row with its deadline, lateness (as of the data's date), year, and its
        values as they stand after the published corrections (the original stays in
        `result_code` / `follow_up`)."""
        base = self.ds.results
        judged = timeliness(self.ds)
        keys = ["task_id", "object_id", "item_id"]
        years = {task_id: task.year for task_id, task in self.tasks.items()}
        # The last published correction of each field of each result (a join, not a Python loop
        # over a million rows: at city scale the tuples alone took half a gigabyte).
        latest = self.published_corrections.unique(subset=[*keys, "field"], keep="last", maintain_order=True)

        def corrected_field(field_name: str, column: str) -> pl.DataFrame:
            return (latest.filter(pl.col("field") == field_name)
                    .select(*keys, pl.col("new_value").replace("", None).alias(column),
                            pl.lit(True).alias(f"{column}?")))

        joined = (base.select(keys)
                  .join(corrected_field("result_code", "code!"), on=keys, how="left", maintain_order="left")
                  .join(corrected_field("follow_up", "follow!"), on=keys, how="left", maintain_order="left"))
        code_fixed = joined["code!?"].fill_null(False)
        follow_fixed = joined["follow!?"].fill_null(False)
        # `_file` (where a row was read on this machine) is never shown, and would make the keys of
        # incremental rebuilds depend on where the data lives.
        return base.with_columns(
            judged["deadline"], judged["deadline_official"], judged["late_by"],
            pl.when(code_fixed).then(joined["code!"]).otherwise(pl.col("result_code")).cast(pl.String)
            .alias("current_code"),
            pl.when(follow_fixed).then(joined["follow!"]).otherwise(pl.col("follow_up")).cast(pl.String)
            .alias("current_follow_up"),
            (code_fixed | follow_fixed).alias("corrected"),
            pl.col("task_id").replace_strict(years, default=None, return_dtype=pl.Int64).alias("year"),
        ).drop("_file", strict=False)

    @cached_property
    def published(self) -> pl.DataFrame:
        return self.results.filter(pl.col("published_on").is_not_null()
                                   & (pl.col("published_on") <= self.as_of))

    @cached_property
    def published_by_task(self) -> dict[str, pl.DataFrame]:
        """Each task's published rows. Results are read file by file, so a task's rows are
        normally contiguous: then each is a zero-copy slice (partitioning would copy a million
        rows again)."""
        runs = self.published.select(pl.col("task_id").rle()).unnest("task_id")
        if runs["value"].n_unique() != len(runs):
            return {str(key[0]): frame for key, frame in
                    self.published.partition_by("task_id", as_dict=True, maintain_order=True).items()}
        out: dict[str, pl.DataFrame] = {}
        offset = 0
        for length, value in runs.select("len", "value").iter_rows():
            out[str(value)] = self.published.slice(offset, length)
            offset += length
        return out

    @cached_property
    def publications(self) -> pl.DataFrame:
        """published_on, task_id, len: the published results of each task by publication date, in
        no order (the home page and the feed list the latest; grouping a million rows once)."""
        return self.published.group_by("published_on", "task_id").len()

    def published_for(self, task_id: str) -> pl.DataFrame:
        return self.published_by_task.get(task_id, self.published.head(0))

    @cached_property
    def years(self) -> list[int]:
        return sorted(self.ds.plans)

    @cached_property
    def current_year(self) -> int:
        """The latest plan year that has begun by the data's date."""
        started = [y for y in self.years if y <= self.as_of.year]
        return max(started) if started else (self.years[0] if self.years else self.as_of.year)
