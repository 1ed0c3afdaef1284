"""`sunlight draw replace` appends only lawful replacements (第十三条)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main

TASK, OBJECT = "ZB-2026-003", "91370305LY97GCF7EH"


def replace(data: Path, replacement: str, *extra: str) -> int:
    return main(["draw", "replace", TASK, "--data", str(data), "--object", OBJECT, "--replaced", "ZF-SCJG-0003",
                 "--replacement", replacement, "--reason", "健康状况", "--approver", "市市场监管局分管负责人",
                 "--on", "2026-03-30", *extra])


def test_lawful_replacement_is_appended_and_validates(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (minimal_copy / "replacements.csv").read_text(encoding="utf-8")
    assert replace(minimal_copy, "ZF-SCJG-0001") == 0
    assert "已登记调整 TH-2026-" in capsys.readouterr().out
    after = (minimal_copy / "replacements.csv").read_text(encoding="utf-8")
    assert after.startswith(before)
    assert after[len(before):].endswith(
        f",{TASK},{OBJECT},scjg,ZF-SCJG-0003,ZF-SCJG-0001,健康状况,市市场监管局分管负责人,2026-03-30\n")
    assert main(["validate", "--data", str(minimal_copy), "--today", "2026-11-20"]) == 0


def test_replacement_from_another_department_is_refused(minimal_copy: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    before = (minimal_copy / "replacements.csv").read_bytes()
    assert replace(minimal_copy, "ZF-WHLV-0001") == 3
    assert "调整后人员须与被调整人员属于同一部门" in capsys.readouterr().err
    assert (minimal_copy / "replacements.csv").read_bytes() == before


def test_someone_not_on_the_team_cannot_be_replaced(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "replace", TASK, "--data", str(minimal_copy), "--object", OBJECT, "--replaced",
                 "ZF-SCJG-0009", "--replacement", "ZF-SCJG-0001", "--reason", "岗位调整", "--approver", "分管负责人",
                 "--on", "2026-03-30"]) == 3
    assert "ZF-SCJG-0009 不在对象 91370305LY97GCF7EH 的检查小组中" in capsys.readouterr().err
