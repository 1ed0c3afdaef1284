"""Tiny broken data sets, one per rule and per kind of malformed file, each with its exact findings.

Each folder under `tests/fixtures/broken/` holds only the files that replace (overlay) files
of the valid `tests/fixtures/minimal/` data set, at the same relative paths, plus `case.yaml`:

- `description`: one line saying what is broken;
- `delete` (optional): paths removed from the copy;
- `expect`: the exact error findings `{file, row, field, rule, message, article}`, `file`
  relative to the data directory;
- `expect_warnings` (optional): warning findings that must be among the findings;
- `xfail_reason` (optional): the validator does not yet report what a clerk should see;
  `expect` then holds what it *should* report, and the test is an expected failure that
  fails loudly once the validator is fixed (remove the key then).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import main
from generator.findings import Finding, Severity
from generator.forked import can_fork
from generator.validate import validate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MINIMAL = FIXTURES / "minimal"
BROKEN = FIXTURES / "broken"
TODAY = dt.date(2026, 11, 20)
KEYS = ("file", "row", "field", "rule", "message", "article")

CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "case.yaml").is_file())

# Cases also run through the command line (JSON and GitHub output), one of each family.
CLI_CASES = [
    "file_utf8_bom",
    "header_unknown_typo",
    "yaml_syntax_error",
    "ref_unknown_result_code",
    "draw_ticket_changed",
    "replacement_recused",
    "correction_wrong_old_value",
    "pii_id_number_in_business_name",
]
# GitHub annotations: a finding with a row and no field, with a row and a field, without a row.
GITHUB_CASES = ["file_utf8_bom", "header_unknown_typo", "draw_ticket_changed"]


def load_case(name: str) -> dict[str, Any]:
    case: dict[str, Any] = yaml.safe_load((BROKEN / name / "case.yaml").read_text(encoding="utf-8"))
    return case


def build(name: str, target: Path) -> Path:
    """The minimal data set copied to `target`, with the case's overlay and deletions applied."""
    shutil.copytree(MINIMAL, target)
    return overlay(name, target)


def overlay(name: str, target: Path) -> Path:
    """The case's files written over `target`'s and its deletions made, as a clerk's edit would."""
    case_dir = BROKEN / name
    for source in sorted(case_dir.rglob("*")):
        relative = source.relative_to(case_dir)
        if source.is_dir() or relative == Path("case.yaml"):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    for relative in load_case(name).get("delete", []):
        path = target / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return target


def as_tuple(item: Finding | dict[str, Any]) -> tuple[Any, ...]:
    if isinstance(item, Finding):
        return tuple(getattr(item, key) for key in KEYS)
    return tuple(item.get(key) for key in KEYS)


def ordered(items: Any) -> list[tuple[Any, ...]]:
    """Findings as tuples in a stable order (None sorts first, as an empty string)."""
    return sorted(items, key=lambda t: tuple("" if v is None else str(v) for v in t))


def show(items: list[tuple[Any, ...]]) -> str:
    return "\n".join(f"  {t[0]}:{t[1]} [{t[2]}] {t[3]} {t[5] or ''} :: {t[4][:300]}" for t in items) or "  (none)"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """The case's data directory, also the working directory (finding paths are relative to it)."""
    root = build(request.param, tmp_path / "data")
    monkeypatch.chdir(root)
    return root


def test_every_case_is_well_formed() -> None:
    assert len(CASES) >= 60
    for name in CASES:
        case = load_case(name)
        assert set(case) <= {"description", "delete", "expect", "expect_warnings", "xfail_reason"}, name
        assert isinstance(case["description"], str) and "\n" not in case["description"], name
        assert isinstance(case["expect"], list), name
        overlay = [p for p in (BROKEN / name).rglob("*") if p.is_file() and p.name != "case.yaml"]
        assert overlay or case.get("delete"), f"{name}: neither overlay files nor deletions"
        for finding in [*case["expect"], *case.get("expect_warnings", [])]:
            assert set(finding) == set(KEYS), name
            assert not Path(finding["file"]).is_absolute(), name
    for name in [*CLI_CASES, *GITHUB_CASES]:
        assert name in CASES and "xfail_reason" not in load_case(name) and load_case(name)["expect"], name


@pytest.mark.parametrize("data", CASES, indirect=True, ids=CASES)
def test_exact_findings(data: Path, request: pytest.FixtureRequest) -> None:
    name = request.node.callspec.id
    case = load_case(name)
    reason = case.get("xfail_reason")
    expected = ordered(as_tuple(f) for f in case["expect"])
    try:
        _, findings = validate(data, as_of=TODAY)
    except Exception as exc:
        if reason:
            pytest.xfail(f"{reason} [{type(exc).__name__}: {exc}]")
        raise
    errors = ordered(as_tuple(f) for f in findings if f.severity is Severity.ERROR)
    warnings = {as_tuple(f) for f in findings if f.severity is Severity.WARNING}
    missing_warnings = [as_tuple(w) for w in case.get("expect_warnings", []) if as_tuple(w) not in warnings]
    ok = errors == expected and not missing_warnings
    if reason:
        if ok:
            pytest.fail(f"{name} now reports what it should: remove xfail_reason from its case.yaml")
        pytest.xfail(reason)
    assert ok, (
        f"{name}: {case['description']}\nexpected errors:\n{show(expected)}\n"
        f"actual errors:\n{show(errors)}\nmissing warnings:\n{show(missing_warnings)}"
    )


@pytest.mark.parametrize("data", CLI_CASES, indirect=True, ids=CLI_CASES)
def test_cli_json(data: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    case = load_case(request.node.callspec.id)
    code = main(["validate", "--data", str(data), "--today", TODAY.isoformat(), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1
    report = json.loads(out)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert report["errors"] == len(errors) == len(case["expect"])
    reported = {as_tuple(f) for f in errors}
    for finding in case["expect"]:
        assert as_tuple(finding) in reported


def _github_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


@pytest.mark.parametrize("data", GITHUB_CASES, indirect=True, ids=GITHUB_CASES)
def test_cli_github(data: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    case = load_case(request.node.callspec.id)
    code = main(["validate", "--data", str(data), "--today", TODAY.isoformat(), "--format", "github"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    for finding in case["expect"]:
        head = (
            f"::error file={finding['file']}"
            + (f",line={finding['row']}" if finding["row"] else "")
            + f",title={finding['rule']}"
        )
        field = f"字段 {finding['field']}：" if finding["field"] else ""
        tail = "::" + _github_escape(field + finding["message"])
        assert any(line.startswith(head) and line.endswith(tail) for line in lines), (head, tail)
    assert sum(line.startswith("::error ") for line in lines) == len(case["expect"])


APART = [("generator.rules", "SEPARATE_PROCESS_ABOVE", name) for name in (
    "draw_ticket_changed", "draw_chain_broken_previous", "replacement_recused", "team_lead_not_first",
    "team_fewer_than_two_officers", "replacement_not_on_team", "pii_mobile_in_beacon_note")] + [
    ("generator.load", "PLANS_APART_ABOVE_BYTES", name) for name in (
        "plan_invalid_calendar_date", "plan_schema_type_error", "plan_file_name_mismatch",
        "plan_strata_changed_after_draw")]


@pytest.mark.parametrize(("module", "threshold", "name"), APART)
def test_work_in_its_own_process_finds_the_same(module: str, threshold: str, name: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A city's plans are parsed, and its ledger and teams checked, in a forked process beside
    the rest; the findings, and their order, are those of the one-process run."""
    if not can_fork():
        pytest.skip("forks only on Linux with two or more cores")
    root = build(name, tmp_path / "data")
    _, alone = validate(root, as_of=TODAY)
    monkeypatch.setattr(importlib.import_module(module), threshold, 0)
    _, apart = validate(root, as_of=TODAY)
    assert apart == alone and any(f.severity is Severity.ERROR for f in alone)


def test_a_dangling_plan_link_is_a_finding_even_when_plans_go_to_their_own_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.load as load_module

    root = build("plan_invalid_calendar_date", tmp_path / "data")
    (root / "plans" / "2030.yaml").symlink_to(tmp_path / "nowhere.yaml")
    monkeypatch.setattr(load_module, "PLANS_APART_ABOVE_BYTES", 0)
    _, findings = validate(root, as_of=TODAY)
    missing = [f for f in findings if f.file.endswith("nowhere.yaml")]  # a link is named by its target
    assert [(f.rule, f.message) for f in missing] == [("file/missing", "缺少此文件")]
