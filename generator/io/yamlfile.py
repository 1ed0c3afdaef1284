"""Safe YAML: no aliases (alias bombs), no duplicate keys, dates kept as text, line numbers kept.

Mappings are loaded as `LineDict`, which remembers the line of the mapping and of each
key, so that a rule can point a clerk to the exact line of a plan or task.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from generator.findings import Finding, error
from generator.io.text import read_text


class LineDict(dict[str, Any]):
    """A dict that knows the 1-based line where it, and each of its keys, started."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class DuplicateKey(yaml.MarkedYAMLError):
    pass


# libyaml's parser when present (ten times faster on large plans), else pure Python.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._resolved: dict[tuple[Any, ...], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        # Called for every node of a document (half a million in a city's plans), with few
        # distinct arguments: remember the answers.
        key = (kind, value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = self._resolved[key] = super().resolve(kind, value, implicit)
        return tag


# Dates stay strings: the schemas check their format and the code parses them once.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = _build(loader, key_node)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise DuplicateKey(None, None, f"重复的键“{key}”", key_node.start_mark)
        result[key] = _build(loader, value_node)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_STR, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq"


def _build(loader: _Loader, node: yaml.Node) -> Any:
    """What `_Loader` constructs from a composed node, without PyYAML's generic machinery.

    Plain strings, lists and mappings (nearly every node of a plan) are built here, three
    times faster than `construct_object`; any other tag (numbers, booleans, null, unknown
    tags that must fail) goes through PyYAML itself.
    """
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    if node.tag == _SEQ and isinstance(node, yaml.SequenceNode):
        return [_build(loader, child) for child in node.value]
    if node.tag == yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG and isinstance(node, yaml.MappingNode):
        return _construct_mapping(loader, node)
    return loader.construct_object(node, deep=True)


def _load(text: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(loader, node)
    finally:
        loader.dispose()


# Plans nest about eight levels deep. libyaml's composer recurses in C: tens of thousands of
# levels ("[[[[…") crash the process outright, so depth is counted on the parser's events first
# (the parser keeps its own stack and is safe at any depth).
MAX_DEPTH = 100


def _first_refused(text: str, display: str) -> Finding | None:
    """An alias or anchor, or nesting deeper than MAX_DEPTH: refused before anything is built.

    Aliases are refused outright: data files never need them, and expanding them is how a few
    hundred bytes of YAML become gigabytes ("billion laughs")."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent) or (isinstance(event, yaml.NodeEvent) and event.anchor):
            return error(display, "yaml/alias", "不允许使用 YAML 锚点或别名（& 或 *）：请直接写出内容", row=line)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return error(display, "yaml/too-deep", f"YAML 嵌套层级过深（超过 {MAX_DEPTH} 层）", row=line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


# A bound on the nesting read off the text, so that ordinary files (every plan) skip the
# event scan, which takes a second on a city's plans. In block style a collection nested in
# another starts further right, except a sequence written under its mapping key at the key's
# own indentation: at most two start in any one column. A block collection starts where a
# line's content starts, or just after one of the "- ", "? " or ": " that lead the line.
# Each flow collection needs a "[" or "{". A line indented SHALLOW_INDENT spaces or more,
# or led by SHALLOW_LEADS indicators or more, voids the bound, as do too many brackets.
# So does a document marker ("---", "..."): a second document is an error that the scan and
# the loader word differently, and one word is wanted. Lines are what the parser takes for
# lines: any line break but "\n" (a lone CR, NEL, LS, PS) voids the bound, as does a BOM,
# which the parser skips at the start of any line (the line's indentation then starts after it).
SHALLOW_INDENT, SHALLOW_LEADS = 32, 4
_DEEP_LINE = re.compile(rf"^ {{{SHALLOW_INDENT},}}|^ *(?:[-?:][ \t]+){{{SHALLOW_LEADS},}}|^(?:---|\.\.\.)",
                        re.MULTILINE)
_LONE_CR = re.compile("\r(?!\n)")
_BLOCK_BOUND = 2 * ((SHALLOW_INDENT - 1) + 2 * (SHALLOW_LEADS - 1) + 1)


def provably_plain(text: str) -> bool:
    """True when `text` can hold no alias or anchor (no "&" or "*") and nests at most
    MAX_DEPTH levels (the bound above): what `_first_refused` would pass, at a glance."""
    if "&" in text or "*" in text:
        return False
    if _BLOCK_BOUND + text.count("[") + text.count("{") > MAX_DEPTH:
        return False
    if any(mark in text for mark in "\x85\u2028\u2029\ufeff") or ("\r" in text and _LONE_CR.search(text)):
        return False  # str's own search: a character class over a city's plans takes 20 times longer
    return _DEEP_LINE.search(text) is None


def parse_yaml(text: str, display: str) -> tuple[Any, list[Finding]]:
    try:
        refused = None if provably_plain(text) else _first_refused(text, display)
        if refused is not None:
            return None, [refused]
        return _load(text), []
    except DuplicateKey as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        return None, [error(display, "yaml/duplicate-key", f"{exc.problem}：同一层级的键只能出现一次",
                            row=line)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark if exc.problem_mark is not None else exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "无法解析"
        return None, [error(display, "yaml/syntax",
                            f"YAML 语法错误：{problem}（请检查缩进、冒号和引号）", row=line)]
    except yaml.YAMLError as exc:  # pragma: no cover - all pyyaml errors we know are marked
        return None, [error(display, "yaml/syntax", f"YAML 语法错误：{exc}")]
    except RecursionError:
        return None, [error(display, "yaml/too-deep", "YAML 嵌套层级过深")]


def load_yaml(path: Path, display: str) -> tuple[Any, list[Finding]]:
    text, findings = read_text(path, display)
    if text is None:
        return None, findings
    value, more = parse_yaml(text, display)
    return value, [*findings, *more]
