"""A published result is never changed or removed; it is corrected (第十九条).

"一经公示不得擅自改变": a results row that carried a publication date at the base revision
must be in the working tree unchanged. Rows not yet published may still be edited.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.history.change import Change, csv_rows

ARTICLE = "第十九条"
RULE = "history/published-result"
KEY = ("task_id", "object_id", "item_id")
_FIX = "如需更改已公示的结果，请撤销这处改动，改用 sunlight correct 登记更正（须经本部门主要负责人批准）"

Row = dict[str, str]


def rows_by_key(text: str | None) -> dict[tuple[str, ...], tuple[int, Row]]:
    """Rows keyed by (task, object, item), each with its physical row number (header = 1)."""
    out: dict[tuple[str, ...], tuple[int, Row]] = {}
    for number, row in csv_rows(text):
        out.setdefault(tuple(row.get(k, "") for k in KEY), (number, row))
    return out


def published(rows: dict[tuple[str, ...], tuple[int, Row]]) -> dict[tuple[str, ...], tuple[int, Row]]:
    return {key: value for key, value in rows.items() if value[1].get("published_on")}


def check(change: Change) -> Iterable[Finding]:
    for path in sorted(change.modified | change.deleted):
        if not (path.startswith("results/") and path.endswith(".csv")):
            continue
        before = published(rows_by_key(change.base_text(path)))
        if not before:
            continue
        display = change.display(path)
        if path in change.deleted:
            yield error(display, RULE, f"这个结果文件在 {change.label} 中有 {len(before)} 条已公示的检查结果，"
                        f"本次被删除。{_FIX}", article=ARTICLE)
            continue
        after = rows_by_key(change.head_text(path))
        for key, (base_row, old) in sorted(before.items(), key=lambda kv: kv[1][0]):
            _, obj, item = key
            if key not in after:
                yield error(display, RULE, f"已公示的检查结果（对象 {obj}，事项 {item}，原第 {base_row} 行）被删除"
                            f"。{_FIX}", article=ARTICLE)
                continue
            row, new = after[key]
            for name in [*old, *(n for n in new if n not in old)]:
                if old.get(name, "") != new.get(name, ""):
                    yield error(display, RULE, f"已公示的检查结果（对象 {obj}，事项 {item}）的 {name} 由"
                                f"“{old.get(name, '')}”改为“{new.get(name, '')}”。{_FIX}",
                                row=row, field=name, article=ARTICLE)
