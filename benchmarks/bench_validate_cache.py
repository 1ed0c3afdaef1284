"""`sunlight validate` at city scale as a clerk runs it, again and again on one checkout.

    python benchmarks/bench_validate_cache.py [--data benchmarks/out/city] [--repeat 3]

The validation cache (generator.incremental) keeps what a run worked out from each file; this
times the command itself (a fresh `python -m generator validate` process each run, wall and CPU
time of the process and its children) in a checkout of its own, benchmarks/out/validate-checkout:
the city data set hard-linked (no copy of 600 MB; a file is only ever replaced, never written
into, so the shared data stay as they were), with its own empty cache:

1. the first run: nothing kept, no file's digest known (as after a fresh clone);
2. runs with nothing changed;
3. runs after one published result was changed (each time another results file: R01 -> R07 on
   one row, as bench_site.py changes one);
4. one run with --no-cache, for comparison.

Each run's output is compared with the --no-cache run's on the same files. Figures go to stdout
and benchmarks/out/bench_validate_cache.json.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import CITY, OUT, REPO, describe, machine, save, seconds, table

TARGET_SECONDS = 5.0


def checkout(source: Path, target: Path) -> None:
    """`source` hard-linked into `target` (files replaced later, never written in place)."""
    shutil.rmtree(target, ignore_errors=True)
    for folder, _, names in os.walk(source):
        here = target / Path(folder).relative_to(source)
        here.mkdir(parents=True, exist_ok=True)
        for name in names:
            os.link(Path(folder) / name, here / name)


def change_one_result(root: Path, number: int) -> str:
    """Replace the `number`-th results file of the last year by a copy with one code changed."""
    year = sorted((root / "results").iterdir())[-1]
    path = sorted(year.glob("*.csv"))[-1 - number]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if ",R01," in line)
    lines[row] = lines[row].replace(",R01,", ",R07,", 1)
    path.unlink()  # a new file: the hard-linked original stays as it was
    path.write_text("".join(lines), encoding="utf-8")
    return f"{path.relative_to(root)} line {row + 1}: R01 → R07"


def run(root: Path, as_of: str, env: dict[str, str], *extra: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the process and its children) and the output of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "generator", "validate", "--data", str(root), "--today", as_of,
                           *extra], cwd=REPO, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit("validate failed")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def cache_figures(source: Path, as_of: str, repeat: int) -> dict[str, Any]:
    """The four kinds of run on a checkout of `source`, with a table printed as they end."""
    root = OUT / "validate-checkout"
    checkout(source, root)
    cache = OUT / "validate-checkout-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, SUNLIGHT_CACHE_DIR=str(cache),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    figures: dict[str, Any] = {"runs": {}}

    def measure(name: str, *extra: str, before: Any = None) -> None:
        walls, cpus, changes, same = [], [], [], True
        for number in range(1 if name.startswith(("first", "without")) else repeat):
            if before is not None:
                changes.append(before(number))
            wall, cpu, out = run(root, as_of, env, *extra)
            if before is not None:
                same = same and out == run(root, as_of, env, "--no-cache")[2]
            walls.append(wall)
            cpus.append(cpu)
        figures["runs"][name] = {"wall": walls, "cpu": cpus, "changed": changes, "same_output": same}
        print(f"· {name}: {', '.join(seconds(w) for w in walls)} wall, "
              f"{', '.join(seconds(c) for c in cpus)} CPU", flush=True)

    measure("first run (nothing kept)")
    measure("nothing changed")
    measure("one result changed", before=lambda n: change_one_result(root, n))
    measure("without the cache (--no-cache)", "--no-cache")
    rows = []
    for name, run_ in figures["runs"].items():
        rows.append((name, seconds(statistics.median(run_["wall"])), seconds(statistics.median(run_["cpu"])),
                     len(run_["wall"]), "yes" if run_["same_output"] else "NO"))
    print()
    print(table(rows, ("sunlight validate, city", "median wall", "median CPU", "runs", "same output as --no-cache")))
    figures["changed_seconds"] = statistics.median(figures["runs"]["one result changed"]["wall"])
    figures["cache_mb"] = round(sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) / 1e6)
    print(f"\nafter one changed result: {seconds(figures['changed_seconds'])} (target {TARGET_SECONDS:.0f} s: "
          f"{'met' if figures['changed_seconds'] < TARGET_SECONDS else 'NOT met'}); cache {figures['cache_mb']} MB")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time sunlight validate with its cache, at city scale.")
    parser.add_argument("--data", type=Path, default=CITY)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    source = args.data.resolve()
    as_of = "2026-11-20"
    if source == CITY.resolve():
        import citygen

        citygen.ensure(CITY)
        as_of = str((citygen.read_stamp(CITY) or {}).get("as_of", as_of))
    figures: dict[str, Any] = {"data": str(source), "as_of": as_of, "machine": machine()}
    print(f"bench_validate_cache: {source} as of {as_of}\n· {describe(figures['machine'])}")
    figures.update(cache_figures(source, as_of, args.repeat))
    figures["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average at the end: {figures['loadavg_end'][0]:.2f}")
    path = save("bench_validate_cache", figures)
    print(f"figures saved to {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
