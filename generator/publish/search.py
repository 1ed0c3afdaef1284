"""The site search page (Pagefind; see content/search-note.md for why)."""

from __future__ import annotations

from generator.publish.context import SiteContext
from generator.publish.paths import page_url, rel
from generator.publish.render import Page


def pages(ctx: SiteContext) -> list[Page]:
    here = page_url("search")
    return [Page(here, "站内搜索", "search.html.j2", {
        "lookup": rel(here, page_url("lookup")), "note": rel(here, page_url("about", "search")),
    }, search=False, description="全文搜索本站的说明、清单、计划与统计页面",
                 scripts=["assets/sunlight/js/sunlight-search.js"])]
