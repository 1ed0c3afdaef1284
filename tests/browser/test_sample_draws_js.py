"""The browser verifier (an independent JavaScript implementation) passes every sample draw."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.draw.ledger import chain_order
from generator.draw.verify import find_draws
from tests.conftest import SAMPLE

pytestmark = pytest.mark.browser

VERIFY_ALL = """
async (ledger) => {
  const sd = await import('./js/sunlight-draw.js');
  const text = async (url) => { const r = await fetch(url); return r.ok ? r.text() : null; };
  const records = [];
  const verdicts = [];
  for (const path of ledger) {
    const base = path.replace(/record\\.json$/, '');
    const record = JSON.parse(await text(path));
    const result = await sd.verifyDraw({
      manifestText: await text(base + 'manifest.json'), beaconValue: record.beacon_value,
      frameText: await text(base + 'frame.csv'), rosterText: await text(base + 'roster.csv'),
      exclusionsText: await text(base + 'exclusions.csv'), record, priorRecords: [...records]});
    verdicts.push({task: record.task_id, ok: result.ok, first: result.differences[0] || null});
    records.push(record);
  }
  return verdicts;
}
"""


def _ledger(root: Path) -> list[str]:
    draws = {d.task_id: d for d in find_draws(root)}
    order, problems = chain_order({k: d.record for k, d in draws.items() if d.record})
    assert problems == []
    return [f"draws/{draws[name].directory.parent.name}/{name}/record.json" for name in order]


def _serve_sample(site_dir: Path, static_server: Callable[[Path], str]) -> str:
    shutil.copytree(SAMPLE / "draws", site_dir / "draws")
    (site_dir / "index.html").write_text("<!doctype html><meta charset=utf-8><link rel=icon href='data:,'>",
                                         encoding="utf-8")
    return static_server(site_dir)


def test_every_sample_draw_verifies_in_the_browser(page: Any, static_server: Callable[[Path], str],
                                                   site_dir: Path) -> None:
    page.goto(_serve_sample(site_dir, static_server) + "/index.html")
    verdicts = page.evaluate(VERIFY_ALL, _ledger(SAMPLE))
    assert len(verdicts) == len(_ledger(SAMPLE)) > 30
    assert [v for v in verdicts if not v["ok"]] == []


def test_a_tampered_sample_frame_fails_in_the_browser(page: Any, static_server: Callable[[Path], str],
                                                      site_dir: Path) -> None:
    base = _serve_sample(site_dir, static_server)
    ledger = _ledger(SAMPLE)
    frame = site_dir / Path(ledger[3]).parent / "frame.csv"
    lines = frame.read_text(encoding="utf-8").splitlines(keepends=True)
    frame.write_text("".join([lines[0], *lines[2:]]), encoding="utf-8")
    page.goto(base + "/index.html")
    verdicts = page.evaluate(VERIFY_ALL, ledger)
    failed = [v for v in verdicts if not v["ok"]]
    assert [v["task"] for v in failed] == [json.loads((site_dir / ledger[3]).read_text(encoding="utf-8"))["task_id"]]
    assert failed[0]["first"]["field"] == "frame.sha256"
