"""Draw files a hostile pull request could hold give findings, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.draw.verify import find_draws, verify_one
from generator.findings import Severity
from generator.load import load
from generator.rules import personal_data_in_draws
from generator.validate import validate

DRAW = Path("draws") / "2026" / "ZB-2026-001"


def _deeper_than_the_stack(leaf: Any) -> Any:
    """A value nested deeper than Python may recurse: json.loads makes one in a thread, or
    higher up the stack, that the rules then walk further down it."""
    for _ in range(sys.getrecursionlimit() + 10):
        leaf = [leaf]
    return leaf


def test_a_manifest_the_loader_parsed_too_deep_to_compare_is_a_difference(minimal_copy: Path) -> None:
    [published] = [p for p in find_draws(minimal_copy) if p.task_id == "ZB-2026-001"]
    published.manifest = {**(published.record or {})["manifest"], "note": _deeper_than_the_stack("x")}
    report = verify_one(published, {}, recompute=False)
    assert [(d.field, d.message) for d in report.differences] == [
        ("record.json", "锁定记录或清单的 JSON 嵌套层级过深")]


def test_a_phone_number_deep_in_a_draw_file_is_found(minimal_copy: Path) -> None:
    ds, _ = load(minimal_copy)
    draw = next(d for d in ds.draws if d.task_id == "ZB-2026-001")
    assert draw.manifest is not None  # parsed by the loader, kept: changed in place
    draw.manifest["note"] = _deeper_than_the_stack("联系 13800138000")
    [finding] = personal_data_in_draws.check(ds)
    assert finding.rule == "privacy/personal-data" and finding.file.endswith("manifest.json")


def test_a_manifest_whose_team_is_not_an_object_is_reported(minimal_copy: Path) -> None:
    path = minimal_copy / DRAW / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "team": "x"}, ensure_ascii=False), encoding="utf-8")
    _, findings = validate(minimal_copy, as_of=dt.date(2026, 11, 20))
    assert [f.field for f in findings if f.rule == "draw/locked"] == ["manifest.team"]


def test_a_draw_file_linked_to_an_endless_device_is_not_read(minimal_copy: Path) -> None:
    beacon = minimal_copy / DRAW / "beacon.json"
    beacon.unlink()
    beacon.symlink_to("/dev/zero")  # git stores links: read as a file, it would fill the memory
    _, findings = validate(minimal_copy, as_of=dt.date(2026, 11, 20))
    assert [(f.rule, f.field, f.message) for f in findings if f.rule == "draw/locked"] == [
        ("draw/locked", "beacon.json", "信标文件有问题：beacon.json 应是一个文件，实际是文件夹或其他特殊文件"
                                       "（beacon.json：应为 有效的 JSON 对象，实际为 缺失或无效）")]


def test_a_phone_number_in_a_key_of_a_draw_file_is_found(minimal_copy: Path) -> None:
    path = minimal_copy / DRAW / "beacon.json"
    beacon = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**beacon, "联系人 13800138000": "见备注"}, ensure_ascii=False), encoding="utf-8")
    _, findings = validate(minimal_copy, as_of=dt.date(2026, 11, 20))
    [finding] = [f for f in findings if f.rule == "privacy/personal-data"]
    assert finding.file.endswith(f"{DRAW.as_posix()}/beacon.json")
    assert finding.message == ("抽取文件含有个人信息（手机号码 138****8000）："
                               "公开数据中不得出现身份证号、手机号等个人信息")


def test_a_record_holding_more_than_the_draw_is_refused(minimal_copy: Path) -> None:
    """A note added to the last record and hashed in again would pass the chain (nothing follows
    it) and every recomputed field: the record may hold only what the spec defines."""
    from generator.draw.ledger import record_sha256
    from generator.draw.verify import verify_ledger

    last = verify_ledger(minimal_copy)[-1].directory / "record.json"
    record = json.loads(last.read_text(encoding="utf-8"))
    record["note"] = "联系人 13800138000"
    record["record_sha256"] = record_sha256(record)
    last.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    _, findings = validate(minimal_copy, as_of=dt.date(2026, 11, 20))
    [finding] = [f for f in findings if f.rule == "draw/locked"]
    assert (finding.field, finding.message) == (
        "note", "锁定记录中有规范未定义的项“note”：记录只能包含抽取本身的内容（note：应为 无此项，实际为 有此项）")
    assert "13800138000" not in finding.message


@pytest.mark.parametrize("shape", [{"teams": [{"object_id": "x", "members": 7}]}, {"teams": 5}, {"selected": 5},
                                   {"selected": {"a": 1}}, {"teams": [7, {"members": [3, None]}]}])
@pytest.mark.parametrize("cached", [True, False])
def test_a_record_of_another_shape_is_a_finding(minimal_copy: Path, shape: dict[str, Any], cached: bool) -> None:
    """What the site and the rules keep of every record (generator.facts) takes any JSON shape."""
    path = minimal_copy / DRAW / "record.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**record, **shape}, ensure_ascii=False), encoding="utf-8")
    _, findings = validate(minimal_copy, cached=cached)
    assert any(f.severity is Severity.ERROR and f.file.endswith("ZB-2026-001/record.json") for f in findings)
