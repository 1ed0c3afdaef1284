"""Corrections and replacements are append-only (第十九条, 第十三条).

The file at the base revision must be the beginning of the file now: new records go at
the end, and nothing already there is edited, reordered or removed.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.history.change import Change

RULE = "history/append-only"
ARTICLE = "第十九条"
FILES = {"corrections.csv": ("更正记录", "第十九条"), "replacements.csv": ("执法检查人员调整记录", "第十三条")}


def first_difference(before: str, after: str) -> int | None:
    """The 1-based line where `after` stops continuing `before`; None if it only appends."""
    old, new = before.splitlines(), after.splitlines()
    for number, line in enumerate(old, start=1):
        if number > len(new) or new[number - 1] != line:
            return number
    return None


def check(change: Change) -> Iterable[Finding]:
    for name, (what, article) in FILES.items():
        if name not in change.modified | change.deleted:
            continue
        before = change.base_text(name) or ""
        after = change.head_text(name)
        display = change.display(name)
        if after is None:
            yield error(display, RULE, f"{what}只能追加，不得删除整个文件", article=article)
            continue
        line = first_difference(before, after)
        if line is not None:
            yield error(display, RULE, f"{what}只能在文件末尾追加新行：第 {line} 行与 {change.label} 中的内容不同，"
                        f"已有的记录不得修改、删除或调换顺序。请撤销对已有行的改动，把新记录加在最后",
                        row=line, article=article)
