"""Build a task's canonical inputs from the confirmed directories (spec section 1).

- frame: objects in the task's scope (第九条: type, district, GB/T 4754 prefix or business-
  scope keyword), each in the first risk tier whose condition it meets (第八条);
- roster: active inspectors of the task's departments, qualified on the draw date;
- exclusions: recusal pairs declared for the task on or before the draw date (第十三条).
"""

from __future__ import annotations

import datetime as dt
from functools import reduce

import polars as pl

from generator.draw.canonical import FRAME_HEADER
from generator.model import Dataset, Stratum, Task


def _condition(stratum: Stratum) -> pl.Expr:
    when = stratum.when_any
    parts = [pl.col(flag) for flag in ("abnormal_list", "key_attention", "serious_violation")
             if when.get(flag)]
    if "complaints_at_least" in when:
        parts.append(pl.col("complaints") >= int(when["complaints_at_least"]))
    return reduce(lambda a, b: a | b, parts) if parts else pl.lit(True)


def in_scope(objects: pl.DataFrame, task: Task) -> pl.DataFrame:
    """Objects of the directory that the task may draw (registered, of the right kind)."""
    keep = (pl.col("status") == "存续") & pl.col("object_type").is_in(list(task.object_types))
    if task.districts:
        keep &= pl.col("district").is_in(list(task.districts))
    matches = []
    if task.industries:
        matches.append(reduce(lambda a, b: a | b, (pl.col("industry").str.starts_with(p)
                                                   for p in task.industries)))
    if task.keywords:
        matches.append(reduce(lambda a, b: a | b, (pl.col("scope_keywords").str.contains(k, literal=True)
                                                   for k in task.keywords)))
    if matches:
        keep &= reduce(lambda a, b: a | b, matches).fill_null(False)
    return objects.filter(keep)


def frame_table(objects: pl.DataFrame, task: Task) -> pl.DataFrame:
    """(object_id, stratum) for the task's frame, sorted by id (spec section 1)."""
    *tiers, base = task.strata
    stratum: pl.Expr = pl.lit(base.id)
    for tier in reversed(tiers):
        stratum = pl.when(_condition(tier)).then(pl.lit(tier.id)).otherwise(stratum)
    chosen = in_scope(objects, task).select("object_id", stratum.alias("stratum"))
    # polars sorts strings by their bytes, which is the spec's UTF-8 order.
    return chosen.sort("object_id")


def frame_rows(objects: pl.DataFrame, task: Task) -> list[tuple[str, str]]:
    return list(frame_table(objects, task).iter_rows())


def frame_csv(frame: pl.DataFrame) -> str:
    """`canonical.frame_text` of a sorted frame table, the same text, built by polars.

    A million (id, stratum) rows as Python tuples and strings cost prepare about half a
    second; here they never leave polars.
    """
    if frame.height == 0:
        return FRAME_HEADER + "\n"
    lines = frame.select(pl.concat_str("object_id", "stratum", separator=",")).to_series()
    return FRAME_HEADER + "\n" + str(lines.str.join("\n").item()) + "\n"


def roster_rows(inspectors: pl.DataFrame, task: Task, on: dt.date) -> list[tuple[str, str]]:
    departments = [slot.department for slot in task.team]
    ready = inspectors.filter(pl.col("department_id").is_in(departments) & pl.col("active")
                              & (pl.col("qualified_from") <= on) & (pl.col("qualified_to") >= on))
    return list(ready.select("inspector_id", "department_id").sort("inspector_id").iter_rows())


def exclusion_rows(ds: Dataset, task: Task, on: dt.date) -> list[tuple[str, str]]:
    pairs = ds.recusals.filter((pl.col("task_id") == task.task_id) & (pl.col("declared_on") <= on))
    return list(pairs.select("object_id", "inspector_id").unique().sort(
        "object_id", "inspector_id").iter_rows())
