"""prepare → commit → lock → verify, as staff and journalists run them, with every refusal."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from generator.cli import main
from generator.clock import BEIJING
from generator.draw.beacon import quicknet_round_time
from generator.draw.canonical import frame_text
from generator.draw.frame import frame_csv, frame_rows, frame_table
from generator.draw.workflow import Beacon, prepare
from generator.load import load

TASK = "ZB-2026-017"  # not yet prepared in the minimal data set
WAITING = "ZB-2026-016"  # prepared, waiting for its beacon


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(minimal_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = minimal_copy.parent
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "clerk@example.org")
    git(root, "config", "user.name", "Clerk")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "data")
    monkeypatch.chdir(root)
    return root


# A real quicknet beacon (ChainSafe/forest, src/beacon/tests/fixtures/drand_quicknet.json).
REAL_ROUND = {"round": 30662982,
              "randomness": "ae76da5137c6d0a0d3b50d325948b26cc3ff1f804cd7bbca29b9250c2bfe8d67",
              "signature": "8b3edd0d42a2fa36ac15641a2dea2e4f4895acec2ef72ef39e5b6138f0346fb6"
                           "b046dde1b4b3d09ff5fe8a6a7acd674a"}


def beacon_file(path: Path, **changes: object) -> Path:
    path.write_text(json.dumps({**REAL_ROUND, **changes}), encoding="utf-8")
    return path


def test_prepare_names_a_drand_round_at_least_30_minutes_ahead(repo: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "prepare", TASK, "--on", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "drand quicknet" in out
    # WAITING was prepared on the same ledger head: of the two, only the first to lock can be locked.
    assert f"注意：{WAITING} 也已准备、尚未锁定。同时准备的几次抽取只有最先锁定的一次能够锁定" in out
    manifest = json.loads((repo / "data/draws/2026" / TASK / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["beacon"]["source"] == "drand-quicknet"
    assert quicknet_round_time(manifest["beacon"]["round"]) >= dt.datetime.now(dt.UTC) + dt.timedelta(minutes=29)


def test_prepare_can_schedule_the_round_later_to_leave_time_for_review(repo: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    later = (dt.datetime.now(BEIJING) + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    assert main(["draw", "prepare", TASK, "--on", "2026-11-22", "--beacon-at", f"{later:%Y-%m-%dT%H:%M}"]) == 0
    manifest = json.loads((repo / "data/draws/2026" / TASK / "manifest.json").read_text(encoding="utf-8"))
    assert quicknet_round_time(manifest["beacon"]["round"]) == later  # quicknet emits at every third second
    assert (f"请在 {later:%Y-%m-%d} 10:00:00（北京时间）drand quicknet 第 {manifest['beacon']['round']} 轮产生之前"
            "提交并合并这些文件") in capsys.readouterr().out


def test_a_scheduled_round_must_be_30_minutes_away_and_in_beijing_time(repo: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    soon = dt.datetime.now(BEIJING) + dt.timedelta(minutes=10)
    assert main(["draw", "prepare", TASK, "--on", "2026-11-22", "--beacon-at", f"{soon:%Y-%m-%dT%H:%M}"]) == 3
    assert f"信标时间 {soon:%Y-%m-%d %H:%M}（北京时间）距现在不足 30 分钟" in capsys.readouterr().err
    assert not (repo / "data/draws/2026" / TASK).exists()
    for typo in ("9999-12-31T23:59:58", f"{soon.year + 36}-12-01T10:00"):  # no round, no traceback either
        assert main(["draw", "prepare", TASK, "--on", "2026-11-22", "--beacon-at", typo]) == 3
        assert "距现在超过 30 天：请检查年份和日期是否填写有误" in capsys.readouterr().err
    assert not (repo / "data/draws/2026" / TASK).exists()
    with pytest.raises(SystemExit):
        main(["draw", "prepare", TASK, "--beacon-at", "2026-12-01T10:00+08:00"])
    assert "时间按北京时间填写，不要带时区" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["draw", "prepare", TASK, "--beacon-at", "2026-12-01T10:00", "--dice", "掷骰"])


def test_full_draw_with_a_real_drand_round(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dataset, _ = load(repo / "data")
    prepare(dataset, TASK, dt.date(2026, 11, 22), Beacon("drand-quicknet", REAL_ROUND["round"]))
    beacon = beacon_file(repo / "round.json")

    assert main(["draw", "lock", TASK, "--beacon", str(beacon)]) == 3
    assert "清单（manifest.json）尚未提交" in capsys.readouterr().err

    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "prepare")
    assert main(["draw", "lock", TASK, "--beacon", str(beacon_file(repo / "other.json", round=3))]) == 3
    assert "不是清单中预先声明的轮次" in capsys.readouterr().err
    forged = "a" * 96
    fake = beacon_file(repo / "fake.json", signature=forged,
                       randomness=hashlib.sha256(bytes.fromhex(forged)).hexdigest())
    assert main(["draw", "lock", TASK, "--beacon", str(fake)]) == 3
    assert "drand 签名验证失败" in capsys.readouterr().err

    assert main(["draw", "lock", TASK, "--beacon", str(beacon)]) == 0
    assert main(["draw", "lock", TASK, "--beacon", str(beacon)]) == 3
    assert "已经锁定" in capsys.readouterr().err

    # The waiting task was prepared before TASK was locked: its `previous` is stale now.
    assert main(["draw", "lock", WAITING, "--beacon", "123456123456"]) == 3
    assert "本清单准备之后，其他任务先锁定了抽取，本清单已失效，不能锁定" in capsys.readouterr().err

    assert main(["verify", "--all"]) == 0
    assert f"{TASK}：通过" in capsys.readouterr().out


def test_prepare_refusals(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "prepare", WAITING, "--on", "2026-11-22"]) == 3
    assert "已有清单" in capsys.readouterr().err
    assert main(["draw", "prepare", TASK, "--on", "2027-01-05"]) == 3
    assert "不在任务 ZB-2026-017 的计划期内" in capsys.readouterr().err
    objects = repo / "data/directory/objects.csv"
    added = "XW-2026-99999,行为,新增对象,370303,,,存续,false,false,false,0\n"
    objects.write_text(objects.read_text(encoding="utf-8") + added, encoding="utf-8")
    assert main(["draw", "prepare", TASK, "--on", "2026-11-22"]) == 3
    assert "检查对象名录库尚未审核确认（或确认后又被修改）" in capsys.readouterr().err


def test_manifest_changed_after_commit_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "prepare", TASK, "--on", "2026-11-22", "--dice", "2026-11-25 10:00 市政务服务中心"]) == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "prepare")
    manifest = repo / "data/draws/2026" / TASK / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"cap_per_year": 2', '"cap_per_year": 3'),
                        encoding="utf-8")
    assert main(["draw", "lock", TASK, "--beacon", "615243615243"]) == 3
    assert "在提交之后被改动" in capsys.readouterr().err
    git(repo, "checkout", "--", ".")
    assert main(["draw", "lock", TASK, "--beacon", "61524"]) == 3
    assert "至少 10 位" in capsys.readouterr().err
    assert main(["draw", "lock", TASK, "--beacon", "615243615243"]) == 0


def _published_copy(minimal: Path, tmp_path: Path) -> Path:
    """Only the draws, as a journalist downloads them: no plans, no repository."""
    target = tmp_path / "download"
    shutil.copytree(minimal / "draws", target / "draws")
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_verify_works_on_a_downloaded_copy(minimal_copy: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    download = _published_copy(minimal_copy, tmp_path)
    assert main(["verify", "--all", "--data", str(download)]) == 0
    out = capsys.readouterr().out
    assert "0 次不一致" in out
    assert main(["verify", "ZB-2025-003", "--data", str(download)]) == 0


def _first_selected(record: Path) -> dict[str, str]:
    selected: dict[str, str] = json.loads(record.read_text(encoding="utf-8"))["selected"][0]
    return selected


@pytest.mark.parametrize("tamper, field", [
    ("frame", "frame.sha256"),
    ("manifest", "manifest"),
    ("beacon", "beacon_value"),
    ("ticket", "selected[0].ticket"),
    ("record_hash", "record_sha256"),
    ("chain", "manifest.previous"),
])
def test_any_tampered_byte_is_caught(minimal_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     tamper: str, field: str) -> None:
    download = _published_copy(minimal_copy, tmp_path)
    draw = download / "draws/2025/ZB-2025-003"
    record = draw / "record.json"
    if tamper == "frame":
        lines = (draw / "frame.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        (draw / "frame.csv").write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    elif tamper == "manifest":
        _edit(draw / "manifest.json", '"cap_per_year": 2', '"cap_per_year": 3')
    elif tamper == "beacon":
        beacon = json.loads((draw / "beacon.json").read_text(encoding="utf-8"))
        _edit(draw / "beacon.json", beacon["value"], "1" + beacon["value"][1:] if beacon["value"][0] != "1"
              else "2" + beacon["value"][1:])
    elif tamper == "ticket":
        ticket = _first_selected(record)["ticket"]
        _edit(record, ticket, ticket[::-1])
    elif tamper == "record_hash":
        _edit(record, '"locked_on": "', '"locked_on": "1')
    elif tamper == "chain":
        head = json.loads(record.read_text(encoding="utf-8"))["manifest"]["previous"]
        _edit(record, head, "f" * 64)
    assert main(["verify", "--all", "--data", str(download)]) == 1
    out = capsys.readouterr().out
    assert "ZB-2025-003：不一致" in out
    assert f"字段 {field}" in out


def test_frame_text_from_polars_is_the_canonical_text() -> None:
    """prepare writes frame.csv straight from polars: the bytes of the canonical rule for every sample task."""
    ds, _ = load(Path(__file__).resolve().parents[2] / "data")
    for task in ds.tasks.values():
        assert frame_csv(frame_table(ds.objects, task)) == frame_text(frame_rows(ds.objects, task)), task.task_id
    empty = pl.DataFrame({"object_id": [], "stratum": []}, schema={"object_id": pl.Utf8, "stratum": pl.Utf8})
    assert frame_csv(empty) == frame_text([]) == "object_id,stratum\n"


def _hand_made(frame: Path, text: str) -> None:
    """frame.csv replaced, and the manifest made to match its hash, as a hand-made pair would."""
    manifest_path = frame.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    old = manifest["frame"]["sha256"]
    frame.write_text(text, encoding="utf-8", newline="\n")
    new = hashlib.sha256(text.encode()).hexdigest()
    manifest_path.write_text(manifest_path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(("edit", "message"), [
    (lambda lines: [*lines[:-1], lines[-1].replace(",general", ",unknown").replace(",high", ",unknown")],
     "frame.csv 含有清单中没有的分层 unknown：不能锁定"),
    (lambda lines: [lines[1], lines[0], *lines[2:]], "frame.csv 未按规范排序（按标识的 UTF-8 字节顺序）：不能锁定"),
    (lambda lines: lines[:-1], "行，与清单所记的"),
], ids=["unknown stratum", "unsorted", "rows"])
def test_a_hand_made_frame_that_verify_would_reject_is_not_locked(
        repo: Path, capsys: pytest.CaptureFixture[str], edit: Any, message: str) -> None:
    """A manifest edited to match a frame `prepare` never wrote: refused with the reason, never a
    traceback (the strata's sizes come from the manifest)."""
    assert main(["draw", "prepare", TASK, "--on", "2026-11-22", "--dice", "2026-11-25 10:00 市政务服务中心"]) == 0
    frame = repo / "data/draws/2026" / TASK / "frame.csv"
    header, *lines = frame.read_text(encoding="utf-8").splitlines()
    _hand_made(frame, "\n".join([header, *edit(lines)]) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "prepare")
    assert main(["draw", "lock", TASK, "--beacon", "615243615243"]) == 3
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("expected", "found", "shown"), [
    (2025, "2025", ("2025", '"2025"')), ("abc", "abd", ("abc", "abd")), ([1], [2], ("[1]", "[2]"))])
def test_a_difference_shows_values_a_clerk_can_tell_apart(expected: Any, found: Any, shown: tuple[str, str]) -> None:
    """The number 2025 and the text "2025" differ: shown as JSON when they would read the same."""
    from generator.draw.verify import _Checker, _Stop

    with pytest.raises(_Stop) as caught:
        _Checker("record.json").same("manifest.year", expected, found, "年度不符")
    assert (caught.value.difference.expected, caught.value.difference.found) == shown
