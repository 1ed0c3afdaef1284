"""Committed draw files are never changed or deleted (第十二条).

A manifest fixes the inputs before the beacon is known; changing it afterwards would let
someone steer the draw. A locked record and its beacon are the draw itself: "一经锁定不得更改".
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.history.change import Change

ARTICLE = "第十二条"
RULE = "history/locked-draw"

_WHAT = {
    "record.json": "已锁定的抽取记录",
    "beacon.json": "抽取所用的信标值",
    "manifest.json": "已提交的抽取条件（manifest）",
    "frame.csv": "已提交的抽取框架（检查对象名单）",
    "roster.csv": "已提交的执法检查人员名单",
    "exclusions.csv": "已提交的回避配对",
}


def check(change: Change) -> Iterable[Finding]:
    for path in sorted(change.modified | change.deleted):
        parts = path.split("/")
        if len(parts) != 4 or parts[0] != "draws" or parts[3] not in _WHAT:
            continue
        what = _WHAT[parts[3]]
        done = "删除" if path in change.deleted else "修改"
        yield error(change.display(path), RULE,
                    f"任务 {parts[2]} 的{what}在 {change.label} 中已经存在，本次被{done}：抽取一经提交和锁定，"
                    "任何文件都不得更改或删除。请撤销对这个文件的改动",
                    article=ARTICLE)
