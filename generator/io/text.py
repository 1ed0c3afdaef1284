"""Decode a data file's bytes, turning encoding mistakes into findings a clerk understands."""

from __future__ import annotations

import stat
from pathlib import Path

from generator.findings import Finding, error

BOM = b"\xef\xbb\xbf"

# Larger files are refused before parsing: nothing in a data set legitimately needs it,
# and it keeps a malicious pull request from exhausting the CI machine.
MAX_FILE_BYTES = 1 << 30


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_text(path: Path, display: str) -> tuple[str | None, list[Finding]]:
    """Return the file's text, or None with findings when it cannot be used.

    A UTF-8 BOM is reported (Excel adds one and some tools then misread the first
    header) but the text is still returned so that the rest of the file is checked.
    """
    text, _, findings = read_text_and_bytes(path, display)
    return text, findings


def read_text_and_bytes(path: Path, display: str) -> tuple[str | None, bytes | None, list[Finding]]:
    """`read_text`, and the text's UTF-8 bytes (without a BOM): a caller handing a 100 MB
    table to polars need not encode it again."""
    try:
        status = path.stat()
    except OSError as exc:
        return None, None, [error(display, "file/unreadable", f"无法读取文件：{exc.strerror}")]
    if not stat.S_ISREG(status.st_mode):  # a folder, a pipe (reading it would wait forever), a device
        return None, None, [error(display, "file/not-a-file", "这里应是一个文件，实际是文件夹或其他特殊文件")]
    if status.st_size > MAX_FILE_BYTES:
        return None, None, [error(display, "file/too-large",
                            f"文件过大（{status.st_size} 字节，上限 {MAX_FILE_BYTES} 字节）")]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, None, [error(display, "file/unreadable", f"无法读取文件：{exc.strerror}")]
    findings: list[Finding] = []
    if data.startswith(BOM):
        findings.append(error(display, "file/bom", "文件开头带有 BOM 标记：请另存为“UTF-8（无 BOM）”",
                              row=1))
        data = data[len(BOM):]
    if not data or data.isspace():  # as `not data.strip()`, without copying a 100 MB file
        return None, None, [*findings, error(display, "file/empty", "文件为空：应至少包含表头或一条记录")]
    if b"\x00" in data:
        # Checked before decoding: a spreadsheet or image saved under a .csv name is binary.
        # A stray NUL in otherwise readable text is located; in a binary file "line 3" means
        # nothing, so the finding points at the top of the file.
        before = data[: data.index(b"\x00")]
        line = before.count(b"\n") + 1 if _is_utf8(before) else 1
        message = "文件含有空字符（NUL），不是文本文件：请另存为 UTF-8 编码的 CSV/YAML"
        return None, None, [*findings, error(display, "file/binary", message, row=line)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            hint = "文件似乎是 GBK/GB18030 编码（常见于 Excel 另存为 CSV）：请另存为 UTF-8"
        except UnicodeDecodeError:
            hint = "文件不是有效的 UTF-8 编码：请另存为 UTF-8"
        return None, None, [*findings, error(display, "file/encoding", hint, row=line)]
    return text, data, findings
