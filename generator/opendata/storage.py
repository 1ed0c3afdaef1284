"""Where a data release's files are served from.

By default the site holds them (`data/<version>/`). A city's release is hundreds of megabytes and
every release stays published, which no free static host accepts (GitHub Pages: 1 GB per site,
100 MB per file), so `extra.downloads_url` in mkdocs.yml (or `sunlight build --downloads-url`)
can name a separate store: e.g. a GitHub Release per data version
(`https://github.com/OWNER/REPO/releases/download/data-{version}/`) or object storage
(`https://bucket.example.org/sunlight/`, to which `{version}/` is added). The build then writes the
new release's files into `--downloads-out DIR` for upload (`sunlight releases upload DIR`), and the
site keeps only small files: the releases index, the feed, `latest.json` and each version's
`SHA256SUMS` (checksums served by the site, files by the store: one can check the other).

Without it, a release too large for a static host stops the build (like the draw files past
1,000 draws, see generator.publish.settings): the limits are below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import BuildFailed

MB = 1000 * 1000
# Every release kept in the site, together (the pages need the rest of a host's 1 GB).
DATA_IN_SITE_MAX_BYTES = 500 * MB
DATA_FILES_IN_SITE_MAX = 5000  # of a host's 20,000 files
FILE_IN_SITE_MAX_BYTES = 100 * MB  # GitHub refuses larger files, Pages recommends less
FILE_EXTERNAL_MAX_BYTES = 2 * 1024 ** 3  # GitHub Releases: each file under 2 GiB
PLACEHOLDER = "{version}"
CONFIGURE = ("请在 mkdocs.yml 的 extra.downloads_url 填写另存数据文件的网址（如 GitHub Releases："
             "https://github.com/机构/仓库/releases/download/data-{version}/），"
             "并用 sunlight build --downloads-out 目录 输出数据文件以便上传")


@dataclass(frozen=True)
class Storage:
    url: str = ""  # template with {version}; empty: the site holds the files
    out: Path | None = None  # where the build writes a new release's files when they are served elsewhere

    @property
    def external(self) -> bool:
        return bool(self.url)

    def base(self, version: str) -> str:
        """Where the version's files are: an absolute URL, or `<version>/` relative to the site's data/."""
        return self.url.replace(PLACEHOLDER, version) if self.url else f"{version}/"


def downloads_url(value: object) -> str:
    """The configured URL template, checked; empty when none."""
    url = str(value or "").strip()
    if not url:
        return ""
    if not url.startswith(("https://", "http://")):
        raise BuildFailed(f"数据文件的网址（extra.downloads_url）应以 https:// 开头：{url}")
    if PLACEHOLDER not in url:
        url = url.rstrip("/") + "/" + PLACEHOLDER + "/"
    if not url.endswith("/"):
        url += "/"
    return url


def storage(config: dict[str, Any], url: str | None = None, out: Path | None = None) -> Storage:
    """The storage `mkdocs.yml` (or `url`, which overrides it) asks for. A store without an output
    folder is refused: the build would link files nobody uploads."""
    template = downloads_url(url if url else (config.get("extra") or {}).get("downloads_url"))
    if template and out is None:
        raise BuildFailed(f"数据文件另存于 {template}：请用 --downloads-out 目录 指定数据文件的输出目录"
                          "（生成后上传到该网址，见 sunlight releases upload）")
    return Storage(template, out.resolve() if template and out is not None else None)


def check_in_site(sizes: dict[str, int], files: int, total: int) -> None:
    """Refuse a site whose data/ would not fit a free static host; `sizes` are this release's files."""
    big = sorted((name for name, size in sizes.items() if size > FILE_IN_SITE_MAX_BYTES))
    if big:
        raise BuildFailed(f"数据文件 {big[0]}（{sizes[big[0]] / MB:.0f} MB）超过静态网站单个文件 "
                          f"{FILE_IN_SITE_MAX_BYTES // MB} MB 的限制：{CONFIGURE}")
    if total > DATA_IN_SITE_MAX_BYTES or files > DATA_FILES_IN_SITE_MAX:
        raise BuildFailed(f"网站中的全部数据版本共 {files} 个文件、{total / MB:.0f} MB，超过静态网站可容纳的"
                          f"{DATA_FILES_IN_SITE_MAX} 个文件、{DATA_IN_SITE_MAX_BYTES // MB} MB：{CONFIGURE}")


def check_external(sizes: dict[str, int]) -> None:
    big = sorted((name for name, size in sizes.items() if size >= FILE_EXTERNAL_MAX_BYTES))
    if big:
        raise BuildFailed(f"数据文件 {big[0]}（{sizes[big[0]] / MB:.0f} MB）超过 GitHub Releases 单个文件 2 GiB 的限制")
