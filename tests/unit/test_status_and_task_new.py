"""`sunlight status` and `sunlight task new` as a clerk uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import main

RESULTS = "results/2025/ZB-2025-001.csv"


def unpublish(data: Path, line: int) -> str:
    """Blank the publication date of one result row; returns that row's inspection end date."""
    path = data / RESULTS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[line - 1].rstrip("\n").split(",")
    cells[-1] = ""
    lines[line - 1] = ",".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return cells[5]


def test_status_lists_tasks_to_draw_and_results_due_and_late(minimal_copy: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert unpublish(minimal_copy, 2) == "2025-03-14"  # deadline: 20 working days later, 2025-04-14
    assert main(["status", "--data", str(minimal_copy), "--today", "2025-04-08"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("待办情况（全部部门，截至 2025-04-08）\n")
    assert ("三、5 个工作日内到期、尚未公示的结果（第十七条）：1 组\n"
            "  ZB-2025-001  淄博市市场监督管理局  1 条结果  期限 2025-04-14  还剩 4 个工作日\n") in out

    assert main(["status", "--data", str(minimal_copy), "--today", "2025-04-17"]) == 0
    out = capsys.readouterr().out
    assert ("四、已超过公示期限、尚未公示的结果（第十七条、第二十五条：视为未完成任务）：1 组\n"
            "  ZB-2025-001  淄博市市场监督管理局  1 条结果  期限 2025-04-14  已逾期 3 个工作日\n") in out


def test_status_tasks_not_locked(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--data", str(minimal_copy), "--today", "2026-12-16", "--department", "nync"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("待办情况（淄博市农业农村局，截至 2026-12-16）\n")
    assert ("  ZB-2026-017  2026年农产品种植基地部门联合抽查  牵头 淄博市农业农村局  执行 2026-12-01 至 2026-12-15  "
            "未准备抽取  已过执行期限！") in out
    assert "ZB-2026-016" not in out  # a task nync does not take part in


def test_status_json_and_unknown_department(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unpublish(minimal_copy, 2)
    assert main(["status", "--data", str(minimal_copy), "--today", "2025-04-17", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overdue"] == [{"task_id": "ZB-2025-001", "department_id": "scjg", "rows": 1,
                                  "deadline": "2025-04-14", "working_days": 3, "late": True,
                                  "provisional": False}]
    assert main(["status", "--data", str(minimal_copy), "--department", "nosuch"]) == 2
    assert "没有部门 nosuch" in capsys.readouterr().err


def test_task_new_appends_a_valid_task_from_a_scenario(minimal_copy: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    plan = minimal_copy / "plans/2026.yaml"
    before = plan.read_text(encoding="utf-8")
    assert main(["task", "new", "--data", str(minimal_copy), "--year", "2026", "--scenario", "JS-01",
                 "--start", "2026-12-01", "--end", "2026-12-20"]) == 0
    assert "新建任务 ZB-2026-018" in capsys.readouterr().out
    after = plan.read_text(encoding="utf-8")
    assert after.startswith(before)  # comments and earlier tasks untouched
    added = after[len(before):]
    assert added.startswith("- task_id: ZB-2026-018\n  name: 2026年餐饮服务单位部门联合抽查\n  scenario: JS-01\n"
                            "  level: 市级\n  lead: scjg\n  participants:\n  - yjgl\n  - sthj\n  - xfjy\n")
    assert "  window:\n    start: '2026-12-01'\n    end: '2026-12-20'\n" in added
    assert main(["validate", "--data", str(minimal_copy), "--today", "2026-11-20"]) == 0
    assert "共 0 个错误" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--scenario", "JS-99"], "找不到联合抽查场景 JS-99（已有：JS-01、"),
    (["--scenario", "JS-01", "--year", "2031"], "找不到 2031 年度计划"),
    (["--scenario", "JS-01", "--start", "2027-01-05"], "执行开始日期 2027-01-05 晚于结束日期 2026-12-20"),
    (["--scenario", "JS-01", "--start", "2025-12-05"], "执行期限应在 2026 年内：2025-12-05 至 2026-12-20"),
])
def test_task_new_refuses_and_writes_nothing(minimal_copy: Path, capsys: pytest.CaptureFixture[str],
                                             args: list[str], message: str) -> None:
    plan = minimal_copy / "plans/2026.yaml"
    before = plan.read_bytes()
    defaults = {"--year": "2026", "--start": "2026-12-01", "--end": "2026-12-20"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        defaults[flag] = value
    argv = ["task", "new", "--data", str(minimal_copy), *(x for kv in defaults.items() for x in kv), *args[:2]]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert plan.read_bytes() == before


def test_task_new_refuses_a_broken_plan(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = minimal_copy / "plans/2026.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("published_on: '2026-", "published_on: '2026-13-", 1),
                    encoding="utf-8")
    before = plan.read_bytes()
    assert main(["task", "new", "--data", str(minimal_copy), "--year", "2026", "--scenario", "JS-01",
                 "--start", "2026-12-01", "--end", "2026-12-20"]) == 2
    assert "年度计划文件本身有错误，未追加任务" in capsys.readouterr().err
    assert plan.read_bytes() == before
