"""An Atom feed of newly published results: one entry per task and publication date."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from generator.publish.context import SiteContext
from generator.publish.paths import page_url

ENTRIES = 50


def write_feed(ctx: SiteContext, site: Path, title: str) -> None:
    groups = (ctx.publications.sort(["published_on", "task_id"], descending=[True, True]).head(ENTRIES))
    updated = f"{ctx.as_of.isoformat()}T00:00:00+08:00"
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
             f"<title>{escape(title)}：新公示的检查结果</title>",
             f"<id>urn:sunlight:{escape(ctx.settings.repo_url)}:results</id>",
             f"<updated>{updated}</updated>",
             '<link rel="self" href="feed.xml"/>',
             '<link rel="alternate" href="./"/>',
             "<author><name>淄博市“双随机、一公开”监管工作联席会议办公室</name></author>"]
    for published_on, task_id, count in groups.select("published_on", "task_id", "len").iter_rows():
        task = ctx.tasks.get(task_id)
        name = task.name if task else task_id
        href = page_url("tasks", str(task.year), task_id) if task else "./"
        stamp = f"{published_on.isoformat()}T00:00:00+08:00"
        lead = ctx.dept(task.lead) if task else ""
        lines += ["<entry>",
                  f"<title>{escape(name)}：{published_on.isoformat()} 公示 {count} 条检查结果</title>",
                  f"<id>urn:sunlight:{escape(task_id)}:{published_on.isoformat()}</id>",
                  f"<updated>{stamp}</updated>",
                  f"<link rel=\"alternate\" href={quoteattr(href)}/>",
                  f"<summary>{escape(lead)}发起的任务 {escape(task_id)} 于 {published_on.isoformat()} "
                  f"公示了 {count} 条检查结果。</summary>",
                  "</entry>"]
    lines.append("</feed>")
    (site / "feed.xml").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
