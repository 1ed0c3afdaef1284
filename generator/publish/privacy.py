"""The last gate before publication (第二十一条): no output file may contain a resident identity
number (valid check digit), a mainland mobile number, or the value of any field the schemas
mark private. Runs over every text file of the built site; any hit fails the build.

Digests standing alone (hashes, seeds, tickets, signatures) are set aside before the number
patterns run: an 11-digit stretch inside a SHA-256 is not a phone number. Private values are
looked for as they are and as HTML, JSON and URLs escape them.
"""

from __future__ import annotations

import html
import json
import os
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from generator.model import Dataset
from generator.personal_numbers import HASH, RUN, run_problem
from generator.schemas import private_fields

TEXT_SUFFIXES = {".html", ".json", ".csv", ".xml", ".svg", ".txt", ".md", ".js", ".css"}
# Code shipped by the theme and the search engine: no data is ever written there.
SKIP_PREFIXES = ("assets/javascripts/", "assets/stylesheets/", "pagefind/")
# The open data (generator.opendata): every value of every download of a release is a value of its
# public tables, which generator.opendata.privacy checks with these patterns before publishing (the release may be
# served from elsewhere, outside the site). Past releases are carried over byte for byte after their
# checksums are checked, and were scanned when they were built. So nothing under data/ is read here.
DATA = "data/"
# One pass: the leftmost-first alternation takes a standing-alone digest whole, so its digits
# are never read as a number run.
CANDIDATE = f"{HASH}|{RUN}"
BATCH_BYTES = 16 << 20  # text held at once (and copied by polars): a smaller batch keeps the peak down

PRIVATE_TABLES = {"inspectors": "inspectors", "recusals": "recusals", "objects": "objects",
                  "departments": "departments", "checklist": "checklist", "replacements": "replacements",
                  "corrections": "corrections", "results": "results"}


@dataclass(frozen=True)
class Leak:
    path: str
    what: str


def private_values(ds: Dataset) -> list[str]:
    """Every non-empty value of every private field in the data set."""
    values: set[str] = set()
    for attribute, schema in PRIVATE_TABLES.items():
        frame: pl.DataFrame = getattr(ds, attribute)
        for name in private_fields(schema):
            if name in frame.columns:
                column = frame[name].cast(pl.String).drop_nulls().str.strip_chars()
                values.update(v for v in column.to_list() if v)
    return sorted(values)


def site_files(site: Path) -> list[str]:
    """Every file under `site`, relative, in the order `sorted(site.rglob("*"))` gives (by path
    component). From os.walk: 11,000 Path objects made, compared and statted took a second."""
    found: list[str] = []
    for folder, _, names in os.walk(site):
        prefix = os.path.relpath(folder, site).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        found.extend(prefix + name for name in names)
    return sorted(found, key=lambda relative: relative.split("/"))


def _files(site: Path, skip: AbstractSet[str]) -> Iterator[tuple[str, Path]]:
    for relative in site_files(site):
        if relative.startswith(DATA) or relative in skip:
            continue
        path = site / relative
        if _suffix(relative) in TEXT_SUFFIXES and not relative.startswith(SKIP_PREFIXES) and path.is_file():
            yield relative, path


def _suffix(relative: str) -> str:
    """`PurePath(relative).suffix` (which, unlike os.path.splitext, gives "..html" a suffix)."""
    name = relative.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _batches(site: Path, skip: AbstractSet[str]) -> Iterator[pl.DataFrame]:
    """The files as frames of (path, text), about BATCH_BYTES at a time. The bytes go to polars as
    they are (no Python strings: decoding and re-encoding 900 MB took seconds); a file that is
    not valid UTF-8 is decoded with replacement characters, as a reader would see it."""
    paths: list[str] = []
    texts: list[bytes] = []
    size = 0

    def frame() -> pl.DataFrame:
        data = pl.Series("text", texts, dtype=pl.Binary)
        try:
            text = data.cast(pl.String)
        except pl.exceptions.PolarsError:
            text = pl.Series("text", [t.decode("utf-8", errors="replace") for t in texts], dtype=pl.String)
        return pl.DataFrame({"path": paths, "text": text})

    for relative, path in _files(site, skip):
        data = path.read_bytes()
        paths.append(relative)
        texts.append(data)
        size += len(data)
        if size >= BATCH_BYTES:
            yield frame()
            paths, texts, size = [], [], 0
    if paths:
        yield frame()


def masked(values: Iterable[str]) -> str:
    """Up to three private values as a message shows them: the first character, then stars."""
    return "、".join(sorted({f"“{v[:1]}{'*' * (len(v) - 1)}”" for v in values})[:3])


def _jinja_escaped(text: str) -> str:
    """As Jinja's autoescape (MarkupSafe) writes `text` into a page."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


def escaped_forms(secrets: Sequence[str]) -> dict[str, str]:
    """Each private value as it may be written in an output file -> the value: as it is, and as
    HTML (two spellings), JSON (with and without ASCII escapes) and URLs escape it."""
    forms: dict[str, str] = {}
    for secret in secrets:
        for form in (secret, _jinja_escaped(secret), html.escape(secret),
                     json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1],
                     urllib.parse.quote(secret)):
            forms.setdefault(form, secret)
    return forms


def scan(site: Path, secrets: list[str], skip: AbstractSet[str] = frozenset()) -> list[Leak]:
    """Every leak in the site's text files but those in `skip` (paths relative to `site`: files an
    incremental build reused, which passed the same scan before)."""
    leaks: list[Leak] = []
    forms = escaped_forms(secrets)
    for frame in _batches(site, skip):
        if forms:
            # One Aho-Corasick pass over the text as it is, for every written form of every value.
            hits = frame.filter(pl.col("text").str.contains_any(list(forms)))
            for path, found in hits.select("path", pl.col("text").str.extract_many(list(forms)).alias("found")
                                           ).iter_rows():
                leaks.append(Leak(path, f"不公开字段的值 {masked(forms[form] for form in found)}"))
        # Every candidate run outside a digest, each judged once however often it occurs.
        runs = frame.select("path", pl.col("text").str.extract_all(CANDIDATE).alias("run")).explode("run")
        runs = runs.drop_nulls("run")
        verdicts = {run: run_problem(run) for run in runs["run"].unique().to_list()}
        bad = {run for run, verdict in verdicts.items() if verdict}
        if bad:
            for path, run in runs.filter(pl.col("run").is_in(sorted(bad))).unique(maintain_order=True).iter_rows():
                leaks.append(Leak(path, str(verdicts[run])))
    return leaks
