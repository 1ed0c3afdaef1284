"""The YAML records' fast paths must judge exactly as the reference implementations.

`check_record` skips `jsonschema` when `jsonschema_rs` finds a document valid, and the YAML
loader builds plain nodes itself instead of through PyYAML's constructor. Both are only
allowed if no document can tell the difference.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from generator.io.records import _certainly_valid, check_record
from generator.io.yamlfile import parse_yaml
from generator.schemas import record_schema

DATA = Path(__file__).resolve().parents[2] / "data"
PLAN_TEXT = (DATA / "plans" / "2026.yaml").read_text(encoding="utf-8")
SCENARIOS_TEXT = (DATA / "scenarios.yaml").read_text(encoding="utf-8")

values = st.one_of(st.none(), st.booleans(), st.integers(-5, 100_000), st.floats(allow_nan=False),
                   st.text(max_size=12), st.sampled_from(["2026-02-30", "2026-5-1", "ZB-2026-001", "scjg", "",
                                                          "370303", "C13", "实地检查", "high"]),
                   st.lists(st.text(max_size=4), max_size=3), st.dictionaries(st.text(max_size=4), st.integers(),
                                                                              max_size=2))


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*here, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, text: str) -> Any:
    document, problems = parse_yaml(text, "x.yaml")
    assert not problems
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        path = draw(st.sampled_from(paths))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
        elif action == "add":
            parent.append(draw(values))
        else:
            parent[path[-1]] = draw(values)
    return document


def _reference_valid(document: Any, schema: dict[str, Any]) -> bool:
    return not any(True for _ in Draft202012Validator(schema).iter_errors(document))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(PLAN_TEXT))
def test_the_fast_schema_check_agrees_with_jsonschema_on_plans(document: Any) -> None:
    schema = record_schema("plan")
    assert _certainly_valid(document, schema) == _reference_valid(document, schema)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(SCENARIOS_TEXT))
def test_the_fast_schema_check_agrees_with_jsonschema_on_scenarios(document: Any) -> None:
    schema = record_schema("scenarios")
    assert _certainly_valid(document, schema) == _reference_valid(document, schema)


def test_a_valid_plan_has_no_findings_and_a_broken_one_the_exact_finding() -> None:
    document, _ = parse_yaml(PLAN_TEXT, "data/plans/2026.yaml")
    assert check_record(document, record_schema("plan"), "data/plans/2026.yaml") == []
    document["tasks"][0]["level"] = "省级"
    [finding] = check_record(document, record_schema("plan"), "data/plans/2026.yaml")
    assert (finding.row, finding.field, finding.rule, finding.message) == (
        9, "tasks[0].level", "schema/enum", "“层级”的值“省级”不在允许的取值中：市级、区县级")


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(min_size=1, max_size=5), inner, max_size=3)),
                    max_leaves=12))
def test_the_yaml_loader_builds_what_pyyaml_builds(value: Any) -> None:
    text = yaml.safe_dump({"root": value}, allow_unicode=True)
    built, problems = parse_yaml(text, "x.yaml")
    assert not problems
    assert built == yaml.safe_load(text)


def test_a_value_json_has_no_type_for_is_a_finding_not_a_crash() -> None:
    text = PLAN_TEXT.replace("published_on: ", "published_on: !!timestamp ", 1)
    document, problems = parse_yaml(text, "data/plans/2026.yaml")
    assert problems == []
    [finding] = check_record(document, record_schema("plan"), "data/plans/2026.yaml")
    assert (finding.field, finding.rule) == ("published_on", "schema/type")
