"""What the site shows of every draw comes from facts derived once (generator.facts) and kept with
the validation cache; the draw files are parsed again only for the task pages a build renders
(generator.load.lazy_draws)."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.load as load_module
from generator.facts import draw_summaries, selections, teams
from generator.layout import Layout
from generator.load import lazy_draws, load, load_draws
from generator.publish import build_site
from tests.conftest import SAMPLE
from tests.unit.test_site_incremental import change_result

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "minimal"


def test_lazy_draws_read_what_the_loader_read() -> None:
    ds, _ = load(SAMPLE)
    eager, _ = load_draws(Layout(SAMPLE))
    lazy = lazy_draws(Layout(SAMPLE), draw_summaries(ds).values())
    assert [(d.task_id, d.year, d.directory) for d in lazy] == [(d.task_id, d.year, d.directory) for d in eager]
    for now, then in zip(lazy, eager, strict=True):
        assert (now.manifest, now.record, now.record_plain) == (then.manifest, then.record, then.record_plain)


def test_the_facts_state_what_the_draw_files_state() -> None:
    ds, _ = load(SAMPLE)
    summaries = draw_summaries(ds)
    assert list(summaries) == [d.task_id for d in ds.draws]
    seats = 0
    for draw in ds.draws:
        summary, manifest, record = summaries[draw.task_id], draw.manifest or {}, draw.record or {}
        assert (summary.prepared, summary.locked) == (draw.manifest is not None, draw.record is not None)
        assert summary.prepared_on == manifest.get("prepared_on")
        assert summary.locked_on == record.get("locked_on", "")
        assert summary.previous == manifest.get("previous")
        assert summary.record_sha256 == record.get("record_sha256")
        assert summary.chained_to == (record["manifest"]["previous"] if draw.record else None)
        assert summary.selected == (len(record["selected"]) if draw.record else None)
        chosen = selections(ds).filter(task_id=draw.task_id)
        assert chosen["ticket"].to_list() == [c["ticket"] for c in record.get("selected", [])]
        members = teams(ds).filter(task_id=draw.task_id)
        expected = [(t["object_id"], seat, m["department"], m["inspector_id"])
                    for t in record.get("teams", []) for seat, m in enumerate(t["members"], start=1)]
        assert list(members.select("object_id", "seat", "department_id", "inspector_id").iter_rows()) == expected
        seats += len(expected)
    assert any(s.locked for s in summaries.values()) and seats > 0


def test_a_rebuild_parses_only_the_draws_of_the_pages_it_renders(minimal_copy: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    build_site(minimal_copy, site)
    change_result(minimal_copy)  # a result of ZB-2026-001: its task page is rendered again
    parsed: list[str] = []
    original = load_module._draw_files

    def counted(directory: Path, layout: Layout) -> object:
        parsed.append(directory.name)
        return original(directory, layout)

    monkeypatch.setattr(load_module, "_draw_files", counted)
    report = build_site(minimal_copy, site)
    assert report.counts["pages_rendered"] == 1
    assert set(parsed) == {"ZB-2026-001"}
