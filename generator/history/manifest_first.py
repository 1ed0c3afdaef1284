"""A draw is locked only after its manifest was published (第十二条; spec: the manifest is fixed
and public before the randomness exists).

`draw prepare` writes the manifest, which names a future beacon; it is merged first, and only
then does a second change add the locked record. A change that adds a record together with its
own manifest (or a record whose manifest the base revision lacks) would let the inputs be chosen
after the beacon was known: the draw could be steered. Such a record is refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.history.change import Change

ARTICLE = "第十二条"
RULE = "history/manifest-first"


def check(change: Change) -> Iterable[Finding]:
    locked = [path.split("/") for path in sorted(change.added) if path.startswith("draws/")
              and path.endswith("/record.json") and path.count("/") == 3]
    published = set(change.base_files("draws")) if locked else set()
    for parts in locked:
        path = "/".join(parts)
        if "/".join([*parts[:3], "manifest.json"]) not in published:
            yield error(change.display(path), RULE,
                        f"任务 {parts[2]} 的锁定记录与抽取清单（manifest）在同一次变更中提交，或清单尚未合并进 "
                        f"{change.label}：清单须先单独提交并合并（在信标产生之前公开），再锁定抽取。"
                        "请把锁定记录移出本次变更，先合并清单",
                        article=ARTICLE)
