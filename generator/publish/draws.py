"""The published draw files (spec section 1 and 5) and the ledger, copied into the site so that
anyone, and the in-browser verifier, can fetch them: `draws/<year>/<task>/...` and
`draws/ledger.json` (locked records in chain order; `path` relative to the ledger file)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from generator.publish.context import SiteContext
from generator.publish.paths import safe_join

PUBLISHED = ("manifest.json", "frame.csv", "roster.csv", "exclusions.csv", "beacon.json", "record.json")


def write_draws(ctx: SiteContext, site: Path) -> int:
    files = 0
    for draw in sorted(ctx.ds.draws, key=lambda d: (d.year, d.task_id)):
        if not ctx.summaries[draw.task_id].prepared or ctx.settings.draw_files_url:
            continue
        target = safe_join(site, "draws", str(draw.year), draw.task_id)
        target.mkdir(parents=True, exist_ok=True)
        for name in PUBLISHED:
            source = draw.directory / name
            if source.is_file():
                shutil.copyfile(source, target / name)
                files += 1
    ledger = [{"task_id": d.task_id, "year": d.year, "record_sha256": str(d.record_sha256),
               "path": ctx.draw_file("draws/", d.year, d.task_id, "record.json")} for d in ctx.ledger]
    (site / "draws").mkdir(parents=True, exist_ok=True)
    (site / "draws" / "ledger.json").write_text(json.dumps(ledger, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8", newline="\n")
    return files + 1
