"""`sunlight results template` and `sunlight results import`: the 汇总表 a clerk fills in."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from generator.cli import main
from generator.load import load
from generator.results_sheet import import_results, template_bytes

TASK = "ZB-2026-001"
TODAY = "2026-11-20"
LABELS = {"R01": "未发现问题", "R02": "发现问题已责令改正"}


def results_file(data: Path) -> Path:
    return data / "results" / "2026" / f"{TASK}.csv"


@pytest.fixture
def emptied(minimal_copy: Path) -> tuple[Path, bytes]:
    """The small data set before the task's results were recorded, and the file they became."""
    original = results_file(minimal_copy).read_bytes()
    results_file(minimal_copy).unlink()
    return minimal_copy, original


def template(data: Path, tmp_path: Path, name: str = "sheet.xlsx") -> Path:
    output = tmp_path / name
    assert main(["results", "template", TASK, "--data", str(data), "--output", str(output)]) == 0
    return output


def fill(path: Path, rows: list[dict[str, str]], objects: set[str] | None = None) -> Worksheet:
    """Fill the sheet as a clerk does: dates typed (some as text), codes picked from the list."""
    workbook = load_workbook(path)
    ws = workbook["汇总表"]
    by_key = {(r["object_id"], r["item_id"]): r for r in rows}
    for n in range(4, ws.max_row + 1):
        r = by_key.get((str(ws[f"B{n}"].value), str(ws[f"D{n}"].value)))
        if r is None or (objects is not None and r["object_id"] not in objects):
            continue
        ws[f"H{n}"] = dt.datetime.fromisoformat(r["inspected_from"])
        ws[f"I{n}"] = dt.datetime.fromisoformat(r["inspected_to"])
        ws[f"J{n}"] = r["method"]
        code = r["result_code"]
        ws[f"K{n}"] = f"{code} {LABELS[code]}" if code in LABELS else code
        ws[f"L{n}"] = r["follow_up"] or None
        ws[f"M{n}"] = r["approved_on"]  # typed as text
        ws[f"N{n}"] = dt.date.fromisoformat(r["published_on"]) if r["published_on"] else None
    workbook.save(path)
    return ws


def rows_of(original: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(original.decode("utf-8"))))


def run_import(data: Path, path: Path, *extra: str) -> int:
    return main(["results", "import", str(path), "--data", str(data), "--today", TODAY, *extra])


def edit(path: Path, changes: dict[str, object]) -> None:
    workbook = load_workbook(path)
    for ref, value in changes.items():
        workbook["汇总表"][ref] = value
    workbook.save(path)


# --- template -----------------------------------------------------------------------------------

def test_template_is_prefilled_from_the_locked_draw(emptied: tuple[Path, bytes], tmp_path: Path) -> None:
    data, original = emptied
    workbook = load_workbook(template(data, tmp_path))
    assert workbook.sheetnames == ["汇总表", "代码表", "填表说明"]
    ws = workbook["汇总表"]
    assert ws["A1"].value == "市场监管领域部门联合抽查情况记录表（汇总表）"
    assert str(ws["A2"].value).startswith(f"任务：{TASK} 2026年餐饮服务单位部门联合抽查；抽取锁定日期：2026-02-25")
    assert [c.value for c in ws[3]] == ["任务编号", "对象标识", "对象名称", "事项编码", "抽查事项", "负责部门",
                                        "检查人员编号", "检查开始日期", "检查结束日期", "检查方式", "检查结果",
                                        "后续处理", "审批日期", "公示日期"]
    body = list(ws.iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[3]) for r in body] == [(r["object_id"], r["item_id"]) for r in rows_of(original)]
    assert body[0][:7] == (TASK, "91370302EBN26YG3HX", "淄川区荣华餐饮经营部", "SCJG-001",
                           "餐饮服务提供者落实原料控制、进货查验和加工制作过程控制要求情况", "市市场监管局",
                           "ZF-SCJG-0045、ZF-SCJG-0025")
    assert all(v is None for r in body for v in r[7:])
    assert ws.protection.sheet and ws["A4"].protection.locked and not ws["H4"].protection.locked
    kinds = {(v.type, v.formula1, str(v.sqref)) for v in ws.data_validations.dataValidation}
    assert ("list", "'代码表'!$A$2:$A$14", "K4:K15") in kinds
    assert ("list", '"实地检查,书面检查,网络监测,委托第三方验证"', "J4:J15") in kinds
    assert ("date", "DATE(2026,2,25)", "H4:H15 I4:I15 M4:M15 N4:N15") in kinds
    assert workbook["代码表"]["A2"].value == "R01 未发现问题"
    assert workbook["填表说明"]["A1"].value == "填表说明"


def test_template_holds_no_personal_data(minimal_copy: Path) -> None:
    ds, _ = load(minimal_copy)
    private = {v for column in ("name", "certificate_no", "phone") for v in ds.inspectors[column].to_list() if v}
    with zipfile.ZipFile(io.BytesIO(template_bytes(ds, TASK))) as archive:
        text = "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    assert "ZF-SCJG-0045" in text
    assert [v for v in private if v in text] == []


def test_template_bytes_are_deterministic(minimal_copy: Path) -> None:
    ds, _ = load(minimal_copy)
    first = template_bytes(ds, TASK)
    assert template_bytes(load(minimal_copy)[0], TASK) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 2, 25, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-02-25T00:00:00Z</dcterms:created>" in core
    assert "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2026-02-25T00:00:00Z</dcterms:modified>" in core


def test_template_refused_without_a_locked_draw(minimal_copy: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "x.xlsx"
    assert main(["results", "template", "ZB-2026-016", "--data", str(minimal_copy), "--output", str(output)]) == 3
    assert capsys.readouterr().err == (
        "错误：任务 ZB-2026-016 还没有锁定的抽取记录：抽取锁定后才能生成或导入检查结果表\n")
    assert not output.exists()


def test_template_prefills_published_results_and_locks_them(minimal_copy: Path, tmp_path: Path) -> None:
    ws = load_workbook(template(minimal_copy, tmp_path))["汇总表"]
    assert [c.value for c in ws[4]][7:] == [dt.datetime(2026, 4, 23), dt.datetime(2026, 4, 25), "书面检查",
                                          "R01 未发现问题", None, dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 1)]
    assert ws["H4"].protection.locked


# --- import -------------------------------------------------------------------------------------

def test_filled_sheet_imports_to_the_canonical_file(emptied: tuple[Path, bytes], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data, original = emptied
    sheet = template(data, tmp_path)
    fill(sheet, rows_of(original))
    capsys.readouterr()
    assert run_import(data, sheet) == 0
    assert capsys.readouterr().out == (f"已导入 {TASK}：新增 12 行，更新 0 行，未变 0 行 → {results_file(data)}\n")
    assert results_file(data).read_bytes() == original
    assert main(["validate", "--data", str(data), "--today", TODAY]) == 0


def test_objects_are_merged_as_they_are_inspected(emptied: tuple[Path, bytes], tmp_path: Path) -> None:
    data, original = emptied
    rows = rows_of(original)
    first = fill(template(data, tmp_path, "first.xlsx"), rows, {"91370302EBN26YG3HX"})
    assert first.max_row == 15
    outcome = import_results(data, tmp_path / "first.xlsx", as_of=dt.date(2026, 11, 20))
    assert (outcome.added, outcome.refused) == (6, False)
    assert len(results_file(data).read_text(encoding="utf-8").splitlines()) == 7
    second = template(data, tmp_path, "second.xlsx")  # the first object now prefilled and locked
    fill(second, rows, {"91370323QW95RRRKEG"})
    outcome = import_results(data, second, as_of=dt.date(2026, 11, 20))
    assert (outcome.added, outcome.unchanged) == (6, 6)
    assert results_file(data).read_bytes() == original


def test_every_wrong_cell_is_named_and_nothing_is_written(emptied: tuple[Path, bytes], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data, original = emptied
    sheet = template(data, tmp_path)
    fill(sheet, rows_of(original))
    workbook = load_workbook(sheet)
    ws = workbook["汇总表"]
    ws.delete_rows(14)  # 91370323QW95RRRKEG XFJY-001
    for target in (15, 16):
        for column in "ABCDEFGHIJKLMN":
            ws[f"{column}{target}"] = ws[f"{column}4"].value
    workbook.save(sheet)
    edit(sheet, {"H5": "2026-13-01", "K6": "R99 查无此码", "J7": None, "C8": "改过的名称", "L9": "罚款",
                 "B10": "9137XXXXXXXXXXXXXX", "N13": "2026年5月1日", "B16": "9137XXXXXXXXXXXXXX"})
    capsys.readouterr()
    assert run_import(data, sheet) == 1
    out = capsys.readouterr()
    display = sheet.as_posix()
    assert out.out == f"""{display}
  错误 整个文件：汇总表：缺少对象 91370323QW95RRRKEG（淄博同心泰和餐饮有限公司）事项 XFJY-001 这一行：预填的行不得删除，请恢复该行或重新生成模板 [sheet/missing-row]
  错误 第 5 行 字段 检查开始日期：汇总表!H5：检查开始日期“2026-13-01”不是有效的日期：请按 YYYY-MM-DD 填写，如 2026-03-05 [sheet/date]
  错误 第 6 行 字段 检查结果：汇总表!K6：检查结果“R99 查无此码”不在代码表中：请从下拉列表选择，如“R01 未发现问题” [sheet/result-code]
  错误 第 7 行 字段 检查方式：汇总表!J7：缺少检查方式：这一行已开始填写，检查方式为必填 [sheet/required]
  错误 第 8 行 字段 对象名称：汇总表!C8：预填的对象名称被修改：应为“淄川区荣华餐饮经营部”，而不是“改过的名称”；灰色列不得修改 [sheet/prefilled-changed]
  错误 第 9 行 字段 后续处理：汇总表!L9：后续处理“罚款”不是允许的措施：责令整改、线索移交、列入经营异常名录、列入重点关注对象名单、立案查处；多项用英文分号“;”分隔，没有则留空 [sheet/follow-up]
  错误 第 10 行 字段 对象标识：汇总表!B10：预填的对象标识被修改：应为“91370323QW95RRRKEG”，而不是“9137XXXXXXXXXXXXXX”；灰色列不得修改 [sheet/prefilled-changed]
  错误 第 13 行 字段 公示日期：汇总表!N13：公示日期“2026年5月1日”不是有效的日期：请按 YYYY-MM-DD 填写，如 2026-03-05 [sheet/date]
  错误 第 15 行 字段 对象标识：汇总表!B15：与第 4 行重复：同一对象的同一事项只能填一行 [sheet/duplicate]
  错误 第 16 行 字段 对象标识：汇总表!B16：对象标识“9137XXXXXXXXXXXXXX”不在任务 ZB-2026-001 锁定的抽取名单中：只能填写被抽中的对象（第十二条） [sheet/not-drawn]

共 10 个错误，0 个警告。
"""  # noqa: E501 - the report exactly as the clerk reads it
    assert out.err == "表格有错误，未写入任何数据：请改正后重新导入\n"
    assert not results_file(data).exists()


def test_rules_of_the_validator_are_reported_at_the_cell(emptied: tuple[Path, bytes], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data, original = emptied
    sheet = template(data, tmp_path)
    fill(sheet, rows_of(original))
    edit(sheet, {"I4": dt.datetime(2026, 4, 10), "H6": dt.datetime(2026, 2, 1), "N7": dt.datetime(2026, 4, 14)})
    capsys.readouterr()
    assert run_import(data, sheet, "--format", "json") == 1
    findings = [(f["row"], f["field"], f["message"], f["article"], f["severity"])
                for f in json.loads(capsys.readouterr().out)["findings"]]
    assert findings == [
        (4, "检查结束日期", "汇总表!I4：检查结束日期早于开始日期", "第十五条", "error"),
        (6, "检查开始日期", "汇总表!H6：检查开始日期早于抽取锁定日期 2026-02-25", "第十一条", "error"),
        (7, "公示日期", "汇总表!N7：公示日期早于审批日期：须先经本部门审批再公示", "第十七条", "error"),
    ]
    assert not results_file(data).exists()


def test_published_results_are_not_changed_by_import(minimal_copy: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    before = results_file(minimal_copy).read_bytes()
    sheet = template(minimal_copy, tmp_path)
    assert run_import(minimal_copy, sheet) == 0
    assert capsys.readouterr().out.endswith(f"已导入 {TASK}：新增 0 行，更新 0 行，未变 12 行 → （结果文件无变化）\n")
    edit(sheet, {"K4": "R02 发现问题已责令改正", "L4": "责令整改"})
    assert run_import(minimal_copy, sheet) == 1
    assert capsys.readouterr().out.splitlines()[1] == (
        "  错误 第 4 行 字段 检查结果：汇总表!K4：该结果已于 2026-05-01 公示，不能通过导入修改；"
        "如需更正，请经本部门主要负责人批准后运行 sunlight correct（第十九条） [sheet/published]")
    assert results_file(minimal_copy).read_bytes() == before


def test_unpublished_results_may_be_updated(emptied: tuple[Path, bytes], tmp_path: Path) -> None:
    data, original = emptied
    rows = [dict(r, published_on="") for r in rows_of(original)]
    sheet = template(data, tmp_path)
    fill(sheet, rows)
    assert import_results(data, sheet, as_of=dt.date(2026, 5, 1)).added == 12
    again = template(data, tmp_path, "again.xlsx")
    fill(again, rows_of(original))
    outcome = import_results(data, again, as_of=dt.date(2026, 11, 20))
    assert (outcome.added, outcome.updated, outcome.refused) == (0, 12, False)
    assert results_file(data).read_bytes() == original


def test_a_file_that_is_not_a_workbook_is_reported(minimal_copy: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "results.xlsx"
    bogus.write_text("task_id,object_id\n", encoding="utf-8")
    assert run_import(minimal_copy, bogus, "--format", "github") == 1
    assert capsys.readouterr().out == (
        f"::error file={bogus.as_posix()},title=sheet/unreadable::"
        "不是有效的 Excel（.xlsx）文件（可能是 CSV 或文本文件改了扩展名）：请用 Excel 或 WPS 另存为 .xlsx 格式\n")


def test_help_is_bilingual(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["results", "template", "--help"], ["results", "import", "--help"], ["correct", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "汇总表" in out or "更正" in out
        assert "workbook" in out or "correction" in out


def test_a_broken_results_file_is_mended_before_import(minimal_copy: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    sheet = template(minimal_copy, tmp_path)
    broken = results_file(minimal_copy).read_bytes().replace(b"2026-05-01,2026-05-01", b"2026-05-01,2026-13-45", 1)
    results_file(minimal_copy).write_bytes(broken)
    capsys.readouterr()
    assert run_import(minimal_copy, sheet) == 1
    out = capsys.readouterr().out
    assert "第 2 行 字段 published_on：" in out
    assert (f"结果文件 {results_file(minimal_copy).as_posix()} 本身有错误，请先改正（见 sunlight validate），"
            "再导入本表") in out
    assert results_file(minimal_copy).read_bytes() == broken


def test_warnings_are_shown_at_the_cell_but_do_not_block(emptied: tuple[Path, bytes], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data, original = emptied
    sheet = template(data, tmp_path)
    fill(sheet, rows_of(original))
    edit(sheet, {"N4": dt.datetime(2026, 7, 1)})
    capsys.readouterr()
    assert run_import(data, sheet) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:4] == [
        "  警告 第 4 行 字段 公示日期：汇总表!N4：对象 91370302EBN26YG3HX 的事项 SCJG-001 于 2026-07-01 公示，"
        "超过期限 2026-05-26（检查结束后 20 个工作日）25 个工作日（第十七条） [results/publication-deadline]",
        "", "共 0 个错误，1 个警告。"]
    assert out[-1].startswith(f"已导入 {TASK}：新增 12 行")
    assert b"2026-05-01,2026-07-01\n" in results_file(data).read_bytes()


def test_every_rule_that_reads_results_is_run_on_import() -> None:
    from generator.results_sheet.importer import RULES_ON_RESULTS
    from generator.rules import RULES

    # By attribute, or by name as the date rules name their tables for rules/date_cells.py.
    reading = {rule.__name__ for rule in RULES if re.search(r'ds\.results\b|"results"', inspect.getsource(rule))}
    assert reading == {rule.__name__ for rule in RULES_ON_RESULTS}


def test_team_column_shows_inspectors_after_replacements(minimal_copy: Path) -> None:
    # TH-2026-0003 replaced ZF-YJGL-0014 by ZF-YJGL-0003 for this object (第十三条).
    ds, _ = load(minimal_copy)
    ws = load_workbook(io.BytesIO(template_bytes(ds, "ZB-2026-002")))["汇总表"]
    teams = {str(r[6]) for r in ws.iter_rows(min_row=4, values_only=True)
             if r[1] == "91370321K3RGYU0UKM" and r[5] == "市应急局"}
    assert len(teams) == 1
    assert "ZF-YJGL-0003" in teams.pop().split("、")
    assert all("ZF-YJGL-0014" not in str(r[6]) for r in ws.iter_rows(min_row=4, values_only=True)
               if r[1] == "91370321K3RGYU0UKM")


def test_a_value_that_looks_like_a_formula_is_written_as_text(minimal_copy: Path) -> None:
    """A business named like a spreadsheet formula stays text in the sheet departments open."""
    from tests.unit.test_site_build import OBJECT, rename_object

    rename_object(minimal_copy, OBJECT, '=HYPERLINK("http://evil.example/","点我")')
    ds, _ = load(minimal_copy)
    with zipfile.ZipFile(io.BytesIO(template_bytes(ds, TASK))) as archive:
        sheets = "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/"))
    assert "<f>" not in sheets
    assert '<is><t>=HYPERLINK("http://evil.example/","点我")</t></is>' in sheets


def test_a_publication_dated_after_today_is_not_imported(emptied: tuple[Path, bytes], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    data, original = emptied
    rows = rows_of(original)
    first = next(r for r in rows if r["published_on"])
    first["published_on"] = "2026-12-24"  # a slip for 2026-02-24: validate would refuse the file
    fill(template(data, tmp_path), rows)
    assert run_import(data, tmp_path / "sheet.xlsx") == 1
    assert "日期 2026-12-24 晚于今天（2026-11-20）" in capsys.readouterr().out
    assert not results_file(data).exists()
