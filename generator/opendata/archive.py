"""Per-year archives (that year's rows of every table, see `year_frames`, and the year's draw files)
and one complete archive (every table, datapackage.json and every draw file): unzip the complete
one and `sunlight verify --all --data <folder>` re-runs every draw.

The complete archive takes the draw files from the per-year archives as they are compressed there
(same bytes, CRC and sizes): at city scale they are 360 MB, and compressing them twice cost most of
the archives' time. A rebuild also takes each table whose CSV is the last release's from that
release's complete archive as it is compressed there (compressing 250 MB of CSV again was most of
a rebuild's archive time), and a changed year's archive its draw files from the last one; the
member is written exactly as compressing it would write it.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable
from contextlib import nullcontext
from pathlib import Path
from typing import IO

from generator.model import Draw
from generator.opendata import pieces
from generator.opendata.checksums import sha256_file
from generator.opendata.stamp import CHUNK, add_bytes, add_file, zip_info
from generator.publish.draws import PUBLISHED

LOCAL_HEADER = b"PK\x03\x04"
# Deflate level 1: at city scale five times faster than the default on the draw files for 7 % more
# bytes, and 2.6 times faster on the CSV files for 35 % more (105 MB -> about 125 MB complete).
LEVEL = 1
TABLES = "csv/"  # the members written in pieces


def draw_members(draws: list[Draw], files: Callable[[Draw], Collection[str]]) -> list[tuple[str, Path | bytes]]:
    """The files of `draws` (prepared ones: their manifest is readable) as archive members;
    `files(draw)`: the names of the files in its folder (SiteContext.draw_file_sizes, one directory
    read that the pages share, not a stat per file)."""
    members: list[tuple[str, Path | bytes]] = []
    for draw in draws:
        present = files(draw)
        folder = f"draws/{draw.year}/{draw.task_id}/"
        members += [(folder + name, draw.directory / name) for name in PUBLISHED if name in present]
    return members


def write_archive(path: Path, members: list[tuple[str, Path | bytes]], day: dt.date,
                  copied_from: list[Path] | None = None, copied_prefix: str = "draws/",
                  earlier: pieces.Previous | None = None, unchanged: Collection[str] = (),
                  index: Path | None = None) -> None:
    """`members` (name, file or bytes), sorted by name, then every member under `copied_prefix` of
    the archives `copied_from`, in their order, without recompressing them. The tables (members
    under `csv/`) are compressed in pieces (generator.opendata.pieces), listed in `index` for the
    next build; the pieces of the archive `earlier` (the last release's, checked against its
    SHA256SUMS) that `index` lists are copied compressed. A file member named in `unchanged` is
    taken whole from `earlier` when it holds that member with the file's size and CRC."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The last archive's listing, read once (tens of thousands of draw files: a third of a second).
    listed = _listing(earlier[0]) if earlier is not None and (unchanged or index is not None) else {}
    before = earlier_pieces(earlier, index, listed)
    streams: dict[str, list[pieces.Piece]] = {}
    with (zipfile.ZipFile(path, "w") as archive,
          earlier[0].open("rb") if earlier is not None and unchanged else nullcontext() as raw):
        for name, content in sorted(members, key=lambda e: e[0]):
            if isinstance(content, Path) and name in unchanged and name in listed and _same_file(listed[name], content):
                assert earlier is not None and raw is not None
                info = zip_info(name, day, LEVEL)
                info.CRC, info.compress_size, info.file_size = (listed[name].CRC, listed[name].compress_size,
                                                                listed[name].file_size)
                _put_raw(archive, info, _raw_member(raw, listed[name], earlier[0]), zip64=True)  # as add_pieces
                if name in before:  # its pieces are those the last archive listed
                    streams[name] = list(before[name].listed)
            elif name.startswith(TABLES):
                sources = pieces.file_sources(content) if isinstance(content, Path) else pieces.bytes_sources(content)
                streams[name] = add_pieces(archive, zip_info(name, day, LEVEL), sources, before.get(name))
            elif isinstance(content, bytes):
                add_bytes(archive, name, content, day, LEVEL)
            else:
                add_file(archive, name, content, day, LEVEL)
        for source in copied_from or []:
            _copy_members(source, copied_prefix, archive)
    if index is not None:
        pieces.save_index(index, sha256_file(path), streams)


def _listing(path: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as listing:
        return {info.filename: info for info in listing.infolist()}


def earlier_pieces(earlier: pieces.Previous | None, index: Path | None,
                   listed: dict[str, zipfile.ZipInfo] | None = None) -> dict[str, pieces.Earlier]:
    """Each member of the archive `earlier` (whose listing is `listed`, read when not given) that
    `index` lists in pieces, and where its data starts."""
    streams = pieces.read_index(index, earlier) if earlier is not None and index is not None else {}
    if not streams or earlier is None:
        return {}
    listed = _listing(earlier[0]) if listed is None else listed
    found = {}
    with earlier[0].open("rb") as raw:
        for name, pieces_of in streams.items():
            if name in listed:
                start = _data_offset(raw, listed[name], earlier[0])
                found[name] = pieces.Earlier.of(earlier[0], start, pieces_of)
    return found


def add_pieces(target: zipfile.ZipFile, info: zipfile.ZipInfo, sources: Iterable[pieces.Source],
               before: pieces.Earlier | None, level: int = LEVEL) -> list[pieces.Piece]:
    """A member written as pieces; its local header, which holds the CRC and sizes, is written
    once they are known (it has the same length either way: zip64 sizes are always there)."""
    if target.fp is None:
        raise ValueError("archive is closed")
    info.flag_bits = 0
    info.header_offset = target.start_dir
    info.CRC = info.compress_size = info.file_size = 0
    header = len(info.FileHeader(True))
    target.fp.seek(info.header_offset + header)
    listed, info.CRC, info.file_size = pieces.write_stream(target.fp, sources, before, level)
    end = target.fp.tell()
    info.compress_size = end - info.header_offset - header
    target.fp.seek(info.header_offset)
    target.fp.write(info.FileHeader(True))
    _listed(target, info, end)
    return listed


def _same_file(info: zipfile.ZipInfo, path: Path) -> bool:
    if info.file_size != path.stat().st_size or info.compress_type != zipfile.ZIP_DEFLATED:
        return False
    crc = 0
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc == info.CRC


def _data_offset(raw: IO[bytes], info: zipfile.ZipInfo, source: Path) -> int:
    """Where a member's compressed bytes start: past its local header."""
    raw.seek(info.header_offset)
    head = raw.read(30)
    if head[:4] != LOCAL_HEADER:
        raise ValueError(f"{source}: no local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", head[26:30])
    return int(info.header_offset) + 30 + int(name_length) + int(extra_length)


def _raw_member(raw: IO[bytes], info: zipfile.ZipInfo, source: Path) -> bytes:
    """The compressed bytes of a member."""
    raw.seek(_data_offset(raw, info, source))
    return raw.read(info.compress_size)


def _put_raw(target: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, zip64: bool | None) -> None:
    """Write a member already compressed (`info` holds its CRC and sizes) where ZipFile.open(..., "w")
    would put it; it is listed in the central directory on close."""
    if target.fp is None:
        raise ValueError("archive is closed")
    info.flag_bits = 0
    # zipfile keeps its end of data in start_dir.
    info.header_offset = target.start_dir
    target.fp.seek(info.header_offset)
    target.fp.write(info.FileHeader(zip64))
    target.fp.write(data)
    _listed(target, info, target.fp.tell())


def _listed(target: zipfile.ZipFile, info: zipfile.ZipInfo, end: int) -> None:
    """A member written by hand, listed as zipfile lists its own (`end`: where the next starts)."""
    target.start_dir = end
    target.filelist.append(info)
    target.NameToInfo[info.filename] = info
    target._didModify = True  # type: ignore[attr-defined]


def _copy_members(source: Path, prefix: str, target: zipfile.ZipFile) -> None:
    with zipfile.ZipFile(source) as listing, source.open("rb") as raw:
        for info in listing.infolist():
            if not info.filename.startswith(prefix):
                continue
            data = _raw_member(raw, info, source)
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type, copy.external_attr, copy.create_system = (info.compress_type, info.external_attr,
                                                                         info.create_system)
            copy.CRC, copy.compress_size, copy.file_size = info.CRC, info.compress_size, info.file_size
            _put_raw(target, copy, data, zip64=None)
