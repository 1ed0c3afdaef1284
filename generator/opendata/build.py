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

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from threading import Lock
from typing import Any

from generator.errors import BuildFailed
from generator.opendata import archive, csvfmt, jsonfmt, sqlite, xlsx
from generator.opendata.changelog import TABLES, changelog, csv_file
from generator.opendata.checksums import NAME, read_sums, sha256_file, write_sums
from generator.opendata.datapackage import descriptor, descriptor_bytes, write_descriptor
from generator.opendata.releases import (
    Release,
    carry,
    describe,
    find_releases,
    read_records,
    version_key,
    write_feed,
    write_index,
)
from generator.opendata.storage import Storage, check_external, check_in_site
from generator.opendata.tables import Resource, public_tables, year_frames
from generator.publish.context import SiteContext
from generator.publish.privacy import private_values, scan

SQLITE_NAME = "sunlight.sqlite.gz"
COMPLETE = "sunlight-all.zip"


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


def _write_release(ctx: SiteContext, tables: list[Resource], root: Path, version: str, repo_url: str,
                   timings: dict[str, float], check_size: Callable[[Path], None],
                   check_privacy: Callable[[Path], None]) -> None:
    """Every file of the release but the changelog and checksums. The canonical CSV comes first, its
    size is checked, then its privacy (beside the rest: a failure is rare, and then nothing is
    published); the JSON, the workbooks, the database and the archives are independent and written
    two at a time."""
    day = ctx.as_of

    lock = Lock()

    def timed(name: str, job: Callable[[], object]) -> None:
        started = time.perf_counter()
        job()
        with lock:
            timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - started, 3)

    created = f"{day.isoformat()}T00:00:00+08:00"

    def write_csv() -> None:
        for table in tables:
            csvfmt.write_csv(table.frame, root / f"{table.name}.csv")
        write_descriptor(root / "datapackage.json", descriptor(tables, version, created, repo_url))

    timed("csv", write_csv)
    timed("size check", partial(check_size, root))
    draws = sorted(ctx.ds.draws, key=lambda d: (d.year, d.task_id))

    def year_archive(year: int) -> None:
        frames = year_frames(tables, year)
        members: list[tuple[str, Path | bytes]] = [
            (f"csv/{name}.csv", frame.write_csv(None, line_terminator="\n", null_value="",
                                                date_format="%Y-%m-%d").encode()) for name, frame in frames.items()]
        members += archive.draw_members([d for d in draws if d.year == year])
        archive.write_archive(root / f"sunlight-{year}.zip", members, day)

    def complete_archive() -> None:
        members: list[tuple[str, Path | bytes]] = [(f"csv/{t.name}.csv", root / f"{t.name}.csv") for t in tables]
        members.append(("datapackage.json", descriptor_bytes(descriptor(tables, version, created, repo_url, "csv"))))
        years = [root / f"sunlight-{year}.zip" for year in ctx.years]
        archive.write_archive(root / COMPLETE, members, day, copied_from=years)

    # The complete archive copies the draw files out of the per-year archives: it goes last.
    jobs: list[tuple[str, Callable[[], object]]] = [
        ("sqlite (gzip)", partial(sqlite.write_sqlite_gz, root / SQLITE_NAME, tables))]
    first: list[tuple[str, Callable[[], object]]] = [("archives (per year)", partial(year_archive, year))
                                                     for year in ctx.years]
    # The largest table first: its JSON is the longest single job.
    for table in sorted(tables, key=lambda t: -len(t.frame)):
        first.append(("json (gzip)", partial(jsonfmt.write_json_gz, table.frame, root / f"{table.name}.json.gz")))
    jobs += [("xlsx", partial(xlsx.write_year, root / f"sunlight-{year}.xlsx", tables, year, version, day))
             for year in ctx.years]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        privacy = pool.submit(timed, "privacy check (csv)", partial(check_privacy, root))
        yearly = [privacy, *(pool.submit(timed, name, job) for name, job in first)]
        others = [pool.submit(timed, name, job) for name, job in jobs]
        for future in yearly:
            future.result()
        others.append(pool.submit(timed, "archive (complete)", complete_archive))
        for future in others:
            future.result()
    timings["json, sqlite, xlsx, archives (wall, 2 threads)"] = round(time.perf_counter() - started, 3)


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


def _sums(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _privacy(ctx: SiteContext) -> Callable[[Path], None]:
    """No personal data in the canonical CSV (第二十一条: every other format holds the same values)."""
    def check(root: Path) -> None:
        leaks = scan(root, private_values(ctx.ds))
        if leaks:
            listed = "；".join(f"{leak.path}：{leak.what}" for leak in leaks[:5])
            raise BuildFailed(f"发现 {len(leaks)} 个数据文件含有个人信息，数据未发布（第二十一条）：{listed}")

    return check


def _size(storage: Storage) -> Callable[[Path], None]:
    """In the site, a size a static host takes (the CSV alone is a lower bound of the release)."""
    def check(root: Path) -> None:
        sizes = {p.name: p.stat().st_size for p in root.iterdir() if p.is_file()}
        if not storage.external:
            check_in_site(sizes, len(sizes), sum(sizes.values()))

    return check


def build_open_data(ctx: SiteContext, data: Path, *, previous: Sequence[Path] = (), repo_url: str = "",
                    title: str = "", storage: Storage | None = None,
                    live: Sequence[Path] = ()) -> OpenDataRelease:
    """Write the open data into the empty folder `data` (the site's `data/`); `previous` are earlier
    outputs' `data/` folders (or fetched ones) whose releases are carried over. Raises BuildFailed if a
    past release does not match its SHA256SUMS, or if the site would hold more than a static host takes.

    `live`: those of `previous` fetched from the live site. A release served elsewhere counts as
    uploaded only when the live site lists it: a local earlier build lists releases that may
    never have been uploaded, so its files are written to `storage.out` again."""
    storage = storage or Storage()
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    data.mkdir(parents=True, exist_ok=True)
    sources = [Path(p) for p in previous]
    found = find_releases(sources)
    records = read_records(sources)
    tables = public_tables(ctx)
    lap("tables")
    staging = data.parent / f".{data.name}-new-release"
    date = ctx.as_of.isoformat()
    version = date
    number = 1
    while True:
        shutil.rmtree(staging, ignore_errors=True)
        _write_release(ctx, tables, staging, version, repo_url, timings, _size(storage), _privacy(ctx))
        clock[0] = time.perf_counter()
        folders = [*sources, *([storage.out] if storage.out else [])]
        try:
            change = changelog(staging, version, date, _previous(found, folders, version))
        except BuildFailed:
            if version not in found:
                raise
            # The same version built again (a re-run): its tables are compared with the published
            # ones through the checksums below, so its published changelog stands for this one's.
            change = _published_changelog(found[version], records.get(version))
        (staging / "changelog.json").write_text(json.dumps(change, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8", newline="\n")
        sums = write_sums(staging)
        lap("changelog and checksums")
        if version not in found or _sums(found[version] / NAME) == _sums(staging / NAME):
            break
        number += 1  # the date's release was published with other data: this one is the next of that date
        version = f"{date}.{number}"
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
                           storage, outbox)
