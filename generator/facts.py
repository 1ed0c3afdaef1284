"""Facts derived from a loaded data set that several rules and pages share."""

from __future__ import annotations

from typing import Any

import polars as pl

from generator.model import Dataset


def selections(ds: Dataset) -> pl.DataFrame:
    """task_id, year, object_id, stratum, position for every locked selection."""
    if "selections" not in ds.derived:
        ds.derived["selections"] = _selections(ds)
    frame: pl.DataFrame = ds.derived["selections"]
    return frame


def locked_dates(ds: Dataset) -> dict[str, Any]:
    """Task id -> the `locked_on` its record states (as written), for each readable record."""
    if "locked_dates" not in ds.derived:
        ds.derived["locked_dates"] = {d.task_id: d.record.get("locked_on") for d in ds.draws if d.record}
    dates: dict[str, Any] = ds.derived["locked_dates"]
    return dates


def unreadable_records(ds: Dataset) -> list[str]:
    """Tasks whose record.json exists but could not be read (the loader reported why)."""
    if "unreadable_records" not in ds.derived:
        ds.derived["unreadable_records"] = [d.task_id for d in ds.draws
                                            if d.record is None and (d.directory / "record.json").exists()]
    tasks: list[str] = ds.derived["unreadable_records"]
    return tasks


# What the rules that read results need of the draws: kept with the draws' findings in the
# validation cache, so that a changed result does not make 10,000 draw files be parsed again.
DRAW_FACTS = {"selections": selections, "locked_dates": locked_dates, "unreadable_records": unreadable_records}


def _selections(ds: Dataset) -> pl.DataFrame:
    # Column lists, not a dict per row: a city's draws select a quarter of a million objects.
    task_ids: list[str] = []
    years: list[int | None] = []
    object_ids: list[str] = []
    strata: list[str] = []
    positions: list[int] = []
    for draw in ds.draws:
        if draw.record is None:
            continue
        manifest = draw.record.get("manifest")
        year = manifest.get("year") if isinstance(manifest, dict) else None
        chosen = [(position, c) for position, c in enumerate(draw.record.get("selected") or [], start=1)
                  if isinstance(c, dict)]
        task_ids += [draw.task_id] * len(chosen)
        years += [year if isinstance(year, int) else draw.year] * len(chosen)
        object_ids += [str(c.get("object_id")) for _, c in chosen]
        strata += [str(c.get("stratum")) for _, c in chosen]
        positions += [position for position, _ in chosen]
    return pl.DataFrame({"task_id": task_ids, "year": years, "object_id": object_ids, "stratum": strata,
                         "position": positions},
                        schema={"task_id": pl.String, "year": pl.Int64, "object_id": pl.String,
                                "stratum": pl.String, "position": pl.Int64})


def teams(ds: Dataset) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(task_id, object_id) -> team members as locked (before replacements)."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for draw in ds.draws:
        for team in (draw.record or {}).get("teams") or []:
            if isinstance(team, dict):
                out[(draw.task_id, str(team.get("object_id")))] = list(team.get("members") or [])
    return out
