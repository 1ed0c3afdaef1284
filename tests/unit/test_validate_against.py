"""`sunlight validate --against REV` in a real git repository, as CI runs it on a pull request."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.cli import main
from generator.history import CHECKS

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "minimal"
TODAY = "2026-11-20"
RECORD = "data/draws/2025/ZB-2025-001/record.json"
RESULTS = "data/results/2025/ZB-2025-001.csv"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose main branch holds the minimal data set, checked out on a new branch."""
    root = tmp_path / "repo"
    shutil.copytree(MINIMAL, root / "data")
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "-c", "user.name=测试", "-c", "user.email=t@example.org", "add", "-A")
    git(root, "-c", "user.name=测试", "-c", "user.email=t@example.org", "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    monkeypatch.chdir(root)
    return root


def against(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["validate", "--data", "data", "--today", TODAY, "--against", "main", *extra])
    return code, capsys.readouterr().out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def unpublished_in_base(repo: Path) -> Path:
    """Make the base hold one result row not yet published (row 3 of RESULTS); returns the file."""
    path = repo / RESULTS
    edit(path, "2025-03-19,2025-03-19\n", "2025-03-19,\n")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "not yet published")
    git(repo, "branch", "-f", "main")
    return path


def test_unchanged_branch_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = against(capsys)
    assert code == 0, out
    assert "共 0 个错误" in out


def test_edited_locked_record_is_refused_with_article(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / RECORD, '"task_id"', ' "task_id"')
    code, out = against(capsys, "--format", "github")
    assert code == 1
    assert ("::error file=data/draws/2025/ZB-2025-001/record.json,title=history/locked-draw 第十二条::"
            "任务 ZB-2025-001 的已锁定的抽取记录在 main 中已经存在，本次被修改：抽取一经提交和锁定，"
            "任何文件都不得更改或删除。请撤销对这个文件的改动") in out.splitlines()


def test_deleted_draw_and_its_task_are_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(repo / "data/draws/2025/ZB-2025-003")
    code, out = against(capsys)
    assert code == 1
    for name in ("manifest.json", "frame.csv", "roster.csv", "exclusions.csv", "record.json"):
        assert f"data/draws/2025/ZB-2025-003/{name}\n  错误 " in out
    assert "本次被删除" in out


def test_edited_published_result_names_row_field_and_fix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo / RESULTS, "2025-03-14,实地检查,R05", "2025-03-14,实地检查,R01")
    code, out = against(capsys)
    assert code == 1
    assert ("  错误 第 3 行 字段 result_code：已公示的检查结果（对象 91370302EBN26YG3HX，事项 SCJG-002）的 result_code "
            "由“R05”改为“R01”。如需更改已公示的结果，请撤销这处改动，改用 sunlight correct 登记更正"
            "（须经本部门主要负责人批准）（第十九条） [history/published-result]") in out


def test_deleted_published_row_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / RESULTS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")
    code, out = against(capsys)
    assert code == 1
    assert "已公示的检查结果（对象 91370302EBN26YG3HX，事项 SCJG-002，原第 3 行）被删除。" in out


def test_unpublished_result_may_still_be_edited(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = unpublished_in_base(repo)
    edit(path, "R05,列入经营异常名录,2025-03-19,\n", "R05,列入经营异常名录,2025-03-19,2025-03-20\n")
    code, out = against(capsys)
    assert code == 0, out


def test_rewritten_correction_is_refused_but_appended_one_passes(repo: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    corrections = repo / "data/corrections.csv"
    original = corrections.read_text(encoding="utf-8")
    appended = ("GZ-2026-0006,ZB-2025-001,91370302EBN26YG3HX,SCJG-001,result_code,R01,R02,"
                "复核发现记录有误，予以更正,市市场监管局主要负责人,2026-11-18,2026-11-19\n")
    corrections.write_text(original + appended, encoding="utf-8")
    code, out = against(capsys)
    assert code == 0, out

    rewritten = original.replace("市交通运输局主要负责人", "市交通运输局负责人")
    corrections.write_text(rewritten + appended, encoding="utf-8")
    code, out = against(capsys)
    assert code == 1
    assert ("  错误 第 5 行：更正记录只能在文件末尾追加新行：第 5 行与 main 中的内容不同，"
            "已有的记录不得修改、删除或调换顺序。请撤销对已有行的改动，把新记录加在最后"
            "（第十九条） [history/append-only]") in out


def test_correction_of_unpublished_result_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = unpublished_in_base(repo)
    edit(path, "2025-03-19,\n", "2025-03-19,2026-11-19\n")  # published by this very change
    with (repo / "data/corrections.csv").open("a", encoding="utf-8") as out_file:
        out_file.write("GZ-2026-0006,ZB-2025-001,91370302EBN26YG3HX,SCJG-002,result_code,R05,R01,"
                       "复核发现记录有误，予以更正,市市场监管局主要负责人,2026-11-18,2026-11-19\n")
    code, out = against(capsys)
    assert code == 1
    assert ("  错误 第 7 行 字段 task_id：更正 GZ-2026-0006 针对的检查结果（任务 ZB-2025-001，对象 91370302EBN26YG3HX，"
            "事项 SCJG-002）在 main 中没有公示过：更正只能针对已公示的结果。尚未公示的结果请直接修改结果文件"
            "（第十九条） [history/correction-target]") in out


def test_replacements_are_append_only(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "data/replacements.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    code, out = against(capsys)
    assert code == 1
    assert "执法检查人员调整记录只能在文件末尾追加新行：第 7 行与 main 中的内容不同" in out
    assert "（第十三条）" in out


def test_checklist_version_deleted_or_rewritten(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "data/checklist.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    item = lines[1].split(",")[0]
    version = lines[1].split(",")[1]
    path.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    code, out = against(capsys)
    assert code == 1
    assert f"抽查事项 {item} 第 {version} 版被删除" in out
    assert "已有版本不得删除（第六条） [history/checklist-version]" in out


def test_drawn_task_removed_from_plan(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = repo / "data/plans/2025.yaml"
    edit(plan, "task_id: ZB-2025-002", "task_id: ZB-2025-902")
    code, out = against(capsys)
    assert code == 1
    assert "任务 ZB-2025-002 已经准备或完成抽取，不得从年度计划中删除。" in out


def test_unknown_revision_and_no_repository(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", "data", "--today", TODAY, "--against", "nonesuch"]) == 2
    assert "找不到要比较的版本 nonesuch" in capsys.readouterr().err
    outside = tmp_path / "plain"
    shutil.copytree(MINIMAL, outside)
    assert main(["validate", "--data", str(outside), "--today", TODAY, "--against", "main"]) == 2
    assert "不在 git 仓库中" in capsys.readouterr().err


def test_staff_guide_lists_every_refusal_with_its_article() -> None:
    guide = (Path(__file__).resolve().parents[2] / "content" / "staff-guide.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"\| `(history/[a-z-]+)` \| (第[^|]+条) \|", guide))
    assert listed == {check.RULE: listed.get(check.RULE) for check in CHECKS}
    for check in CHECKS:
        assert check.ARTICLE in listed[check.RULE], check.RULE


def test_a_new_draw_is_recomputed_in_full(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Plain `validate` checks a draw's integrity; a draw the change adds is also recomputed,
    so a record whose selection was edited and re-hashed does not get in."""
    import json

    from generator.draw.ledger import record_sha256
    from generator.draw.verify import verify_ledger

    head = verify_ledger(repo / "data")[-1].directory.relative_to(repo).as_posix()
    saved = repo.parent / "saved-draw"
    shutil.copytree(repo / head, saved)
    # The base has the prepared draw (its manifest merged first), not yet its record and beacon.
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "rm", "-q", f"{head}/record.json",
        f"{head}/beacon.json")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "before the last lock")
    git(repo, "branch", "-f", "main")
    shutil.copytree(saved, repo / head, dirs_exist_ok=True)
    record = json.loads((repo / head / "record.json").read_text(encoding="utf-8"))
    forged = record["selected"][0]["ticket"] = "0" * 64
    record["record_sha256"] = record_sha256(record)
    (repo / head / "record.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")

    assert main(["validate", "--data", "data", "--today", TODAY]) == 0  # integrity holds
    capsys.readouterr()
    code, out = against(capsys, "--format", "json")
    assert code == 1
    [finding] = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert (finding["file"], finding["rule"], finding["field"]) == (f"{head}/record.json", "draw/locked",
                                                                   "selected[0].ticket")
    assert finding["message"].startswith("第 1 个抽中对象与重新计算的结果不同（selected[0].ticket：应为 ")
    assert finding["message"].endswith(f"实际为 {forged}）")


def test_a_draw_is_locked_only_after_its_manifest_was_merged(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """prepare, merge, then lock: a change that brings a record together with its own manifest
    could have chosen the inputs after the beacon was known (第十二条)."""
    from generator.draw.verify import verify_ledger

    head = verify_ledger(repo / "data")[-1].directory.relative_to(repo).as_posix()
    saved = repo.parent / "saved-draw"
    shutil.copytree(repo / head, saved)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "rm", "-rq", head)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "before the last draw")
    git(repo, "branch", "-f", "main")
    shutil.copytree(saved, repo / head)

    code, out = against(capsys)
    assert code == 1
    task = head.rsplit("/", 1)[1]
    assert (f"{head}/record.json\n  错误 整个文件：任务 {task} 的锁定记录与抽取清单（manifest）在同一次变更中提交，"
            "或清单尚未合并进 main：清单须先单独提交并合并（在信标产生之前公开），再锁定抽取。"
            "请把锁定记录移出本次变更，先合并清单（第十二条） [history/manifest-first]") in out

    # The manifest alone is what `draw prepare` adds (its results do not exist yet either);
    # once it is merged, the lock is accepted.
    (repo / head / "record.json").unlink()
    (repo / head / "beacon.json").unlink()
    assert "history/manifest-first" not in against(capsys)[1]
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "prepare")
    git(repo, "branch", "-f", "main")
    shutil.copytree(saved, repo / head, dirs_exist_ok=True)
    assert against(capsys)[0] == 0
