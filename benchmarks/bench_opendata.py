"""Open data downloads at city scale: `generator.opendata.build_open_data` by step, and file sizes.

    python benchmarks/bench_opendata.py [--data benchmarks/out/city] [--keep]

Loads and validates the city data set (not timed: bench_validate.py measures that), makes the
site context, then builds every download into benchmarks/out/opendata and reports the
seconds per step (tables, CSV, the size check, then the privacy check of the CSV, JSON (gzip),
XLSX, SQLite (gzip) and the archives two at a time in threads: each of those is the sum of its
jobs' own times, and the wall time is shown; changelog and checksums, releases) and the size of
every file. A city's release is too large for a static site, so it is stored elsewhere
(`Storage`, as `extra.downloads_url` and `--downloads-out` configure it): the release goes to
benchmarks/out/opendata/store, the site's data/ keeps the small files. A second build over the
first (next day's data) measures carrying a past release over and comparing with it. Target: all
downloads in under 60 s. Figures go to stdout and benchmarks/out/bench_opendata.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Any

from _common import CITY, OUT, describe, machine, peak_rss_mb, save, seconds, table

TARGET_SECONDS = 60.0


def _as_of(root: Path) -> dt.date:
    import citygen

    stamp = citygen.read_stamp(root) or {}
    return dt.date.fromisoformat(stamp.get("as_of", dt.date.today().isoformat()))


def run(root: Path, keep: bool) -> dict[str, Any]:
    from generator.opendata import build_open_data
    from generator.opendata.storage import Storage
    from generator.publish.compliance import department_years
    from generator.publish.context import SiteContext, data_as_of
    from generator.publish.settings import load_settings
    from generator.validate import validate

    started = time.perf_counter()
    ds, _ = validate(root, as_of=_as_of(root))
    ds.as_of = data_as_of(ds)
    ctx = SiteContext(ds, load_settings())
    loaded = time.perf_counter() - started
    loaded_rss = peak_rss_mb()
    # Facts the site's pages use too (results after corrections, deadlines, drawn objects, each
    # department's timeliness for the compliance pages): a build
    # computes them once for both, so they are timed apart from the downloads.
    began = time.perf_counter()
    _ = ctx.published, ctx.objects, ctx.selections, department_years(ctx)
    shared = time.perf_counter() - began
    target = OUT / "opendata"
    shutil.rmtree(target, ignore_errors=True)
    first = target / "first"
    # A city's release is too large for the site (generator.opendata.storage): it is stored elsewhere,
    # as a deployment would configure with extra.downloads_url and --downloads-out.
    store = Storage("https://example.org/releases/download/data-{version}/", target / "store")
    began = time.perf_counter()
    release = build_open_data(ctx, first, repo_url="https://example.org/sunlight", title="bench", storage=store)
    release.deliver()
    total = time.perf_counter() - began
    # A later build (next day's data) carries the first release over (its checksums), and compares
    # with its tables for the changelog.
    ctx.as_of = ds.as_of = ds.as_of + dt.timedelta(days=1)
    again = time.perf_counter()
    build_open_data(ctx, target / "second", previous=[first], repo_url="https://example.org/sunlight", title="bench",
                    storage=store)
    second = time.perf_counter() - again
    files = [{"path": f.path, "bytes": f.bytes} for f in release.release.files]
    count = sum(1 for p in (target / "second").rglob("*") if p.is_file())
    data_bytes = sum(p.stat().st_size for p in (target / "second").rglob("*") if p.is_file())
    if not keep:
        shutil.rmtree(target, ignore_errors=True)
    return {"load_seconds": loaded, "shared_seconds": shared, "seconds": total, "steps": release.timings,
            "rows": release.rows,
            "files": files, "second_build_seconds": second, "second_build_files": count,
            "second_build_bytes": data_bytes, "peak_rss_after_load_mb": loaded_rss, "peak_rss_mb": peak_rss_mb()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the open data downloads of the city-scale data set.")
    parser.add_argument("--data", type=Path, default=CITY, help="data directory (default: the city)")
    parser.add_argument("--keep", action="store_true", help="keep benchmarks/out/opendata for inspection")
    args = parser.parse_args(argv)
    info = machine()
    result = run(args.data, args.keep)
    print(f"Open data downloads, {args.data} ({describe(info)})")
    print(f"load + validate (not part of the target): {seconds(result['load_seconds'])}")
    print("site context shared with the pages (results after corrections, deadlines, drawn objects, "
          f"compliance; not part of the target): {seconds(result['shared_seconds'])}")
    print(table([(step, seconds(value)) for step, value in result["steps"].items()]
                + [("all downloads", seconds(result["seconds"]))], ("step", "time")))
    print(table([(name, f"{rows:,}") for name, rows in result["rows"].items()], ("table", "rows")))
    def megabytes(ending: str) -> str:
        return f"{sum(f['bytes'] for f in result['files'] if f['path'].endswith(ending)) / 1e6:,.1f} MB"

    print(table([(f["path"], megabytes(f["path"])) for f in result["files"]
                 if not f["path"].endswith((".csv", ".json.gz"))]
                + [("*.csv (all tables)", megabytes(".csv")), ("*.json.gz (all tables)", megabytes(".json.gz")),
                   ("the release", megabytes(""))], ("file", "size")))
    print(f"second build carrying the first release over: {seconds(result['second_build_seconds'])}, "
          f"{result['second_build_files']} files, {result['second_build_bytes'] / 1e6:,.1f} MB in the site's data/; "
          f"peak RSS {result['peak_rss_after_load_mb']:.0f} MB after load + validate, "
          f"{result['peak_rss_mb']:.0f} MB at the end")
    verdict = "meets" if result["seconds"] < TARGET_SECONDS else "MISSES"
    print(f"target: all downloads under {TARGET_SECONDS:.0f} s — {verdict}")
    save("bench_opendata", {"machine": info, **result})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
