"""Validation at city scale: `generator.validate.validate` end to end, by phase, and the peer.

    python benchmarks/bench_validate.py [--data benchmarks/out/city] [--profile] [--pure]
                                        [--no-frictionless] [--repeat 1]

Generates (or reuses, see citygen's stamp) the city data set in benchmarks/out/city, then
measures, each in a fresh Python process so that peak memory (ru_maxrss) is its own:

1. `validate(root, as_of=...)` (all of `sunlight validate` but printing), one run with a
   stopwatch around each loader (`read_table` per table, `load_results`, `load_plans`,
   `load_draws`, ...) and each rule, all in one process; with --pure also plain runs, as
   `sunlight validate` runs (a city's draw chain in a second process). Nothing is cached
   between runs: the user cache is an empty folder (XDG_CACHE_HOME=benchmarks/out/validate-cache);
2. objects.csv alone, the project's fast path (`load.read_table`: decode, structure,
   schema, unique keys, typed frame) against `frictionless.validate` with the same Table
   Schema (generator/schemas/objects.json) on the same 1,000,000-row file;
3. with --profile, cProfile of validate (top entries by cumulative time written to
   benchmarks/out/validate.prof.txt);
4. unless --no-cache-runs, `sunlight validate` as a clerk runs it on one checkout, again and
   again, with the validation cache (bench_validate_cache.py: the first run, nothing changed,
   one result changed, --no-cache). Steps 1-3 measure validation from scratch.

Steps that take under 2 s are run 3 times and the median is reported; longer ones once
(raise --repeat to repeat those too). Figures go to stdout and benchmarks/out/bench_validate.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from _common import CITY, OUT, REPO, describe, machine, peak_rss_mb, profile, run_child, save, seconds, table, timed

TARGET_SECONDS = 5.0


# -- workers (run in a child process) ---------------------------------------------------

def worker_e2e(root: Path, as_of: dt.date, repeat: int) -> dict[str, Any]:
    from generator.findings import Severity
    from generator.gc_pause import one_shot_command
    from generator.validate import validate

    def run() -> Any:
        with one_shot_command():  # as `sunlight validate` runs it
            return validate(root, as_of=as_of)

    median, runs, (_, findings) = timed(run, repeat=repeat,
                                        cheap=float("inf"))
    errors = sum(f.severity is Severity.ERROR for f in findings)
    rules: dict[str, int] = {}
    for f in findings:
        rules[f.rule] = rules.get(f.rule, 0) + 1
    return {"seconds": median, "runs": runs, "findings": len(findings), "errors": errors,
            "warnings": len(findings) - errors, "by_rule": rules, "peak_rss_mb": peak_rss_mb()}


def worker_phases(root: Path, as_of: dt.date) -> dict[str, Any]:
    """One `validate()` run with a stopwatch around each loader and each rule.

    The wrappers replace module attributes that `validate`/`load`/`run_rules` look up at
    call time, so the run is the real one; their own cost is a few microseconds per call.
    Afterwards each phase that took under 2 s is run twice more on its own (median of 3).
    Every rule runs in this process (a city's draw chain otherwise runs in a forked one beside
    the others), so that each has its own time; the plain runs (--pure) time the real thing.
    """
    import generator.load as load_module
    import generator.rules as rules_module
    import generator.validate as validate_module
    from generator.findings import Severity
    from generator.layout import Layout
    from generator.rules import RULES

    rules_module.SEPARATE_PROCESS_ABOVE = 10**9

    layout = Layout(root)
    spent: dict[str, list[float]] = {}
    calls: dict[str, int] = {}
    again: dict[str, Any] = {}

    def note(key: str, seconds_: float) -> None:
        spent.setdefault(key, [0.0])[0] += seconds_  # summed over calls (results: one per file)
        calls[key] = calls.get(key, 0) + 1

    def wrap(module: Any, attr: str, key: Any, consume: bool = False) -> None:
        original = getattr(module, attr)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = original(*args, **kwargs)
            if consume:
                result = list(result)
            name = key(*args, **kwargs) if callable(key) else key
            note(name, time.perf_counter() - started)
            if name not in again:
                again[name] = (lambda: [*original(*args, **kwargs)]) if consume else (
                    lambda: original(*args, **kwargs))
            return result

        setattr(module, attr, wrapper)

    wrap(load_module, "read_table", lambda path, name, *a, **k: f"load: read_table {name}")
    for attr in ("load_results", "load_plans", "load_scenarios", "load_snapshot", "load_holidays", "load_draws"):
        wrap(load_module, attr, f"load: {attr}")
    wrap(load_module, "reference_table", "load: reference_table (3)")
    wrap(validate_module, "load", "load() total")
    for rule in RULES:
        wrap(rule, "check", f"rule: {rule.__name__.rsplit('.', 1)[-1]}", consume=True)
    wrap(validate_module, "run_rules", "run_rules() total")
    wrap(validate_module, "ordered", "ordered(findings)")
    started = time.perf_counter()
    from generator.gc_pause import one_shot_command

    with one_shot_command():
        _, findings = validate_module.validate(root, as_of=as_of)
    total = time.perf_counter() - started
    rss = peak_rss_mb()
    # Repeat the cheap phases that can run on their own (not nested totals).
    repeatable = {k for k in spent if (k.startswith("rule: ") or k.startswith("load: read_table")
                                       or k in ("load: load_plans", "load: load_scenarios",
                                                "load: load_snapshot", "load: load_holidays"))
                  and calls[k] == 1}
    for key in sorted(repeatable):
        if spent[key][0] < 2.0:
            for _ in range(2):
                t0 = time.perf_counter()
                again[key]()
                spent[key].append(time.perf_counter() - t0)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    phases = [{"name": k, "seconds": sorted(v)[len(v) // 2], "runs": v, "calls": calls[k]}
              for k, v in spent.items()]
    del layout
    return {"total": total, "phases": phases, "findings": len(findings), "errors": errors,
            "warnings": len(findings) - errors, "by_rule": by_rule, "peak_rss_mb": rss}


def worker_tabular(path: Path) -> dict[str, Any]:
    from generator.layout import Layout
    from generator.load import read_table

    layout = Layout(path.parent.parent)
    median, runs, (frame, findings) = timed(lambda: read_table(path, "objects", layout))
    return {"seconds": median, "runs": runs, "rows": len(frame), "errors": len(findings),
            "peak_rss_mb": peak_rss_mb()}


def worker_frictionless(path: Path, repeat: int) -> dict[str, Any]:
    from frictionless import Resource, Schema, validate

    descriptor = json.loads((REPO / "generator" / "schemas" / "objects.json").read_text(encoding="utf-8"))

    def run() -> Any:
        resource = Resource(path=path.name, basepath=str(path.parent),
                            schema=Schema.from_descriptor(descriptor))
        return validate(resource)

    median, runs, report = timed(run, repeat=repeat, cheap=float("inf"))
    task = report.tasks[0] if report.tasks else None
    return {"seconds": median, "runs": runs, "valid": report.valid,
            "rows": task.stats.get("rows") if task else None,
            "errors": len(report.flatten(["type"])), "peak_rss_mb": peak_rss_mb()}


def worker_profile(root: Path, as_of: dt.date) -> dict[str, Any]:
    from generator.validate import validate

    path = OUT / "validate.prof.txt"
    started = time.perf_counter()
    text = profile(lambda: validate(root, as_of=as_of), path, top=40)
    return {"seconds_profiled": time.perf_counter() - started, "file": str(path), "top": text[:200]}


# -- orchestration ----------------------------------------------------------------------

def warm_cache(root: Path) -> dict[str, Any]:
    """Read every file once, so that all runs see the same (warm) page cache, as in CI."""
    started = time.perf_counter()
    count = size = 0
    for path in root.rglob("*"):
        if path.is_file():
            size += len(path.read_bytes())
            count += 1
    return {"files": count, "bytes": size, "seconds": time.perf_counter() - started}


def _as_of(root: Path) -> dt.date:
    import citygen

    stamp = citygen.read_stamp(root) or {}
    return dt.date.fromisoformat(stamp.get("as_of", dt.date.today().isoformat()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time validation of the city-scale data set.")
    parser.add_argument("--data", type=Path, default=CITY,
                        help="data directory (default: benchmarks/out/city, generated if missing)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of the slow steps (--pure validate, frictionless); cheap steps run 3 times")
    parser.add_argument("--no-frictionless", action="store_true", help="skip the frictionless peer")
    parser.add_argument("--pure", action="store_true",
                        help="also time validate() without instrumentation (--repeat runs)")
    parser.add_argument("--profile", action="store_true", help="also cProfile validate()")
    parser.add_argument("--no-cache-runs", action="store_true",
                        help="skip the runs of `sunlight validate` with its cache (bench_validate_cache.py)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, *rest = args.worker
        root = Path(rest[0])
        result = {
            "e2e": lambda: worker_e2e(root, dt.date.fromisoformat(rest[1]), int(rest[2])),
            "phases": lambda: worker_phases(root, dt.date.fromisoformat(rest[1])),
            "tabular": lambda: worker_tabular(root),
            "frictionless": lambda: worker_frictionless(root, int(rest[1])),
            "profile": lambda: worker_profile(root, dt.date.fromisoformat(rest[1])),
        }[kind]()
        print(json.dumps(result, ensure_ascii=False))
        return 0

    root = args.data.resolve()
    if root == CITY.resolve():
        import citygen

        citygen.ensure(CITY)
    as_of = _as_of(root).isoformat()
    me = str(Path(__file__).resolve())
    objects = root / "directory" / "objects.csv"
    rows = sum(1 for _ in objects.open("rb")) - 1
    print(f"bench_validate: {root} (objects.csv: {rows:,} rows, {objects.stat().st_size / 1e6:.0f} MB; as of {as_of})")

    figures: dict[str, Any] = {"data": str(root), "as_of": as_of, "objects_rows": rows, "machine": machine()}
    print(f"· {describe(figures['machine'])}")
    warm = warm_cache(root)
    print(f"· page cache warmed: read {warm['files']:,} files, {warm['bytes'] / 1e6:.0f} MB "
          f"in {seconds(warm['seconds'])}")
    # validate keeps nothing in the user cache; an empty one makes sure of it.
    cache = OUT / "validate-cache"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["XDG_CACHE_HOME"] = str(cache)
    print("· validate(), instrumented: one run, a stopwatch per loader and per rule …", flush=True)
    figures["phases"] = run_child([me, "--worker", "phases", str(root), as_of])
    if args.pure:
        print(f"· validate(), plain: {args.repeat} run(s) …", flush=True)
        figures["e2e"] = run_child([me, "--worker", "e2e", str(root), as_of, str(args.repeat)])
    print("· objects.csv: generator fast path …", flush=True)
    figures["tabular"] = run_child([me, "--worker", "tabular", str(objects)])
    if not args.no_frictionless:
        print("· objects.csv: frictionless.validate …", flush=True)
        figures["frictionless"] = run_child([me, "--worker", "frictionless", str(objects), str(args.repeat)])
    if args.profile:
        print("· cProfile of validate() …", flush=True)
        figures["profile"] = run_child([me, "--worker", "profile", str(root), as_of])

    ph = figures["phases"]
    total = figures["e2e"]["seconds"] if "e2e" in figures else ph["total"]
    print()
    print(f"validate() on the whole data set: {seconds(total)} "
          f"(target {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'NOT met'}), "
          f"peak RSS {ph['peak_rss_mb']:.0f} MB, {ph['errors']} errors, {ph['warnings']} warnings")
    if "e2e" in figures:
        print(f"(plain runs: {', '.join(seconds(r) for r in figures['e2e']['runs'])}; "
              f"instrumented run, one process: {seconds(ph['total'])})")
    print()
    print(table([(p["name"], seconds(p["seconds"]), len(p["runs"]), p["calls"]) for p in ph["phases"]]
                + [("validate() total (instrumented run)", seconds(ph["total"]), 1, 1)],
                ("phase (nested: load() total includes the load: rows)", "median", "runs", "calls")))
    print()
    peer = [("generator fast path (load.read_table)", figures["tabular"])]
    if "frictionless" in figures:
        peer.append(("frictionless.validate (same schema)", figures["frictionless"]))
    print(table([(name, f"{f['rows']:,}" if f.get("rows") is not None else "?", seconds(f["seconds"]),
                  len(f["runs"]), f"{f['peak_rss_mb']:.0f} MB", f["errors"]) for name, f in peer],
                ("objects.csv, 1 file", "rows", "median", "runs", "peak RSS", "errors")))
    if "frictionless" in figures:
        ratio = figures["frictionless"]["seconds"] / figures["tabular"]["seconds"]
        print(f"fast path is {ratio:.1f}× faster than frictionless on objects.csv")
    if not args.no_cache_runs:
        from bench_validate_cache import cache_figures

        print("\n· sunlight validate as a clerk runs it, with the validation cache (bench_validate_cache.py) …",
              flush=True)
        figures["cache"] = cache_figures(root, as_of, args.repeat if args.repeat > 1 else 3)
    figures["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"(load average at the end: {figures['loadavg_end'][0]:.2f})")
    path = save("bench_validate" if root == CITY.resolve() else f"bench_validate-{root.name}", figures)
    print(f"\nfigures saved to {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
