"""A big record's hash and text, made in two processes, are what the plain way makes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import generator.draw.workflow as workflow
from generator.draw.ledger import record_sha256
from generator.draw.workflow import dump_json
from tests.conftest import draw_vectors


def _plain(record: dict[str, Any]) -> tuple[str, str]:
    record = copy.deepcopy(record)
    record["record_sha256"] = record_sha256(record)
    return record["record_sha256"], dump_json(record)


def _records() -> list[dict[str, Any]]:
    records = []
    for vector in draw_vectors():
        record = {"spec": "sunlight-draw/1", "task_id": vector["manifest"]["task_id"], "manifest": vector["manifest"],
                  "beacon_value": vector["beacon_value"], "locked_on": "2026-02-21", **vector["expected"]}
        records.append(record)
    # The stand-in written into a value too: the text must still be the plain one.
    records.append({**records[0], "beacon_value": "?" * 64})
    return records


@pytest.mark.parametrize("record", _records(), ids=lambda r: f"{r['task_id']}:{r['beacon_value'][:4]}")
def test_record_text_in_two_processes_is_the_plain_text(record: dict[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    digest, text = _plain(record)
    monkeypatch.setattr(workflow, "RECORD_IN_TWO_ABOVE", -1)  # every record: hash in a forked worker
    forked = copy.deepcopy(record)
    assert workflow._record_text(forked) == text
    assert forked["record_sha256"] == digest
    monkeypatch.setattr(workflow, "RECORD_IN_TWO_ABOVE", 10**9)
    plain = copy.deepcopy(record)
    assert (workflow._record_text(plain), plain["record_sha256"]) == (text, digest)
