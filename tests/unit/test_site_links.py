"""The whole sample site: no broken internal link or fragment, every lookup deep link resolves,
every drawn object is found by any two-character piece of its name (the lookup page's
algorithm, re-run here over the written shards), and the scale-sensitive budgets."""

from __future__ import annotations

import json
import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator.publish import build_site
from generator.publish.lookup import bigrams, bucket_name, fnv1a

SAMPLE = Path(__file__).resolve().parents[2] / "data"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("name"):
            self.ids.add(str(values["name"]))
        for key in ("href", "src"):
            value = values.get(key)
            if value and not (tag == "link" and values.get("rel") in {"canonical", "alternate"} and key == "href"
                              and value.startswith("http")):
                self.links.append(value)


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "site"
    build_site(SAMPLE, out)
    return out


def _target(site: Path, page: Path, link: str) -> tuple[Path | None, str]:
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
        return None, ""
    # Root-relative links (only MkDocs' 404 page has them) assume the site is served at "/".
    base = "" if parts.path.startswith("/") else page.parent.relative_to(site).as_posix()
    path = posixpath.normpath(posixpath.join(base, unquote(parts.path).lstrip("/") or ".")) if parts.path else \
        page.relative_to(site).as_posix()
    assert not path.startswith(".."), f"{page}: {link} leaves the site"
    target = site / path
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def test_no_broken_internal_links(sample_site: Path) -> None:
    parsed: dict[Path, _Links] = {}
    for page in sorted(sample_site.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page] = parser
    broken: list[str] = []
    deep_links: set[str] = set()
    for page, parser in parsed.items():
        for link in parser.links:
            target, fragment = _target(sample_site, page, link)
            if target is None:
                continue
            if not target.is_file():
                broken.append(f"{page.relative_to(sample_site)} -> {link}")
                continue
            if fragment and target.name == "index.html" and target.parent.name == "lookup" and (
                    target not in parsed or fragment not in parsed[target].ids):  # not the skip link's #sl-main
                deep_links.add(fragment)
            elif fragment and target in parsed and fragment not in parsed[target].ids:
                broken.append(f"{page.relative_to(sample_site)} -> {link} (no such anchor)")
    assert not broken, "\n".join(broken[:30])
    meta = json.loads((sample_site / "lookup/meta.json").read_text(encoding="utf-8"))
    missing = []
    for object_id in sorted(deep_links):
        shard = sample_site / "lookup/h" / f"{bucket_name(fnv1a(object_id), meta['history_buckets'])}.json"
        if object_id not in json.loads(shard.read_text(encoding="utf-8")):
            missing.append(object_id)
    assert deep_links and not missing


def test_links_in_data_files_resolve(sample_site: Path) -> None:
    ledger = json.loads((sample_site / "draws/ledger.json").read_text(encoding="utf-8"))
    assert ledger and all((sample_site / "draws" / e["path"]).is_file() for e in ledger)
    for shard in (sample_site / "results").rglob("*.json"):
        data = json.loads(shard.read_text(encoding="utf-8"))
        for _, _, href in data["tasks"]:
            assert (shard.parent / href / "index.html").resolve().is_file(), href


def _find(site: Path, meta: dict[str, int], query: str) -> list[str] | None:
    """lookup.js's search: the first non-common bigram's list, filtered by the whole query."""
    for gram in bigrams(query):
        shard = json.loads((site / "lookup/n" / f"{bucket_name(fnv1a(gram), meta['name_buckets'])}.json")
                           .read_text(encoding="utf-8"))
        refs = shard["b"].get(gram)
        if refs == 0:
            continue
        if isinstance(refs, str):
            shard = json.loads((site / "lookup/n" / f"{refs}.json").read_text(encoding="utf-8"))
            refs = shard["b"][gram]
        return [shard["o"][i][0] for i in (refs or []) if query.lower() in shard["o"][i][1].lower()]
    return None


def test_every_object_is_found_by_part_of_its_name(sample_site: Path) -> None:
    meta = json.loads((sample_site / "lookup/meta.json").read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for shard in (sample_site / "lookup/h").glob("*.json"):
        names.update({k: v["name"] for k, v in json.loads(shard.read_text(encoding="utf-8")).items()})
    assert len(names) == meta["objects"] > 1000
    for object_id, name in sorted(names.items())[::7]:
        middle = name[len(name) // 2 - 1: len(name) // 2 + 2]
        hits = _find(sample_site, meta, middle)
        assert hits is None or object_id in hits, (name, middle)
        assert object_id in (_find(sample_site, meta, name) or []), name


def test_budgets(sample_site: Path) -> None:
    files = [p for p in sample_site.rglob("*") if p.is_file()]
    assert len(files) < 20_000
    home = (sample_site / "index.html").stat().st_size
    assert home < 60_000
    for folder in ("lookup/h", "lookup/n"):
        assert max(p.stat().st_size for p in (sample_site / folder).glob("*.json")) < 90_000
