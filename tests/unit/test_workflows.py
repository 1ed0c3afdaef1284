"""The GitHub workflows and the pre-commit hook, run the way their runners run them.

No `act`: the `run:` steps of each workflow are executed with bash in a real temporary git
repository holding the test data, with the environment GitHub Actions would set; steps
that are GitHub's own actions (checkout, upload) are skipped.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "fixtures" / "minimal"
WORKFLOWS = REPO / ".github" / "workflows"
IDENTITY = ("-c", "user.name=测试", "-c", "user.email=t@example.org")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *IDENTITY, *args], check=True, capture_output=True)


Steps = list[tuple[str, subprocess.CompletedProcess[str]]]


def run_steps(workflow: str, job: str, repo: Path, env: dict[str, str]) -> Steps:
    """Run the job's `run:` steps in order until one fails, as the runner would."""
    spec: dict[str, Any] = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
    done = []
    for step in spec["jobs"][job]["steps"]:
        command = step.get("run")
        if command is None or command.startswith("python -m pip install"):
            continue  # GitHub's own actions, and the install this test environment already has
        result = subprocess.run(["bash", "-e", "-c", command], cwd=repo, env=env, capture_output=True, text=True,
                                check=False)
        done.append((step["name"], result))
        if result.returncode != 0:
            break
    return done


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "repo"
    shutil.copytree(MINIMAL, repo / "data")
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    # What actions/checkout with fetch-depth 0 leaves: the target branch as origin/main.
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "checkout", "-q", "-b", "change")
    env = {**os.environ, "GITHUB_BASE_REF": "main", "GITHUB_ACTIONS": "true",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return repo, env


def test_workflows_are_valid_and_use_pinned_major_versions() -> None:
    for path in sorted(WORKFLOWS.glob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in spec["jobs"].values():
            for step in job["steps"]:
                assert "uses" in step or "run" in step, (path.name, step)
                if "uses" in step:
                    assert "@v" in step["uses"], step["uses"]


def test_pull_request_with_a_correction_passes_and_builds_a_preview(pull_request: tuple[Path, dict[str, str]]) -> None:
    repo, env = pull_request
    with (repo / "data/corrections.csv").open("a", encoding="utf-8") as corrections:
        corrections.write("GZ-2026-0006,ZB-2025-001,91370302EBN26YG3HX,SCJG-001,result_code,R01,R02,"
                          "复核发现记录有误，予以更正,市市场监管局主要负责人,2026-11-18,2026-11-19\n")
    git(repo, "commit", "-qam", "更正一条结果")
    steps = run_steps("pull-request.yml", "check", repo, env)
    for name, result in steps:
        assert result.returncode == 0, (name, result.stdout[-2000:], result.stderr[-2000:])
    assert [name for name, _ in steps] == ["校验数据并与目标分支比较 / Validate against the target branch",
                                           "重新计算全部抽取 / Re-run every draw",
                                           "生成预览网站 / Build the preview site"]
    assert (repo / "site" / "index.html").is_file()


def test_pull_request_editing_a_locked_draw_fails_with_an_annotation(pull_request: tuple[Path, dict[str, str]]) -> None:
    repo, env = pull_request
    record = repo / "data/draws/2025/ZB-2025-002/record.json"
    record.write_text(record.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git(repo, "commit", "-qam", "改动锁定记录")
    steps = run_steps("pull-request.yml", "check", repo, env)
    name, result = steps[-1]
    assert name == "校验数据并与目标分支比较 / Validate against the target branch"
    assert result.returncode == 1
    assert ("::error file=data/draws/2025/ZB-2025-002/record.json,title=history/locked-draw 第十二条::"
            "任务 ZB-2025-002 的已锁定的抽取记录在 origin/main 中已经存在，本次被修改") in result.stdout


@contextlib.contextmanager
def live_site(root: Path) -> Iterator[str]:
    """`root` served over HTTP on loopback, as the static host serves the published site."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_publish_workflow_keeps_every_past_release(pull_request: tuple[Path, dict[str, str]]) -> None:
    repo, env = pull_request
    live = repo.parent / "live"
    live.mkdir()
    with live_site(live) as url:
        steps = run_steps("publish.yml", "build", repo, {**env, "SITE_URL": url})
        assert [result.returncode for _, result in steps] == [0, 0, 0, 0, 0], steps[-1][1].stderr[-2000:]
        assert "尚未发布任何数据版本：这是第一次发布" in steps[2][1].stdout
        assert steps[4][1].stdout == "release 中没有需要上传的新数据版本。\n"  # in the site: nothing to upload
        assert not (repo / "release").exists()
        first = json.loads((repo / "site/data/releases.json").read_text(encoding="utf-8"))["latest"]

        # Deployed; then a correction is merged and the workflow runs again on a fresh runner.
        shutil.rmtree(live)
        shutil.move(repo / "site", live)
        shutil.rmtree(repo / "previous-releases")
        with (repo / "data/corrections.csv").open("a", encoding="utf-8") as corrections:
            corrections.write("GZ-2026-0006,ZB-2025-001,91370302EBN26YG3HX,SCJG-001,result_code,R01,R02,"
                              "复核发现记录有误，予以更正,市市场监管局主要负责人,2026-11-24,2026-11-25\n")
        steps = run_steps("publish.yml", "build", repo, {**env, "SITE_URL": url})
        assert [result.returncode for _, result in steps] == [0, 0, 0, 0, 0], steps[-1][1].stderr[-2000:]
    assert "已下载 1 个以往数据版本" in steps[2][1].stdout
    index = json.loads((repo / "site/data/releases.json").read_text(encoding="utf-8"))
    assert [r["version"] for r in index["releases"]] == [index["latest"], first]
    assert index["latest"] != first
    sums = (live / "data" / first / "SHA256SUMS").read_bytes()
    assert (repo / "site/data" / first / "SHA256SUMS").read_bytes() == sums


def test_pre_commit_hook_refuses_an_edit_of_a_locked_draw(pull_request: tuple[Path, dict[str, str]]) -> None:
    repo, env = pull_request
    if shutil.which("pre-commit", path=env["PATH"]) is None:
        pytest.fail("pre-commit is a test dependency: pip install -e '.[test]'")
    shutil.copy(REPO / ".pre-commit-config.yaml", repo)
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-qm", "hook")
    frame = repo / "data/draws/2025/ZB-2025-001/frame.csv"
    frame.write_text(frame.read_text(encoding="utf-8") + "x\n", encoding="utf-8")
    git(repo, "add", "-A")
    env = {**env, "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    hook = subprocess.run(["pre-commit", "run"], cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert hook.returncode == 1, hook.stdout
    assert "校验数据 / sunlight validate" in hook.stdout and "Failed" in hook.stdout
    assert "任务 ZB-2025-001 的已提交的抽取框架（检查对象名单）在 HEAD 中已经存在，本次被修改" in hook.stdout

    git(repo, "checkout", "HEAD", "--", "data")
    clean = subprocess.run(["pre-commit", "run", "--all-files"], cwd=repo, env=env, capture_output=True, text=True,
                           check=False)
    assert clean.returncode == 0, clean.stdout


def test_releases_fetch_refuses_an_altered_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.cli import main

    live = tmp_path / "live"
    (live / "data/2026-11-20").mkdir(parents=True)
    (live / "data/2026-11-20/SHA256SUMS").write_text("", encoding="utf-8")
    (live / "data/2026-11-20/results.csv").write_text("changed\n", encoding="utf-8")
    index = {"latest": "2026-11-20", "releases": [{"version": "2026-11-20", "files": [
        {"path": "results.csv", "sha256": "0" * 64}]}]}
    (live / "data/releases.json").write_text(json.dumps(index), encoding="utf-8")
    with live_site(live) as url:
        assert main(["releases", "fetch", url, "--into", str(tmp_path / "got")]) == 1
    assert f"错误：{url.rstrip('/')}/data/2026-11-20/results.csv 与版本索引中的 SHA-256 不符：下载不完整或已被改动" in (
        capsys.readouterr().err)
    assert not (tmp_path / "got/2026-11-20/results.csv").exists()
