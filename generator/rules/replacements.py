"""An inspector drawn is replaced only for the four reasons, with approval (第十三条).

The replacement is designated without a lottery but must be qualified, active, of the same
department, not under recusal for that object, and not already on the team.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from generator.findings import Finding, error
from generator.model import Dataset, Draw

ARTICLE = "第十三条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"draws", "inspectors", "layout", "recusals", "replacements"})
RULE = "replacement"


class Lookups:
    """What every draw's replacements are judged against, built once per data set."""

    def __init__(self, ds: Dataset, replacements: pl.DataFrame) -> None:
        self.inspectors = {r["inspector_id"]: r for r in ds.inspectors.iter_rows(named=True)}
        self.recused: dict[str, set[tuple[str, str]]] = {}
        for task_id, object_id, inspector_id in ds.recusals.select(
                "task_id", "object_id", "inspector_id").iter_rows():
            self.recused.setdefault(task_id, set()).add((object_id, inspector_id))
        # A row with an unreadable date is reported by the schema; it cannot be judged here.
        self.rows: dict[str, list[dict[str, Any]]] = {}
        for row in replacements.filter(pl.col("approved_on").is_not_null()).iter_rows(named=True):
            self.rows.setdefault(row["task_id"], []).append(row)


def _teams(draw: Draw, *, copy: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Each object's team as locked, members copied.

    Without `copy` each list is the record's own and may hold what is not a dict (a
    malformed record): for readers that skip those and change nothing. A 5,000-draw city
    has over a million members; copying them is most of the cost of reading the teams.
    """
    # A malformed record is reported by the draw verification; here it has no teams.
    raw_teams = (draw.record or {}).get("teams")
    teams: dict[str, list[dict[str, Any]]] = {}
    for t in raw_teams if isinstance(raw_teams, list) else []:
        members = t.get("members") if isinstance(t, dict) else None
        if isinstance(members, list):
            teams[str(t.get("object_id"))] = (
                [dict(m) for m in members if isinstance(m, dict)] if copy else members)
    return teams


def _apply(ds: Dataset, draw: Draw, lookups: Lookups, *, copy: bool = True
           ) -> tuple[dict[str, list[dict[str, Any]]], list[Finding]]:
    rows = lookups.rows.get(draw.task_id, [])
    # Teams are copied only where a replacement changes them (or the caller may).
    teams = _teams(draw, copy=copy or bool(rows))
    if not rows:
        return teams, []
    file = ds.layout.display(ds.layout.replacements)
    inspectors = lookups.inspectors
    recused = lookups.recused.get(draw.task_id, set())
    locked_on = str((draw.record or {}).get("locked_on", ""))
    findings: list[Finding] = []
    for row in rows:
        def fail(message: str, field: str, r: dict[str, Any] = row) -> None:
            findings.append(error(file, RULE, f"{r['replacement_id']}：{message}", row=r["_row"],
                                  field=field, article=ARTICLE))
        members = teams.get(row["object_id"])
        if members is None:
            fail(f"对象 {row['object_id']} 不在任务 {draw.task_id} 锁定的名单中", "object_id")
            continue
        slot = next((m for m in members if m.get("inspector_id") == row["replaced_inspector_id"]), None)
        if slot is None:
            fail(f"{row['replaced_inspector_id']} 不在对象 {row['object_id']} 的检查小组中", "replaced_inspector_id")
            continue
        if slot.get("department") != row["department_id"]:
            fail(f"被调整人员属于 {slot.get('department')}，不是 {row['department_id']}", "department_id")
        if locked_on and row["approved_on"] < dt.date.fromisoformat(locked_on):
            fail(f"批准日期早于抽取锁定日期 {locked_on}", "approved_on")
        new = inspectors.get(row["replacement_inspector_id"])
        if new is None:
            fail(f"调整后人员 {row['replacement_inspector_id']} 不在执法检查人员名录库中", "replacement_inspector_id")
            continue
        if new["department_id"] != slot.get("department"):
            fail("调整后人员须与被调整人员属于同一部门", "replacement_inspector_id")
        # Both dates are required: a missing one is a bad cell the schema already reported,
        # so the qualification cannot be judged here and is not blamed on the replacement.
        dated = new["qualified_from"] is not None and new["qualified_to"] is not None
        qualified = not dated or new["qualified_from"] <= row["approved_on"] <= new["qualified_to"]
        if new["active"] is False or not qualified:
            fail("调整后人员在批准日期不在岗或不具备有效的执法资格", "replacement_inspector_id")
        if (row["object_id"], new["inspector_id"]) in recused:
            fail("调整后人员对该对象须执法回避", "replacement_inspector_id")
        if any(m.get("inspector_id") == new["inspector_id"] for m in members):
            fail("调整后人员已在该检查小组中", "replacement_inspector_id")
        slot["inspector_id"] = new["inspector_id"]
    return teams, findings


def problems_for(ds: Dataset, draw: Draw, replacements: pl.DataFrame) -> list[Finding]:
    """What this rule finds for `draw` if the replacements table were `replacements`."""
    return _apply(ds, draw, Lookups(ds, replacements))[1]


def lookups_of(ds: Dataset) -> Lookups:
    """`Lookups` of the data set's own replacements, built once (polars: see rules.run_rules)."""
    if "replacement_lookups" not in ds.derived:
        ds.derived["replacement_lookups"] = Lookups(ds, ds.replacements)
    lookups: Lookups = ds.derived["replacement_lookups"]
    return lookups


def teams_after_replacements(ds: Dataset, draw: Draw) -> dict[str, list[dict[str, Any]]]:
    """Each object's team as it stands after the replacements, in their order."""
    return _apply(ds, draw, lookups_of(ds))[0]


def all_teams_after_replacements(ds: Dataset) -> dict[Path, dict[str, list[dict[str, Any]]]]:
    """`teams_after_replacements` of every locked draw, by its folder (lookups built once).

    Read-only: teams no replacement touches are the records' own lists, which may hold
    what is not a dict (skip it).
    """
    lookups = lookups_of(ds)
    return {d.directory: _apply(ds, d, lookups, copy=False)[0] for d in ds.draws if d.record is not None}


def check(ds: Dataset) -> Iterable[Finding]:
    locked = {d.task_id: d for d in ds.draws if d.record is not None}
    file = ds.layout.display(ds.layout.replacements)
    for row in ds.replacements.iter_rows(named=True):
        if row["task_id"] not in locked:
            yield error(file, RULE, f"{row['replacement_id']}：任务 {row['task_id']} 还没有锁定的抽取记录",
                        row=row["_row"], field="task_id", article=ARTICLE)
    lookups = lookups_of(ds)
    # Only draws with replacements can have findings here: the others are not even read.
    for draw in locked.values():
        if draw.task_id in lookups.rows:
            yield from _apply(ds, draw, lookups)[1]
