"""No personal data in the published results (第二十一条): as `personal_data` searches the other
tables, kept apart so that a changed result does not make the million-row directory be searched
again (generator.incremental)."""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding
from generator.model import Dataset
from generator.rules.personal_data import ARTICLE, RULE, scan

__all__ = ["ARTICLE", "READS", "RULE", "check"]

# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"results"})


def check(ds: Dataset) -> Iterable[Finding]:
    yield from scan(ds.results, "results", "_file", "", repeated=True)
