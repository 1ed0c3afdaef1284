"""`sunlight directory confirm` as a clerk uses it after updating the object directory (第九条)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from generator.cli import main
from generator.findings import Severity
from generator.validate import validate


def edit_first_object_name(data: Path, name: str) -> None:
    path = data / "directory" / "objects.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[2] = name
    lines[1] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")


def test_an_updated_directory_is_unconfirmed_until_confirm_records_it(minimal_copy: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    edit_first_object_name(minimal_copy, "淄博示例更名有限公司")
    _, findings = validate(minimal_copy)
    assert [f.rule for f in findings if f.severity is Severity.ERROR] == ["directory/confirmed"]

    assert main(["directory", "confirm", "--data", str(minimal_copy), "--by", "scjg", "--on", "2026-11-22",
                 "--snapshot-date", "2026-11-21"]) == 0
    objects = (minimal_copy / "directory" / "objects.csv").read_bytes()
    digest = hashlib.sha256(objects).hexdigest()
    rows = objects.count(b"\n") - 1
    assert (minimal_copy / "directory" / "snapshot.yaml").read_text(encoding="utf-8") == (
        "# 检查对象名录库快照确认（第九条）：由 sunlight directory confirm 写入\n"
        "snapshot_date: '2026-11-21'\nconfirmed_on: '2026-11-22'\nconfirmed_by: 'scjg'\n"
        f"rows: {rows}\nsha256: {digest}\n")
    assert capsys.readouterr().out.startswith(f"已确认名录库：{rows} 个对象，SHA-256 {digest}，scjg 于 2026-11-22 确认")
    _, findings = validate(minimal_copy)
    assert [f for f in findings if f.severity is Severity.ERROR] == []


def test_a_directory_with_errors_is_not_confirmed(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_first_object_name(minimal_copy, "")
    before = (minimal_copy / "directory" / "snapshot.yaml").read_bytes()
    assert main(["directory", "confirm", "--data", str(minimal_copy), "--by", "scjg"]) == 1
    captured = capsys.readouterr()
    assert captured.out.endswith("directory/objects.csv\n  错误 第 2 行 字段 name：“名称”为必填项，不能为空 "
                                 "[constraint-error/required]\n\n共 1 个错误，0 个警告。\n")
    assert "数据有错误，未确认名录库：请先修正" in captured.err
    assert (minimal_copy / "directory" / "snapshot.yaml").read_bytes() == before


def test_an_unknown_department_or_a_later_snapshot_date_is_refused(minimal_copy: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    before = (minimal_copy / "directory" / "snapshot.yaml").read_bytes()
    assert main(["directory", "confirm", "--data", str(minimal_copy), "--by", "市场监管局"]) == 2
    assert "部门 市场监管局 不在 departments.csv 中：确认部门应填部门编号，如 scjg" in capsys.readouterr().err
    assert main(["directory", "confirm", "--data", str(minimal_copy), "--by", "scjg", "--on", "2026-11-22",
                 "--snapshot-date", "2026-11-23"]) == 2
    assert "快照日期 2026-11-23 晚于确认日期 2026-11-22：只能确认已经导出的名录库" in capsys.readouterr().err
    assert (minimal_copy / "directory" / "snapshot.yaml").read_bytes() == before


def test_a_department_whose_id_yaml_reads_as_a_boolean_confirms_too(minimal_copy: Path) -> None:
    with (minimal_copy / "departments.csv").open("a", encoding="utf-8") as departments:
        departments.write("no,淄博市某局,某局,市级,,370300\n")
    assert main(["directory", "confirm", "--data", str(minimal_copy), "--by", "no", "--on", "2026-11-22"]) == 0
    _, findings = validate(minimal_copy)
    assert [f for f in findings if f.severity is Severity.ERROR] == []
