"""Open data downloads at city scale: `generator.opendata.build_open_data` by step, and file sizes.

    python benchmarks/bench_opendata.py [--data benchmarks/out/city] [--keep] [--compare]

Loads and validates the city data set (not timed: bench_validate.py measures that), makes the
site context, then builds every download into benchmarks/out/opendata and reports the
seconds per step (tables, CSV, the size check, then the privacy check of the CSV, JSON (gzip),
XLSX, SQLite (gzip) and the archives two at a time in threads: each of those is the sum of its
jobs' own times, and the wall time is shown; changelog and checksums, releases) and the size of
every file. A city's release is too large for a static site, so it is stored elsewhere
(`Storage`, as `extra.downloads_url` and `--downloads-out` configure it): the release goes to
benchmarks/out/opendata/store, the site's data/ keeps the small files. Then one published result
is changed (R01 -> R07, as bench_site.py does) and the downloads are built again over the first
release, reusing every file whose inputs are unchanged (generator.opendata.keys); with --compare,
the same data is also built from scratch and the two releases compared byte for byte. Peak memory
is sampled during each build, and the CPU time of the process (all threads) for each build: on a
shared machine the wall times depend on the load, the CPU time much less. Target: all downloads in
under 60 s. Figures go to stdout and
benchmarks/out/bench_opendata.json.
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


class Sampler:
    """Peak resident memory over a stretch of code (VmRSS every 20 ms), beside ru_maxrss, which
    only ever grows: the open-data step's own peak above what load + validate left."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        threading.Thread(target=self._run, daemon=True).start()

    @staticmethod
    def rss() -> float:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def start(self) -> float:
        self.peak = now = self.rss()
        return now


def _change_one_result(ds: Any) -> str:
    """The first published R01 result of the last year becomes R07, as bench_site.py changes the city."""
    import polars as pl

    results = ds.results.with_row_index("_n")
    last = results["year"].max() if "year" in results.columns else None
    chosen = results.filter((pl.col("result_code") == "R01") & pl.col("published_on").is_not_null()
                            & ((pl.col("year") == last) if last is not None else pl.lit(True)))
    row = int(chosen["_n"][0])
    ds.results = ds.results.with_columns(pl.when(pl.int_range(pl.len()) == row).then(pl.lit("R07"))
                                         .otherwise(pl.col("result_code")).alias("result_code"))
    return f"results row {row}: result_code R01 → R07"


def _tree(root: Path) -> dict[str, str]:
    from generator.opendata.checksums import sha256_file

    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


def run(root: Path, keep: bool, compare: bool) -> dict[str, Any]:
    import os

    from generator.opendata import build_open_data
    from generator.opendata.storage import Storage
    from generator.publish.context import SiteContext, data_as_of
    from generator.publish.owed import department_years
    from generator.publish.reuse import Reuse, code_digest
    from generator.publish.settings import load_settings
    from generator.validate import validate

    sampler = Sampler()
    target = OUT / "opendata"
    shutil.rmtree(target, ignore_errors=True)
    os.environ["SUNLIGHT_CACHE_DIR"] = str(target / "cache")  # the keys of the last build (reuse.py)
    started = time.perf_counter()
    ds, _ = validate(root, as_of=_as_of(root))
    ds.as_of = data_as_of(ds)
    settings = load_settings()
    ctx = SiteContext(ds, settings)
    loaded = time.perf_counter() - started
    loaded_rss = peak_rss_mb()
    # Facts the site's pages use too (results after corrections, deadlines, drawn objects, each
    # department's timeliness for the compliance pages): a build
    # computes them once for both, so they are timed apart from the downloads.
    began = time.perf_counter()
    _ = ctx.published, ctx.objects, ctx.selections, department_years(ctx)
    shared = time.perf_counter() - began
    # A city's release is too large for the site (generator.opendata.storage): it is stored elsewhere,
    # as a deployment would configure with extra.downloads_url and --downloads-out.
    store = Storage("https://example.org/releases/download/data-{version}/", target / "store")
    salt = code_digest()

    cpu: dict[str, float] = {}

    def build(name: str, previous: list[Path], incremental: bool, label: str) -> tuple[Any, float, float, float]:
        reuse = Reuse.open(target / name, salt, enabled=incremental)
        base = sampler.start()
        began, used = time.perf_counter(), time.process_time()
        release = build_open_data(ctx, target / name / "data", previous=previous, repo_url="https://example.org/sunlight",
                                  title="bench", storage=store, reuse=reuse)
        release.deliver()
        reuse.save()
        cpu[label] = time.process_time() - used
        return release, time.perf_counter() - began, base, sampler.peak

    release, total, base_rss, first_peak = build("site", [], True, "first build")
    # The published site, as a rebuild finds it: its data/ holds the first release's checksums.
    shutil.copytree(target / "site" / "data", target / "published")
    changed = _change_one_result(ds)
    began = time.perf_counter()
    ctx = SiteContext(ds, settings)
    ds.as_of = data_as_of(ds)
    _ = ctx.published, ctx.objects, ctx.selections, department_years(ctx)
    shared_again = time.perf_counter() - began
    again, second, _, second_peak = build("site", [target / "published"], True, "rebuild")
    figures: dict[str, Any] = {}
    if compare:  # the same data from scratch, against the same published site: byte for byte the same?
        full, full_seconds, _, _ = build("full", [target / "published"], False,
                                          "the rebuild's data from scratch")
        same = _tree(store.out / again.version) == _tree(store.out / full.version) if store.out else False
        figures = {"full_rebuild_seconds": full_seconds, "incremental_equals_full": same,
                   "full_rebuild_steps": full.timings}
    files = [{"path": f.path, "bytes": f.bytes} for f in release.release.files]
    if not keep:
        shutil.rmtree(target, ignore_errors=True)
    return {"load_seconds": loaded, "shared_seconds": shared, "seconds": total, "steps": release.timings,
            "rows": release.rows, "files": files, "changed": changed, "shared_again_seconds": shared_again,
            "rebuild_seconds": second, "rebuild_steps": again.timings, "rebuild_version": again.version,
            "rebuilt": sorted(f.path for f in again.release.files if f.path not in again.reused),
            "rss_before_mb": base_rss, "first_peak_rss_mb": first_peak, "rebuild_peak_rss_mb": second_peak,
            "peak_rss_after_load_mb": loaded_rss, "peak_rss_mb": peak_rss_mb(), "cpu_seconds": cpu, **figures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the open data downloads of the city-scale data set.")
    parser.add_argument("--data", type=Path, default=CITY, help="data directory (default: the city)")
    parser.add_argument("--keep", action="store_true", help="keep benchmarks/out/opendata for inspection")
    parser.add_argument("--compare", action="store_true",
                        help="also rebuild the changed data from scratch and compare it with the incremental rebuild")
    args = parser.parse_args(argv)
    info = machine()
    result = run(args.data, args.keep, args.compare)
    print(f"Open data downloads, {args.data} ({describe(info)})")
    print(f"load + validate (not part of the target): {seconds(result['load_seconds'])}")
    print("site context shared with the pages (results after corrections, deadlines, drawn objects, "
          f"compliance; not part of the target): {seconds(result['shared_seconds'])}")
    print(table([(step, seconds(value) if isinstance(value, float) else str(value))
                 for step, value in result["steps"].items()]
                + [("all downloads", seconds(result["seconds"]))], ("step", "time")))
    print(table([(name, f"{rows:,}") for name, rows in result["rows"].items()], ("table", "rows")))
    def megabytes(ending: str) -> str:
        return f"{sum(f['bytes'] for f in result['files'] if f['path'].endswith(ending)) / 1e6:,.1f} MB"

    print(table([(f["path"], megabytes(f["path"])) for f in result["files"]
                 if not f["path"].endswith((".csv", ".json.gz"))]
                + [("*.csv (all tables)", megabytes(".csv")), ("*.json.gz (all tables)", megabytes(".json.gz")),
                   ("the release", megabytes(""))], ("file", "size")))
    print(f"peak RSS: {result['rss_before_mb']:.0f} MB before the first build, "
          f"{result['first_peak_rss_mb']:.0f} MB during it, {result['rebuild_peak_rss_mb']:.0f} MB during the "
          f"rebuild (ru_maxrss {result['peak_rss_after_load_mb']:.0f} MB after load + validate, "
          f"{result['peak_rss_mb']:.0f} MB at the end)")
    print(f"rebuild after one changed result ({result['changed']}; site context again "
          f"{seconds(result['shared_again_seconds'])}, not part of it): {seconds(result['rebuild_seconds'])}, "
          f"release {result['rebuild_version']}, written anew: {', '.join(result['rebuilt'])}")
    print(table([(step, seconds(value) if isinstance(value, float) else str(value))
                 for step, value in result["rebuild_steps"].items()], ("rebuild step", "time")))
    if "full_rebuild_seconds" in result:
        print(f"the same data from scratch: {seconds(result['full_rebuild_seconds'])}; incremental release "
              f"byte for byte the same: {result['incremental_equals_full']}")
    print("CPU time of the process, all threads (user + system; on a shared machine the figure to compare): "
          + ", ".join(f"{name} {seconds(value)}" for name, value in result["cpu_seconds"].items()))
    verdict = "meets" if result["seconds"] < TARGET_SECONDS else "MISSES"
    print(f"target: all downloads under {TARGET_SECONDS:.0f} s — {verdict}")
    save("bench_opendata", {"machine": info, **result})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
