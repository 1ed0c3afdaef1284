"""Shared helpers for the benchmarks: timing, child processes, tables, profiles."""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
CITY = OUT / "city"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CHEAP = 2.0  # seconds: a step faster than this is repeated (3 runs, median)


def timed(fn: Callable[[], Any], *, repeat: int = 3, cheap: float = CHEAP,
          reset: Callable[[], None] | None = None) -> tuple[float, list[float], Any]:
    """(median seconds, all runs, last result). Runs once; repeats only if the run was cheap."""
    runs: list[float] = []
    result: Any = None
    for attempt in range(repeat):
        if reset is not None:
            reset()
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
        if attempt == 0 and runs[0] > cheap:
            break
    return statistics.median(runs), runs, result


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def run_child(args: list[str], *, cwd: Path = REPO) -> dict[str, Any]:
    """Run `python ARGS` in a fresh process, expecting one JSON object on its last stdout line.

    A fresh process per measurement keeps peak memory (ru_maxrss) and caches honest.
    """
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"benchmark child failed: {' '.join(args)}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    value: dict[str, Any] = json.loads(lines[-1])
    return value


def table(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> str:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for number, row in enumerate(cells):
        lines.append("| " + " | ".join(_pad(c, widths[i], i) for i, c in enumerate(row)) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, column: int) -> str:
    gap = " " * (width - _width(text))
    return text + gap if column == 0 else gap + text


def seconds(value: float | None) -> str:
    return "—" if value is None else (f"{value:.3f} s" if value < 10 else f"{value:.1f} s")


def profile(fn: Callable[[], Any], path: Path, top: int = 25) -> str:
    """Run `fn` under cProfile; write and return the top entries by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    text = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    profiler.dump_stats(str(path.with_suffix(".pstats")))
    return text


def save(name: str, value: dict[str, Any]) -> Path:
    path = OUT / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def machine() -> dict[str, Any]:
    """What the figures were measured on (load average: other work on the machine skews them)."""
    import platform

    import polars

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "generator"], cwd=REPO,
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "?", False
    return {"cpus": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "polars": polars.__version__,
            "commit": commit + ("+dirty generator/" if dirty else "")}


def describe(info: dict[str, Any]) -> str:
    return (f"{info['cpus']} CPUs, load average {info['loadavg'][0]:.2f} at start, Python {info['python']}, "
            f"polars {info['polars']}, commit {info['commit']}")
