"""The results workbook at scale: `results template` and `results import` on the largest task.

    python benchmarks/bench_results_sheet.py [--data data] [--task ZB-...]

Read-only: the workbook imported is the template itself, prefilled from the task's recorded
(published) results, so every row is checked, the validator's rules run on the data set as it
would be, and nothing changes on disk. Each step runs in this process (load once, then the
template and the import, which loads again as the CLI does); cheap steps are the median of 3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from pathlib import Path

from _common import REPO, peak_rss_mb, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO / "data")
    parser.add_argument("--task", default=None)
    args = parser.parse_args()

    import polars as pl

    from generator.load import load
    from generator.results_sheet import import_results, template_bytes

    load_seconds, _, (ds, _) = timed(lambda: load(args.data), repeat=1)
    task = args.task or ds.results.group_by("task_id").len().sort("len", "task_id", descending=True)["task_id"][0]
    rows = ds.results.filter(pl.col("task_id") == task).height
    template_seconds, template_runs, data = timed(lambda: template_bytes(ds, task))
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / f"{task}.xlsx"
        sheet.write_bytes(data)
        import_seconds, _, outcome = timed(
            lambda: import_results(args.data, sheet, as_of=dt.date(2026, 11, 20)), repeat=1)
    figures = {"data": str(args.data), "task": task, "result_rows": rows, "load_seconds": round(load_seconds, 2),
               "template_seconds": round(template_seconds, 3), "template_runs": len(template_runs),
               "template_bytes": len(data), "import_seconds": round(import_seconds, 2),
               "import_unchanged_rows": outcome.unchanged, "import_refused": outcome.refused,
               "peak_rss_mb": round(peak_rss_mb())}
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
