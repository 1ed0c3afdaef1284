"""Run MkDocs on the generated docs/ with a configuration derived from the repository's
`mkdocs.yml`. Only MkDocs' public API is used (`load_config`, `build`), and nothing depends on
the theme's internals: the theme could be swapped without touching the generator."""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError

from generator.errors import BuildFailed

STYLES = ["assets/sunlight/css/sunlight.css"]
SCRIPTS = [{"path": "assets/sunlight/js/sunlight-site.js", "type": "module"}]
# MkDocs hooks (its public plugin events), by file: the skip link on every page, the Chinese 404 page.
HOOKS = [str(Path(__file__).with_name(name)) for name in ("skip_link.py", "not_found.py")]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def source_date_epoch(epoch: int) -> Iterator[None]:
    """SOURCE_DATE_EPOCH: MkDocs stamps the sitemap with it instead of the clock. Already set to
    `epoch` (the build sets it before it starts threads: C's setenv and getenv must not run at
    once), the environment is left alone."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    if before == str(epoch):
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def generated_config(base: dict[str, Any], docs: Path, site: Path, nav: list[Any]) -> dict[str, Any]:
    config = copy.deepcopy(base)
    config.update({
        "docs_dir": str(docs), "site_dir": str(site), "nav": nav,
        "extra_css": [*config.get("extra_css", []), *STYLES],
        "extra_javascript": [*config.get("extra_javascript", []), *SCRIPTS],
        "strict": True,
        "hooks": [*config.get("hooks", []), *HOOKS],
    })
    return config


def run_mkdocs(config: dict[str, Any], work: Path, epoch: int) -> None:
    path = work / "mkdocs.generated.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    collector = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        with source_date_epoch(epoch):
            loaded = load_config(config_file=str(path))
            loaded.plugins.on_startup(command="build", dirty=False)
            try:
                build(loaded)
            finally:
                loaded.plugins.on_shutdown()
    except (Abort, ConfigurationError) as exc:
        details = "；".join(collector.messages[:5])
        raise BuildFailed(f"MkDocs 生成网站失败：{exc}{('：' + details) if details else ''}") from exc
    finally:
        logger.removeHandler(collector)
