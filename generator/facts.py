"""Facts derived from a loaded data set that several rules and pages share."""

from __future__ import annotations

from typing import Any

import polars as pl

from generator.model import Dataset


def selections(ds: Dataset) -> pl.DataFrame:
    """task_id, year, object_id, stratum, position for every locked selection."""
    rows: list[dict[str, Any]] = []
    for draw in ds.draws:
        if draw.record is None:
            continue
        manifest = draw.record.get("manifest")
        year = manifest.get("year") if isinstance(manifest, dict) else None
        for position, chosen in enumerate(draw.record.get("selected") or [], start=1):
            if isinstance(chosen, dict):
                rows.append({"task_id": draw.task_id,
                             "year": year if isinstance(year, int) else draw.year,
                             "object_id": str(chosen.get("object_id")),
                             "stratum": str(chosen.get("stratum")), "position": position})
    schema = {"task_id": pl.String, "year": pl.Int64, "object_id": pl.String,
              "stratum": pl.String, "position": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def teams(ds: Dataset) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(task_id, object_id) -> team members as locked (before replacements)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for draw in ds.draws:
        for team in (draw.record or {}).get("teams") or []:
            if isinstance(team, dict):
                out[(draw.task_id, str(team.get("object_id")))] = list(team.get("members") or [])
    return out
