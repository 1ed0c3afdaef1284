"""Checklist versions are kept, not rewritten (第六条 动态管理).

An item that no longer applies gets an end date (effective_to); a changed item gets a new
version. Deleting a version, or changing anything but the end date of an existing one,
would silently rewrite what earlier plans and results referred to.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.history.change import Change, csv_rows

ARTICLE = "第六条"
RULE = "history/checklist-version"
PATH = "checklist.csv"


def _versions(text: str | None) -> dict[tuple[str, str], tuple[int, dict[str, str]]]:
    return {(row.get("item_id", ""), row.get("version", "")): (number, row) for number, row in csv_rows(text)}


def check(change: Change) -> Iterable[Finding]:
    if PATH not in change.modified | change.deleted:
        return
    before, after = _versions(change.base_text(PATH)), _versions(change.head_text(PATH))
    display = change.display(PATH)
    for key, (_, old) in sorted(before.items()):
        item, version = key
        if key not in after:
            yield error(display, RULE, f"抽查事项 {item} 第 {version} 版被删除：事项实行动态管理，不再适用的事项请填写"
                        "失效日期（effective_to），内容变化请新增一个版本，已有版本不得删除",
                        field="item_id", article=ARTICLE)
            continue
        row, new = after[key]
        for name in old:
            if name != "effective_to" and old[name] != new.get(name, ""):
                yield error(display, RULE, f"抽查事项 {item} 第 {version} 版的 {name} 由“{old[name]}”改为"
                            f"“{new.get(name, '')}”：已发布的版本只能填写失效日期，内容变化请新增一个版本",
                            row=row, field=name, article=ARTICLE)
