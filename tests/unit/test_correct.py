"""`sunlight correct` appends lawful corrections of published results (第十九条)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main

TASK, OBJECT, ITEM = "ZB-2026-001", "91370302EBN26YG3HX", "SCJG-001"  # published 2026-05-01, R01
APPROVER = "市市场监管局主要负责人"
REASON = "复核发现检查记录填写错误"


def correct(data: Path, *, task: str = TASK, obj: str = OBJECT, item: str = ITEM, field: str = "result_code",
            new: str = "R02", reason: str = REASON, approver: str = APPROVER, on: str = "2026-06-01",
            extra: tuple[str, ...] = ()) -> int:
    return main(["correct", "--data", str(data), "--task", task, "--object", obj, "--item", item, "--field", field,
                 "--new", new, "--reason", reason, "--approver", approver, "--on", on, *extra])


def test_correction_is_appended_and_validates(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (minimal_copy / "corrections.csv").read_bytes()
    assert correct(minimal_copy, extra=("--published-on", "2026-06-02")) == 0
    assert capsys.readouterr().out == f"已登记更正 GZ-2026-0006：{TASK} {OBJECT} {ITEM} 的 result_code 改为“R02”\n"
    after = (minimal_copy / "corrections.csv").read_bytes()
    assert after == before + (f"GZ-2026-0006,{TASK},{OBJECT},{ITEM},result_code,R01,R02,{REASON},{APPROVER},"
                              "2026-06-01,2026-06-02\n").encode()
    assert main(["validate", "--data", str(minimal_copy), "--today", "2026-11-20"]) == 0


def test_old_value_is_the_value_after_earlier_corrections(minimal_copy: Path) -> None:
    # GZ-2026-0005 already changed ZB-2026-005 / 91370303P1FFY22TA6 / ZJJ-001 from R01 to R02.
    assert correct(minimal_copy, task="ZB-2026-005", obj="91370303P1FFY22TA6", item="ZJJ-001", new="R07",
                   approver="市住房城乡建设局主要负责人", on="2026-07-10") == 0
    last = (minimal_copy / "corrections.csv").read_text(encoding="utf-8").splitlines()[-1]
    assert last.startswith("GZ-2026-0006,ZB-2026-005,91370303P1FFY22TA6,ZJJ-001,result_code,R02,R07,")
    assert main(["validate", "--data", str(minimal_copy), "--today", "2026-11-20"]) == 0


def test_follow_up_can_be_added_and_removed(minimal_copy: Path) -> None:
    assert correct(minimal_copy, field="follow_up", new="责令整改;立案查处") == 0
    assert correct(minimal_copy, field="follow_up", new="", on="2026-06-03") == 0
    lines = (minimal_copy / "corrections.csv").read_text(encoding="utf-8").splitlines()
    assert lines[-2].startswith(f"GZ-2026-0006,{TASK},{OBJECT},{ITEM},follow_up,,责令整改;立案查处,")
    assert lines[-1].startswith(f"GZ-2026-0007,{TASK},{OBJECT},{ITEM},follow_up,责令整改;立案查处,,")
    assert main(["validate", "--data", str(minimal_copy), "--today", "2026-11-20"]) == 0


@pytest.mark.parametrize(("change", "message"), [
    ({"obj": "9137XXXXXXXXXXXXXX"}, f"找不到要更正的结果：任务 {TASK}、对象 9137XXXXXXXXXXXXXX、事项 {ITEM}"),
    ({"field": "inspected_to", "new": "2026-04-26"},
     "字段“inspected_to”不能更正：只能更正 result_code（检查结果代码）或 follow_up（后续处理）（第十九条）"),
    ({"new": "R01"}, "新值与当前的检查结果代码“R01”相同，无须更正"),
    ({"new": "R99"}, "新的检查结果代码“R99”不在代码表中（见 generator/reference/result_codes.csv）"),
    ({"field": "follow_up", "new": "罚款"},
     "新的后续处理“罚款”不是允许的措施：责令整改、线索移交、列入经营异常名录、列入重点关注对象名单、立案查处，"
     "多项用英文分号“;”分隔，留空表示没有"),
    ({"reason": "  "}, "缺少更正原因：请用 --reason 写明发现原结果错误的情况"),
    ({"approver": "市市场监管局分管负责人"},
     "批准人应为负责该结果的部门的主要负责人，如“市市场监管局主要负责人”，而不是“市市场监管局分管负责人”"
     "（第十九条：更正须经本部门主要负责人签字确认）"),
    ({"approver": "市应急局主要负责人"},
     "批准人应为负责该结果的部门的主要负责人，如“市市场监管局主要负责人”，而不是“市应急局主要负责人”"
     "（第十九条：更正须经本部门主要负责人签字确认）"),
    ({"on": "2026-04-30"}, "不能登记这次更正：\n  GZ-2026-0006：批准日期早于原结果的公示日期"),
])
def test_unlawful_corrections_are_refused(minimal_copy: Path, capsys: pytest.CaptureFixture[str],
                                          change: dict[str, str], message: str) -> None:
    before = (minimal_copy / "corrections.csv").read_bytes()
    assert correct(minimal_copy, **change) == 2
    assert capsys.readouterr().err == f"错误：{message}\n"
    assert (minimal_copy / "corrections.csv").read_bytes() == before


def test_unpublished_results_are_not_corrected(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = minimal_copy / "results" / "2026" / f"{TASK}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ","  # not yet published
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert correct(minimal_copy) == 2
    assert capsys.readouterr().err == "错误：该结果尚未公示：未公示的结果直接修改结果文件或重新导入即可，无须更正\n"


def test_a_file_without_final_newline_keeps_its_bytes(minimal_copy: Path) -> None:
    path = minimal_copy / "corrections.csv"
    before = path.read_bytes().rstrip(b"\n")
    path.write_bytes(before)
    assert correct(minimal_copy) == 0
    assert path.read_bytes().startswith(before + b"\nGZ-2026-0006,")
