"""Canonical bytes of the draw: length-prefixed hashing, RFC 8785 JSON, canonical CSV files."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Sequence
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
_JSON_TYPES = _LEAVES | {dict, list}


def _plain_json(value: Any) -> bool:
    """Only the types above, exactly (keys: orjson refuses any but strings). Called after
    orjson wrote the value, so it is finite: orjson refuses a structure holding itself.

    The types of a container's items are gathered in C (`set(map(type, ...))`), so Python
    only steps from container to container: a city's records hold 1.6 million containers
    but 4.5 million values.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            children: Collection[Any] = item.values()
        elif kind is list:
            children = item
        else:
            return kind in _LEAVES
        kinds = set(map(type, children))
        if not kinds <= _JSON_TYPES:
            return False
        if dict in kinds or list in kinds:
            stack.extend(children if kinds <= {dict, list} else
                         [child for child in children if type(child) is dict or type(child) is list])
    return True


class _NotPlain(Exception):
    pass


def _not_plain(_: str) -> Any:
    raise _NotPlain


def loads_json(text: str) -> tuple[Any, bool]:
    """`json.loads(text)`, and whether the value is plain: no float, NaN or Infinity in it.

    json.loads makes nothing but dicts with string keys, lists, strings, integers,
    booleans and null otherwise, so a plain value needs no walk in `canonical_json`. Its
    hooks are called for floats and constants only: telling costs nothing.
    """
    try:
        return json.loads(text, parse_float=_not_plain, parse_constant=_not_plain), True
    except _NotPlain:
        return json.loads(text), False


def canonical_json(value: Any, *, plain: bool = False) -> bytes:
    """RFC 8785 (JCS) bytes; manifests and records contain no floats by construction.

    orjson (Rust) gives the same bytes for the values drawn records hold, ten times faster
    than the standard library and much more than the pure-Python rfc8785 package, which
    remains the reference for everything else. `plain`: the value is (part of) one that
    `loads_json` found plain, so its types need no checking.
    """
    try:
        data = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return bytes(rfc8785.dumps(value))
    if not any(lead in data for lead in _HIGH_LEAD_BYTES) and (plain or _plain_json(value)):
        return data
    return bytes(rfc8785.dumps(value))


def json_sha256(value: Any, *, plain: bool = False) -> str:
    return sha256_hex(canonical_json(value, plain=plain))


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
