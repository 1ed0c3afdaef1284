"""The command line as a clerk and CI use it: output formats and exit codes."""

from __future__ import annotations

import argparse
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.cli import main


def test_clean_data_exits_zero(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", str(minimal_copy), "--today", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "共 0 个错误" in out


def test_errors_exit_one_in_every_format(minimal_copy: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(minimal_copy)
    departments = minimal_copy / "departments.csv"
    departments.write_text(departments.read_text(encoding="utf-8").replace(",市级,", ",省级,", 1), encoding="utf-8")
    expected = "“层级”的值“省级”不在允许的取值中：市级、区县级"

    assert main(["validate", "--data", ".", "--today", "2026-11-20"]) == 1
    text = capsys.readouterr().out
    assert f"departments.csv\n  错误 第 2 行 字段 level：{expected} [constraint-error/enum]" in text

    assert main(["validate", "--data", ".", "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["errors"] == 1
    assert payload["findings"][0] | {} == {**payload["findings"][0], "file": "departments.csv", "row": 2,
                                          "field": "level", "message": expected, "severity": "error"}

    assert main(["validate", "--data", ".", "--format", "github"]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line == (f"::error file=departments.csv,line=2,title=constraint-error/enum::字段 level：{expected}")


def test_errors_only_lists_the_errors_and_counts_the_warnings(minimal_copy: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """What the pre-commit hook runs: one error must not drown among the data's usual warnings."""
    monkeypatch.chdir(minimal_copy)
    assert main(["validate", "--data", ".", "--today", "2026-11-20"]) == 0
    warnings = int(re.search(r"共 0 个错误，(\d+) 个警告。", capsys.readouterr().out).group(1))  # type: ignore[union-attr]
    assert warnings > 0
    departments = minimal_copy / "departments.csv"
    departments.write_text(departments.read_text(encoding="utf-8").replace(",市级,", ",省级,", 1), encoding="utf-8")

    assert main(["validate", "--data", ".", "--today", "2026-11-20", "--errors-only"]) == 1
    assert capsys.readouterr().out == (
        "departments.csv\n  错误 第 2 行 字段 level：“层级”的值“省级”不在允许的取值中：市级、区县级 "
        f"[constraint-error/enum]\n\n共 1 个错误，{warnings} 个警告"
        "（未列出警告：运行 sunlight validate 可列出全部）。\n")
    assert main(["validate", "--data", ".", "--today", "2026-11-20", "--format", "json", "--errors-only"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert [f["severity"] for f in payload["findings"]] == ["error"]
    assert (payload["errors"], payload["warnings"]) == (1, warnings)


def test_missing_directory_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", str(tmp_path / "nowhere")]) == 2
    assert "数据目录不存在" in capsys.readouterr().err


def test_unknown_task_is_a_usage_error(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "lock", "ZB-2026-999", "--beacon", "1234561234", "--data", str(minimal_copy)]) == 2
    assert "找不到任务 ZB-2026-999" in capsys.readouterr().err


def _options(parser: argparse.ArgumentParser, path: str = "sunlight") -> Iterator[tuple[str, argparse.Action]]:
    """Every argument of every command, with the command it belongs to."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            yield path, action


def test_every_option_is_explained_in_chinese_and_english() -> None:
    """The README promises `--help` in both languages: a clerk reads the Chinese, a developer the English."""
    from generator.cli import _parser

    options = list(_options(_parser()))
    assert len(options) > 50
    for command, action in options:
        text = action.help or ""
        assert re.search(r"[\u4e00-\u9fff]", text) and re.search(r"/ [A-Za-z]", text), (
            command, action.dest, text)


def test_a_taken_port_is_a_usage_error(minimal_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--data", str(minimal_copy), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"错误：无法在 127.0.0.1:{port} 上提供预览（" in err
    assert "请用 --port 换一个端口（--port 0 为任一空闲端口）" in err


def test_a_preview_stopped_with_sigterm_serves_until_then_and_leaves_nothing_behind(minimal_copy: Path,
                                                                                   tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary), "SUNLIGHT_CACHE_DIR": str(tmp_path / "cache")}
    with subprocess.Popen([sys.executable, "-m", "generator", "serve", "--data", str(minimal_copy), "--port", "0"],
                          stdout=subprocess.PIPE, text=True, env=env) as preview:
        assert preview.stdout is not None
        address = next(line for line in preview.stdout if line.startswith("预览地址："))
        url = re.search(r"http://\S+/", address).group(0)  # type: ignore[union-attr]
        with urllib.request.urlopen(url) as response:
            assert response.status == 200
        assert [p.name for p in temporary.iterdir() if p.name.startswith("sunlight-serve-")]
        preview.send_signal(signal.SIGTERM)
        assert preview.wait(timeout=60) == 0
    assert not [p for p in temporary.iterdir() if p.name.startswith("sunlight-serve-")]
