"""Site settings from the repository's top-level `mkdocs.yml` (its `extra` section)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from generator.errors import BuildFailed

PROJECT = Path(__file__).resolve().parents[2]
# Free static hosts accept about 20,000 files per site. Each draw publishes six files, so past
# this many draws (6,000 files) they are served from the repository instead of the site.
DRAWS_IN_SITE_MAX = 1000
GITHUB = re.compile(r"^https://github\.com/([^/]+)/([^/]+?)(?:\.git)?$")


@dataclass(frozen=True)
class Settings:
    project: Path  # holds mkdocs.yml, site_templates/ and content/
    config: dict[str, Any]  # mkdocs.yml as written
    repo_url: str
    repo_branch: str
    data_path: str
    # Where the draw files are served from, if not from the site itself (e.g. the repository's raw
    # files, which must allow cross-origin reads). At city scale this keeps ~30,000 files out of
    # the site. Empty: the build copies them into draws/, up to DRAWS_IN_SITE_MAX draws (see
    # `for_draws`).
    draw_files_url: str = ""

    @property
    def templates(self) -> Path:
        return self.project / "site_templates"

    @property
    def content(self) -> Path:
        return self.project / "content"

    def source_url(self, data_relative: str, line: int | None = None) -> str:
        """The file in version control (第二十二条: every record names its source)."""
        anchor = f"#L{line}" if line else ""
        return f"{self.repo_url}/blob/{self.repo_branch}/{self._path(data_relative)}{anchor}"

    def history_url(self, data_relative: str) -> str:
        """Every change ever made to the file (第五条: traceable)."""
        return f"{self.repo_url}/commits/{self.repo_branch}/{self._path(data_relative)}"

    def raw_url(self, data_relative: str) -> str:
        """The file's raw bytes on GitHub (raw.githubusercontent.com allows cross-origin reads,
        which the in-browser verifier needs); empty for any other host."""
        found = GITHUB.match(self.repo_url)
        if not found:
            return ""
        owner, name = found.groups()
        return f"https://raw.githubusercontent.com/{owner}/{name}/{self.repo_branch}/{self._path(data_relative)}"

    def for_draws(self, draws: int) -> Settings:
        """These settings, with the draw files served from the repository when there are too many
        draws for the site to hold them (city scale: 5,000 draws would be 30,000 files)."""
        if self.draw_files_url or draws <= DRAWS_IN_SITE_MAX:
            return self
        url = self.raw_url("draws/")
        if not url:
            raise BuildFailed(f"共有 {draws} 次抽取，其公开文件（每次 6 个）超出静态网站可容纳的文件数："
                              "请在 mkdocs.yml 的 extra.draw_files_url 填写可跨域读取这些文件的网址"
                              "（如版本库的原始文件地址）")
        return replace(self, draw_files_url=url)

    def _path(self, data_relative: str) -> str:
        return "/".join(p for p in (self.data_path.strip("/"), data_relative) if p)


def load_settings(project: Path = PROJECT) -> Settings:
    path = project / "mkdocs.yml"
    if not path.is_file():
        raise BuildFailed(f"找不到网站配置文件 {path}")
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BuildFailed(f"网站配置文件 mkdocs.yml 有语法错误：{exc}") from exc
    if not isinstance(config, dict):
        raise BuildFailed("网站配置文件 mkdocs.yml 应为一个映射")
    for folder in ("site_templates", "content"):
        if not (project / folder).is_dir():
            raise BuildFailed(f"缺少网站模板目录 {project / folder}")
    extra = config.get("extra") or {}
    repo_url = str(extra.get("repo_url", "")).rstrip("/")
    if not repo_url.startswith(("https://", "http://")):
        raise BuildFailed("mkdocs.yml 的 extra.repo_url 应为版本库的网址（用于“来源文件”和“修改历史”链接）")
    draw_files_url = str(extra.get("draw_files_url") or "")
    if draw_files_url and not draw_files_url.startswith(("https://", "http://")):
        raise BuildFailed("mkdocs.yml 的 extra.draw_files_url 应为网址（或留空，由本站提供抽取文件）")
    if draw_files_url and not draw_files_url.endswith("/"):
        draw_files_url += "/"
    return Settings(project, config, repo_url, str(extra.get("repo_branch", "main")),
                    str(extra.get("data_path", "data")), draw_files_url)
