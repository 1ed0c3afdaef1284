"""A canonical frame file kept as its bytes: what `lock` needs from a million rows.

Parsing frame.csv into a million (id, stratum) tuples, counting the strata and encoding each
id again for hashing cost the main process about a second before any ticket was drawn.
Here the file is checked with one regex and left as bytes: a stratum's size is a byte count,
and each worker splits only its own share of the lines, already the bytes that are hashed.
"""

from __future__ import annotations

import hashlib
import heapq
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

from generator.draw.canonical import FRAME_HEADER

# canonical.parse_canonical_csv's check, on bytes: an ASCII-only pattern, so it accepts
# exactly the UTF-8 texts that the str pattern accepts (and they are all ASCII).
_CELL = rb"[0-9A-Za-z][0-9A-Za-z._-]{0,63}+"
_LINES = re.compile(rb"(?:" + _CELL + rb"," + _CELL + rb"\n)*+")
_HEADER = FRAME_HEADER.encode("ascii") + b"\n"


@dataclass(frozen=True)
class FrameBytes:
    """The lines after the header of a canonical frame file, each `ID,STRATUM\\n`."""

    body: bytes

    @classmethod
    def of(cls, data: bytes) -> FrameBytes | None:
        """The frame if `data` is provably canonical; None sends the caller to the full parser."""
        if data.startswith(_HEADER) and _LINES.fullmatch(data, len(_HEADER)):
            return cls(data[len(_HEADER):])
        return None

    def __len__(self) -> int:
        return self.body.count(b"\n")

    def rows(self) -> list[tuple[str, str]]:
        """The (id, stratum) tuples, as `parse_canonical_csv` gives them."""
        cells = self.body.decode("ascii").replace("\n", ",").split(",")
        return list(zip(cells[0:-1:2], cells[1::2], strict=True))

    def is_sorted(self) -> bool:
        """Lines in the spec's order (by id, then stratum; UTF-8 bytes). Every character a cell
        may hold sorts after the comma, so the lines' own byte order is that order."""
        lines = self.body.split(b"\n")
        return all(map(operator.le, lines[:-2], lines[1:-1]))

    def count(self, stratum_id: str) -> int:
        """Lines of that stratum: each line has one comma, so `,STRATUM\\n` marks exactly them."""
        return self.body.count(b"," + stratum_id.encode("utf-8") + b"\n")

    def spans(self, parts: int) -> list[tuple[int, int]]:
        """`parts` byte ranges of whole lines, about equal in size."""
        bounds = [0]
        for k in range(1, parts):
            cut = self.body.find(b"\n", max(bounds[-1], len(self.body) * k // parts))
            bounds.append(len(self.body) if cut < 0 else cut + 1)
        bounds.append(len(self.body))
        return [(a, b) for a, b in pairwise(bounds) if a < b] or [(0, 0)]


@dataclass(frozen=True)
class Share:
    """One span's part of the selection: what the main process merges."""

    smallest: dict[str, list[bytes]]  # per stratum, its smallest sort keys (digest + id bytes)
    eligible: dict[str, int]  # per stratum, lines not excluded by the cap
    excluded: list[bytes]  # ids excluded by the cap, in file order


def smallest_in_span(prefix: bytes, body: bytes, start: int, end: int, keep: Mapping[str, int],
                     full: frozenset[bytes]) -> Share:
    """Per stratum, the `keep[stratum]` smallest (ticket digest + id) among eligible lines.

    `prefix` is enc(domain, seed, task_id); every stratum of the span must be in `keep`.
    """
    cells = body[start:end].replace(b"\n", b",").split(b",")
    ids, strata = cells[0:-1:2], cells[1::2]
    groups: dict[bytes, list[bytes]] = {sid.encode("utf-8"): [] for sid in keep}
    add = {sid: group.append for sid, group in groups.items()}
    excluded: list[bytes] = []
    if full:
        for object_id, stratum in zip(ids, strata, strict=True):
            if object_id in full:
                excluded.append(object_id)
            else:
                add[stratum](object_id)
    else:
        for object_id, stratum in zip(ids, strata, strict=True):
            add[stratum](object_id)
    sha256 = hashlib.sha256
    by_length = {n: prefix + n.to_bytes(4, "big") for n in set(map(len, ids))}
    smallest = {}
    for (sid, count), group in zip(keep.items(), groups.values(), strict=True):
        smallest[sid] = lowest(count, [sha256(by_length[len(raw)] + raw).digest() + raw for raw in group])
    return Share(smallest, {sid: len(group) for sid, group in zip(keep, groups.values(), strict=True)}, excluded)


def lowest(count: int, keys: list[bytes]) -> list[bytes]:
    """`sorted(keys)[:count]` for keys that start with a SHA-256 digest, without sorting them all.

    Digests are spread evenly, so a bound below which about `count` (and a margin) of them lie
    can be computed from the numbers alone; the keys under it are filtered in C and sorted.
    If at least `count` lie under it, they are the `count` lowest, whatever the digests; if
    fewer do (an unlucky draw), all keys are ranked. heapq.nsmallest walks every key in
    Python: several times slower for a stratum that selects thousands.
    """
    wanted = count + count // 16 + 64
    if wanted >= len(keys):
        return sorted(keys)[:count]
    bound = ((wanted << 64) // len(keys)).to_bytes(8, "big")  # < 2**64: wanted < len(keys)
    below = list(filter(bound.__gt__, keys))
    if len(below) < count:
        return heapq.nsmallest(count, keys)
    below.sort()
    return below[:count]
