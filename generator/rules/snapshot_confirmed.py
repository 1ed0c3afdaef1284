"""The object directory is confirmed before it is drawn from (第九条).

Confirmation names the exact content: `snapshot.yaml` holds the SHA-256 and row count of
`objects.csv`, so any later edit of the directory shows up as unconfirmed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from generator.findings import Finding, error
from generator.model import Dataset

ARTICLE = "第九条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"layout", "objects", "snapshot"})
RULE = "directory/confirmed"


def file_sha256(ds: Dataset) -> str | None:
    return file_sha256_of(ds.layout.objects)


def file_sha256_of(path: Path) -> str | None:
    if not path.is_file():  # missing, or not a file: the loader has said so
        return None
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(ds: Dataset) -> Iterable[Finding]:
    snapshot = ds.snapshot
    file = ds.layout.display(ds.layout.snapshot)
    if snapshot is None:
        return
    actual = file_sha256(ds)
    if actual is not None and actual != snapshot.sha256:
        yield error(file, RULE, "objects.csv 在确认之后被修改（SHA-256 与确认记录不符）：更新名录库后须重新审核确认，"
                    f"并把 sha256 改为 {actual}", row=snapshot.lines.get("sha256"), field="sha256", article=ARTICLE)
    if len(ds.objects) != snapshot.rows and actual == snapshot.sha256:
        yield error(file, RULE, f"确认记录的对象数 {snapshot.rows} 与 objects.csv 的 {len(ds.objects)} 行不符",
                    row=snapshot.lines.get("rows"), field="rows", article=ARTICLE)
    if snapshot.confirmed_on < snapshot.snapshot_date:
        yield error(file, RULE, "确认日期早于快照日期：只能确认已经导出的名录库",
                    row=snapshot.lines.get("confirmed_on"), field="confirmed_on", article=ARTICLE)
