"""Canonical bytes of the draw: length-prefixed hashing, RFC 8785 JSON, canonical CSV files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import orjson
import rfc8785

GENESIS_PREVIOUS = "0" * 64

IDENTIFIER = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")

FRAME_HEADER = "object_id,stratum"
ROSTER_HEADER = "inspector_id,department"
EXCLUSIONS_HEADER = "object_id,inspector_id"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def enc(*parts: str) -> bytes:
    """Each part as its 4-byte big-endian UTF-8 length, then its bytes (spec: Notation)."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "big")
        out += raw
    return bytes(out)


def h(*parts: str) -> str:
    return sha256_hex(enc(*parts))


# orjson's sorted compact JSON is exactly the RFC 8785 bytes for a value made only of
# dicts with string keys, lists, strings, integers up to ±(2^53 - 1) (larger ones refused
# under OPT_STRICT_INTEGER), booleans and null, with no lone surrogate (refused) and no
# character from U+E000 up (code-point order and UTF-16 order of keys can then differ; its
# UTF-8 lead byte is 0xEE to 0xF4; Chinese text lies below). Floats differ in format, and
# anything else (dates, enums, subclasses) is not a JSON value: the reference decides.
_HIGH_LEAD_BYTES = (b"\xee", b"\xef", b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
_LEAVES = frozenset({str, int, bool, type(None)})


def _plain_json(value: Any) -> bool:
    """Only the types above, exactly. Called after orjson wrote the value, so it is finite:
    orjson refuses a structure that contains itself (its depth limit)."""
    stack = [value]
    pop, extend, leaves = stack.pop, stack.extend, _LEAVES
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            if any(type(key) is not str for key in item):
                return False
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind not in leaves:
            return False
    return True


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes; manifests and records contain no floats by construction.

    orjson (Rust) gives the same bytes for the values drawn records hold, ten times faster
    than the standard library and much more than the pure-Python rfc8785 package, which
    remains the reference for everything else.
    """
    try:
        data = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return bytes(rfc8785.dumps(value))
    if not any(lead in data for lead in _HIGH_LEAD_BYTES) and _plain_json(value):
        return data
    return bytes(rfc8785.dumps(value))


def json_sha256(value: Any) -> str:
    return sha256_hex(canonical_json(value))



def id_key(identifier: str) -> bytes:
    """Sort key 'by id': the id's UTF-8 bytes."""
    return identifier.encode("utf-8")


def canonical_csv(header: str, rows: Iterable[Sequence[str]]) -> str:
    """Header, then one LF-terminated line per row, no quoting. Rows must already be sorted."""
    lines = [header]
    lines.extend(map(",".join, rows))
    return "\n".join(lines) + "\n"


def frame_text(frame: Iterable[tuple[str, str]]) -> str:
    # Python orders str by code point, as UTF-8 orders its bytes: the same order as id_key,
    # without encoding a million ids (and a frame arrives sorted, which sorted() checks fast).
    return canonical_csv(FRAME_HEADER, sorted(frame, key=itemgetter(0)))


def roster_text(roster: Iterable[tuple[str, str]]) -> str:
    return canonical_csv(ROSTER_HEADER, sorted(roster, key=lambda r: id_key(r[0])))


def exclusions_text(pairs: Iterable[tuple[str, str]]) -> str:
    return canonical_csv(EXCLUSIONS_HEADER,
                         sorted(pairs, key=lambda r: (id_key(r[0]), id_key(r[1]))))


# IDENTIFIER, with possessive quantifiers: a cell's characters never include the "," or "\n"
# that must follow, so backtracking could not rescue a failed match; without the
# bookkeeping for it the check of a million-line frame takes half the time.
_CELL = r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}+"
_PAIRS = re.compile(rf"(?:{_CELL},{_CELL}\n)*+")


def parse_canonical_csv(text: str, header: str) -> list[tuple[str, str]] | str:
    """Rows of a canonical two-column file, or a message saying why it is not canonical."""
    body = text[len(header) + 1:]
    if text.startswith(header + "\n") and _PAIRS.fullmatch(body):
        # The whole body checked by one regex (a million lines in a fraction of a second);
        # the line-by-line walk below only runs to name what is wrong.
        cells = body.replace("\n", ",").split(",")
        return list(zip(cells[0:-1:2], cells[1::2], strict=True))
    if not text.endswith("\n"):
        return "文件应以换行符结束"
    lines = text[:-1].split("\n")
    if lines[0] != header:
        return f"表头应为 {header}"
    rows: list[tuple[str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        if len(cells) != 2 or not all(IDENTIFIER.fullmatch(c) for c in cells):
            return f"第 {number} 行不是两个合法标识符：{line[:80]}"
        rows.append((cells[0], cells[1]))
    return rows
