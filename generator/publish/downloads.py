"""Downloads: the open data release (every file with size, format and checksum), the list of
releases and their changelogs, the raw published draw files, the ledger and the feed."""

from __future__ import annotations

from typing import Any

from generator.opendata.changelog import summary
from generator.publish.context import SiteContext
from generator.publish.draws import PUBLISHED
from generator.publish.paths import page_url, rel
from generator.publish.render import Page
from generator.publish.tasks import draw_status

FORMAT_NAMES = {"CSV": "CSV（UTF-8）", "JSON": "JSON", "XLSX": "Excel/WPS 表格", "SQLite": "SQLite 数据库",
                "ZIP": "ZIP 压缩包", "文本": "文本"}
GROUPS = (("archives/", "压缩包（含抽取文件，可重新验证抽取）"), ("xlsx/", "Excel / WPS 表格（按年度）"),
          ("sunlight.sqlite", "数据库"), ("csv/", "CSV 数据表（标准格式）"), ("json/", "JSON 数据表"), ("", "说明文件"))


def size_text(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} 字节"


def _open_data(ctx: SiteContext, here: str) -> dict[str, Any] | None:
    release = ctx.open_data
    if release is None:
        return None
    groups: dict[str, list[dict[str, Any]]] = {title: [] for _, title in GROUPS}
    for f in release.release.files:
        title = next(t for prefix, t in GROUPS if f.path.startswith(prefix))
        groups[title].append({"path": f.path, "href": rel(here, f"data/latest/{f.path}"),
                              "title": release.titles.get(f.path, ""), "format": FORMAT_NAMES.get(f.format, f.format),
                              "size": size_text(f.bytes), "bytes": f.bytes, "sha256": f.sha256})
    return {"version": release.version, "groups": [{"title": k, "files": v} for k, v in groups.items() if v],
            "sums": rel(here, "data/latest/SHA256SUMS"), "package": rel(here, "data/latest/datapackage.json"),
            "index": rel(here, "data/releases.json"), "feed": rel(here, "data/releases.xml"),
            "changes": rel(here, page_url("downloads", "changes")),
            "fixed": rel(here, f"data/{release.version}/datapackage.json"),
            "releases": len(release.releases)}


def changes_page(ctx: SiteContext) -> Page | None:
    release = ctx.open_data
    if release is None:
        return None
    here = page_url("downloads", "changes")
    rows = [{"version": r.version, "date": r.date, "lines": summary(r.changelog),
             "sums": rel(here, f"data/{r.version}/SHA256SUMS"),
             "package": rel(here, f"data/{r.version}/datapackage.json"), "files": len(r.files),
             "size": size_text(sum(f.bytes for f in r.files))} for r in release.releases]
    context = {"rows": rows, "feed": rel(here, "data/releases.xml"), "index": rel(here, "data/releases.json"),
               "downloads": rel(here, page_url("downloads"))}
    return Page(here, "数据版本与变更记录", "downloads_changes.html.j2", context,
                description="每次发布的数据版本：新增的检查结果、更正、清单变化；历次版本永久保留")


def pages(ctx: SiteContext) -> list[Page]:
    here = page_url("downloads")
    years = []
    for year in ctx.years:
        rows = []
        for draw in sorted((d for d in ctx.ds.draws if d.year == year and d.manifest is not None),
                           key=lambda d: d.task_id):
            task = ctx.tasks.get(draw.task_id)
            files = [{"name": name, "href": ctx.draw_file(here, draw.year, draw.task_id, name),
                      "bytes": (draw.directory / name).stat().st_size}
                     for name in PUBLISHED if (draw.directory / name).is_file()]
            rows.append({"id": draw.task_id, "name": task.name if task else draw.task_id,
                         "href": rel(here, page_url("tasks", str(year), draw.task_id)) if task else "",
                         "status": draw_status(ctx, draw.task_id), "files": files})
        if rows:
            years.append({"year": year, "rows": rows})
    context = {"years": years, "ledger": rel(here, "draws/ledger.json"), "feed": rel(here, "feed.xml"),
               "locked": len(ctx.ledger), "draw_help": rel(here, page_url("about", "draw")),
               "guide": rel(here, page_url("about", "data")), "open": _open_data(ctx, here)}
    out = [Page(here, "数据下载", "downloads.html.j2", context,
                description=("全部公开数据（CSV、Excel、SQLite、JSON 和压缩包，附校验和与变更记录）"
                             "及每一次抽取的原始文件"))]
    changes = changes_page(ctx)
    if changes is not None:
        out.append(changes)
    return out
