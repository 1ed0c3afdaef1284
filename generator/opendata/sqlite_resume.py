"""Resuming the database at a table: a rebuild whose first tables are unchanged starts from the
file as it stood once they were written, instead of inserting their million rows again.

The database is written one table per transaction (create, rows in key order, indexes). At each
table's commit ("boundary") the file is pages 1..P, and the only pages among them that anything
written later touches are those of the schema table (`sqlite_schema`, rooted at page 1, which also
holds the header: size, change counter, schema cookie): each table and index is a b-tree of its
own, later b-trees only take new pages at the end of the file (nothing is ever deleted, so the
free list stays empty), and nothing else refers back. So a boundary is recorded as P, a copy of
the schema pages then, and a CRC-32 of its other new pages; the state at the boundary is the final
file cut to P pages with the schema pages put back, and SQLite, opening it and running the same
statements for the remaining tables, writes the same bytes a clean build writes.

Every build checks that claim on its own file before keeping it: each boundary's pages must be
unchanged at the end (their CRC-32); a build whose file breaks it keeps nothing, and the next
one starts from scratch. The copy a rebuild starts from is checked the same way.
"""

from __future__ import annotations

import base64
import json
import os
import struct
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

PAGE = 4096
BLOCK = 1 << 20
FORMAT = 1


@dataclass(frozen=True)
class Boundary:
    key: str  # digest of everything written up to here (the tables' keys, in order)
    pages: int  # the file's pages then
    schema: dict[int, bytes]  # the schema table's pages then, by number (page 1 holds the header)
    check: int  # CRC-32 of the pages added since the last boundary that are not schema pages


def schema_pages(read: Any) -> list[int] | None:
    """The pages of the schema b-tree (`read(n)`: page n's bytes), or None when the file is not
    as this module expects (a free list, auto-vacuum, a schema row spilling onto overflow pages)."""
    first = read(1)
    if first[:16] != b"SQLite format 3\x00" or struct.unpack(">H", first[16:18])[0] != PAGE:
        return None
    freelist, vacuum = struct.unpack(">I", first[36:40])[0], struct.unpack(">I", first[52:56])[0]
    if freelist or vacuum:
        return None
    found, todo = [], [1]
    while todo:
        number = todo.pop()
        found.append(number)
        page = read(number)
        head = 100 if number == 1 else 0
        kind, cells = page[head], struct.unpack(">H", page[head + 3:head + 5])[0]
        array = head + (8 if kind == 13 else 12)  # the cell pointers follow the page's header
        pointers = [struct.unpack(">H", page[array + 2 * i:array + 2 * i + 2])[0] for i in range(cells)]
        if kind == 5:  # interior table page: a child per cell, and the right-most child
            todo += [struct.unpack(">I", page[p:p + 4])[0] for p in pointers]
            todo.append(struct.unpack(">I", page[head + 8:head + 12])[0])
        elif kind == 13:  # leaf: a row held on an overflow page would be a page this list misses
            if any(_varint(page, p) > PAGE - 35 for p in pointers):
                return None
        else:
            return None
    return sorted(found)


def _varint(page: bytes, at: int) -> int:
    value = 0
    for i in range(9):
        byte = page[at + i]
        if i == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value
    return value


def _check(handle: IO[bytes], first: int, last: int, schema: Collection[int]) -> int:
    """CRC-32 of pages `first`..`last` but the `schema` pages, read in runs between them."""
    crc, number = 0, first
    for stop in [*sorted(n for n in schema if first <= n <= last), last + 1]:
        handle.seek((number - 1) * PAGE)
        remaining = (stop - number) * PAGE
        while remaining > 0:
            block = handle.read(min(remaining, BLOCK))
            if not block:
                return -1  # the file is shorter than the boundary says
            crc = zlib.crc32(block, crc)
            remaining -= len(block)
        number = stop + 1
    return crc


def _pager(handle: Any) -> Any:
    def read(number: int) -> bytes:
        handle.seek((number - 1) * PAGE)
        return bytes(handle.read(PAGE))

    return read


def record(path: Path, key: str, earlier: list[Boundary]) -> Boundary | None:
    """The boundary of the file `path` as it is committed now, after `earlier`'s (None: the file
    is not one this module can resume)."""
    pages = path.stat().st_size // PAGE
    with path.open("rb") as handle:
        read = _pager(handle)
        numbers = schema_pages(read)
        if numbers is None:
            return None
        schema = {n: read(n) for n in numbers}
        start = earlier[-1].pages + 1 if earlier else 1
        return Boundary(key, pages, schema, _check(handle, start, pages, schema))


def holds(path: Path, boundaries: list[Boundary]) -> bool:
    """Whether every boundary's pages are, in the file `path`, what they were at that boundary."""
    start = 1
    with path.open("rb") as handle:
        for boundary in boundaries:
            if _check(handle, start, boundary.pages, boundary.schema) != boundary.check:
                return False
            start = boundary.pages + 1
    return True


def restore(source: Path, boundaries: list[Boundary], target: Path) -> bool:
    """The state of the file at the last of `boundaries` into `target`, from the final file `source`
    of the build that recorded them: its first pages, checked, with the schema pages put back."""
    last = boundaries[-1]
    with source.open("rb") as reader, target.open("wb") as writer:
        start = 1
        for boundary in boundaries:
            if _check(reader, start, boundary.pages, boundary.schema) != boundary.check:
                return False
            start = boundary.pages + 1
        reader.seek(0)
        remaining = last.pages * PAGE
        while remaining:
            block = reader.read(min(remaining, 1 << 20))
            if not block:
                return False
            writer.write(block)
            remaining -= len(block)
        for number, page in last.schema.items():
            writer.seek((number - 1) * PAGE)
            writer.write(page)
    return True


def save(path: Path, database: Path, boundaries: list[Boundary]) -> None:
    """The boundaries of `database` (its size, time and inode: a file changed since is not used)."""
    stat = database.stat()
    saved = {"format": FORMAT, "stat": [stat.st_size, stat.st_mtime_ns, stat.st_ino],
             "boundaries": [{"key": b.key, "pages": b.pages, "check": b.check,
                             "schema": {str(n): base64.b64encode(p).decode("ascii") for n, p in b.schema.items()}}
                            for b in boundaries]}
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(saved), encoding="utf-8")
    os.replace(temporary, path)


def load(path: Path, database: Path) -> list[Boundary]:
    """The boundaries saved for `database`, if it is still the file they describe (else none)."""
    try:
        saved: Any = json.loads(path.read_text(encoding="utf-8"))
        stat = database.stat()
        if saved.get("format") != FORMAT or saved.get("stat") != [stat.st_size, stat.st_mtime_ns, stat.st_ino]:
            return []
        return [Boundary(str(b["key"]), int(b["pages"]),
                         {int(n): base64.b64decode(p) for n, p in b["schema"].items()}, int(b["check"]))
                for b in saved["boundaries"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
