"""What a rule's findings depend on: the dataset fields it reads (its module's `READS`), each
mapped to the parts of the data directory it is loaded from or to the value it holds.

A rule that read a field it did not declare would have its findings kept while that field's
files changed. `ReadsOnly` is the dataset as a rule declared it: reading anything else raises.
The tests run every rule through it on every fixture and the sample data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TABLES = ("departments", "checklist", "objects", "inspectors", "recusals", "replacements", "corrections")

# Field -> the parts (generator.incremental.digests) its value is loaded from. Reference tables
# ship with the code (part of every key); `layout` names files, which the key's salt covers.
FIELD_PARTS: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in TABLES},
    "snapshot": ("snapshot",),
    "scenarios": ("scenarios",),
    "holidays": ("holidays",),
    "plans": ("plans",),
    "results": ("results",),
    "draws": ("draws",),
    "unusable": TABLES,  # tables whose file could not be read
    "layout": (),
    "result_codes": (),
    "industries": (),
    "districts": (),
}
# Fields whose value is given to the run, not loaded: their value is part of the key.
VALUES = ("as_of", "recompute_draws")
# What the dataset's properties and methods read.
DERIVED = {"tasks": ("plans",), "display": ("layout",)}
ALWAYS = frozenset({"derived"})  # the facts memo: filled from declared fields only (see tests)


def parts_read(reads: Iterable[str]) -> list[str]:
    """The parts behind the fields `reads` names, sorted."""
    return sorted({part for name in reads for part in FIELD_PARTS.get(name, ())})


def unknown(reads: Iterable[str]) -> list[str]:
    """Names in `reads` that are no field this module knows (a typo would silently key nothing)."""
    return sorted(set(reads) - FIELD_PARTS.keys() - set(VALUES))


class ReadsOnly:
    """The dataset as a rule declared it (tests only): any other field raises AttributeError."""

    def __init__(self, dataset: Any, reads: Iterable[str], rule: str) -> None:
        self._dataset, self._reads, self._rule = dataset, frozenset(reads), rule

    def __getattr__(self, name: str) -> Any:
        needed = DERIVED.get(name, (name,))
        if name in ALWAYS or set(needed) <= self._reads:
            return getattr(self._dataset, name)
        raise AttributeError(f"rule {self._rule} reads ds.{name} but does not declare it in READS")
