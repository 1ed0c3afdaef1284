"""A task whose draw has been prepared stays in its year's plan (第十二条).

The draw's manifest names the task; deleting the task would leave a published draw with
nothing behind it on the site, and let the task be re-created and drawn again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator.findings import Finding, error
from generator.history.change import Change

ARTICLE = "第十二条"
RULE = "history/drawn-task"
_TASK_LINE = re.compile(r"^\s*-?\s*task_id:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def _task_ids(text: str | None) -> set[str]:
    # A line scan, not a YAML parse: the working tree's plan may be broken YAML, which the
    # ordinary validator reports; here only the ids matter.
    return set(_TASK_LINE.findall(text or ""))


def check(change: Change) -> Iterable[Finding]:
    drawn = {path.split("/")[2] for path in change.base_files("draws") if path.endswith("/manifest.json")}
    for path in sorted(change.modified | change.deleted):
        if not (path.startswith("plans/") and path.endswith(".yaml")):
            continue
        missing = (_task_ids(change.base_text(path)) & drawn) - _task_ids(change.head_text(path))
        for task_id in sorted(missing):
            yield error(change.display(path), RULE,
                        f"任务 {task_id} 已经准备或完成抽取，不得从年度计划中删除。"
                        "如任务不再执行，请保留任务并在站内说明，而不是删除",
                        field="task_id", article=ARTICLE)
