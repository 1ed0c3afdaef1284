"""Facts derived from a loaded data set that several rules and pages share."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class DrawSummary:
    """What the site and the open data show of every draw besides its selections and teams (the
    values as the files state them): a rebuild needs these of all 5,000 draws, the rest only of the
    draws whose pages it makes again."""

    task_id: str
    year: int
    folder: str  # the draw's folder, relative to the draws folder ("2026/ZB-2026-001")
    prepared: bool  # manifest.json readable
    locked: bool  # record.json readable
    spec: Any
    prepared_on: Any
    locked_on: Any  # "" when the record does not state it
    previous: Any  # the manifest's
    chained_to: Any  # the previous record the record's own copy of the manifest names (the ledger's link)
    seed: Any
    record_sha256: Any
    selected: int | None  # entries of the record's `selected`; None when not locked (or not a list)


def draw_summaries(ds: Dataset) -> dict[str, DrawSummary]:
    """Task id -> its draw's summary, in the draws' order (year, task)."""
    if "draw_summaries" not in ds.derived:
        out: dict[str, DrawSummary] = {}
        for d in ds.draws:
            manifest, record = d.manifest or {}, d.record or {}
            copied, selected = record.get("manifest"), record.get("selected")
            out[d.task_id] = DrawSummary(
                d.task_id, d.year, d.directory.relative_to(ds.layout.draws_dir).as_posix(), d.manifest is not None,
                d.record is not None, manifest.get("spec"), manifest.get("prepared_on"), record.get("locked_on", ""),
                manifest.get("previous"),
                copied.get("previous") if isinstance(copied, dict) else None, record.get("seed"),
                record.get("record_sha256"), len(selected) if isinstance(selected, list) else None)
        ds.derived["draw_summaries"] = out
    summaries: dict[str, DrawSummary] = ds.derived["draw_summaries"]
    return summaries


def teams(ds: Dataset) -> pl.DataFrame:
    """task_id, object_id, seat, department_id, inspector_id of every team member as locked (before
    replacements), in the records' order; seats count from 1 within each team."""
    if "teams" not in ds.derived:
        ds.derived["teams"] = _teams(ds)
    frame: pl.DataFrame = ds.derived["teams"]
    return frame


# What the rules that read results, the site and the open data need of all the draws: kept with
# the draws' findings in the validation cache, so that a changed result does not make 10,000
# draw files be parsed again (the pages that show a draw parse its own files).
DRAW_FACTS = {"selections": selections, "locked_dates": locked_dates, "unreadable_records": unreadable_records,
              "draw_summaries": draw_summaries, "teams": teams}


def _selections(ds: Dataset) -> pl.DataFrame:
    # Column lists, not a dict per row: a city's draws select a quarter of a million objects.
    task_ids: list[str] = []
    years: list[int | None] = []
    object_ids: list[str] = []
    strata: list[str] = []
    positions: list[int] = []
    tickets: list[str] = []
    for draw in ds.draws:
        if draw.record is None:
            continue
        manifest = draw.record.get("manifest")
        year = manifest.get("year") if isinstance(manifest, dict) else None
        # Any shape a record may have (a malformed one is the draw rules' finding, not a crash here).
        selected = draw.record.get("selected")
        chosen = [(position, c) for position, c in enumerate(selected if isinstance(selected, list) else [], start=1)
                  if isinstance(c, dict)]
        task_ids += [draw.task_id] * len(chosen)
        years += [year if isinstance(year, int) else draw.year] * len(chosen)
        object_ids += [str(c.get("object_id")) for _, c in chosen]
        strata += [str(c.get("stratum")) for _, c in chosen]
        positions += [position for position, _ in chosen]
        tickets += [str(c.get("ticket")) for _, c in chosen]
    return pl.DataFrame({"task_id": task_ids, "year": years, "object_id": object_ids, "stratum": strata,
                         "position": positions, "ticket": tickets},
                        schema={"task_id": pl.String, "year": pl.Int64, "object_id": pl.String,
                                "stratum": pl.String, "position": pl.Int64, "ticket": pl.String})


def _teams(ds: Dataset) -> pl.DataFrame:
    # A draw's teams at once, not team by team (a list per team and column cost more than the seats).
    columns: dict[str, list[Any]] = {k: [] for k in ("task_id", "object_id", "seat", "department_id",
                                                     "inspector_id")}
    for draw in ds.draws:
        if draw.record is None:
            continue
        # Any shape a record may have (a malformed one is the draw rules' finding, not a crash here).
        teams = draw.record.get("teams")
        drawn = [t for t in (teams if isinstance(teams, list) else []) if isinstance(t, dict)]
        seats = [[m for m in members if isinstance(m, dict)] if isinstance(members := t.get("members"), list) else []
                 for t in drawn]
        columns["task_id"] += [draw.task_id] * sum(map(len, seats))
        columns["object_id"] += [str(t.get("object_id")) for t, team in zip(drawn, seats, strict=True) for _ in team]
        columns["seat"] += [seat for team in seats for seat in range(1, len(team) + 1)]
        columns["department_id"] += [str(m.get("department")) for team in seats for m in team]
        columns["inspector_id"] += [str(m.get("inspector_id")) for team in seats for m in team]
    return pl.DataFrame(columns, schema={"task_id": pl.String, "object_id": pl.String, "seat": pl.Int64,
                                         "department_id": pl.String, "inspector_id": pl.String})
