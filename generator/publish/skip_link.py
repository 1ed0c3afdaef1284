"""A MkDocs hook (MkDocs' public `on_post_page` event, no theme internals): every page opens with
a link that takes keyboard and screen-reader users past the header and the navigation, a dozen
links on every page, straight to its content (`#sl-main`, the content block of every generated
and hand-written page). The theme's own skip link needs a table of contents, which these pages
do not have, so without this the site had none."""

from __future__ import annotations

import re
from typing import Any

TARGET = "sl-main"
LINK = f'<a class="sl-skip" href="#{TARGET}">跳到正文</a>'
_BODY = re.compile(r"<body\b[^>]*>")


def add_skip_link(output: str) -> str:
    """The page with the skip link as the first thing in its body (unchanged without a body)."""
    body = _BODY.search(output)
    if body is None:
        return output
    return output[:body.end()] + LINK + output[body.end():]


def on_post_page(output: str, page: Any, config: Any) -> str:
    return add_skip_link(output)
