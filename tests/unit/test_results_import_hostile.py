"""`sunlight results import` on files a careless or hostile sender returns: refused with a
message for the clerk, in bounded time and memory, never a traceback, nothing written."""

from __future__ import annotations

import datetime as dt
import os
import threading
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.cli import main
from generator.results_sheet import import_results
from tests.unit.test_results_xlsx import TASK, fill, results_file, rows_of, run_import, template

SHEET_XML = "xl/worksheets/sheet1.xml"


def repack(source: Path, target: Path, change: Callable[[str, bytes], bytes],
           extra: dict[str, bytes] | None = None) -> Path:
    """A copy of the workbook `source` with its parts passed through `change`."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def add_rows(xml: str) -> Callable[[str, bytes], bytes]:
    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", xml.encode() + b"</sheetData>") if name == SHEET_XML else data
    return change


def refused(data: Path, sheet: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The one line of the report, after checking the import was refused and wrote nothing."""
    before = results_file(data).read_bytes()
    capsys.readouterr()
    assert run_import(data, sheet) == 1
    out = capsys.readouterr()
    assert out.err == "表格有错误，未写入任何数据：请改正后重新导入\n"
    assert results_file(data).read_bytes() == before
    return out.out.splitlines()[1]


def test_a_cell_far_below_the_data_is_read_without_building_every_row(minimal_copy: Path, tmp_path: Path) -> None:
    """An 11 KB file with one cell at row 100,000: openpyxl's normal mode makes 1.4 million
    cells for it (at row 1,048,576: a MemoryError after a minute)."""
    sheet = repack(template(minimal_copy, tmp_path), tmp_path / "far.xlsx", add_rows(
        '<row r="100000"><c r="N100000" t="inlineStr"><is><t>x</t></is></c></row>'))
    tracemalloc.start()
    try:
        outcome = import_results(minimal_copy, sheet)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.message for f in outcome.findings] == [
        "汇总表!B100000：对象标识和事项编码为空：请勿在表中添加行，只填写预填的行"]
    assert peak < 40 << 20


def test_a_zip_bomb_is_refused_before_it_is_unpacked(minimal_copy: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A few hundred KB that unpack to 260 MB of shared strings (openpyxl would hold them all)."""
    bomb = b"<sst><si><t>" + b"A" * (260 << 20) + b"</t></si></sst>"
    sheet = repack(template(minimal_copy, tmp_path), tmp_path / "bomb.xlsx", lambda _, data: data,
                   {"xl/sharedStrings.xml": bomb})
    del bomb
    assert sheet.stat().st_size < 1 << 20
    assert refused(minimal_copy, sheet, capsys) == (
        "  错误 整个文件：文件解压后过大（273 MB，12 个部件）：不是 sunlight results template 生成的表格，"
        "可能是恶意文件 [sheet/too-large]")


def test_a_styles_part_too_large_is_refused(minimal_copy: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Under the total, but openpyxl would build an object per style: 32 MB of them took 540 MB."""
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'

    def change(name: str, data: bytes) -> bytes:
        return data.replace(b'<cellXfs count="8">', b'<cellXfs count="8">' + xf * 420_000) if name == "xl/styles.xml" \
            else data

    sheet = repack(template(minimal_copy, tmp_path), tmp_path / "styles.xlsx", change)
    assert refused(minimal_copy, sheet, capsys) == (
        "  错误 整个文件：文件解压后过大（26 MB，11 个部件）：不是 sunlight results template 生成的表格，"
        "可能是恶意文件 [sheet/too-large]")


def test_a_zip_entry_that_lies_about_its_size_is_not_unpacked_beyond_it(minimal_copy: Path, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The size check above trusts the declared sizes: zipfile stops at them (and fails the CRC)."""
    sheet = template(minimal_copy, tmp_path)
    raw = bytearray(sheet.read_bytes())
    with zipfile.ZipFile(sheet) as archive:
        declared = archive.getinfo(SHEET_XML).file_size
    central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(SHEET_XML.encode()))
    assert int.from_bytes(raw[central + 24:central + 28], "little") == declared
    raw[central + 24:central + 28] = (100).to_bytes(4, "little")
    sheet.write_bytes(bytes(raw))
    assert refused(minimal_copy, sheet, capsys).endswith("[sheet/unreadable]")


def test_extra_rows_beyond_a_hundred_are_refused_as_a_whole(minimal_copy: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    rows = "".join(f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>9137X{n}</t></is></c></row>'
                   for n in range(16, 5016))
    sheet = repack(template(minimal_copy, tmp_path), tmp_path / "rows.xlsx", add_rows(rows))
    assert refused(minimal_copy, sheet, capsys) == (
        f"  错误 整个文件：汇总表：填写的行超过 112 行（第 116 行仍有内容），而任务 {TASK} 只有 12 行："
        "请勿添加行，请用 sunlight results template 重新生成 [sheet/too-many-rows]")


def test_a_fifo_is_refused_instead_of_waiting_for_a_writer(minimal_copy: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "results.xlsx"
    os.mkfifo(fifo)
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(run_import(minimal_copy, fifo)), daemon=True)
    worker.start()
    worker.join(30)
    waited = worker.is_alive()
    if waited:  # release the blocked open before failing
        with open(fifo, "wb"):
            pass
        worker.join(30)
    assert not waited
    assert codes == [1]


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.mkdir(), "这是一个文件夹，不是 Excel 文件：请指定填好的 .xlsx 文件"),
    (lambda p: None, "找不到该文件：请检查文件名和路径"),
    (lambda p: p.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)),
     "这是旧版 .xls 文件，或设置了打开密码的文件：请取消密码，再用 Excel 或 WPS 另存为 .xlsx 格式后导入"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(100)),
     "文件已损坏，不是有效的 Excel（.xlsx）文件：请用 Excel 或 WPS 另存为 .xlsx 格式"),
], ids=["folder", "missing", "xls-or-encrypted", "broken-zip"])
def test_what_the_path_is_not_is_said(minimal_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      make: Callable[[Path], None], message: str) -> None:
    path = tmp_path / "results.xlsx"
    make(path)
    assert refused(minimal_copy, path, capsys) == f"  错误 整个文件：{message} [sheet/unreadable]"


def test_an_entity_bomb_in_the_sheet_is_refused(minimal_copy: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Billion laughs: expat (2.4+) refuses the amplification; the clerk gets a message, not a traceback."""
    entities = '<!ENTITY a0 "lollollollollollollollollol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))

    def change(name: str, data: bytes) -> bytes:
        if name != SHEET_XML:
            return data
        text = data.decode().replace("?>", f"?><!DOCTYPE worksheet [{entities}]>", 1)
        return text.replace("</sheetData>", '<row r="20"><c r="C20" t="inlineStr"><is><t>&a9;</t></is></c>'
                                            "</row></sheetData>").encode()

    sheet = repack(template(minimal_copy, tmp_path), tmp_path / "laughs.xlsx", change)
    assert refused(minimal_copy, sheet, capsys).endswith("[sheet/unreadable]")


def test_a_workbook_without_the_summary_sheet_is_refused(minimal_copy: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    def rename(name: str, data: bytes) -> bytes:
        return data.replace('name="汇总表"'.encode(), b'name="Sheet1"') if name == "xl/workbook.xml" else data

    sheet = repack(template(minimal_copy, tmp_path), tmp_path / "renamed.xlsx", rename)
    assert refused(minimal_copy, sheet, capsys) == (
        "  错误 整个文件：找不到工作表“汇总表”：请使用 sunlight results template 生成的表格 [sheet/missing]")



def test_a_huge_cell_is_quoted_short_in_the_report(minimal_copy: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name != SHEET_XML:
            return data
        start = data.index(b'<c r="C4"')
        end = data.index(b"</c>", start) + 4
        return data[:start] + b'<c r="C4" t="inlineStr"><is><t>' + b"A\n" * 500_000 + b"</t></is></c>" + data[end:]

    sheet = repack(template(minimal_copy, tmp_path), tmp_path / "huge.xlsx", change)
    assert refused(minimal_copy, sheet, capsys) == (
        "  错误 第 4 行 字段 对象名称：汇总表!C4：预填的对象名称被修改：应为“淄川区荣华餐饮经营部”，而不是“"
        + "A " * 30 + "…（共 999999 个字符）”；灰色列不得修改 [sheet/prefilled-changed]")


@pytest.mark.parametrize(("info", "message"), [
    ("任务：ZB-2099-001 另一年度的表", "年度计划中没有任务 ZB-2099-001"),
    ("任务：ZB-2026-016", "任务 ZB-2026-016 还没有锁定的抽取记录：抽取锁定后才能生成或导入检查结果表"),
], ids=["not-in-plan", "not-drawn"])
def test_a_sheet_naming_a_task_without_a_locked_draw_is_refused_at_its_cell(
        minimal_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], info: str, message: str) -> None:
    def change(name: str, data: bytes) -> bytes:
        if name != SHEET_XML:
            return data
        start = data.index(b'<c r="A2"')
        end = data.index(b"</c>", start) + 4
        return data[:start] + f'<c r="A2" t="inlineStr"><is><t>{info}</t></is></c>'.encode() + data[end:]

    sheet = repack(template(minimal_copy, tmp_path), tmp_path / "task.xlsx", change)
    assert refused(minimal_copy, sheet, capsys) == f"  错误 第 2 行 字段 任务编号：汇总表!A2：{message} [sheet/task]"


@pytest.mark.parametrize("name", ["汇总表", "汇总表.xlsx.1"])
def test_a_workbook_whatever_its_name_ends_with_is_imported(minimal_copy: Path, tmp_path: Path, name: str) -> None:
    """A download renamed by a chat client, a file saved without extension: still an XLSX."""
    original = results_file(minimal_copy).read_bytes()
    results_file(minimal_copy).unlink()
    filled = template(minimal_copy, tmp_path)
    fill(filled, rows_of(original))
    sheet = filled.rename(tmp_path / name)
    assert import_results(minimal_copy, sheet, as_of=dt.date(2026, 11, 20)).added == 12
    assert results_file(minimal_copy).read_bytes() == original


def test_template_output_to_a_folder_or_through_a_file(minimal_copy: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (tmp_path / "file").write_bytes(b"")
    argv = ["results", "template", TASK, "--data", str(minimal_copy), "--output"]
    assert main([*argv, str(folder)]) == 0
    assert zipfile.is_zipfile(folder / f"{TASK}.xlsx")
    capsys.readouterr()
    assert main([*argv, str(tmp_path / "file" / "x.xlsx")]) == 2
    assert capsys.readouterr().err == f"错误：无法写入 {tmp_path / 'file' / 'x.xlsx'}：File exists\n"
