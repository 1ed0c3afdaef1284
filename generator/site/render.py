"""Pages as data, rendered by jinja2 templates into Markdown files for MkDocs.

Templates only loop and branch over values the view-model builders computed; autoescaping
is always on, so every data value reaches the page as text. Titles, which MkDocs and the
theme place in the page head and the navigation, are reduced to plain text first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator.site.paths import markdown_path

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

    def markdown(self, page: Page) -> str:
        body = self.env.get_template(page.template).render(page=page, **page.context)
        meta: dict[str, Any] = {"title": plain_title(page.title)}
        if page.description:
            meta["description"] = plain_title(page.description, 160)
        header = "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n" for key, value in meta.items())
        # One raw HTML block: Markdown leaves it untouched (no emphasis or links made of data).
        # The body never contains a blank line at the top level, so the block is not split.
        search = " data-pagefind-body" if page.search else ""
        return f"---\n{header}---\n\n<div class=\"sl-page\"{search}>\n{body.strip()}\n</div>\n"

    def write(self, page: Page, docs: Path) -> None:
        target = docs / markdown_path(page.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.markdown(page), encoding="utf-8", newline="\n")
