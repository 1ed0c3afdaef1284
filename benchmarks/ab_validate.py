"""A/B: one `validate()` run, its findings written one per line, wall and CPU time.

    PYTHONPATH=<checkout> python benchmarks/ab_validate.py DATA OUT.txt AS_OF

Run it with the old and the new checkout on PYTHONPATH (and the same XDG_CACHE_HOME state)
at the same load, then `cmp` the two OUT files: the findings must be identical.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

from generator.validate import validate


def main() -> None:
    root, out, as_of = Path(sys.argv[1]), Path(sys.argv[2]), dt.date.fromisoformat(sys.argv[3])
    wall, cpu = time.perf_counter(), time.process_time()
    _, findings = validate(root, as_of=as_of)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    out.write_text("".join(repr(f) + "\n" for f in findings), encoding="utf-8")
    print(f"{out}: {len(findings)} findings, {wall:.1f} s wall, {cpu:.1f} s CPU, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
