"""No personal data in the draw files published as they are (第二十一条).

A draw's manifest.json and beacon.json go to the site and the archives byte for byte, free
text included (a dice description, a beacon note). Their strings are searched as
generator.rules.personal_data searches the tables, under the same rule id. Python alone
(no polars), so for a city it runs in the forked process beside the other rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from generator.draw.verify import read_json_object
from generator.findings import Finding, error
from generator.model import Dataset
from generator.personal_numbers import is_hash, personal_data_in
from generator.rules.personal_data import ARTICLE, RULE

# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"draws", "layout"})


def check(ds: Dataset) -> Iterable[Finding]:
    yield from _draw_files(ds)


def _strings(value: Any) -> Iterator[str]:
    """Every string in `value`, keys included, in document order; a stack, not recursion: the
    loader parsed the file higher up the stack (in its own thread), so it may nest deeper than
    this could recurse."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):  # keys too: {"联系人 13800138000": …} is published as it is
            stack.extend(reversed([part for pair in item.items() for part in pair]))
        elif isinstance(item, list):
            stack.extend(reversed(item))


# Digits, ASCII and full-width, removed: a string with fewer than 11 digits holds no number.
_NO_DIGITS = str.maketrans("", "", "0123456789０１２３４５６７８９")


def _draw_files(ds: Dataset) -> Iterable[Finding]:
    """A draw's manifest and beacon are published as they are (site and archives), free text
    included (a dice description, a beacon note); digests in them are no phone numbers."""
    for draw in ds.draws:
        beacon, _ = read_json_object(draw.directory / "beacon.json")  # unreadable: the draw chain says so
        for name, value in (("manifest.json", draw.manifest), ("beacon.json", beacon)):
            for text in _strings(value):
                if len(text) - len(text.translate(_NO_DIGITS)) < 11 or is_hash(text):
                    continue
                found = personal_data_in(text)
                if found:
                    yield error(ds.display(draw.directory / name), RULE,
                                f"抽取文件含有个人信息（{found}）：公开数据中不得出现身份证号、手机号等个人信息",
                                article=ARTICLE)
                    break
