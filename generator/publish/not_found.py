"""A MkDocs hook (MkDocs' public `on_post_template` event): the page a reader gets for an address
that does not exist says so in Chinese and offers the ways on. The theme's own 404 page has only
an English heading, "404 - Not found"; its heading is replaced (nothing else is assumed of it)."""

from __future__ import annotations

import re
from html import escape
from typing import Any
from urllib.parse import urlsplit

_HEADING = re.compile(r"<h1\b[^>]*>.*?</h1>", re.S)


def not_found_content(base: str) -> str:
    """The 404 page's content; `base` is the site's root as the theme's own links on that page use it
    (a 404 page is served at any address, so its links cannot be relative)."""
    root = escape(base if base.endswith("/") else base + "/")
    return ("<h1>找不到此页面</h1>"
            "<p>您访问的地址没有对应的页面：可能地址输入有误，或页面已经移动。</p>"
            f'<ul><li><a href="{root}">返回首页</a></li>'
            f'<li><a href="{root}lookup/">企业查询</a>：按名称或统一社会信用代码查询抽查记录</li>'
            f'<li><a href="{root}search/">站内搜索</a></li></ul>')


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    if template_name != "404.html":
        return output_content
    base = urlsplit(config.get("site_url") or "/").path or "/"
    return _HEADING.sub(lambda _: not_found_content(base), output_content, count=1)
