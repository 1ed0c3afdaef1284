"""A new correction corrects a result that was already published (第十九条).

A result still unpublished at the base revision is simply edited, and one that does not
exist cannot be corrected; either way a correction record would misstate the history.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.history.append_only import first_difference
from generator.history.change import Change, csv_rows
from generator.history.published_results import published, rows_by_key

ARTICLE = "第十九条"
RULE = "history/correction-target"


def _new_rows(change: Change) -> list[tuple[int, dict[str, str]]]:
    before, after = change.base_text("corrections.csv") or "", change.head_text("corrections.csv") or ""
    if first_difference(before, after) is not None:
        return []  # the append-only check reports this file
    kept = max(len(before.splitlines()) - 1, 0)
    return [(number, row) for number, row in csv_rows(after) if number - 2 >= kept]


def check(change: Change) -> Iterable[Finding]:
    if "corrections.csv" not in change.touched:
        return
    results = {path.rsplit("/", 1)[-1][:-4]: path for path in change.base_files("results") if path.endswith(".csv")}
    cache: dict[str, set[tuple[str, ...]]] = {}
    for number, row in _new_rows(change):
        task, obj, item = (row.get(k, "") for k in ("task_id", "object_id", "item_id"))
        if task not in cache:
            path = results.get(task)
            cache[task] = set(published(rows_by_key(change.base_text(path)))) if path else set()
        if (task, obj, item) not in cache[task]:
            yield error(change.display("corrections.csv"), RULE,
                        f"更正 {row.get('correction_id') or ''} 针对的检查结果（任务 {task}，对象 {obj}，事项 {item}）"
                        f"在 {change.label} 中没有公示过：更正只能针对已公示的结果。"
                        "尚未公示的结果请直接修改结果文件",
                        row=number, field="task_id", article=ARTICLE)
