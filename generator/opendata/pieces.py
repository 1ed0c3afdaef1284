"""Deflate streams written as a sequence of independently compressed pieces, so that a rebuild can
copy the compressed bytes of every piece whose content is unchanged from the last file.

Each piece is compressed by a fresh raw-deflate compressor and ended with a sync flush (an empty
stored block that byte-aligns the output), so its compressed bytes depend on its own content only,
never on what comes before or after it; the stream ends with an empty final block. Any inflater
reads the result as one ordinary deflate stream (pigz writes its parallel streams the same way):
a gzip file stays one gzip member, a zip entry one deflated entry. The cost is the matches across
the piece boundaries: at 1 MB pieces about 0.15 % more bytes.

The stream's CRC-32 is combined from the pieces' (`crc32_combine`), so a reused piece need not be
produced again (a JSON piece is only generated when its rows changed).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# zlib level 1, as the archives: about three times faster than gzip's default 6 (656 MB of city JSON:
# about 7 s of CPU instead of 20) for a few percent more bytes; zlib releases the GIL, so this runs
# beside the other writers' threads.
LEVEL = 1
PIECE_BYTES = 1 << 20  # raw bytes of a file's piece (the database, the CSV in the archive)
END = b"\x03\x00"  # an empty final block (fixed Huffman): what zlib writes to finish an empty stream
# gzip header: no name, time 0 (deterministic), XFL 4 (fastest, as Python's gzip writes at level 1), OS unknown.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\xff"
_POLY = 0xEDB88320


@dataclass(frozen=True)
class Piece:
    key: str  # what the piece holds (the digest of its bytes, or of the rows that produce them)
    size: int  # raw bytes
    crc: int  # CRC-32 of the raw bytes
    length: int  # compressed bytes


def compress(data: bytes, level: int = LEVEL) -> bytes:
    """One piece: its own compressor, ended by a sync flush (no final block)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _multmodp(a: int, b: int) -> int:
    """a * b modulo the CRC-32 polynomial (zlib's crc32.c, reflected bit order)."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _powers() -> list[int]:
    table, p = [], 1 << 30  # x^1
    for _ in range(32):
        table.append(p)
        p = _multmodp(p, p)
    return table


_X2N = _powers()  # x^(2^n) modulo the polynomial


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from the CRC-32 of A, that of B and B's length (zlib's crc32_combine,
    which Python's zlib does not expose)."""
    p, k, n = 1 << 31, 3, length2  # x^0; 2^3 = 8 bits a byte
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


@dataclass
class Earlier:
    """The pieces of the last file written this way, and where their compressed bytes start in it."""

    path: Path
    offsets: dict[str, tuple[int, Piece]]
    listed: list[Piece]

    @classmethod
    def of(cls, path: Path, start: int, pieces: list[Piece]) -> Earlier:
        offsets: dict[str, tuple[int, Piece]] = {}
        for piece in pieces:
            offsets.setdefault(piece.key, (start, piece))
            start += piece.length
        return cls(path, offsets, pieces)


Source = tuple[str, Callable[[], bytes]]  # a piece's key, and what produces its raw bytes


def write_stream(out: IO[bytes], sources: Iterable[Source], earlier: Earlier | None = None,
                 level: int = LEVEL) -> tuple[list[Piece], int, int]:
    """The pieces of `sources` into `out`, each copied compressed from `earlier` when it holds a
    piece of the same key; returns the pieces, the CRC-32 and the size of the raw stream."""
    pieces: list[Piece] = []
    crc = size = 0
    with earlier.path.open("rb") if earlier is not None else open(os.devnull, "rb") as before:
        for key, produce in sources:
            found = earlier.offsets.get(key) if earlier is not None else None
            if found is not None:
                before.seek(found[0])
                data, piece = before.read(found[1].length), found[1]
            else:
                raw = produce()
                data = compress(raw, level)
                piece = Piece(key, len(raw), zlib.crc32(raw), len(data))
            out.write(data)
            crc = crc32_combine(crc, piece.crc, piece.size)
            size += piece.size
            pieces.append(piece)
    out.write(END)
    return pieces, crc, size


def file_sources(path: Path) -> Iterable[Source]:
    """A file in pieces of PIECE_BYTES, each keyed by the SHA-256 of its bytes."""
    with path.open("rb") as reader:
        while block := reader.read(PIECE_BYTES):
            yield hashlib.sha256(block).hexdigest(), (lambda block=block: block)  # type: ignore[misc]


def bytes_sources(data: bytes) -> Iterable[Source]:
    """Bytes in pieces of PIECE_BYTES, as `file_sources` reads a file."""
    view = memoryview(data)
    for start in range(0, len(data), PIECE_BYTES):
        block = bytes(view[start:start + PIECE_BYTES])
        yield hashlib.sha256(block).hexdigest(), (lambda block=block: block)  # type: ignore[misc]


class _Hashing:
    """A binary file that hashes what is written to it (the index names the file it describes)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha256 = raw, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        return self.raw.write(data)


Previous = tuple[Path, str]  # the last file of a name, and its SHA-256 as its release's SHA256SUMS state


def write_gzip(path: Path, sources: Iterable[Source], index: Path | None = None, earlier: Previous | None = None,
               level: int = LEVEL) -> None:
    """A gzip file (one member) of the pieces `sources`, through a temporary file. `index`: where
    the pieces are listed for the next build (None: not kept); `earlier`: the last file of that name
    (checked against its SHA256SUMS), whose pieces are taken when `index` describes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    streams = read_index(index, earlier) if index is not None and earlier is not None else {}
    before = Earlier.of(earlier[0], len(GZIP_HEADER), streams[""]) if earlier is not None and "" in streams else None
    with temporary.open("wb") as raw:
        out = _Hashing(raw)
        out.write(GZIP_HEADER)
        pieces, crc, size = write_stream(out, sources, before, level)  # type: ignore[arg-type]
        out.write(struct.pack("<II", crc, size & 0xFFFFFFFF))
    os.replace(temporary, path)
    if index is not None:
        save_index(index, out.sha256.hexdigest(), {"": pieces})


def save_index(index: Path, sha256: str, streams: dict[str, list[Piece]]) -> None:
    """The pieces of each stream of a file (a zip entry's name; "" for a gzip file), for the file
    of that SHA-256."""
    index.parent.mkdir(parents=True, exist_ok=True)
    temporary = index.with_name(index.name + ".tmp")
    listed = {name: [[p.key, p.size, p.crc, p.length] for p in pieces] for name, pieces in streams.items()}
    temporary.write_text(json.dumps({"sha256": sha256, "streams": listed}), encoding="utf-8")
    os.replace(temporary, index)


def read_index(index: Path, earlier: Previous) -> dict[str, list[Piece]]:
    """The pieces of the file `earlier` by stream, when `index` describes that very file (its
    SHA-256); none when it does not, or is missing or damaged: then nothing is reused."""
    try:
        saved: Any = json.loads(index.read_text(encoding="utf-8"))
        if saved["sha256"] != earlier[1] or not earlier[0].is_file():
            return {}
        return {str(name): [Piece(str(k), int(s), int(c), int(n)) for k, s, c, n in pieces]
                for name, pieces in saved["streams"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
