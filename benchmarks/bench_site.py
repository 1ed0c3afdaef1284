"""The public site at city scale: `sunlight build` end to end, by phase, and what it produces.

    python benchmarks/bench_site.py [--data benchmarks/out/city] [--no-full] [--no-rebuild]
                                    [--profile] [--no-open-data] [--cpu-phases]

Builds the site from the shared city data set (benchmarks/citygen.py; read-only) and measures,
each in a fresh Python process so that peak memory (ru_maxrss) is its own:

1. render from scratch (nothing reused, as `sunlight build --full`): `generator.load.load(root)`,
   `forget_parsed_draws(ds)` then `publish_dataset(ds, out)` (phase two of `build_site`: everything
   but validation), timed
   apart from the load, with the build's own
   phase times (BuildReport.timings); then the output: files, total bytes, the home page's
   transferred (gzip -6) size and a typical lookup's (the lookup page, its script, meta.json and
   one history shard; the assets every page shares are listed apart);
2. full build from scratch: the city is copied to benchmarks/out/city-site-copy (a checkout of its
   own, as a deployment has) and built with `build_site(copy, out, incremental=False)` (validate +
   render), as `sunlight build --full` runs it: it reads nothing kept, and keeps its work for the
   next build (the validation cache, the site's keys) in an empty cache folder of its own
   (benchmarks/out/site-cache, SUNLIGHT_CACHE_DIR);
3. rebuild after one changed result: one result row's `result_code` is changed in the copy
   (keeping the data valid), and 2 (with --no-full: 1) runs again, incrementally (as `sunlight
   build` runs: the validation takes what the last build kept from the unchanged files, and outputs
   whose inputs are unchanged are taken from the site built before).
4. with --profile, cProfile of publish_dataset (benchmarks/out/site.prof.txt).

Figures go to stdout and benchmarks/out/bench_site.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from _common import CITY, OUT, REPO, describe, machine, peak_rss_mb, profile, run_child, save, seconds, table

SITE = OUT / "site-city"
CACHE = OUT / "site-cache"
NO_OPEN_DATA = "SUNLIGHT_BENCH_NO_OPEN_DATA"
COPY = OUT / "city-site-copy"
TARGETS = {"full build": 120.0, "rebuild": 15.0, "peak memory MB": 2048, "files": 20_000, "bytes": 1e9,
           "home transferred": 300_000, "lookup transferred": 100_000}


# -- workers (run in a child process) ---------------------------------------------------

def _watch_memory() -> dict[str, float]:
    """Peak RSS after each step of publish_dataset, by wrapping the names build.py calls."""
    import generator.opendata as opendata
    import generator.publish.build as build

    peaks: dict[str, float] = {}

    def wrap(owner: Any, attr: str, label: str) -> None:
        original = getattr(owner, attr)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            peaks[label] = round(peak_rss_mb())
            return result

        setattr(owner, attr, wrapper)

    # build.py imports build_open_data when it runs: the wrapper in generator.opendata is the one called.
    for owner, attr, label in ((opendata, "build_open_data", "open data"), (build, "_pages", "view models"),
                               (build, "run_mkdocs", "mkdocs"),
                               (build, "pour", "content"), (build, "write_draws", "draw files"),
                               (build.results, "write_data", "results data"),
                               (build.lookup, "write_lookup", "lookup"), (build, "_finish_pagefind", "pagefind"),
                               (build, "scan", "privacy scan")):
        wrap(owner, attr, label)
    return peaks


# A city's data release is too large for the site (generator.opendata.storage): as a deployment
# would, it is stored elsewhere; the build writes its files beside the site, outside the figures.
DOWNLOADS_URL = "https://github.com/zibo-sunlight/sunlight/releases/download/data-{version}/"


def _downloads(out: Path, clear: bool = True) -> Path:
    """The release store beside the site; a rebuild keeps it, as the earlier release's tables are
    what the new changelog compares with (a deployment fetches them with `releases fetch`)."""
    folder = out.with_name(out.name + "-downloads")
    if clear:  # and the site that lists its releases: from scratch means no earlier release
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return folder


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children (pagefind): on a
    shared machine a fairer comparison than wall time."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _skip_open_data() -> None:
    """--no-open-data: the open data (timed by bench_opendata.py) is replaced by an empty
    `data/` folder, so the render phases can be compared on their own."""
    if not os.environ.get(NO_OPEN_DATA):
        return
    import generator.opendata

    def empty(ctx: Any, data: Path, **_: Any) -> None:
        data.mkdir(parents=True, exist_ok=True)

    generator.opendata.build_open_data = empty  # type: ignore[assignment]


CPU_PHASES = "SUNLIGHT_BENCH_CPU_PHASES"


def _cpu_phases() -> None:
    """--cpu-phases: the build's phase times (BuildReport.timings) in CPU seconds of this process
    (all its threads) instead of wall seconds, to compare code on a shared machine."""
    if not os.environ.get(CPU_PHASES):
        return
    import types

    import generator.publish.build as build

    build.time = types.SimpleNamespace(perf_counter=time.process_time)  # type: ignore[assignment]


def worker_render(root: Path, out: Path, incremental: bool) -> dict[str, Any]:
    from generator.load import load
    from generator.publish.build import forget_parsed_draws, publish_dataset

    _cpu_phases()

    started = time.perf_counter()
    ds, _ = load(root)
    forget_parsed_draws(ds)  # as build_site does after validating
    loaded = time.perf_counter() - started
    _skip_open_data()
    rss_load = peak_rss_mb()
    peaks = _watch_memory()
    started, cpu = time.perf_counter(), _cpu()
    from generator.opendata.storage import Storage

    report = publish_dataset(ds, out, downloads=Storage(DOWNLOADS_URL, _downloads(out, clear=not incremental)),
                             incremental=incremental)
    return {"load": loaded, "render": time.perf_counter() - started, "render_cpu": _cpu() - cpu,
            "timings": report.timings,
            "counts": report.counts, "pages": report.pages, "files": report.files, "bytes": report.bytes,
            "peak_rss_mb_load": rss_load, "peak_rss_mb": peak_rss_mb(), "peak_rss_mb_after": peaks}


def worker_full(root: Path, out: Path, incremental: bool) -> dict[str, Any]:
    from generator.publish.build import build_site

    _skip_open_data()
    started = time.perf_counter()
    report = build_site(root, out, downloads_out=_downloads(out, clear=not incremental),
                        downloads_url=DOWNLOADS_URL, incremental=incremental)
    return {"seconds": time.perf_counter() - started, "timings": report.timings, "files": report.files,
            "bytes": report.bytes, "warnings": report.warnings, "peak_rss_mb": peak_rss_mb()}


def worker_profile(root: Path, out: Path) -> dict[str, Any]:
    from generator.load import load
    from generator.publish.build import forget_parsed_draws, publish_dataset

    ds, _ = load(root)
    forget_parsed_draws(ds)
    _skip_open_data()
    path = OUT / "site.prof.txt"
    from generator.opendata.storage import Storage

    profile(lambda: publish_dataset(ds, out, downloads=Storage(DOWNLOADS_URL, _downloads(out))), path, top=60)
    return {"file": str(path)}


# -- measuring the output ---------------------------------------------------------------

def transferred(path: Path) -> int:
    """Bytes on the wire when served gzip-compressed (level 6, as common static hosts do)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))


def _local_assets(page: Path, site: Path) -> list[Path]:
    """Scripts and stylesheets a page links to within the site."""
    import re

    text = page.read_text(encoding="utf-8")
    out = []
    for ref in re.findall(r'(?:src|href)="([^"#?]+\.(?:js|css))', text):
        if ref.startswith(("http://", "https://", "//")):
            continue
        target = (page.parent / ref).resolve()
        if target.is_file() and site.resolve() in target.parents:
            out.append(target)
    return sorted(set(out))


def output_figures(site: Path) -> dict[str, Any]:
    files = [p for p in site.rglob("*") if p.is_file()]
    by_top: dict[str, list[int]] = {}
    for p in files:
        top = p.relative_to(site).parts[0] if len(p.relative_to(site).parts) > 1 else "(top)"
        entry = by_top.setdefault(top, [0, 0])
        entry[0] += 1
        entry[1] += p.stat().st_size
    home = site / "index.html"
    shared = _local_assets(home, site)
    lookup_page = site / "lookup" / "index.html"
    lookup_assets = [a for a in _local_assets(lookup_page, site) if a not in shared]
    shards = sorted((site / "lookup" / "h").glob("*.json"), key=lambda p: p.stat().st_size)
    typical = shards[len(shards) // 2] if shards else None
    largest = shards[-1] if shards else None
    names = sorted((site / "lookup" / "n").glob("*.json"), key=lambda p: p.stat().st_size)
    lookup_parts = [lookup_page, *lookup_assets, site / "lookup" / "meta.json", *([typical] if typical else [])]
    return {
        "files": len(files), "bytes": sum(p.stat().st_size for p in files),
        "by_folder": {k: v for k, v in sorted(by_top.items(), key=lambda kv: -kv[1][1])},
        "home_bytes": home.stat().st_size, "home_transferred": transferred(home),
        "shared_assets_transferred": sum(transferred(a) for a in shared),
        "lookup_parts": {str(p.relative_to(site)): transferred(p) for p in lookup_parts},
        "lookup_transferred": sum(transferred(p) for p in lookup_parts),
        "history_shards": len(shards),
        "history_shard_median": typical.stat().st_size if typical else 0,
        "history_shard_max": largest.stat().st_size if largest else 0,
        "history_shard_max_transferred": transferred(largest) if largest else 0,
        "name_files": len(names), "name_file_max": names[-1].stat().st_size if names else 0,
        "name_file_max_transferred": transferred(names[-1]) if names else 0,
    }


# -- the one changed result ---------------------------------------------------------------

def copy_city(root: Path) -> Path:
    if COPY.exists():
        shutil.rmtree(COPY)
    shutil.copytree(root, COPY)
    return COPY


def change_one_result(root: Path) -> str:
    """Turn the first published R01 row (no problem found) of the last results file that has one
    into R07 (no such business activity found): another code that needs no follow-up, so the
    data stays valid, and a published one, so that the site shows the change (task page,
    results, lookup)."""
    for path in sorted((root / "results").rglob("*.csv"), reverse=True):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = lines[0].rstrip("\r\n").split(",")
        column, published = header.index("result_code"), header.index("published_on")
        for number, line in enumerate(lines[1:], start=1):
            cells = line.rstrip("\r\n").split(",")
            if '"' not in line and cells[column] == "R01" and cells[published]:
                cells[column] = "R07"
                lines[number] = ",".join(cells) + line[len(line.rstrip("\r\n")):]
                path.write_text("".join(lines), encoding="utf-8", newline="")
                return f"{path.relative_to(root)} line {number + 1}: result_code R01 → R07"
    raise SystemExit(f"no published R01 row to change under {root / 'results'}")


# -- orchestration ----------------------------------------------------------------------

def _verdict(value: float, target: float) -> str:
    return "met" if value < target else "**not met**"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the public site build on the city-scale data set.")
    parser.add_argument("--data", type=Path, default=CITY, help="data directory (default: benchmarks/out/city)")
    parser.add_argument("--no-full", action="store_true", help="skip the full build_site (validation included)")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the rebuild after one changed result")
    parser.add_argument("--profile", action="store_true", help="also cProfile publish_dataset")
    parser.add_argument("--no-open-data", action="store_true",
                        help="leave the open data out (an empty data/ folder), to time the rest of the render")
    parser.add_argument("--cpu-phases", action="store_true",
                        help="report the render's phases in CPU seconds (all threads), not wall seconds")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, root, out, *mode = args.worker
        if kind == "profile":
            result = worker_profile(Path(root), Path(out))
        else:  # "scratch": reuse nothing (sunlight build --full); "incremental": as sunlight build
            from generator.gc_pause import one_shot_command

            work = {"render": worker_render, "full": worker_full}[kind]
            with one_shot_command():  # as the CLI runs a command (the loaded data frozen for the collector)
                result = work(Path(root), Path(out), incremental=mode == ["incremental"])
        print(json.dumps(result, ensure_ascii=False))
        return 0

    if args.no_open_data:
        os.environ[NO_OPEN_DATA] = "1"  # inherited by the workers
    if args.cpu_phases:
        os.environ[CPU_PHASES] = "1"
    root = args.data.resolve()
    if not (root / ".citygen.json").is_file():
        raise SystemExit(f"{root} is not a generated city (no .citygen.json): run benchmarks/citygen.py first "
                         "or pass --data")
    me = str(Path(__file__).resolve())
    figures: dict[str, Any] = {"data": str(root), "machine": machine(), "open_data": not args.no_open_data}
    print(f"bench_site: {root}")
    print(f"· {describe(figures['machine'])}")
    # The cache folder is set before the first render: with --no-full, the rebuild takes its keys
    # from that render (a render from scratch keeps them for the next one, as `build --full` does).
    shutil.rmtree(CACHE, ignore_errors=True)
    os.environ["SUNLIGHT_CACHE_DIR"] = str(CACHE)  # inherited by the workers
    print("· render: load() + publish_dataset() …", flush=True)
    figures["render"] = run_child([me, "--worker", "render", str(root), str(SITE), "scratch"])
    figures["output"] = output_figures(SITE)
    if args.profile:
        print("· cProfile of publish_dataset …", flush=True)
        figures["profile"] = run_child([me, "--worker", "profile", str(root), str(OUT / "site-city-profile")])
        shutil.rmtree(OUT / "site-city-profile", ignore_errors=True)
    copy = root
    if not (args.no_full and args.no_rebuild):
        print(f"· copying the city to {COPY.relative_to(REPO)} …", flush=True)
        copy = copy_city(root)
    if not args.no_full:
        print("· full build_site() (validate + render) …", flush=True)
        figures["full"] = run_child([me, "--worker", "full", str(copy), str(SITE), "scratch"])
    if not args.no_rebuild:
        print("· changing one result …", flush=True)
        figures["changed"] = change_one_result(copy)
        print(f"  {figures['changed']}")
        # Each against the site built from the unchanged city just before.
        if args.no_full:
            figures["rebuild_render"] = run_child([me, "--worker", "render", str(copy), str(SITE), "incremental"])
        else:
            figures["rebuild_full"] = run_child([me, "--worker", "full", str(copy), str(SITE), "incremental"])
    figures["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]

    r, o = figures["render"], figures["output"]
    print()
    print(table([(k, seconds(v)) for k, v in r["timings"].items()] + [("publish_dataset total", seconds(r["render"])),
                                                                      ("load() before it", seconds(r["load"]))],
                ("render phase (BuildReport.timings)", "time")))
    print(f"peak RSS after load(): {r['peak_rss_mb_load']:.0f} MB; after each step: "
          + ", ".join(f"{k} {v:.0f} MB" for k, v in r["peak_rss_mb_after"].items()))
    print()
    rows: list[tuple[Any, ...]] = []
    if "full" in figures:
        full = figures["full"]
        rows.append(("full `build_site` (validate + render)", seconds(full["seconds"]), "< 120 s",
                     _verdict(full["seconds"], TARGETS["full build"])))
    rows.append(("render only (`publish_dataset`)", seconds(r["render"]), "—", ""))
    rows.append(("  its CPU time (user + system, pagefind included)", seconds(r["render_cpu"]), "", ""))
    peak = max([r["peak_rss_mb"]] + ([figures["full"]["peak_rss_mb"]] if "full" in figures else []))
    rows.append(("peak memory", f"{peak:.0f} MB", "< 2 GB", _verdict(peak, TARGETS["peak memory MB"])))
    if "rebuild_full" in figures:
        value = figures["rebuild_full"]["seconds"]
        rows.append(("rebuild after one changed result (full)", seconds(value), "< 15 s",
                     _verdict(value, TARGETS["rebuild"])))
    if "rebuild_render" in figures:
        value = figures["rebuild_render"]["render"]
        rows.append(("rebuild, render only", seconds(value), "< 15 s", _verdict(value, TARGETS["rebuild"])))
        rows.append(("  its CPU time", seconds(figures["rebuild_render"]["render_cpu"]), "", ""))
    rows += [
        ("files", f"{o['files']:,}", "< 20,000", _verdict(o["files"], TARGETS["files"])),
        ("total size", f"{o['bytes'] / 1e6:,.0f} MB", "< 1 GB", _verdict(o["bytes"], TARGETS["bytes"])),
        ("home page transferred (HTML, gzip)", f"{o['home_transferred'] / 1e3:.0f} KB", "< 300 KB",
         _verdict(o["home_transferred"], TARGETS["home transferred"])),
        ("  + shared CSS/JS (cached after first page)", f"{o['shared_assets_transferred'] / 1e3:.0f} KB", "", ""),
        ("a lookup transferred (page, script, meta, 1 shard)", f"{o['lookup_transferred'] / 1e3:.0f} KB",
         "< 100 KB", _verdict(o["lookup_transferred"], TARGETS["lookup transferred"])),
    ]
    print(table(rows, ("figure", "measured", "target", "")))
    print()
    print(table([(k, f"{v[0]:,}", f"{v[1] / 1e6:,.1f} MB") for k, v in o["by_folder"].items()],
                ("site folder", "files", "bytes")))
    print(f"lookup: {o['history_shards']:,} history shards (median {o['history_shard_median'] / 1e3:.0f} KB, "
          f"largest {o['history_shard_max'] / 1e3:.0f} KB = {o['history_shard_max_transferred'] / 1e3:.0f} KB "
          f"gzip); {o['name_files']:,} name files (largest {o['name_file_max'] / 1e3:.0f} KB = "
          f"{o['name_file_max_transferred'] / 1e3:.0f} KB gzip)")
    print(f"(load average at the end: {figures['loadavg_end'][0]:.2f})")
    path = save("bench_site", figures)
    print(f"\nfigures saved to {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
