"""`sunlight releases upload DIR`: put the new releases `sunlight build --downloads-out DIR` wrote
where the site links them, when that is GitHub Releases: one release per data version, tagged as
the URL says (`…/releases/download/data-{version}/` → tag `data-2026-11-20`), created at the commit
whose data it holds, every file an asset (a release is one flat folder). Uses the `gh` command
(GH_TOKEN in the environment). Re-running is harmless: an existing release gets the same files again.
Other storage: copy `DIR/<version>/` to the URL yourself (e.g. `aws s3 sync`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.errors import BuildFailed
from generator.opendata.changelog import summary
from generator.opendata.checksums import NAME, verify_sums
from generator.opendata.releases import is_version
from generator.opendata.storage import PLACEHOLDER

# GitHub or GitHub Enterprise: https://HOST/OWNER/REPO/releases/download/TAG/
RELEASES_URL = re.compile(r"^https?://([^/]+)/([^/]+)/([^/]+)/releases/download/([^/]+)/$")


@dataclass(frozen=True)
class Uploaded:
    version: str
    tag: str
    files: int


def _repository(url: str) -> tuple[str, str]:
    """(gh's --repo, the tag template) from a GitHub Releases download URL template."""
    found = RELEASES_URL.match(url)
    if not found or PLACEHOLDER not in found.group(4):
        raise BuildFailed(f"数据文件的网址 {url} 不是 GitHub Releases 的下载地址"
                          "（https://github.com/机构/仓库/releases/download/data-{version}/）：请自行把数据文件上传到该网址")
    host, owner, name, tag = found.groups()
    return (f"{owner}/{name}" if host == "github.com" else f"{host}/{owner}/{name}"), tag


def _gh(*args: str) -> subprocess.CompletedProcess[str]:
    gh = shutil.which("gh")
    if gh is None:
        raise BuildFailed("上传需要 GitHub 命令行工具 gh（https://cli.github.com/）")
    return subprocess.run([gh, *args], capture_output=True, text=True, check=False)


def _notes(folder: Path) -> str:
    change_path = folder / "changelog.json"
    change = json.loads(change_path.read_text(encoding="utf-8")) if change_path.is_file() else {}
    return "\n".join(summary(change)) + f"\n\n每个文件的 SHA-256 见 {NAME}（`sha256sum -c {NAME}`）。\n"


def upload_releases(directory: Path, url: str, target: str = "") -> list[Uploaded]:
    """Upload every release folder in `directory` (checked against its SHA256SUMS first)."""
    folders = sorted(p for p in directory.iterdir() if p.is_dir() and is_version(p.name)) if directory.is_dir() else []
    if not folders:
        return []  # nothing new, or the data files are in the site (the build then leaves DIR alone)
    if not url:
        raise BuildFailed(f"{directory} 中有数据版本，但没有配置数据文件的网址（mkdocs.yml 的 extra.downloads_url）")
    repo, tag_template = _repository(url)
    done: list[Uploaded] = []
    for folder in folders:
        sums = verify_sums(folder)  # never upload a damaged release
        tag = tag_template.replace(PLACEHOLDER, folder.name)
        if _gh("release", "view", tag, "--repo", repo).returncode != 0:
            # A draft until every file is there: a failed upload never shows a release with files missing.
            create = ["release", "create", tag, "--repo", repo, "--title", f"数据版本 {folder.name}",
                      "--notes", _notes(folder), "--draft"]
            made = _gh(*create, *(["--target", target] if target else []))
            if made.returncode != 0:
                raise BuildFailed(f"创建 GitHub Release {tag} 失败：{(made.stderr or made.stdout).strip()[:500]}")
        files = [str(folder / name) for name in [*sorted(sums), NAME]]
        sent = _gh("release", "upload", tag, *files, "--repo", repo, "--clobber")
        if sent.returncode != 0:
            raise BuildFailed(f"上传数据版本 {folder.name} 失败：{(sent.stderr or sent.stdout).strip()[:500]}")
        shown = _gh("release", "edit", tag, "--repo", repo, "--draft=false")
        if shown.returncode != 0:
            raise BuildFailed(f"发布 GitHub Release {tag} 失败：{(shown.stderr or shown.stdout).strip()[:500]}")
        done.append(Uploaded(folder.name, tag, len(files)))
    return done
