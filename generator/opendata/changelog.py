"""The changelog of a release: what changed since the previous release, computed by comparing the
two releases' canonical CSV files (results added, corrections added, checklist changes, draws)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from generator.load import reference_table

RESULT_KEY = ["task_id", "object_id", "item_id"]
CORRECTION_FIELDS = ["correction_id", "task_id", "object_id", "item_id", "field", "old_value", "new_value",
                     "reason", "published_on"]
FIELD_NAMES = {"result_code": "检查结果", "follow_up": "后续处理"}


# The tables a changelog compares: a release served elsewhere needs only these of the previous one.
TABLES = ("results_items", "corrections", "checklist", "draws")


def csv_file(release: Path, name: str) -> str | None:
    """The table's CSV in a release folder: beside the descriptor, or under csv/ (releases before 2026-11-27)."""
    for relative in (f"{name}.csv", f"csv/{name}.csv"):
        if (release / relative).is_file():
            return relative
    return None


def _read(release: Path | None, name: str, columns: list[str] | None = None) -> pl.DataFrame | None:
    relative = csv_file(release, name) if release is not None else None
    if release is None or relative is None:
        return None
    return pl.read_csv(release / relative, infer_schema=False, columns=columns).fill_null("")


def _new_rows(now: pl.DataFrame, before: pl.DataFrame | None, key: list[str]) -> pl.DataFrame:
    return now if before is None else now.join(before.select(key), on=key, how="anti")


@dataclass(frozen=True)
class ResultChanges:
    """The results a release adds (in all and by year) and no longer holds, against the previous one."""

    added: int
    by_year: dict[str, int]
    removed: int


def result_changes(current: Path | None, before_dir: Path | None,
                   results_items: pl.DataFrame | None = None) -> ResultChanges:
    """`results_items`: the current table, if the caller holds it: its key as its CSV reads back,
    without reading 146 MB of a city's CSV again (a quarter of a gigabyte at the build's peak).
    The build works this out before it writes the release's files, whose buffers would add to it."""
    # Only the key and the year: a city's million result rows as text, twice, took a gigabyte.
    results = (_read(current, "results_items", [*RESULT_KEY, "year"]) if results_items is None else
               results_items.select(pl.col(c).cast(pl.String) for c in [*RESULT_KEY, "year"]).fill_null(""))
    before_results = _read(before_dir, "results_items", [*RESULT_KEY, "year"])
    assert results is not None
    added = _new_rows(results, before_results, RESULT_KEY)
    removed = 0 if before_results is None else len(before_results.join(results.select(RESULT_KEY), on=RESULT_KEY,
                                                                        how="anti"))
    by_year = {str(y): n for y, n in added.group_by("year").len().sort("year").iter_rows()}
    return ResultChanges(len(added), by_year, removed)


def changelog(current: Path, version: str, date: str, previous: tuple[str, Path] | None, *,
              results_items: pl.DataFrame | None = None, results: ResultChanges | None = None) -> dict[str, Any]:
    """`results_items`: see `result_changes`; `results`: what it gave, worked out before."""
    before_dir = previous[1] if previous else None
    results = results or result_changes(current, before_dir, results_items)
    corrections = _read(current, "corrections")
    assert corrections is not None
    new_corrections = _new_rows(corrections, _read(before_dir, "corrections"), ["correction_id"])
    checklist, before_checklist = _read(current, "checklist"), _read(before_dir, "checklist")
    assert checklist is not None
    key = ["item_id", "version"]
    added_items = _new_rows(checklist, before_checklist, key)
    removed_items = (before_checklist.join(checklist.select(key), on=key, how="anti")
                     if before_checklist is not None else checklist.head(0))
    changed_items = (checklist.join(before_checklist, on=key, how="inner", suffix="_before")
                     .filter(pl.any_horizontal([pl.col(c) != pl.col(f"{c}_before")
                                                for c in checklist.columns if c not in key]))
                     if before_checklist is not None else checklist.head(0))
    draws, before_draws = _read(current, "draws"), _read(before_dir, "draws")
    assert draws is not None
    locked = draws.filter(pl.col("locked_on") != "")
    new_locked = _new_rows(locked, before_draws.filter(pl.col("locked_on") != "") if before_draws is not None
                           else None, ["task_id"])
    return {
        "version": version, "date": date, "previous": previous[0] if previous else None,
        "results_added": results.added, "results_added_by_year": results.by_year, "results_removed": results.removed,
        "corrections_added": new_corrections.select(CORRECTION_FIELDS).to_dicts(),
        "checklist_added": [f"{i} 第 {v} 版" for i, v in added_items.select(key).iter_rows()],
        "checklist_changed": [f"{i} 第 {v} 版" for i, v in changed_items.select(key).iter_rows()],
        "checklist_removed": [f"{i} 第 {v} 版" for i, v in removed_items.select(key).iter_rows()],
        "draws_locked_added": new_locked["task_id"].sort().to_list(),
    }


@functools.cache
def _result_labels() -> dict[str, str]:
    """Result codes as the public reads them (R01 → 未发现问题), from the vendored reference table."""
    table = reference_table("result_codes")
    return dict(zip(table["code"].to_list(), table["label"].to_list(), strict=True))


def _value(field: str, value: str) -> str:
    return _result_labels().get(value, value) if field == "result_code" else value


def summary(change: dict[str, Any]) -> list[str]:
    """The changelog in sentences, for the page and the feed."""
    lines = []
    if change.get("previous") is None:
        lines.append("首次发布。")
    else:
        lines.append(f"与上一版本 {change['previous']} 相比：")
    years = "，".join(f"{y} 年 {n} 条" for y, n in change.get("results_added_by_year", {}).items())
    lines.append(f"新增检查结果 {change.get('results_added', 0)} 条" + (f"（{years}）" if years else "") + "。")
    if change.get("results_removed"):
        lines.append(f"不再包含的检查结果 {change['results_removed']} 条。")
    for c in change.get("corrections_added", []):
        lines.append(f"更正 {c['correction_id']}：任务 {c['task_id']} 对象 {c['object_id']} 事项 {c['item_id']} 的"
                     f"{FIELD_NAMES.get(c['field'], c['field'])}由“{_value(c['field'], c['old_value'])}”"
                     f"改为“{_value(c['field'], c['new_value'])}”"
                     f"（{c['reason']}）。")
    for what, title in (("checklist_added", "抽查事项清单新增"), ("checklist_changed", "抽查事项清单修改"),
                        ("checklist_removed", "抽查事项清单删除")):
        if change.get(what):
            lines.append(f"{title}：{'、'.join(change[what][:20])}" + ("等。" if len(change[what]) > 20 else "。"))
    if change.get("draws_locked_added"):
        drawn = change["draws_locked_added"]
        lines.append(f"新完成抽取 {len(drawn)} 次：{'、'.join(drawn[:20])}" + ("等。" if len(drawn) > 20 else "。"))
    return lines
