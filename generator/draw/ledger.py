"""The ledger: locked records chained by `previous` (spec section 5).

No index file is kept: the order is rebuilt from the records themselves, so an index can
never disagree with them. A fork (two records naming the same `previous`) or a record
whose `previous` is unknown is a broken chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.draw.canonical import GENESIS_PREVIOUS, json_sha256


def record_sha256(record: Mapping[str, Any], *, plain: bool = False) -> str:
    """The record's hash recomputed: canonical JSON of the record without that field.
    `plain`: see `canonical_json`."""
    return json_sha256({k: v for k, v in record.items() if k != "record_sha256"}, plain=plain)


@dataclass(frozen=True)
class ChainProblem:
    name: str
    message: str


def chain_order(records: Mapping[str, Mapping[str, Any]]
                ) -> tuple[list[str], list[ChainProblem]]:
    """Names of records in ledger order, from the genesis record on, and chain problems.

    `records` maps a name (the task id) to its parsed record. A record's successor is the
    record whose manifest names it as `previous`.
    """
    following: dict[str, list[str]] = {}
    for name, record in records.items():
        manifest = record.get("manifest")
        previous = manifest.get("previous") if isinstance(manifest, Mapping) else None
        following.setdefault(str(previous), []).append(name)
    order: list[str] = []
    problems: list[ChainProblem] = []
    head = GENESIS_PREVIOUS
    while head in following:
        names = sorted(following.pop(head))
        if len(names) > 1:
            for name in names[1:]:
                problems.append(ChainProblem(name, f"账本分叉：{name} 与 {names[0]} 声明接在同一条记录之后"))
        order.append(names[0])
        # Link by the hash each record states; whether it states its true hash is checked
        # per record (verify), so one edited record is blamed alone, not all that follow.
        head = str(records[names[0]].get("record_sha256"))
    for names in following.values():
        for name in names:
            problems.append(ChainProblem(
                name, f"{name} 的 previous 不是账本中任何一条记录的 record_sha256（链条断裂）"))
    return order, problems


def head_of(records: Mapping[str, Mapping[str, Any]]) -> str:
    """The `previous` the next manifest must name."""
    order, _ = chain_order(records)
    return str(records[order[-1]].get("record_sha256")) if order else GENESIS_PREVIOUS
