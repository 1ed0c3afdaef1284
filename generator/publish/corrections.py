"""The corrections log (第十九条): the original beside the corrected value, the reason, the
approving principal and the dates. Only published corrections appear."""

from __future__ import annotations

from generator.publish.common import checklist_href, day, lookup_href, task_link
from generator.publish.context import FIELD_TITLES, SiteContext
from generator.publish.paths import page_url
from generator.publish.render import Page


def pages(ctx: SiteContext) -> list[Page]:
    here = page_url("corrections")
    owner = {i: v[-1].department_id for i, v in ctx.items.items()}
    rows = []
    for c in ctx.published_corrections.sort("correction_id", descending=True).iter_rows(named=True):
        label = ctx.code_label if c["field"] == "result_code" else (lambda v: (v or "").replace(";", "、"))
        rows.append({
            "id": c["correction_id"], "task": task_link(ctx, here, c["task_id"]),
            "object": ctx.object_name(c["object_id"]), "object_id": c["object_id"],
            "object_href": lookup_href(here, c["object_id"]),
            "item_id": c["item_id"], "item": ctx.item_title(c["item_id"]),
            "item_href": checklist_href(ctx, here, c["item_id"]),
            "department": ctx.dept(owner.get(c["item_id"])),
            "field": FIELD_TITLES.get(c["field"], c["field"]),
            "old": label(c["old_value"]) or "（空）", "new": label(c["new_value"]) or "（空）",
            "reason": c["reason"], "approver": c["approver"],
            "approved_on": day(c["approved_on"]), "published_on": day(c["published_on"]),
            "source": ctx.settings.source_url(ctx.data_rel(ctx.ds.layout.corrections), c["_row"]),
        })
    return [Page(here, "更正记录", "corrections.html.j2", {
        "rows": rows, "sources": [{"what": "更正记录", **ctx.source(ctx.ds.layout.corrections)}],
    }, description="已公示检查结果的更正记录：原值、更正后的值、原因、批准人与日期")]
