"""`build_open_data`: write this build's release, carry over every past release, and write the
releases index, the pointer to the newest release and the feed.

A release is one flat folder (`<version>/`: every name unique, so it maps onto GitHub Release
assets as it is and `sha256sum -c SHA256SUMS` works in a folder of downloads): the canonical CSV
tables with `datapackage.json`, gzip-compressed JSON and SQLite, XLSX per year, archives, the
changelog and `SHA256SUMS`. The site holds it under `data/<version>/` unless the storage
(generator.opendata.storage) serves it from elsewhere; then the site keeps the version's
SHA256SUMS and the new release waits in `outbox` until the whole build has succeeded
(`OpenDataRelease.deliver`).

The version is the data's own date (`ds.as_of`, never the clock); if an earlier output already
holds a different release of that date, this one is `<date>.2` (`.3`, ...). A release identical to
one already published is the same release.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from threading import Lock
from typing import Any

from generator.errors import BuildFailed
from generator.free_memory import release_free_memory
from generator.incremental.digests import Digests
from generator.opendata import archive, csvfmt, jsonfmt, keys, sqlite, xlsx
from generator.opendata.changelog import TABLES, changelog, csv_file, result_changes
from generator.opendata.checksums import NAME, read_sums, release_files, sha256_file, write_sums
from generator.opendata.datapackage import descriptor, descriptor_bytes, write_descriptor
from generator.opendata.names import COMPLETE, SQLITE_NAME
from generator.opendata.pieces import Previous
from generator.opendata.privacy import draw_file_leaks, leaks
from generator.opendata.releases import (
    Release,
    carry,
    describe,
    find_releases,
    place,
    read_records,
    version_key,
    write_feed,
    write_index,
)
from generator.opendata.storage import Storage, check_external, check_in_site
from generator.opendata.tables import Resource, public_tables, year_frames
from generator.publish.context import SiteContext
from generator.publish.privacy import private_values
from generator.publish.reuse import Reuse


@dataclass
class OpenDataRelease:
    """What `build_open_data` wrote: the current release, every release kept, timings per step."""

    version: str
    release: Release
    releases: list[Release]
    titles: dict[str, str]  # file path in the release -> what it holds (Chinese)
    rows: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    storage: Storage = field(default_factory=Storage)
    outbox: Path | None = None  # the new release, staged until the build succeeds, when served elsewhere
    reused: list[str] = field(default_factory=list)  # files linked from the last release (keys.py)
    # Each table's name, title, description and fields (name, title, description), as in datapackage.json.
    dictionary: list[dict[str, Any]] = field(default_factory=list)

    def deliver(self) -> Path | None:
        """Move a new release served elsewhere into the storage's output folder (for upload);
        returns its folder there. Call once the whole build has succeeded."""
        if self.outbox is None or self.storage.out is None:
            return None
        target = self.storage.out / self.version
        self.storage.out.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and (target / NAME).is_file() and (
                (target / NAME).read_bytes() == (self.outbox / NAME).read_bytes()):
            return target  # already there (an earlier build of the same data)
        staging = self.storage.out / f".{self.version}.part"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.move(self.outbox, staging)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        self.outbox = None
        return target


def _dictionary(tables: list[Resource]) -> list[dict[str, Any]]:
    return [{"name": t.name, "title": t.title, "description": t.description,
             "fields": [{k: f.get(k, "") for k in ("name", "title", "description")} for f in t.fields]}
            for t in tables]


def _titles(tables: list[Resource], years: list[int]) -> dict[str, str]:
    titles = {"datapackage.json": "数据包说明（Data Package v2：表结构、许可、来源、版本）",
              "changelog.json": "本版本的变更记录",
              SQLITE_NAME: "全部数据表（SQLite 数据库，含主键、外键、索引和视图）",
              COMPLETE: "完整数据包（全部数据表 CSV、datapackage.json 和全部抽取文件）"}
    for t in tables:
        titles[f"{t.name}.csv"] = t.title
        titles[f"{t.name}.json.gz"] = t.title
    for year in years:
        titles[f"sunlight-{year}.xlsx"] = f"{year} 年全部数据表（Excel、WPS 表格）"
        titles[f"sunlight-{year}.zip"] = f"{year} 年数据包（该年各表 CSV 和抽取文件）"
    return titles


WORKERS = 2  # threads: polars, zlib and sqlite spend most of their time outside the GIL
# The writers' wall time: the database starts first, beside the CSV and the other files' keys.
WALL = ("sqlite beside csv and keys, then json, xlsx, per-year archives and, for a new date, the files that "
        "name the release (wall, 2 threads)")


@dataclass(frozen=True)
class Job:
    """One file of the release that does not name the version: written, or linked from the last
    release when its key (generator.opendata.keys) is what it was then."""

    name: str
    step: str  # the timing it counts towards
    write: Callable[[], object]
    key: str = ""


def year_day(year: int, as_of: dt.date) -> dt.date:
    """The date a year's files carry (zip member times, the workbook's dates): the last day of the
    year, or the data's date while the year runs. Not the release's date: a release that changes
    nothing in 2024 leaves the 2024 files as they were, so they can be reused byte for byte."""
    return min(as_of, dt.date(year, 12, 31))


def _database_job(tables: list[Resource], root: Path, base: str | None, table_keys: dict[str, str],
                  reusing: Reusing, cache: Cache) -> Job:
    def write() -> None:
        kept = None
        if base is not None and cache.folder is not None:
            # The last database and the pieces of the last release's file (when still the one
            # published), checked here in the writer's thread.
            index, earlier = _pieces(SQLITE_NAME, reusing, cache)
            assert index is not None
            kept = sqlite.Cache(cache.folder, [table_keys[t.name] for t in tables], cache.resume, index, earlier)
        sqlite.write_sqlite_gz(root / SQLITE_NAME, tables, kept)

    return Job(SQLITE_NAME, "sqlite (gzip)", write,
               keys.file_key(base, SQLITE_NAME, *table_keys.values()) if base is not None else "")


@dataclass(frozen=True)
class Cache:
    """Where this output's writers keep what the next build resumes from (the last database, the
    pieces of the compressed files: generator.opendata.pieces), in the user's cache beside the
    keys (generator.publish.reuse); `resume`: False for a build from scratch. The pieces are
    listed under the salt of the keys (the code, zlib's version): a piece keyed by its bytes alone
    must not be taken from a file that other code compressed."""

    folder: Path | None = None
    resume: bool = False
    salt: str = ""

    def index(self, name: str) -> Path | None:
        """Where the pieces of the release's file `name` are listed (generator.opendata.pieces)."""
        return self.folder / "pieces" / self.salt[:16] / f"{name}.json" if self.folder is not None else None

    @classmethod
    def of(cls, reuse: Reuse | None, base: str | None) -> Cache:
        if reuse is None or base is None:
            return cls()
        cache = cls(reuse.manifest.with_name(reuse.manifest.stem + ".opendata"), reuse.enabled, base)
        assert cache.folder is not None
        for other in (cache.folder / "pieces").glob("*"):  # other code's: never read again
            if other.name != base[:16]:
                shutil.rmtree(other, ignore_errors=True)
        return cache


def _jobs(ctx: SiteContext, tables: list[Resource], root: Path, base: str | None, table_keys: dict[str, str],
          reusing: Reusing, cache: Cache) -> tuple[list[Job], dict[str, str]]:
    """Every file but the database, the CSV and those that name the version, the longest first, and
    the keys of the per-year archives' draw files; `base`: the salt of the keys (None: no keys,
    nothing reused)."""
    # The prepared draws: those with files to publish.
    draws = sorted((d for d in ctx.ds.draws if ctx.summaries[d.task_id].prepared), key=lambda d: (d.year, d.task_id))

    def year_archive(year: int, day: dt.date, members: list[tuple[str, Path | bytes]], unchanged: bool) -> None:
        csv = [(f"csv/{name}.csv", frame.write_csv(None, line_terminator="\n", null_value="",
                                                   date_format="%Y-%m-%d").encode())
               for name, frame in year_frames(tables, year).items()]
        name = f"sunlight-{year}.zip"
        # Draw files the last release's archive holds as they are now: copied compressed from it,
        # and so are the pieces of its tables whose rows are unchanged.
        index, earlier = _pieces(name, reusing, cache, unchanged)
        archive.write_archive(root / name, [*csv, *members], day, earlier=earlier,
                              unchanged=[member for member, _ in members] if unchanged else (), index=index)

    jobs = []
    extra: dict[str, str] = {}
    digests = Digests.open(cache.folder / "draw-digests.json" if cache.folder is not None else None,
                           trusted=cache.resume)
    for year in ctx.years:
        day = year_day(year, ctx.as_of)
        members = archive.draw_members([d for d in draws if d.year == year], ctx.draw_file_sizes)
        xlsx_key = zip_key = ""
        same_draws = False  # the draw files are those the last release's archive of the year holds
        if base is not None:
            rows = keys.rows_key(year_frames(tables, year))  # hashed once for both files
            drawn = extra[keys.DRAWS.format(f"sunlight-{year}.zip")] = keys.draws_key(base, year, members, digests)
            same_draws = reusing.keys.get(keys.DRAWS.format(f"sunlight-{year}.zip")) == drawn
            xlsx_key = keys.year_key(base, "xlsx", year, day, tables, rows)
            zip_key = keys.year_key(base, "zip", year, day, tables, rows, drawn)
        jobs.append(Job(f"sunlight-{year}.xlsx", "xlsx", partial(_workbook, root / f"sunlight-{year}.xlsx", tables,
                                                                 year, day, base, reusing, cache), xlsx_key))
        jobs.append(Job(f"sunlight-{year}.zip", "archives (per year)",
                        partial(year_archive, year, day, members, same_draws), zip_key))
    if base is not None:
        digests.save()
    # The largest table first: its JSON is the longest single job.
    for table in sorted(tables, key=lambda t: -len(t.frame)):
        name = f"{table.name}.json.gz"
        jobs.append(Job(name, "json (gzip)", partial(_json, table, root / name, base, reusing, cache),
                        keys.file_key(base, name, table_keys[table.name]) if base is not None else ""))
    return jobs, extra


def _pieces(name: str, reusing: Reusing, cache: Cache, whole: bool = False) -> tuple[Path | None, Previous | None]:
    """Where the pieces of the file `name` are listed for the next build, and the last release's
    file whose pieces this build may copy (`whole`: members are copied whole from it even in a
    build from scratch); looked up in the writer's thread (checking the file hashes it)."""
    index = cache.index(name)
    return index, reusing.previous(name) if whole or (index is not None and cache.resume) else None


def _workbook(path: Path, tables: list[Resource], year: int, day: dt.date, base: str | None, reusing: Reusing,
              cache: Cache) -> None:
    """A year's workbook, reusing the pieces of the last release's whose rows are unchanged."""
    xlsx.write_year(path, tables, year, day, base, *_pieces(path.name, reusing, cache))


def _json(table: Resource, path: Path, base: str | None, reusing: Reusing, cache: Cache) -> None:
    """A table's JSON, reusing the pieces of the last release's file whose rows are unchanged."""
    jsonfmt.write_json_gz(table.frame, path, base, *_pieces(path.name, reusing, cache))


def _csv_jobs(tables: list[Resource], root: Path, base: str | None, table_keys: dict[str, str]) -> list[Job]:
    return [Job(f"{t.name}.csv", "csv", partial(csvfmt.write_csv, t.frame, root / f"{t.name}.csv"),
                keys.file_key(base, f"{t.name}.csv", table_keys[t.name]) if base is not None else "")
            for t in tables]


@dataclass
class Reusing:
    """The last release's files and keys, where they can be linked from."""

    version: str = ""
    keys: dict[str, str] = field(default_factory=dict)
    folders: list[Path] = field(default_factory=list)  # each holding the last release's files
    sums: dict[str, str] = field(default_factory=dict)  # its SHA256SUMS
    taken: list[str] = field(default_factory=list)
    now: dict[str, str] = field(default_factory=dict)  # this release's keys
    checked: dict[str, Path | None] = field(default_factory=dict)  # verified(), once looked for

    def take(self, job: Job, root: Path) -> bool:
        """Link the last release's file into `root` if its key is unchanged; checked against that
        release's SHA256SUMS when the checksums are written (`confirm`)."""
        if not job.key or self.keys.get(job.name) != job.key or job.name not in self.sums:
            return False
        for folder in self.folders:
            if (folder / job.name).is_file():
                place(folder / job.name, root / job.name)
                self.taken.append(job.name)
                return True
        return False

    def previous(self, name: str) -> Previous | None:
        """The last release's file `name` and its SHA-256, if it is still the one published."""
        path = self.verified(name)
        return (path, self.sums[name]) if path is not None else None

    def verified(self, name: str) -> Path | None:
        """The last release's file `name` if it is still the one published (its unchanged members are
        copied from it compressed, `archive.write_archive`)."""
        if name not in self.checked:
            self.checked[name] = next((folder / name for folder in self.folders if (folder / name).is_file()
                                       and sha256_file(folder / name) == self.sums.get(name)), None)
        return self.checked[name]

    def confirm(self, sums: dict[str, str]) -> list[str]:
        """The files taken whose bytes are no longer those the last release published (edited since):
        they must be written again."""
        return [name for name in self.taken if sums.get(name) != self.sums.get(name)]


class _Writers:
    """Jobs written two at a time in threads (polars, zlib, hashlib and sqlite spend most of their
    time outside the GIL), or taken from the last release; each file is hashed for SHA256SUMS
    (`sums`) as soon as it is there, beside the longer writers."""

    def __init__(self, pool: ThreadPoolExecutor, root: Path, reusing: Reusing, timings: dict[str, float],
                 sums: dict[str, str]) -> None:
        self.pool, self.root, self.reusing, self.timings, self.sums = pool, root, reusing, timings, sums
        self.futures: list[Future[None]] = []
        self.lock = Lock()

    def timed(self, name: str, job: Callable[[], object]) -> None:
        started = time.perf_counter()
        job()
        with self.lock:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - started, 3)

    def digest(self, name: str) -> None:
        self.sums[name] = sha256_file(self.root / name)

    def write(self, job: Job) -> None:
        self.timed(job.step, job.write)
        self.timed("checksums", partial(self.digest, job.name))

    def check(self, name: str, check: Callable[[], object]) -> None:
        self.futures.append(self.pool.submit(self.timed, name, check))

    def start(self, job: Job) -> Future[None] | None:
        """`add` for one job whose writing is waited for apart (`wait` does not): None if taken."""
        if self.reusing.take(job, self.root):
            self.hashed([job.name])
            return None
        return self.pool.submit(self.write, job)

    def add(self, jobs: list[Job]) -> None:
        """Take what can be reused, queue the rest, then the hashing of what was taken."""
        todo = [job for job in jobs if not self.reusing.take(job, self.root)]
        self.futures += [self.pool.submit(self.write, job) for job in todo]
        self.hashed([job.name for job in jobs if job not in todo])

    def hashed(self, names: Sequence[str]) -> None:
        self.futures += [self.pool.submit(self.timed, "checksums", partial(self.digest, name)) for name in names]

    def wait(self) -> None:
        for future in self.futures:
            future.result()


@dataclass(frozen=True)
class Writing:
    """What `_write_release` started: every job, and the database's writing, which may still run
    (None: taken from the last release), since when."""

    jobs: list[Job]
    database: Future[None] | None
    began: float


def _write_release(pool: ThreadPoolExecutor, ctx: SiteContext, tables: list[Resource], root: Path,
                   base: str | None, reusing: Reusing, timings: dict[str, float],
                   check_size: Callable[[Path], None], check_privacy: Callable[[], None], sums: dict[str, str],
                   cache: Cache) -> Writing:
    """Every file that does not name the release, in `pool`. The database, the longest job, starts
    first, beside the rest: the canonical CSV, whose size is checked, the other jobs' keys, then
    the tables' privacy (a failure is rare, and then nothing is published), the JSON, the workbooks
    and the per-year archives, two at a time. Returns once all but the database are written."""
    started = time.perf_counter()
    table_keys = {t.name: keys.table_key(base, t) if base is not None else "" for t in tables}
    timings["keys"] = round(time.perf_counter() - started, 3)
    writers = _Writers(pool, root, reusing, timings, sums)
    database = _database_job(tables, root, base, table_keys, reusing, cache)
    began = started = time.perf_counter()
    writing = writers.start(database)
    csv_jobs = _csv_jobs(tables, root, base, table_keys)
    for job in csv_jobs:
        if not reusing.take(job, root):
            job.write()
    timings["csv"] = round(time.perf_counter() - started, 3)
    check_size(root)
    started = time.perf_counter()
    jobs, extra = _jobs(ctx, tables, root, base, table_keys, reusing, cache)
    timings["keys"] = round(timings["keys"] + time.perf_counter() - started, 3)
    writers.check("privacy check", check_privacy)
    writers.add(jobs)
    writers.hashed([job.name for job in csv_jobs])
    writers.wait()
    jobs = [database, *jobs]
    reusing.now = {**{job.name: job.key for job in [*csv_jobs, *jobs] if job.key}, **extra}
    return Writing([*csv_jobs, *jobs], writing, began)


def _write_named(ctx: SiteContext, tables: list[Resource], root: Path, version: str, repo_url: str,
                 timings: dict[str, float], reusing: Reusing, cache: Cache) -> None:
    """The files that name the release: datapackage.json and the complete archive (which holds it)."""
    started = time.perf_counter()
    day = ctx.as_of
    created = f"{day.isoformat()}T00:00:00+08:00"
    write_descriptor(root / "datapackage.json", descriptor(tables, version, created, repo_url))
    members: list[tuple[str, Path | bytes]] = [(f"csv/{t.name}.csv", root / f"{t.name}.csv") for t in tables]
    members.append(("datapackage.json", descriptor_bytes(descriptor(tables, version, created, repo_url, "csv"))))
    # The draw files are copied out of the per-year archives, compressed as they are there.
    years = [root / f"sunlight-{year}.zip" for year in ctx.years]
    unchanged = [f"csv/{t.name}.csv" for t in tables if f"{t.name}.csv" in reusing.taken]
    index, earlier = _pieces(COMPLETE, reusing, cache, bool(unchanged))
    archive.write_archive(root / COMPLETE, members, day, copied_from=years, earlier=earlier, unchanged=unchanged,
                          index=index)
    timings["archive (complete)"] = round(timings.get("archive (complete)", 0.0) + time.perf_counter() - started, 3)


def _previous(found: dict[str, Path], folders: list[Path], version: str) -> tuple[str, Path] | None:
    """The release before `version` and a folder holding the CSV its changelog compares with, each
    file matching that release's SHA256SUMS (a release served elsewhere keeps only its checksums
    in the site: `sunlight releases fetch` brings these tables back)."""
    earlier = sorted((v for v in found if version_key(v) < version_key(version)), key=version_key)
    if not earlier:
        return None
    before = earlier[-1]
    sums = read_sums(found[before])
    for folder in [found[before], *(f / before for f in folders)]:
        names = [csv_file(folder, t) for t in TABLES]
        if all(n is not None and sums.get(n) == sha256_file(folder / n) for n in names):
            return before, folder
    raise BuildFailed(f"上一数据版本 {before} 的数据表（{'、'.join(f'{t}.csv' for t in TABLES)}）不在本地或与其 "
                      f"{NAME} 不符，无法生成变更记录：请先运行 sunlight releases fetch 网站地址 --into 目录，"
                      "再用 sunlight build --releases-from 目录")


def _published_changelog(folder: Path, record: dict[str, Any] | None) -> dict[str, Any]:
    path = folder / "changelog.json"
    if path.is_file():
        value: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return value
    return dict((record or {}).get("changelog") or {})


NAMED = ("datapackage.json", "changelog.json", COMPLETE)  # the files that name the release


def _differs(published: Path, known: dict[str, str]) -> bool:
    """Whether the release in `published` holds other files than `known` (every file of this one but
    those that name the release): then it cannot be this release, whatever version this one takes."""
    return {name: digest for name, digest in read_sums(published).items() if name not in NAMED} != known


def _sums(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _privacy(ctx: SiteContext, tables: list[Resource], reusing: Reusing) -> Callable[[], None]:
    """No personal data in the tables (第二十一条: every file of the release holds their values).
    A table whose CSV was reused passed this check before: its key holds the same private values."""
    def check() -> None:
        fresh = [t for t in tables if f"{t.name}.csv" not in reusing.taken]
        secrets = private_values(ctx.ds)
        found = [*leaks(fresh, secrets), *draw_file_leaks(ctx.ds.draws, secrets)]
        if found:
            listed = "；".join(f"{leak.path}：{leak.what}" for leak in found[:5])
            raise BuildFailed(f"发现 {len(found)} 个数据文件含有个人信息，数据未发布（第二十一条）：{listed}")

    return check


def _reusing(reuse: Reuse | None, found: dict[str, Path], folders: list[Path]) -> Reusing:
    """What the last build into the same output left to reuse (nothing for a full build)."""
    if reuse is None or not reuse.enabled:
        return Reusing()
    version, files, seen = keys.previous_keys(reuse.old_extra)
    if version not in found:
        return Reusing()
    sums = read_sums(found[version])
    # The keys describe the release that build wrote. A folder of that name may now hold another
    # release (an output restored from the live site, a release of the same date built elsewhere):
    # its files matching their own checksums says nothing about the keys, so nothing is taken.
    if keys.sums_digest(sums) != seen:
        return Reusing()
    places = [found[version], *(folder / version for folder in folders)]
    return Reusing(version, files, [p for p in places if p.is_dir()], sums)


def _size(storage: Storage) -> Callable[[Path], None]:
    """In the site, a size a static host takes (the CSV alone is a lower bound of the release)."""
    def check(root: Path) -> None:
        if storage.external:
            return
        # The CSV only: the database is being written beside them (its scratch files come and go).
        sizes = {p.name: p.stat().st_size for p in root.glob("*.csv")}
        check_in_site(sizes, len(sizes), sum(sizes.values()))

    return check


def build_open_data(ctx: SiteContext, data: Path, *, previous: Sequence[Path] = (), repo_url: str = "",
                    title: str = "", storage: Storage | None = None,
                    live: Sequence[Path] = (), reuse: Reuse | None = None) -> OpenDataRelease:
    """Write the open data into the empty folder `data` (the site's `data/`); `previous` are earlier
    outputs' `data/` folders (or fetched ones) whose releases are carried over. Raises BuildFailed if a
    past release does not match its SHA256SUMS, or if the site would hold more than a static host takes.

    `live`: those of `previous` fetched from the live site. A release served elsewhere counts as
    uploaded only when the live site lists it: a local earlier build lists releases that may
    never have been uploaded, so its files are written to `storage.out` again.

    `reuse`: the last build's keys (generator.publish.reuse); each file whose inputs are unchanged
    is linked from the release that build wrote instead of being written (generator.opendata.keys),
    and this build's keys are left in `reuse.extra` for the next. None: every file is written."""
    storage = storage or Storage()
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    data.mkdir(parents=True, exist_ok=True)
    sources = [Path(p) for p in previous]
    # The live site is what was published: a release it holds wins over one of the same name that
    # an earlier local build made and nobody deployed (published releases are never replaced).
    found = find_releases([*map(Path, live), *sources])
    records = read_records(sources)
    tables = public_tables(ctx)
    release_free_memory()  # building the tables dropped as much again as they hold
    lap("tables")
    folders = [*sources, *([storage.out] if storage.out else [])]
    base = keys.salt(reuse.salt, private_values(ctx.ds)) if reuse is not None else None
    reusing = _reusing(reuse, found, folders)
    staging = data.parent / f".{data.name}-new-release"
    shutil.rmtree(staging, ignore_errors=True)
    known: dict[str, str] = {}  # SHA256SUMS of the files that do not name the release
    cache = Cache.of(reuse, base)
    date = ctx.as_of.isoformat()
    results_items = next(t.frame for t in tables if t.name == "results_items")
    # With no release of this date yet, this one is the date's whatever its files hold. Then the
    # results' part of its changelog (a million keys against the last release's) is worked out
    # now, before the writers hold their buffers: together they made a city build's peak.
    early = None
    if date not in found:
        last = _previous(found, folders, date)
        early = result_changes(None, last[1] if last else None, results_items)

    def name_release(version: str) -> None:
        """The files that name the release: datapackage.json, the complete archive, the changelog."""
        _write_named(ctx, tables, staging, version, repo_url, timings, reusing, cache)
        clock[0] = time.perf_counter()
        try:
            change = changelog(staging, version, date, _previous(found, folders, version),
                               results_items=results_items, results=early if version == date else None)
        except BuildFailed:
            if version not in found:
                raise
            # The same version built again (a re-run): its tables are compared with the published
            # ones through the checksums below, so its published changelog stands for this one's.
            change = _published_changelog(found[version], records.get(version))
        (staging / "changelog.json").write_text(json.dumps(change, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8", newline="\n")

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        writing = _write_release(pool, ctx, tables, staging, base, reusing, timings, _size(storage),
                                 _privacy(ctx, tables, reusing), known, cache)
        jobs = writing.jobs
        release_free_memory()  # the writers' buffers, before the changelog reads the results back
        clock[0] = time.perf_counter()
        # The files that name a new date's release (none holds the database) are written while the
        # database is.
        named = date not in found
        if named:
            name_release(date)
        if writing.database is not None:
            writing.database.result()
        timings[WALL] = round(time.perf_counter() - writing.began, 3)
    known.update({name: sha256_file(staging / name) for name in release_files(staging)
                  if name not in known and name not in NAMED})
    version = date
    number = 1
    while True:
        while version in found and _differs(found[version], known):
            number += 1  # that release holds other data: this one is not it (see below)
            version = f"{date}.{number}"
        if not named:
            name_release(version)
        named = False
        sums = write_sums(staging, known)
        lap("changelog and checksums")
        stale = reusing.confirm(sums)
        if stale:  # a file of the last release changed on disk since: written anew, as in a full build
            for job in jobs:
                if job.name in stale:
                    (staging / job.name).unlink()
                    job.write()
                    known[job.name] = sha256_file(staging / job.name)
            reusing.taken = [name for name in reusing.taken if name not in stale]
            continue
        if version not in found or _sums(found[version] / NAME) == _sums(staging / NAME):
            break
        number += 1  # the date's release was published with other data: this one is the next of that date
        version = f"{date}.{number}"
    if reuse is not None:
        reuse.extra[keys.ENTRY] = {"version": version, "files": reusing.now, "sums": keys.sums_digest(sums)}
    timings["files reused"] = len(reusing.taken)
    releases = [carry(source, data / v, records.get(v)) for v, source in sorted(found.items()) if v != version]
    target = data / version
    outbox = None
    uploaded = read_records([Path(p) for p in live])
    if storage.external and not (version in uploaded and uploaded[version].get("url") == storage.base(version)
                                 and version in found):
        outbox = staging  # a new release: uploaded after the build (already published: nothing to upload)
    current = describe(staging, sums, storage.base(version) if storage.external else "", version)
    if storage.external:
        target.mkdir(parents=True)
        shutil.copyfile(staging / NAME, target / NAME)
        check_external({f.path: f.bytes for f in current.files})
        if outbox is None:
            shutil.rmtree(staging)
    else:
        staging.rename(target)
    releases.append(current)
    in_site = [r for r in releases if not r.external]
    check_in_site({f.path: f.bytes for f in current.files} if not current.external else {},
                  sum(len(r.files) + 1 for r in in_site), sum(f.bytes for r in in_site for f in r.files))
    write_index(data, releases, version)
    write_feed(data, releases, title, repo_url)
    lap("releases")
    return OpenDataRelease(version, current, sorted(releases, key=lambda r: version_key(r.version), reverse=True),
                           _titles(tables, ctx.years), {t.name: len(t.frame) for t in tables}, timings,
                           storage, outbox, sorted(reusing.taken), _dictionary(tables))
