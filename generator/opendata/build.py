"""`build_open_data`: write this build's release under `data/<version>/`, carry over every past
release, mirror the newest into `data/latest/`, and write the releases index and feed.

The version is the data's own date (`ds.as_of`, never the clock); if an earlier output already
holds a different release of that date, this one is `<date>.2` (`.3`, ...). A release identical to
one already published is the same release.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from threading import Lock

from generator.opendata import archive, csvfmt, jsonfmt, sqlite, xlsx
from generator.opendata.changelog import changelog
from generator.opendata.checksums import write_sums
from generator.opendata.datapackage import descriptor, write_descriptor
from generator.opendata.releases import (
    Release,
    carry,
    describe,
    find_releases,
    mirror,
    version_key,
    write_feed,
    write_index,
)
from generator.opendata.tables import Resource, public_tables, year_frames
from generator.publish.context import SiteContext

LATEST = "latest"
SQLITE_NAME = "sunlight.sqlite"
COMPLETE = "archives/sunlight-all.zip"


@dataclass
class OpenDataRelease:
    """What `build_open_data` wrote: the current release, every release kept, timings per step."""

    version: str
    release: Release
    releases: list[Release]
    titles: dict[str, str]  # file path in the release -> what it holds (Chinese)
    rows: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)


def _titles(tables: list[Resource], years: list[int]) -> dict[str, str]:
    titles = {"datapackage.json": "数据包说明（Data Package v2：表结构、许可、来源、版本）",
              "changelog.json": "本版本的变更记录",
              SQLITE_NAME: "全部数据表（SQLite 数据库，含主键、外键、索引和视图）",
              COMPLETE: "完整数据包（全部数据表 CSV、datapackage.json 和全部抽取文件）"}
    for t in tables:
        titles[f"csv/{t.name}.csv"] = t.title
        titles[f"json/{t.name}.json"] = t.title
    for year in years:
        titles[f"xlsx/sunlight-{year}.xlsx"] = f"{year} 年全部数据表（Excel、WPS 表格）"
        titles[f"archives/sunlight-{year}.zip"] = f"{year} 年数据包（该年各表 CSV 和抽取文件）"
    return titles


WORKERS = 2  # threads: polars, zlib and sqlite spend most of their time outside the GIL


def _write_release(ctx: SiteContext, tables: list[Resource], root: Path, version: str, repo_url: str,
                   timings: dict[str, float]) -> None:
    """Every file of the release but the changelog and checksums. The canonical CSV and JSON come
    first; the workbooks, the database and the archives are independent and written two at a time."""
    day = ctx.as_of

    lock = Lock()

    def timed(name: str, job: Callable[[], object]) -> None:
        started = time.perf_counter()
        job()
        with lock:
            timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - started, 3)

    def write_csv() -> None:
        for table in tables:
            csvfmt.write_csv(table.frame, root / "csv" / f"{table.name}.csv")
        write_descriptor(root / "datapackage.json",
                         descriptor(tables, version, f"{day.isoformat()}T00:00:00+08:00", repo_url))

    def write_json() -> None:
        for table in tables:
            jsonfmt.write_json(table.frame, root / "json" / f"{table.name}.json")

    timed("csv", write_csv)
    timed("json", write_json)
    draws = sorted(ctx.ds.draws, key=lambda d: (d.year, d.task_id))

    def year_archive(year: int) -> None:
        frames = year_frames(tables, year)
        members: list[tuple[str, Path | bytes]] = [
            (f"csv/{name}.csv", frame.write_csv(None, line_terminator="\n", null_value="",
                                                date_format="%Y-%m-%d").encode()) for name, frame in frames.items()]
        members += archive.draw_members([d for d in draws if d.year == year])
        archive.write_archive(root / "archives" / f"sunlight-{year}.zip", members, day)

    def complete_archive() -> None:
        members: list[tuple[str, Path | bytes]] = [(f"csv/{t.name}.csv", root / "csv" / f"{t.name}.csv")
                                                   for t in tables]
        members.append(("datapackage.json", root / "datapackage.json"))
        years = [root / "archives" / f"sunlight-{year}.zip" for year in ctx.years]
        archive.write_archive(root / COMPLETE, members, day, copied_from=years)

    # The complete archive copies the draw files out of the per-year archives: it goes last.
    jobs: list[tuple[str, Callable[[], object]]] = [("sqlite", lambda: sqlite.write_sqlite(root / SQLITE_NAME, tables))]
    first: list[tuple[str, Callable[[], object]]] = [("archives (per year)", partial(year_archive, year))
                                                     for year in ctx.years]
    jobs += [("xlsx", partial(xlsx.write_year, root / "xlsx" / f"sunlight-{year}.xlsx", tables, year, version, day))
             for year in ctx.years]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        yearly = [pool.submit(timed, name, job) for name, job in first]
        others = [pool.submit(timed, name, job) for name, job in jobs]
        for future in yearly:
            future.result()
        others.append(pool.submit(timed, "archive (complete)", complete_archive))
        for future in others:
            future.result()
    timings["sqlite, xlsx, archives (wall, 2 threads)"] = round(time.perf_counter() - started, 3)


def _previous(found: dict[str, Path], version: str) -> tuple[str, Path] | None:
    earlier = sorted((v for v in found if version_key(v) < version_key(version)), key=version_key)
    return (earlier[-1], found[earlier[-1]]) if earlier else None


def _sums(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def build_open_data(ctx: SiteContext, data: Path, *, previous: Sequence[Path] = (), repo_url: str = "",
                    title: str = "") -> OpenDataRelease:
    """Write the open data into the empty folder `data` (the site's `data/`); `previous` are earlier
    outputs' `data/` folders whose releases are carried over. Raises BuildFailed if a past release
    does not match its SHA256SUMS."""
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    data.mkdir(parents=True, exist_ok=True)
    found = find_releases([Path(p) for p in previous])
    tables = public_tables(ctx)
    lap("tables")
    staging = data / ".new-release"
    date = ctx.as_of.isoformat()
    version = date
    number = 1
    while True:
        shutil.rmtree(staging, ignore_errors=True)
        _write_release(ctx, tables, staging, version, repo_url, timings)
        clock[0] = time.perf_counter()
        change = changelog(staging, version, date, _previous(found, version))
        (staging / "changelog.json").write_text(json.dumps(change, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8", newline="\n")
        sums = write_sums(staging)
        lap("changelog and checksums")
        if version not in found or _sums(found[version] / "SHA256SUMS") == _sums(staging / "SHA256SUMS"):
            break
        number += 1  # the date's release was published with other data: this one is the next of that date
        version = f"{date}.{number}"
    releases = [carry(source, data / v) for v, source in sorted(found.items()) if v != version]
    target = data / version
    staging.rename(target)
    current = describe(target, sums)
    mirror(target, data / LATEST, sums)
    releases.append(current)
    write_index(data, releases, version)
    write_feed(data, releases, title, repo_url)
    lap("releases")
    return OpenDataRelease(version, current, sorted(releases, key=lambda r: version_key(r.version), reverse=True),
                           _titles(tables, ctx.years), {t.name: len(t.frame) for t in tables}, timings)
