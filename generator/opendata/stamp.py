"""Fixed timestamps and deterministic zip members: the same data gives the same bytes."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import IO

CHUNK = 1 << 20


def zip_info(name: str, day: dt.date, level: int = 6) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(max(day.year, 1980), day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    # A ZipInfo passed in does not take the archive's level (3.13 renames it, keeping this alias).
    info._compresslevel = level  # type: ignore[attr-defined]
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, whatever machine builds it
    return info


def add_file(archive: zipfile.ZipFile, name: str, source: Path, day: dt.date, level: int = 6) -> None:
    with source.open("rb") as reader, archive.open(zip_info(name, day, level), "w", force_zip64=True) as writer:
        copy(reader, writer)


def add_bytes(archive: zipfile.ZipFile, name: str, data: bytes, day: dt.date, level: int = 6) -> None:
    archive.writestr(zip_info(name, day, level), data)


def copy(reader: IO[bytes], writer: IO[bytes]) -> None:
    while chunk := reader.read(CHUNK):
        writer.write(chunk)
