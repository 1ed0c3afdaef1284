"""Downloads: the open data release (every file with size, format and checksum), the list of
releases and their changelogs, the raw published draw files, the ledger and the feed."""

from __future__ import annotations

from functools import partial
from typing import Any

from generator.opendata.changelog import summary
from generator.opendata.names import COMPLETE, LICENSE, SQLITE_NAME, TITLE
from generator.opendata.releases import Release
from generator.publish.context import SiteContext
from generator.publish.draws import PUBLISHED
from generator.publish.paths import page_url, rel
from generator.publish.render import Page
from generator.publish.tasks import draw_status

FORMAT_NAMES = {"CSV": "CSV（UTF-8）", "JSON": "JSON", "XLSX": "Excel/WPS 表格", "SQLite": "SQLite 数据库",
                "ZIP": "ZIP 压缩包", "文本": "文本"}
# By the end of the file name (a release is one flat folder; releases before 2026-11-27 had sub-folders).
GROUPS = ((".zip", "压缩包（含抽取文件，可重新验证抽取）"), (".xlsx", "Excel / WPS 表格（按年度）"),
          (".sqlite.gz", "数据库（gzip 压缩，解压后使用）"), (".csv", "CSV 数据表（标准格式）"),
          (".json.gz", "JSON 数据表（gzip 压缩）"), ("", "说明文件"))


def size_text(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} 字节"


def _open_data(ctx: SiteContext, here: str) -> dict[str, Any] | None:
    release = ctx.open_data
    if release is None:
        return None
    current = release.release
    groups: dict[str, list[dict[str, Any]]] = {title: [] for _, title in GROUPS}
    for f in current.files:
        title = next(t for ending, t in GROUPS if f.path.endswith(ending))
        groups[title].append({"path": f.path, "href": _file_url(here, current, f.path),
                              "title": release.titles.get(f.path, ""), "format": FORMAT_NAMES.get(f.format, f.format),
                              "size": size_text(f.bytes), "bytes": f.bytes, "sha256": f.sha256})
    href = {f.path: _file_url(here, current, f.path) for f in current.files}
    return {"version": release.version, "groups": [{"title": k, "files": v} for k, v in groups.items() if v],
            "choices": _choices(ctx, href), "dictionary": release.dictionary,
            "verify": {"zip": COMPLETE, "href": href.get(COMPLETE, ""), "folder": COMPLETE.removesuffix(".zip"),
                       "install": f"python3 -m pip install \"git+{ctx.settings.repo_url}\"",
                       "draws": len(ctx.ledger)} if COMPLETE in href else None,
            "license": LICENSE["path"],
            "cite": (f"{ctx.settings.config.get('site_author', '')}：《{TITLE}》，数据版本 {release.version}，"
                     f"{current.base if current.external else f'本站 data/{release.version}/'}，CC BY 4.0。"),
            "sums": rel(here, f"data/{release.version}/SHA256SUMS"),
            "package": _file_url(here, current, "datapackage.json"),
            "index": rel(here, "data/releases.json"), "feed": rel(here, "data/releases.xml"),
            "latest": rel(here, "data/latest.json"), "changes": rel(here, page_url("downloads", "changes")),
            "external": current.external, "base": current.base if current.external else f"data/{release.version}/",
            "total": size_text(sum(f.bytes for f in current.files)), "releases": len(release.releases)}


def _choices(ctx: SiteContext, href: dict[str, str]) -> list[dict[str, Any]]:
    """Which file answers which need, newest year first; only files the release has."""
    wanted = [
        ("在 Excel 或 WPS 表格中查看：每年一个文件，先看其中的“数据字典”工作表（每一列的含义）",
         [f"sunlight-{year}.xlsx" for year in reversed(ctx.years)]),
        ("用数据库查询或用 Datasette 浏览：解压后使用", [SQLITE_NAME]),
        ("用程序分析：标准 CSV，每列的中文名称和说明见 datapackage.json 和本页的字段说明",
         ["results_items.csv", "datapackage.json"]),
        ("自己重新验证抽取：含全部抽取文件，步骤见下文", [COMPLETE]),
    ]
    return [{"purpose": purpose, "files": [{"path": p, "href": href[p]} for p in paths if p in href]}
            for purpose, paths in wanted if any(p in href for p in paths)]


def _file_url(here: str, release: Release, path: str) -> str:
    """A release file: from the separate storage when it is served there, else from the site."""
    return release.base + path if release.external else rel(here, f"data/{release.version}/{path}")


def _changes(ctx: SiteContext) -> dict[str, Any]:
    here = page_url("downloads", "changes")
    releases = ctx.open_data.releases if ctx.open_data is not None else []
    rows = [{"version": r.version, "date": r.date, "lines": summary(r.changelog),
             "sums": rel(here, f"data/{r.version}/SHA256SUMS"),
             "package": _file_url(here, r, "datapackage.json"), "files": len(r.files),
             "where": r.base if r.external else f"data/{r.version}/",
             "size": size_text(sum(f.bytes for f in r.files))} for r in releases]
    return {"rows": rows, "feed": rel(here, "data/releases.xml"), "index": rel(here, "data/releases.json"),
            "downloads": rel(here, page_url("downloads"))}


def _draw_rows(ctx: SiteContext, here: str, year: int) -> list[dict[str, Any]]:
    rows = []
    for draw in sorted((d for d in ctx.ds.draws if d.year == year and ctx.summaries[d.task_id].prepared),
                       key=lambda d: d.task_id):
        task = ctx.tasks.get(draw.task_id)
        sizes = ctx.draw_file_sizes(draw)
        files = [{"name": name, "href": ctx.draw_file(here, draw.year, draw.task_id, name), "bytes": sizes[name]}
                 for name in PUBLISHED if name in sizes]
        rows.append({"id": draw.task_id, "name": task.name if task else draw.task_id,
                     "href": rel(here, page_url("tasks", str(year), draw.task_id)) if task else "",
                     "status": draw_status(ctx, draw.task_id), "files": files})
    return rows


def _draw_years(ctx: SiteContext) -> list[int]:
    """The years with prepared draws, newest first."""
    return sorted({s.year for s in ctx.summaries.values() if s.prepared}, reverse=True)


def draw_files_page(ctx: SiteContext, year: int) -> Page:
    """A year's draw files, task by task: the same files the site shows and verifies. A page of its
    own (not on the downloads page, which changes with every release): 1,000 draws' files are a
    megabyte of links, and this list changes only when a draw does."""
    here = page_url("downloads", "draws", str(year))
    return Page(here, f"{year} 年的抽取文件", "downloads_draws.html.j2", {
        "year": year, "rows": _draw_rows(ctx, here, year), "ledger": rel(here, "draws/ledger.json"),
        "downloads": rel(here, page_url("downloads")), "draw_help": rel(here, page_url("about", "draw")),
    }, search=False,
        description=f"{year} 年每一次抽取的原始文件（抽取清单、抽取框架、人员名单、排除名单、信标和锁定记录）")


def draw_files_pages(ctx: SiteContext) -> list[Page]:
    return [draw_files_page(ctx, year) for year in _draw_years(ctx)]


def _downloads(ctx: SiteContext) -> dict[str, Any]:
    here = page_url("downloads")
    years = [{"year": year, "href": rel(here, page_url("downloads", "draws", str(year))),
              "draws": sum(1 for s in ctx.summaries.values() if s.prepared and s.year == year)}
             for year in _draw_years(ctx)]
    return {"years": years, "ledger": rel(here, "draws/ledger.json"), "feed": rel(here, "feed.xml"),
            "locked": len(ctx.ledger), "draw_help": rel(here, page_url("about", "draw")),
            "guide": rel(here, page_url("about", "data")), "open": _open_data(ctx, here)}


def pages(ctx: SiteContext) -> list[Page]:
    """The downloads and the releases' changes. They show the open data release this build writes
    (`ctx.open_data`), which is written beside the rest of the site: their models are built when
    they are poured, once it is there (generator.publish.build)."""
    return [Page(page_url("downloads"), "数据下载", "downloads.html.j2", lazy=partial(_downloads, ctx),
                 description=("全部公开数据（CSV、Excel、SQLite、JSON 和压缩包，附校验和与变更记录）"
                              "及每一次抽取的原始文件")),
            Page(page_url("downloads", "changes"), "数据版本与变更记录", "downloads_changes.html.j2",
                 lazy=partial(_changes, ctx),
                 description="每次发布的数据版本：新增的检查结果、更正、清单变化；历次版本永久保留")]
