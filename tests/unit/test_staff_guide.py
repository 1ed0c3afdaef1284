"""The staff guide, followed step by step in a temporary clone, with its own commands.

Every command run here is checked to appear in `content/staff-guide.md` exactly as written
there, so the guide cannot drift from what works. Where the guide leaves a value to the
clerk (`<对象标识>`) the test fills in a real one, and it pins the dates the guide leaves
to "today" so that the walk-through does not depend on when the tests run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

REPO = Path(__file__).resolve().parents[2]
GUIDE = (REPO / "content" / "staff-guide.md").read_text(encoding="utf-8")
MINIMAL = REPO / "tests" / "fixtures" / "minimal"
TASK = "ZB-2026-018"


class Clone:
    def __init__(self, root: Path) -> None:
        self.root = root
        bin_dir = Path(sys.executable).parent
        self.env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                    "GIT_AUTHOR_NAME": "办事员", "GIT_AUTHOR_EMAIL": "clerk@example.org",
                    "GIT_COMMITTER_NAME": "办事员", "GIT_COMMITTER_EMAIL": "clerk@example.org"}

    def run(self, command: str, *pinned: str, values: dict[str, str] | None = None, expect: int = 0) -> str:
        """Run a command of the guide, its placeholders replaced by `values` and `pinned`
        options appended, and return its output."""
        assert command in GUIDE, f"not in the staff guide: {command}"
        for placeholder, value in (values or {}).items():
            command = command.replace(placeholder, value)
        line = command + "".join(f" {shlex.quote(p)}" for p in pinned)
        done = subprocess.run(["bash", "-e", "-c", line], cwd=self.root, env=self.env, capture_output=True,
                              text=True, check=False)
        assert done.returncode == expect, (line, done.stdout[-3000:], done.stderr[-3000:])
        return done.stdout + done.stderr


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    root = tmp_path / "sunlight"
    shutil.copytree(MINIMAL, root / "data")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    repo = Clone(root)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=repo.env)
    subprocess.run(["git", "commit", "-qm", "示例数据"], cwd=root, check=True, env=repo.env)
    return repo


def fill_sheet(path: Path) -> int:
    """What the departments do in Excel: every white cell of every row."""
    workbook = load_workbook(path)
    sheet = workbook["汇总表"]
    filled = 0
    for n in range(4, sheet.max_row + 1):
        if not sheet[f"B{n}"].value:
            continue
        sheet[f"H{n}"] = dt.date(2026, 12, 3)
        sheet[f"I{n}"] = dt.date(2026, 12, 4)
        sheet[f"J{n}"] = "实地检查"
        sheet[f"K{n}"] = "R01 未发现问题"
        sheet[f"M{n}"] = dt.date(2026, 12, 8)
        sheet[f"N{n}"] = dt.date(2026, 12, 9)
        filled += 1
    workbook.save(path)
    return filled


def a_replacement(draw: Path) -> tuple[str, str, str]:
    """A team member and a colleague of the same department who may take the place."""
    record = json.loads((draw / "record.json").read_text(encoding="utf-8"))
    team = record["teams"][0]
    member = team["members"][-1]
    with (draw / "exclusions.csv").open(encoding="utf-8") as f:
        excluded = {(r["object_id"], r["inspector_id"]) for r in csv.DictReader(f)}
    with (draw / "roster.csv").open(encoding="utf-8") as f:
        colleagues = [r["inspector_id"] for r in csv.DictReader(f) if r["department"] == member["department"]]
    in_team = {m["inspector_id"] for m in team["members"]}
    replacement = next(i for i in colleagues if i not in in_team and (team["object_id"], i) not in excluded)
    return team["object_id"], member["inspector_id"], replacement


def test_a_newcomer_takes_a_task_from_plan_to_correction(clone: Clone) -> None:
    # 第一步：新建任务
    out = clone.run("sunlight task new --year 2026 --scenario JS-05 --start 2026-12-01 --end 2026-12-31")
    assert f"新建任务 {TASK}" in out
    assert "共 0 个错误" in clone.run("sunlight validate", "--today", "2026-11-30")
    clone.run(f'git add data/plans && git commit -m "新建任务 {TASK}"')

    # 第二步、第三步：准备并锁定抽取（公开掷骰）
    clone.run(f'sunlight draw prepare {TASK} --dice "2026年12月1日10时 市市场监管局一楼大厅 公开掷骰"',
              "--on", "2026-11-30")
    clone.run(f'git add data/draws && git commit -m "准备抽取 {TASK}"')
    out = clone.run(f"sunlight draw lock {TASK} --beacon 3141526535126434215", "--on", "2026-12-01")
    assert f"已锁定 {TASK} 的抽取" in out
    assert f"{TASK}：通过" in clone.run(f"sunlight verify {TASK}")
    clone.run(f'git add data/draws && git commit -m "锁定抽取 {TASK}"')

    # 人员调整（第十三条）
    draw = clone.root / "data" / "draws" / "2026" / TASK
    obj, replaced, replacement = a_replacement(draw)
    out = clone.run(f"sunlight draw replace {TASK} --object <对象标识> --replaced <原人员编号> "
                    "--replacement <新人员编号> --reason 健康状况 --approver 市住房城乡建设局分管负责人",
                    "--on", "2026-12-02",
                    values={"<对象标识>": obj, "<原人员编号>": replaced, "<新人员编号>": replacement})
    assert f"{replaced} → {replacement}（健康状况）" in out

    # 第四步：汇总表
    sheet = f"汇总表-{TASK}.xlsx"
    clone.run(f"sunlight results template {TASK} --output {sheet}")
    assert fill_sheet(clone.root / sheet) > 0
    clone.run(f"sunlight results import {sheet}", "--today", "2026-12-09")
    assert "共 0 个错误" in clone.run("sunlight validate", "--today", "2026-12-09")
    clone.run(f'git add data/results && git commit -m "录入 {TASK} 检查结果"')
    assert "0 组" in clone.run("sunlight status --department zjj", "--today", "2026-12-09").split("四、")[1]

    # 第五步：更正
    subprocess.run(["git", "branch", "-f", "published"], cwd=clone.root, check=True)
    results = clone.root / "data" / "results" / "2026" / f"{TASK}.csv"
    with results.open(encoding="utf-8") as f:
        first = next(r for r in csv.DictReader(f) if r["item_id"] == "ZJJ-001")
    clone.run(f"sunlight correct --task {TASK} --object <对象标识> --item ZJJ-001 --field result_code --new R02 "
              '--reason "复核发现原记录有误" --approver 市住房城乡建设局主要负责人 --published-on <公示日期>',
              "--on", "2026-12-15", values={"<对象标识>": first["object_id"], "<公示日期>": "2026-12-16"})
    assert "GZ-2026-" in (clone.root / "data" / "corrections.csv").read_text(encoding="utf-8").splitlines()[-1]
    # What the pull request's check then runs: the correction passes against the published state.
    out = clone.run("sunlight validate", "--today", "2026-12-16", "--against", "published")
    assert "共 0 个错误" in out
