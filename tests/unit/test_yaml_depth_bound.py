"""The nesting bound read off a YAML text (`provably_plain`) never passes what the event scan
refuses: parsing with it gives, for every text, exactly what parsing without it gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.io import yamlfile
from generator.io.yamlfile import MAX_DEPTH, parse_yaml, provably_plain

DATA = Path(__file__).resolve().parents[2] / "data"


def _depth(text: str) -> int:
    """Deepest collection nesting, counted on the parser's events as `_first_refused` counts."""
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return deepest


def _parsed_without_the_bound(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Any]]:
    with monkeypatch.context() as patched:
        patched.setattr(yamlfile, "provably_plain", lambda _: False)
        return yamlfile.parse_yaml(text, "x.yaml")


# Pieces of block and flow YAML, put together at random: most results are not YAML at all,
# which is the point (errors must come out the same too).
TOKENS = st.sampled_from(["- ", "? ", ": ", "--- ", "a", "b: ", "[", "]", "{", "}", ", ", "\n", "  ", " ",
                          "\t", "'q'", "|\n", "#c", "&x ", "*x", "...", "%YAML 1.1\n"])


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=300).map("".join))
def test_texts_of_yaml_pieces_parse_the_same_with_and_without_the_bound(text: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert parse_yaml(text, "x.yaml") == _parsed_without_the_bound(text, monkeypatch)


def _nested(depth: int, kinds: list[str]) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = [value] if kinds[level % len(kinds)] == "seq" else {f"k{level}": value}
    return value


@settings(max_examples=300, deadline=None)
@given(depth=st.integers(1, 160), kinds=st.lists(st.sampled_from(["seq", "map"]), min_size=1, max_size=5),
       indent=st.integers(2, 9), flow=st.sampled_from([None, True, False]))
def test_a_text_the_bound_passes_is_never_nested_beyond_the_limit(depth: int, kinds: list[str], indent: int,
                                                                   flow: bool | None) -> None:
    text = yaml.safe_dump(_nested(depth, kinds), indent=indent, default_flow_style=flow, width=10_000)
    if provably_plain(text):
        assert _depth(text) <= MAX_DEPTH


def test_the_bound_passes_the_sample_plans_and_not_deep_or_aliased_texts() -> None:
    plans = sorted((DATA / "plans").glob("*.yaml"))
    assert plans and all(provably_plain(p.read_text(encoding="utf-8")) for p in plans)
    assert not provably_plain("a: &x 1\nb: *x\n")
    assert not provably_plain("- " * 5 + "x\n")
    assert not provably_plain("a:\n" + " " * 40 + "b: 1\n")
    assert not provably_plain("[" * 30 + "]" * 30)
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    [finding] = parse_yaml(deep, "x.yaml")[1]
    assert finding.rule == "yaml/too-deep"


# The parser starts a line after any of these breaks, and skips a BOM at the start of a line;
# a regular expression's "^" sees none of that. 150 levels: deeper than allowed, yet short of
# the tens of thousands that would crash libyaml's composer, as the same text made longer does.
@pytest.mark.parametrize("before_the_line", ["\r", "\x85", "\u2028", "\u2029", "\n\ufeff", "\r\n\ufeff"])
def test_a_line_the_bound_does_not_see_as_one_voids_it(before_the_line: str) -> None:
    text = "a:" + before_the_line + "- " * 150 + "x\n"
    assert not provably_plain(text)
    [finding] = parse_yaml(text, "x.yaml")[1]
    assert finding.rule == "yaml/too-deep"


def test_windows_line_ends_keep_the_bound() -> None:
    plan = (DATA / "plans" / "2026.yaml").read_text(encoding="utf-8")
    assert provably_plain(plan.replace("\n", "\r\n"))


def test_the_deepest_text_the_bound_admits_stays_within_the_limit() -> None:
    """Block nesting packed as tightly as YAML allows (a mapping and the sequence under its key
    in every column below SHALLOW_INDENT, three compact leads and a mapping on the last line),
    with as many flow brackets as the bound lets through: 91 levels, under MAX_DEPTH. The
    texts safe_dump writes (above) are never this tight, so they cannot show the bound unsound."""
    lines = [line for column in range(yamlfile.SHALLOW_INDENT) for line in (" " * column + "k:", " " * column + "-")]
    brackets = MAX_DEPTH - yamlfile._BLOCK_BOUND
    lines[-1] = " " * (yamlfile.SHALLOW_INDENT - 1) + "- - - k: " + "[" * brackets + "x" + "]" * brackets
    text = "\n".join(lines) + "\n"
    assert provably_plain(text)
    assert _depth(text) == 2 * yamlfile.SHALLOW_INDENT + 3 + brackets == 91
    assert not provably_plain(text.replace("- - - k:", "- - - - k:"))
