"""The ledger as `prepare` and `lock` need it, without parsing every record on every call.

Both need only each record's chain link (`manifest.previous`, `record_sha256`), its year
and the objects it selected (for the yearly cap). Parsing 5,000 full records takes seconds,
so that summary is remembered in the user cache keyed by the SHA-256 of the record file's
bytes: content-addressed, it cannot disagree with the records (an edited record is a new
key and is parsed again). `sunlight verify` and `validate` read the records themselves.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from generator.draw.verify import read_json_object
from generator.incremental import cache_root

LIMIT = 50_000  # summaries kept


def cache_file() -> Path:
    return cache_root() / "ledger-summaries.json"


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a record the chain and the yearly cap read (same shape as the record)."""
    manifest = record.get("manifest")
    summary: dict[str, Any] = {"manifest": {k: manifest[k] for k in ("previous", "year") if k in manifest}
                               if isinstance(manifest, dict) else manifest}
    if "record_sha256" in record:
        summary["record_sha256"] = record["record_sha256"]
    if "selected" in record:
        selected = record["selected"]
        summary["selected"] = ([{"object_id": s["object_id"]} if isinstance(s, dict) and "object_id" in s else s
                                for s in selected] if isinstance(selected, list) else selected)
    return summary


def ledger_records(root: Path) -> dict[str, dict[str, Any]]:
    """Task id → summary of each readable locked record under `root/draws` (see module doc)."""
    base = root / "draws" if (root / "draws").is_dir() else root
    path = cache_file()
    try:
        known: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    records: dict[str, dict[str, Any]] = {}
    fresh: dict[str, Any] = {}
    for directory in sorted(p for p in base.glob("*/*") if (p / "record.json").exists()):
        key = hashlib.sha256((directory / "record.json").read_bytes()).hexdigest()
        summary = known.get(key) if isinstance(known, dict) else None
        if not isinstance(summary, dict):
            record, _ = read_json_object(directory / "record.json")
            if record is None:
                continue
            summary = _summary(record)
        fresh[key] = summary
        records[directory.name] = summary
    if fresh.keys() - known.keys():
        merged = {**{k: v for k, v in known.items() if k not in fresh}, **fresh}
        merged = dict(list(merged.items())[-LIMIT:])  # the oldest go first
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(merged), encoding="utf-8")
            os.replace(temporary, path)
        except OSError:
            pass
    return records
