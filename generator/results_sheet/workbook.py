"""Open a returned 汇总表 without trusting it: it comes from outside the repository.

The file is checked before openpyxl reads it (a regular file, a zip of sane size: a few
kilobytes of XLSX can decompress to gigabytes), then read in openpyxl's streaming mode, one
row at a time: a workbook that only claims a cell at row 1,048,576 would otherwise make
openpyxl build fourteen million cells. Every problem is a SheetUnreadable with a message
for the clerk, never a traceback.
"""

from __future__ import annotations

import itertools
import stat
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from generator.results_sheet.layout import COLUMNS, FIRST_DATA_ROW, SHEET

# The largest task of a city-scale data set has about 1,000 rows; the template's sheet takes about
# 1.1 KB a row unpacked, so a part of 24 MB is some 20,000 rows. openpyxl holds the shared strings
# and the styles whole, at many times their size (217 MB of styles took 1.9 GB, 32 MB 540 MB), and
# any part may be either (the workbook's relationships name them): each part is capped.
MAX_FILE_BYTES = 64 << 20
MAX_PART_BYTES = 24 << 20
MAX_UNPACKED_BYTES = 128 << 20
MAX_ENTRIES = 1000
EXCEL_MAX_ROW = 1_048_576
_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")  # .xls, and any Office file with an opening password
_ZIP = b"PK\x03\x04"
_SAVE_AS = "请用 Excel 或 WPS 另存为 .xlsx 格式"

Row = tuple[Any, ...]


class SheetUnreadable(Exception):
    """The file cannot be read as a 汇总表; the message is for the clerk."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass
class SheetRows:
    """The sheet's first rows (title, task, header, first data row) and an iterator over the
    data rows from FIRST_DATA_ROW on, each as (sheet row number, the values of columns A-N)."""

    head: dict[int, Row]
    body: Iterator[tuple[int, Row]]


def _check_file(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SheetUnreadable("sheet/unreadable", "找不到该文件：请检查文件名和路径") from None
    except OSError as exc:
        raise SheetUnreadable("sheet/unreadable", f"无法读取该文件：{exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise SheetUnreadable("sheet/unreadable", "这是一个文件夹，不是 Excel 文件：请指定填好的 .xlsx 文件")
    if not stat.S_ISREG(mode):  # a FIFO or a device would block or never end
        raise SheetUnreadable("sheet/unreadable", "这不是普通文件（可能是管道或设备）：请指定填好的 .xlsx 文件")
    size, limit = path.stat().st_size / 1e6, MAX_FILE_BYTES / 1e6
    if size > limit:
        raise SheetUnreadable("sheet/too-large", f"文件过大（{size:.0f} MB，上限 {limit:.0f} MB）："
                              "不是 sunlight results template 生成的表格")


def _check_archive(handle: BinaryIO) -> None:
    magic = handle.read(8)
    handle.seek(0)
    if magic == _OLE2:
        raise SheetUnreadable("sheet/unreadable", "这是旧版 .xls 文件，或设置了打开密码的文件：请取消密码，"
                                                  "再用 Excel 或 WPS 另存为 .xlsx 格式后导入")
    if not magic.startswith(_ZIP):
        raise SheetUnreadable("sheet/unreadable",
                              f"不是有效的 Excel（.xlsx）文件（可能是 CSV 或文本文件改了扩展名）：{_SAVE_AS}")
    try:
        with zipfile.ZipFile(handle) as archive:
            entries = archive.infolist()
        handle.seek(0)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetUnreadable("sheet/unreadable", f"文件已损坏，不是有效的 Excel（.xlsx）文件：{_SAVE_AS}") from exc
    # zipfile stops each entry at its declared size (and then fails its CRC), so these sums bound
    # what openpyxl can unpack.
    unpacked = sum(e.file_size for e in entries)
    largest = max((e.file_size for e in entries), default=0)
    if len(entries) > MAX_ENTRIES or unpacked > MAX_UNPACKED_BYTES or largest > MAX_PART_BYTES:
        raise SheetUnreadable("sheet/too-large", f"文件解压后过大（{unpacked / 1e6:.0f} MB，{len(entries)} 个部件）："
                                                 "不是 sunlight results template 生成的表格，可能是恶意文件")


def _rows(ws: ReadOnlyWorksheet) -> Iterator[tuple[int, Row]]:
    """The rows of columns A-N, numbered, gaps filled with empty rows; ends at Excel's last row."""
    # The stubs type iter_rows for Worksheet only; ReadOnlyWorksheet borrows the same method.
    rows = ws.iter_rows(min_row=1, max_col=len(COLUMNS), values_only=True)  # type: ignore[misc]
    number = 0
    while True:
        try:
            values = next(rows, None)
        except Exception as exc:  # openpyxl parses the sheet's XML only now, row by row
            raise SheetUnreadable("sheet/unreadable", f"工作表“{SHEET}”第 {number + 1} 行附近内容损坏，无法读取："
                                                      f"{_SAVE_AS}") from exc
        if values is None:
            return
        number += 1
        if number > EXCEL_MAX_ROW:
            raise SheetUnreadable("sheet/unreadable", f"工作表“{SHEET}”超过 Excel 的最大行数 {EXCEL_MAX_ROW}："
                                                      "不是 Excel 保存的文件")
        yield number, tuple(values)


@contextmanager
def open_sheet(path: Path) -> Iterator[SheetRows]:
    """The 汇总表 of the workbook at `path`, read as it is iterated; raises SheetUnreadable."""
    _check_file(path)
    # A handle, not the path: openpyxl refuses a name without .xlsx (a download renamed
    # "表.xlsx.1", a file saved without extension) that is an XLSX all the same.
    with path.open("rb") as handle, warnings.catch_warnings():
        _check_archive(handle)
        # openpyxl warns about what it does not support (extensions, odd styles): not the clerk's concern.
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # any unreadable upload is the user's file, not a bug in Sunlight
            raise SheetUnreadable("sheet/unreadable",
                                  f"无法打开文件：不是有效的 Excel（.xlsx）文件，{_SAVE_AS}") from exc
        try:
            ws = workbook[SHEET] if SHEET in workbook.sheetnames else None
            if not isinstance(ws, ReadOnlyWorksheet):
                raise SheetUnreadable("sheet/missing",
                                      f"找不到工作表“{SHEET}”：请使用 sunlight results template 生成的表格")
            ws.reset_dimensions()  # the stored dimension may be wrong: read what is there
            rows = _rows(ws)
            head = dict(itertools.islice(rows, FIRST_DATA_ROW))
            first = [(FIRST_DATA_ROW, head[FIRST_DATA_ROW])] if FIRST_DATA_ROW in head else []
            yield SheetRows(head, itertools.chain(first, rows))
        finally:
            workbook.close()

__all__ = ["SheetRows", "SheetUnreadable", "open_sheet"]
