"""'Today' is Beijing's date whatever the machine's time zone (CI machines keep UTC)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from generator.clock import BEIJING


def test_a_result_published_today_in_beijing_is_not_in_the_future_on_a_machine_far_west(
        minimal_copy: Path) -> None:
    path = minimal_copy / "results" / "2025" / "ZB-2025-001.csv"
    today = dt.datetime.now(BEIJING).date()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",2025-03-24\n", f",{today}\n")
    path.write_text("".join(lines), encoding="utf-8")
    # 31 hours west of Beijing (POSIX TZ, UTC-23): its date is always before Beijing's, as UTC's
    # is until 08:00 in Beijing.
    run = subprocess.run([sys.executable, "-m", "generator", "validate", "--data", str(minimal_copy),
                          "--format", "json"], capture_output=True, text=True, check=False,
                         env={**os.environ, "TZ": "WST+23"})
    findings = json.loads(run.stdout)["findings"]
    assert [f for f in findings if f["rule"] == "date/future"] == []
