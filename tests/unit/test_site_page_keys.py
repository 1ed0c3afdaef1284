"""The pages MkDocs frames (home, checklist, plans, results, ...) are reused in a rebuild when the
repr of their view model is unchanged (shell.summary_key). A repr is a faithful digest only of
plain values: a polars frame, for one, prints a few rows and columns. Every such page of the
sample holds plain values only, or a changed value could leave an old page published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from generator.load import load
from generator.publish.build import _pages, _release_pages
from generator.publish.context import SiteContext, data_as_of
from generator.publish.settings import load_settings
from tests.conftest import SAMPLE

PLAIN = (str, Markup, int, float, bool, type(None), dt.date)


def _not_plain(value: Any, found: set[str]) -> None:
    if type(value) in (list, tuple):
        for item in value:
            _not_plain(item, found)
    elif type(value) is dict:
        for key, item in value.items():
            _not_plain(key, found)
            _not_plain(item, found)
    elif type(value) not in PLAIN:
        found.add(type(value).__qualname__)


def test_framed_pages_hold_plain_values_only() -> None:
    ds, _ = load(SAMPLE)
    ds.as_of = data_as_of(ds)
    ctx = SiteContext(ds, load_settings())
    framed = [page for page in [*_pages(ctx), *_release_pages(ctx)] if not page.shell]
    assert len(framed) > 20
    for page in framed:
        found: set[str] = set()
        # The downloads pages' models are built when they are poured (shell.pour), then keyed.
        _not_plain([page.view(), page.title, page.description, page.scripts], found)
        assert not found, (page.url, found)


def test_the_check_finds_a_frame() -> None:
    import polars as pl

    found: set[str] = set()
    _not_plain({"rows": [1, {"table": pl.DataFrame({"a": [1]})}]}, found)
    assert found == {"DataFrame"}
