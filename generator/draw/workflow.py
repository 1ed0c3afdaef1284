"""The staff steps of a draw: prepare (fix and publish the inputs), then lock (draw).

Each step writes files that a pull request carries; nothing is written when a step is
refused, and files are written to a temporary name and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.draw import SPEC
from generator.draw.beacon import quicknet_round_after, read_beacon, scheduled_round
from generator.draw.canonical import (
    EXCLUSIONS_HEADER,
    FRAME_HEADER,
    ROSTER_HEADER,
    exclusions_text,
    id_key,
    parse_canonical_csv,
    roster_text,
    sha256_hex,
)
from generator.draw.engine import draw, in_processes, shared_value
from generator.draw.frame import exclusion_rows, frame_csv, frame_table, roster_rows
from generator.draw.frame_bytes import FrameBytes
from generator.draw.jsontext import dumps_indented
from generator.draw.ledger import chain_order, head_of, record_sha256
from generator.draw.ledger_cache import ledger_records
from generator.errors import DrawRefused, UsageError
from generator.gc_pause import bulk_allocation
from generator.io.atomic import write_atomically
from generator.model import Dataset, Task
from generator.rules.snapshot_confirmed import file_sha256

CAP_PER_YEAR = 2  # 第八条: at most twice a calendar year


def dump_json(value: Any) -> str:
    """Readable, stable JSON for files in git (hashes use canonical JSON, not this text)."""
    return dumps_indented(value) + "\n"  # = json.dumps(ensure_ascii=False, indent=1, sort_keys=True)


def _task(ds: Dataset, task_id: str) -> Task:
    task = ds.tasks.get(task_id)
    if task is None:
        raise UsageError(f"计划中没有任务 {task_id}")
    return task


@dataclass(frozen=True)
class Beacon:
    """The declared future randomness: a drand round or a public dice ceremony."""

    source: str  # "drand-quicknet", "dice" or "sample"
    round: int = 0
    ceremony: str | None = None

    def as_manifest(self) -> dict[str, Any]:
        declared: dict[str, Any] = {"source": self.source, "round": self.round}
        if self.ceremony:
            declared["ceremony"] = self.ceremony
        return declared

    @classmethod
    def drand_after(cls, now: dt.datetime) -> Beacon:
        return cls("drand-quicknet", quicknet_round_after(now))

    @classmethod
    def drand_at(cls, moment: dt.datetime, now: dt.datetime) -> Beacon:
        return cls("drand-quicknet", scheduled_round(moment, now))


def prepare(ds: Dataset, task_id: str, on: dt.date, beacon: Beacon) -> Path:
    """Write frame, roster, exclusions and the manifest for `task_id`; return its folder."""
    task = _task(ds, task_id)
    directory = ds.layout.draw_dir(task.year, task_id)
    if (directory / "manifest.json").exists():
        raise DrawRefused(f"任务 {task_id} 已有清单（manifest.json）：一个任务只能准备一次抽取")
    snapshot = ds.snapshot
    if snapshot is None or file_sha256(ds) != snapshot.sha256:
        raise DrawRefused("检查对象名录库尚未审核确认（或确认后又被修改）："
                          "请先更新并确认 directory/snapshot.yaml（第九条）")
    if snapshot.confirmed_on > on:
        raise DrawRefused(f"名录库的确认日期 {snapshot.confirmed_on} 晚于抽取日期 {on}")
    plan = ds.plans[task.year]
    if not plan.published_on <= on <= task.window_end:
        raise DrawRefused(f"抽取日期 {on} 不在任务 {task_id} 的计划期内（{plan.published_on} 至 {task.window_end}）")
    frame = frame_table(ds.objects, task)
    if frame.height == 0:
        raise DrawRefused(f"任务 {task_id} 的对象范围内没有任何对象：请检查计划中的 scope")
    roster = roster_rows(ds.inspectors, task, on)
    exclusions = exclusion_rows(ds, task, on)
    texts = {"frame.csv": frame_csv(frame), "roster.csv": roster_text(roster),
             "exclusions.csv": exclusions_text(exclusions)}
    records = ledger_records(ds.layout.root)
    manifest: dict[str, Any] = {
        "spec": SPEC,
        "task_id": task_id,
        "year": task.year,
        "cap_per_year": CAP_PER_YEAR,
        "frame": {"sha256": sha256_hex(texts["frame.csv"].encode()), "rows": frame.height},
        "strata": [s.as_manifest() for s in task.strata],
        "beacon": beacon.as_manifest(),
        "previous": head_of(records),
        "inspectors": {"sha256": sha256_hex(texts["roster.csv"].encode()), "rows": len(roster)},
        "exclusions": {"sha256": sha256_hex(texts["exclusions.csv"].encode()),
                       "rows": len(exclusions)},
        "team": _team(task),
        "directory": {"sha256": snapshot.sha256, "rows": snapshot.rows,
                      "snapshot_date": snapshot.snapshot_date.isoformat(),
                      "confirmed_on": snapshot.confirmed_on.isoformat(),
                      "confirmed_by": snapshot.confirmed_by},
        "prepared_on": on.isoformat(),
        "drawn_by": task.drawn_by,
        "dispatched_to": list(task.dispatched_to),
    }
    for name, text in texts.items():
        write_atomically(directory / name, text)
    write_atomically(directory / "manifest.json", dump_json(manifest))
    return directory


def rival_drafts(ds: Dataset, task_id: str, previous: str) -> list[str]:
    """Other tasks prepared on the same ledger head and not yet locked: each manifest names the
    record before it (spec: `previous`), so of drafts sharing a head only the first to lock can
    be locked; the others go stale."""
    return sorted(d.task_id for d in ds.draws if d.task_id != task_id and d.record is None
                  and d.manifest is not None and d.manifest.get("previous") == previous)


def _team(task: Task) -> dict[str, Any]:
    team: dict[str, Any] = {"departments": [{"id": s.department, "size": s.size}
                                            for s in task.team]}
    if task.max_per_inspector is not None:
        team["max_per_inspector"] = task.max_per_inspector
    return team


def committed_in_git(path: Path) -> bytes | None:
    """The file's content at HEAD, or None if it is not committed (or not in git)."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path.parent,
                             capture_output=True, text=True, check=True).stdout.strip()
        relative = path.resolve().relative_to(Path(top).resolve()).as_posix()
        shown = subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=top,
                               capture_output=True, check=True)
    except (subprocess.CalledProcessError, FileNotFoundError, ValueError):
        return None
    return shown.stdout


def _read_inputs(directory: Path, manifest: dict[str, Any]) -> dict[str, list[tuple[str, str]] | FrameBytes]:
    inputs: dict[str, list[tuple[str, str]] | FrameBytes] = {}
    for name, header, key in (("frame.csv", FRAME_HEADER, "frame"),
                              ("roster.csv", ROSTER_HEADER, "inspectors"),
                              ("exclusions.csv", EXCLUSIONS_HEADER, "exclusions")):
        path = directory / name
        declared = manifest.get(key)
        if declared is None:
            inputs[name] = []
            continue
        data = path.read_bytes() if path.exists() else b""
        if sha256_hex(data) != declared.get("sha256"):
            raise DrawRefused(f"{name} 在准备之后被改动（SHA-256 与清单不符）：不能锁定")
        fast = FrameBytes.of(data) if name == "frame.csv" else None
        if fast is not None:  # checked canonical without parsing a million rows
            _refuse_unlike_manifest(name, len(fast), fast.is_sorted(), declared)
            inputs[name] = fast
            continue
        rows = parse_canonical_csv(data.decode("utf-8"), header)
        if isinstance(rows, str):
            raise DrawRefused(f"{name} 不是规范格式：{rows}")
        _refuse_unlike_manifest(name, len(rows), rows == sorted(rows, key=lambda r: (id_key(r[0]), id_key(r[1]))),
                                declared)
        inputs[name] = rows
    _refuse_unknown_strata(inputs["frame.csv"], manifest)
    return inputs


def _refuse_unlike_manifest(name: str, rows: int, ordered: bool, declared: dict[str, Any]) -> None:
    """What `verify` checks of an input file besides its hash. A hand-made manifest can match a
    file `prepare` never wrote: it is refused here rather than locked and then failed."""
    if rows != declared.get("rows"):
        raise DrawRefused(f"{name} 有 {rows} 行，与清单所记的 {declared.get('rows')} 行不符：不能锁定")
    if not ordered:
        raise DrawRefused(f"{name} 未按规范排序（按标识的 UTF-8 字节顺序）：不能锁定")


def _refuse_unknown_strata(frame: list[tuple[str, str]] | FrameBytes, manifest: dict[str, Any]) -> None:
    strata = manifest.get("strata")
    known = {s.get("id") for s in strata if isinstance(s, dict)} if isinstance(strata, list) else set()
    if isinstance(frame, FrameBytes):
        if sum(frame.count(k) for k in known if isinstance(k, str)) == len(frame):
            return
        frame = frame.rows()
    unknown = sorted({stratum for _, stratum in frame if stratum not in known})
    if unknown:
        raise DrawRefused(f"frame.csv 含有清单中没有的分层 {'、'.join(unknown[:5])}：不能锁定")


# A record of this many selected objects has its hash and its text made at once, in two processes.
RECORD_IN_TWO_ABOVE = 5_000
_UNHASHED = "?" * 64  # stands for record_sha256 while the text is written: never hex, never escaped


def _record_text(record: dict[str, Any]) -> str:
    """Sets `record_sha256` and returns `dump_json(record)`.

    Both walk the whole record (canonical JSON for the hash, indented text for the file, about
    0.2 s each for 20,000 teams), and the text does not depend on the hash except where it
    stands: so a big record's text is written with a stand-in while a forked worker hashes.
    """
    if len(record.get("selected", ())) <= RECORD_IN_TWO_ABOVE or (os.cpu_count() or 1) < 2:
        record["record_sha256"] = record_sha256(record)
        return dump_json(record)
    text, digest = in_processes(_record_part, [("text",), ("hash",)], shared={**record, "record_sha256": _UNHASHED})
    record["record_sha256"] = digest
    stand_in = f'"{_UNHASHED}"'
    if text.count(stand_in) != 1:  # the stand-in also occurs in some value: do it plainly
        return dump_json(record)
    return text.replace(stand_in, f'"{digest}"')


def _record_part(part: str) -> str:
    record = shared_value()
    return dump_json(record) if part == "text" else record_sha256(record)


def lock(root: Path, year: int, task_id: str, beacon_argument: str, on: dt.date, *,
         committed: Callable[[Path], bytes | None] | None = committed_in_git) -> Path:
    """Draw and write the locked record for a prepared task (spec sections 2–5).

    `committed` returns the manifest as published (committed) before the beacon existed;
    the sample-data script, which has no git history, passes None.
    """
    directory = root / "draws" / str(year) / task_id
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        raise DrawRefused(f"任务 {task_id} 还没有准备抽取：请先运行 sunlight draw prepare {task_id}")
    if (directory / "record.json").exists():
        raise DrawRefused(f"任务 {task_id} 已经锁定：锁定的名单不得更改（第十二条）")
    manifest_bytes = manifest_path.read_bytes()
    if committed is not None:
        published = committed(manifest_path)
        if published is None:
            raise DrawRefused("清单（manifest.json）尚未提交：须先提交并公开清单，信标产生后才能锁定")
        if published != manifest_bytes:
            raise DrawRefused("清单（manifest.json）在提交之后被改动：不能锁定")
    manifest = json.loads(manifest_bytes)
    records = ledger_records(root)
    head = head_of(records)
    if manifest.get("previous") != head:
        raise DrawRefused(f"清单的 previous 不是账本的最新记录（应为 {head}）：本清单准备之后，其他任务先锁定了抽取，"
                          "本清单已失效，不能锁定。已提交的清单不得修改或删除，请报联席会议办公室决定如何处理")
    beacon_value, beacon = read_beacon(beacon_argument, manifest.get("beacon", {}))
    with bulk_allocation():  # a million frame rows and many team dicts: see gc_pause
        inputs = _read_inputs(directory, manifest)
        order, _ = chain_order(records)  # links by stated hashes: no hashing, cheap
        prior = Counter(str(s["object_id"]) for r in (records[name] for name in order)
                        if r["manifest"].get("year") == manifest["year"] for s in r.get("selected", []))
        roster, exclusions = inputs["roster.csv"], inputs["exclusions.csv"]
        assert not isinstance(roster, FrameBytes) and not isinstance(exclusions, FrameBytes)
        outcome = draw(manifest, beacon_value, inputs["frame.csv"], prior, roster, exclusions)
        record: dict[str, Any] = {"spec": SPEC, "task_id": task_id, "manifest": manifest,
                                  "beacon_value": beacon_value, "locked_on": on.isoformat(),
                                  **outcome.as_json()}
        text = _record_text(record)
    write_atomically(directory / "beacon.json", dump_json(beacon))
    write_atomically(directory / "record.json", text)
    return directory
