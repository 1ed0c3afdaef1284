"""A/B: `prepare` then `lock(committed=None)` on a copy of the drawbench, wall and CPU time.

    cp -r benchmarks/out/drawbench /tmp/drawbench
    PYTHONPATH=<checkout> python benchmarks/ab_draw.py /tmp/drawbench LABEL [RUNS]

CPU time counts this process and its worker processes (`resource.getrusage`), so it is less
sensitive to other work on the machine than wall time. Compare record.json afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import shutil
import sys
import time
from pathlib import Path

from generator.draw.workflow import Beacon, lock, prepare
from generator.load import load

TASK, BEACON = "ZB-2026-001", "315426314652143625314256"


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    bench, label = Path(sys.argv[1]), sys.argv[2]
    ds, _ = load(bench)
    for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 2):
        shutil.rmtree(bench / "draws", ignore_errors=True)
        wall, used = time.perf_counter(), cpu()
        prepare(ds, TASK, dt.date(2026, 2, 20), Beacon("dice", 0, "基准测试"))
        prepared = time.perf_counter() - wall, cpu() - used
        wall, used = time.perf_counter(), cpu()
        lock(bench, 2026, TASK, BEACON, dt.date(2026, 2, 21), committed=None)
        print(f"{label}: prepare {prepared[0]:.1f} s wall, {prepared[1]:.1f} s CPU; lock "
              f"{time.perf_counter() - wall:.1f} s wall, {cpu() - used:.1f} s CPU; load {os.getloadavg()[0]:.1f}",
              flush=True)


if __name__ == "__main__":
    main()
