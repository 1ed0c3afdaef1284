"""Every rule reads only the dataset fields it declares in READS (generator.incremental.reads).

Its findings are kept in the validation cache under the fingerprints of those fields' files: a
field read but not declared would let a change to its files go unseen. Each rule runs here on a
dataset that raises on any other field, on the sample data, the minimal data set and every
broken fixture (so that the branches each fixture reaches are covered), with the facts memo
emptied so that what the rule derives is derived through the same view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, cast

import pytest

from generator.incremental.reads import ReadsOnly, unknown
from generator.load import load
from generator.model import Dataset
from generator.rules import RULES
from tests.unit.test_broken_fixtures import CASES, MINIMAL, build

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 20)


def _check_reads(root: Path) -> None:
    dataset, _ = load(root)
    dataset.as_of = TODAY
    for rule in RULES:
        view = ReadsOnly(dataclasses.replace(dataset), rule.READS, rule.__name__)
        list(rule.check(cast(Dataset, view)))


def test_every_rule_declares_known_fields() -> None:
    for rule in RULES:
        assert rule.READS and not unknown(rule.READS), rule.__name__


def test_an_undeclared_read_raises() -> None:
    dataset, _ = load(MINIMAL)
    view: Any = ReadsOnly(dataset, {"plans"}, "example")
    assert view.tasks  # a property over a declared field
    with pytest.raises(AttributeError, match=r"rule example reads ds\.objects but does not declare it"):
        assert view.objects is None
    with pytest.raises(AttributeError, match=r"ds\.display"):
        view.display(MINIMAL)


def test_rules_read_what_they_declare_on_the_sample_data() -> None:
    _check_reads(REPO / "data")


@pytest.mark.parametrize("name", ["minimal", *CASES])
def test_rules_read_what_they_declare_on_each_fixture(name: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = MINIMAL if name == "minimal" else build(name, tmp_path / "data")
    monkeypatch.chdir(root)
    _check_reads(root)
