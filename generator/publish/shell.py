"""Generated pages get their frame from MkDocs and their content poured in afterwards.

Two cases, both for speed at city scale and both theme-agnostic (only markers are looked for;
a theme that does not print them verbatim stops the build):

- Every generated page's Markdown is just a placeholder, so Markdown never parses the large
  raw-HTML tables (Python-Markdown's HTML parser is the slow part); once MkDocs has rendered the
  page, the placeholder is replaced by the page's HTML, exactly what Markdown would have passed
  through.
- Record pages by the thousand (tasks) are not rendered by MkDocs at all: MkDocs renders one
  shell page per URL depth, and every record page at that depth is the shell's HTML with the
  title, description and content markers replaced. Relative links in the theme's frame depend
  only on the depth, and record pages are not in the navigation, so the result is the page
  MkDocs itself would have produced (a unit test compares them byte for byte).
"""

from __future__ import annotations

import dataclasses
import html
import shutil
from collections import defaultdict
from pathlib import Path

from generator.errors import BuildFailed
from generator.publish.paths import markdown_path, safe_join
from generator.publish.render import Page, Renderer, plain_title
from generator.publish.reuse import Digest, Reuse

TITLE = "SLSHELLTITLE"
DESCRIPTION = "SLSHELLDESCRIPTION"
# Record pages carry their own <h1>, so the placeholder does too (a theme may add one otherwise).
MARKER = "<div><h1>SLSHELLCONTENT</h1></div>"
ROOT = "sl-shell"


def shell_url(depth: int) -> str:
    return ROOT + "/" + "".join(f"d{i}/" for i in range(1, depth))


def write_shells(pages: list[Page], docs: Path) -> dict[int, str]:
    """One placeholder Markdown page per depth used by shell pages; returns depth -> URL."""
    depths = sorted({p.url.count("/") for p in pages if p.shell})
    urls = {}
    for depth in depths:
        url = shell_url(depth)
        target = docs / markdown_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\ntitle: {TITLE}\ndescription: {DESCRIPTION}\n---\n\n{MARKER}\n",
                          encoding="utf-8", newline="\n")
        urls[depth] = url
    return urls


def summary_key(reuse: Reuse, page: Page, frame: str) -> str:
    """The reuse key of a page MkDocs framed (home, checklist, plans, results, ...): the frame as
    MkDocs rendered it and everything the template reads. Their view models are already built
    (they are small: rendering the 36 of a city took three times as long as printing them), so
    the model is hashed by its repr, faithful for the values they hold (str, Markup, int, bool,
    None, lists and dicts; test_site_page_keys.py checks every page of the sample). A lazy page's
    model is built first (`pour`)."""
    return reuse.key("page", frame, page.url, page.title, repr(page.description), page.template, page.search,
                     page.scripts, repr(page.context))


def pour(pages: list[Page], renderer: Renderer, site: Path, shells: dict[int, str],
         reuse: Reuse | None = None) -> int:
    """Put every generated page's content into the built site, then remove the shells. With
    `reuse`, a record page whose frame, title and `Page.key` are unchanged since the last build
    is taken from the published site instead. Returns the number of record pages rendered."""
    for page in pages:
        if page.shell:
            continue
        if page.lazy is not None:  # a framed page whose model waited for the open data (downloads)
            page = dataclasses.replace(page, context=page.lazy(), lazy=None)
        target = safe_join(site, page.url.rstrip("/")) / "index.html" if page.url else site / "index.html"
        built = target.read_text(encoding="utf-8")
        if built.count(MARKER) != 1:
            raise BuildFailed(f"主题生成的页面 {page.url or '首页'} 中找不到内容占位符")
        key = summary_key(reuse, page, built) if reuse is not None else ""
        if key and reuse is not None:
            relative = f"{page.url}index.html"
            if reuse.unchanged(relative, key):  # MkDocs wrote its frame there: replaced by the old page
                target.unlink()
                if reuse.take(relative, key, site):
                    continue
            reuse.made(relative, key)
        target.write_text(built.replace(MARKER, renderer.html(page)), encoding="utf-8", newline="\n")
    frames: dict[int, tuple[str, str, str]] = {}
    for depth, url in shells.items():
        built = (site / url / "index.html").read_text(encoding="utf-8")
        if built.count(MARKER) != 1 or TITLE not in built:
            raise BuildFailed("主题生成的页面中找不到记录页的占位内容：无法套用页面框架")
        before, after = built.split(MARKER)
        frames[depth] = (before, after, url)
    written = 0
    grouped: dict[int, list[Page]] = defaultdict(list)
    for page in pages:
        if page.shell:
            grouped[page.url.count("/")].append(page)
    for depth, members in grouped.items():
        before, after, _ = frames[depth]
        frame = Digest(before, after).hexdigest()  # once per depth, not per page
        for page in members:
            title = html.escape(plain_title(page.title))
            description = html.escape(plain_title(page.description or "", 160))
            key = ""
            if reuse is not None and page.key is not None:
                key = reuse.key(frame, title, description, page.template, page.search, page.scripts, page.key())
                if reuse.take(f"{page.url}index.html", key, site):
                    continue
            target = safe_join(site, page.url.rstrip("/")) / "index.html"
            text = (before.replace(TITLE, title).replace(DESCRIPTION, description) + renderer.html(page)
                    + after.replace(TITLE, title).replace(DESCRIPTION, description))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
            if key and reuse is not None:
                reuse.made(f"{page.url}index.html", key)
            written += 1
    shutil.rmtree(site / ROOT, ignore_errors=True)
    return written
