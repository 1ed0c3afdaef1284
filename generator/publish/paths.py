"""Page addresses, relative links and safe output paths.

Every page has a directory URL ("" for the home page, "tasks/2026/ZB-2026-001/" for a task);
links between pages are always relative, so the site works under any base path and when
opened from disk through a local server. Every output path that contains a data value goes
through `safe_join`, which refuses anything that could leave the output directory.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.errors import BuildFailed

# The identifier syntax of the draw spec; task ids, object ids, department ids and years all fit.
SEGMENT = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")


def check_segment(part: str) -> str:
    """`part` if it is a safe single path segment, else BuildFailed."""
    if not SEGMENT.fullmatch(part) or part in {".", ".."} or ".." in part:
        raise BuildFailed(f"数据中的标识“{part[:80]}”不能用作网站文件名：只允许字母、数字、点、下划线和连字符")
    return part


def safe_join(root: Path, *parts: str) -> Path:
    """`root / parts...` after checking every part that came from data; never outside `root`."""
    path = root
    for part in parts:
        for piece in part.split("/"):
            path = path / check_segment(piece)
    resolved_root = root.resolve()
    if not path.resolve().is_relative_to(resolved_root):  # pragma: no cover - segments forbid it
        raise BuildFailed(f"输出路径 {path} 不在网站目录之内")
    return path


def page_url(*parts: str) -> str:
    """The directory URL of a page made of checked segments: page_url("tasks", "2026") -> "tasks/2026/"."""
    return "".join(f"{check_segment(p)}/" for p in parts)


def markdown_path(url: str) -> str:
    """Where the page with directory URL `url` lives in docs/: always `<url>index.md`."""
    return f"{url}index.md"


def rel(from_url: str, target: str) -> str:
    """A relative link from the page at `from_url` to `target` (a page URL or a file path,
    both relative to the site root). `target` may carry a query or fragment ("lookup/#9137...")."""
    suffix = ""
    for mark in ("?", "#"):
        if mark in target:
            target, rest = target.split(mark, 1)
            suffix = mark + rest
            break
    here = [p for p in from_url.split("/") if p]
    there = [p for p in target.split("/") if p]
    is_dir = target == "" or target.endswith("/")
    common = 0
    limit = min(len(here), len(there) if is_dir else len(there) - 1)
    while common < limit and here[common] == there[common]:
        common += 1
    parts = [".."] * (len(here) - common) + there[common:]
    if is_dir:
        return ("/".join(parts) + "/" if parts else "./") + suffix
    return "/".join(parts) + suffix
