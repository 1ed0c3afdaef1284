"""The shipped sample data: valid, fully drawn through the engine, reproducible."""

from __future__ import annotations

import datetime as dt
import filecmp
from pathlib import Path

from generator.cli import main
from generator.findings import Severity
from generator.sample.build import generate
from generator.validate import validate
from tests.conftest import MINIMAL, SAMPLE


def test_sample_data_validates_with_only_compliance_warnings() -> None:
    _, findings = validate(SAMPLE, as_of=dt.date(2026, 11, 20))
    assert [f for f in findings if f.severity is Severity.ERROR] == []
    rules = {f.rule for f in findings}
    # The deliberate compliance facts the site shows (第七条, 第十五条, 第十七条).
    assert rules == {"plan/coverage", "results/publication-deadline", "results/scope"}


def test_every_sample_draw_verifies(capsys: object) -> None:
    assert main(["verify", "--all", "--data", str(SAMPLE)]) == 0


def test_sample_generator_is_deterministic(tmp_path: Path) -> None:
    generate(tmp_path / "again", objects=600)
    comparison = filecmp.dircmp(MINIMAL, tmp_path / "again")
    mismatches: list[str] = []

    def walk(c: filecmp.dircmp[str], prefix: str = "") -> None:
        mismatches.extend(prefix + n for n in c.left_only + c.right_only)
        _, different, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        mismatches.extend(prefix + n for n in different + errors)
        for name, sub in c.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(comparison)
    assert mismatches == []
