"""Pages as data, rendered by jinja2 templates into Markdown files for MkDocs.

Templates only loop and branch over values the view-model builders computed; autoescaping
is always on, so every data value reaches the page as text. Titles, which MkDocs and the
theme place in the page head and the navigation, are reduced to plain text first.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator.publish.paths import markdown_path, rel
from generator.publish.skip_link import TARGET as SKIP_TARGET

_UNSAFE_TITLE = re.compile(r"[<>&\"'`{}\[\]*_#|\\\r\n\t]+")


def plain_title(text: str, limit: int = 80) -> str:
    """A title safe wherever a theme may put it (head, navigation), even unescaped."""
    cleaned = " ".join(_UNSAFE_TITLE.sub(" ", text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


@dataclass
class Page:
    """One generated page: its directory URL, title, template and view model."""

    url: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    search: bool = True  # indexed by the site search (narrative and summary pages)
    description: str | None = None
    scripts: list[str] = field(default_factory=list)  # module scripts, paths from the site root
    # Record pages by the thousand (tasks) skip MkDocs: they are poured into a shell page that
    # MkDocs renders once at the same depth (see shell.py). Output is the same either way.
    shell: bool = False
    # Built when the page is rendered rather than up front (then `context` is ignored): 5,000
    # task view models held at once would take gigabytes at city scale.
    lazy: Callable[[], dict[str, Any]] | None = None
    # For incremental rebuilds (reuse.py): everything the rendered content depends on besides the
    # template and the theme's frame, cheaper to compute than the view model itself.
    key: Callable[[], list[Any]] | None = None

    def view(self) -> dict[str, Any]:
        return self.context if self.lazy is None else self.lazy()


class Renderer:
    def __init__(self, templates: Path) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def blocks(self, page: Page) -> tuple[str, str]:
        """The page's content as one raw HTML block (Markdown leaves it untouched, so no emphasis
        or links are ever made of data) and the block of its module scripts."""
        body = self.env.get_template(page.template).render(page=page, **page.view())
        search = " data-pagefind-body" if page.search else ""
        scripts = "\n".join(f'<script type="module" src="{html.escape(rel(page.url, s))}"></script>'
                            for s in page.scripts)
        return f"<div class=\"sl-page\" id=\"{SKIP_TARGET}\"{search}>\n{body.strip()}\n</div>", scripts

    def body(self, page: Page) -> str:
        """The Markdown body: the blocks separated by a blank line."""
        content, scripts = self.blocks(page)
        return f"{content}\n\n{scripts}\n" if scripts else f"{content}\n"

    def html(self, page: Page) -> str:
        """Exactly what Markdown makes of `body`: raw blocks joined by one newline."""
        content, scripts = self.blocks(page)
        return f"{content}\n{scripts}" if scripts else content

    def markdown(self, page: Page, placeholder: str | None = None) -> str:
        """The page as MkDocs reads it: front matter, then the body or a `placeholder` that the
        build replaces with `html(page)` once MkDocs has rendered the page's frame."""
        meta: dict[str, Any] = {"title": plain_title(page.title)}
        if page.description:
            meta["description"] = plain_title(page.description, 160)
        header = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in meta.items())
        return f"---\n{header}---\n\n{placeholder if placeholder is not None else self.body(page)}"

    def write(self, page: Page, docs: Path, placeholder: str | None = None) -> None:
        target = docs / markdown_path(page.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.markdown(page, placeholder), encoding="utf-8", newline="\n")
