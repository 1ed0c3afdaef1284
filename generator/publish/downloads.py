"""Downloads: the raw published draw files, the ledger and the feed."""

from __future__ import annotations

from generator.publish.context import SiteContext
from generator.publish.draws import PUBLISHED
from generator.publish.paths import page_url, rel
from generator.publish.render import Page
from generator.publish.tasks import draw_status


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
               "guide": rel(here, page_url("about", "data"))}
    return [Page(here, "数据下载", "downloads.html.j2", context,
                 description="每一次抽取公开的原始文件（清单、抽取框架、人员名单、回避配对、信标、锁定记录）与抽取账本")]
