"""Verification (spec section 6): recompute every draw from the published files alone.

Works on any directory holding `draws/<year>/<task>/` as published (the repository's
`data/`, the built site, or a downloaded data package): it needs neither the plans nor
the object directory, only the draw files themselves.

Besides the full recomputation (`sunlight verify`), a draw can be checked for integrity
only (what `validate` does for draws it is not asked to recompute): every file hashes to
what the locked record states, the record hashes to its `record_sha256`, the chain links
and the seed follows from the manifest and the beacon value. That proves the files are the
ones locked, in milliseconds; only recomputation proves the locked selection itself was
drawn by the rules, and a draw that fails the integrity check is recomputed to say exactly
what differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.draw.canonical import (
    EXCLUSIONS_HEADER,
    FRAME_HEADER,
    GENESIS_PREVIOUS,
    ROSTER_HEADER,
    canonical_csv,
    id_key,
    json_sha256,
    loads_json,
    parse_canonical_csv,
    sha256_hex,
)
from generator.draw.drand import verify_quicknet
from generator.draw.engine import draw, seed_of
from generator.draw.ledger import chain_order, record_sha256
from generator.io.text import MAX_FILE_BYTES


@dataclass(frozen=True)
class Difference:
    """The first thing that does not recompute: which record, which field, what and why."""

    record: str
    field: str
    expected: str
    found: str
    message: str


@dataclass
class DrawReport:
    task_id: str
    directory: Path
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


@dataclass
class PublishedDraw:
    task_id: str
    directory: Path
    record: dict[str, Any] | None
    problem: str | None = None
    plain: bool = False  # no float, NaN or Infinity in record.json (canonical.loads_json)
    manifest: dict[str, Any] | None = None  # manifest.json as already parsed, if it was


class _Stop(Exception):
    """Raised inside one draw's check at its first difference."""

    def __init__(self, difference: Difference) -> None:
        super().__init__(difference.message)
        self.difference = difference


def _short(value: Any, *, as_json: bool = False) -> str:
    text = value if isinstance(value, str) and not as_json else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


def read_json_object(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    value, problem, _ = read_json_document(path)
    return value, problem


def read_json_document(path: Path) -> tuple[dict[str, Any] | None, str | None, bool]:
    """The JSON object in `path`, or the problem with it; and whether it is plain (loads_json)."""
    try:
        status = os.stat(path)
    except OSError:  # missing, or a link to nothing
        return None, f"缺少 {path.name}", False
    if not stat.S_ISREG(status.st_mode):  # a folder, or a link to /dev/zero that would be read forever
        return None, f"{path.name} 应是一个文件，实际是文件夹或其他特殊文件", False
    if status.st_size > MAX_FILE_BYTES:
        return None, f"{path.name} 过大（{status.st_size} 字节）", False
    try:
        value, plain = loads_json(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{path.name} 不是有效的 JSON：{exc}", False
    except RecursionError:
        return None, f"{path.name} 的 JSON 嵌套层级过深", False
    except OSError as exc:  # a folder where the file should be, say
        return None, f"无法读取 {path.name}：{exc.strerror}", False
    if not isinstance(value, dict):
        return None, f"{path.name} 应为 JSON 对象", False
    return value, None, plain


def find_draws(root: Path, parsed: Mapping[Path, dict[str, Any]] | None = None,
               plain: Collection[Path] = (), manifests: Mapping[Path, dict[str, Any]] | None = None
               ) -> list[PublishedDraw]:
    """Every locked draw under `root/draws` (or `root` itself if it is the draws folder).

    `parsed` maps draw folders to record.json as already parsed from the same bytes (what
    `validate` loaded), so that it is not parsed twice, and `plain` names those of them
    `loads_json` found plain; a file with a BOM is read here, as that decides differently.
    `manifests`: manifest.json files already parsed, likewise.
    """
    base = root / "draws" if (root / "draws").is_dir() else root
    found = []
    for directory in sorted(p for p in base.glob("*/*") if (p / "record.json").exists()):
        record = (parsed or {}).get(directory)
        if record is not None and _starts_with_bom(directory / "record.json"):
            record = None
        problem, is_plain = None, directory in plain
        if record is None:
            record, problem, is_plain = read_json_document(directory / "record.json")
        found.append(PublishedDraw(directory.name, directory, record, problem, is_plain,
                                   (manifests or {}).get(directory)))
    return found


def _starts_with_bom(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(3) == b"\xef\xbb\xbf"


class _Checker:
    def __init__(self, name: str) -> None:
        self.name = name

    def same(self, field_name: str, expected: Any, found: Any, message: str) -> None:
        if expected != found:
            shown = _short(expected), _short(found)
            if shown[0] == shown[1]:  # alike as text, not in kind: the number 2025, the text "2025"
                shown = _short(expected, as_json=True), _short(found, as_json=True)
            raise _Stop(Difference(self.name, field_name, *shown, message))


# The input files of a draw: file name, its entry in the manifest, header, what a clerk calls it.
INPUTS = (("frame.csv", "frame", FRAME_HEADER, "抽取框架"), ("roster.csv", "inspectors", ROSTER_HEADER, "人员名单"),
          ("exclusions.csv", "exclusions", EXCLUSIONS_HEADER, "回避配对"))


# Everything a locked record holds (spec section 5, with the task id, the spec version and the
# lock date `lock` adds). Anything else would ride along unchecked: the selection and the teams
# are recomputed, the rest of the record only hashed, so a note added before hashing (a phone
# number, say) would pass every other check and be published with the ledger.
RECORD_KEYS = frozenset({"spec", "task_id", "manifest", "beacon_value", "locked_on", "manifest_sha256", "seed",
                         "excluded_by_cap", "selected", "teams", "record_sha256"})


# What a record states about itself and its place in the ledger, and what a clerk is told
# when it does not hold: checked the same way with or without recomputing the draw.
STATED = {
    "manifest_sha256": "清单的哈希与记录不符",
    "seed": "种子与由清单哈希和信标值算出的不同",
    "excluded_by_cap": "因年度两次上限排除的对象与之前的抽取记录不符（第八条）",
}


def _file_bytes(check: _Checker, directory: Path, filename: str, key: str, declared: dict[str, Any],
                what: str) -> bytes:
    """An input file's bytes after checking that they hash to what the manifest's `key` states."""
    # Strings and one stat, not pathlib: this runs for 15,000 files of a city on every validate.
    path = os.path.join(directory, filename)
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)  # not a folder, nor a pipe that would never end
    except OSError:
        regular = False
    if not regular:
        check.same(f"{filename}", "存在", "缺失", f"缺少{what}文件 {filename}")
    with open(path, "rb") as stream:
        data = stream.read()
    check.same(f"{key}.sha256", declared.get("sha256"), sha256_hex(data),
               f"{what}文件的 SHA-256 与清单（manifest）不符：文件被改动过")
    return data


def _file_rows(check: _Checker, directory: Path, filename: str, key: str, header: str,
               declared: dict[str, Any] | None, what: str) -> list[tuple[str, str]]:
    """Rows of a canonical input file after checking its hash and row count."""
    if declared is None:
        return []
    data = _file_bytes(check, directory, filename, key, declared, what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        check.same(filename, "UTF-8", "非 UTF-8", f"{what}文件不是 UTF-8")
        return []
    rows = parse_canonical_csv(text, header)
    if isinstance(rows, str):
        check.same(filename, "规范格式", rows, f"{what}文件不是规范格式：{rows}")
        return []
    check.same(f"{key}.rows", declared.get("rows"), len(rows), f"{what}文件的行数与清单不符")
    canonical = canonical_csv(header, sorted(rows, key=lambda r: (id_key(r[0]), id_key(r[1]))))
    if canonical != text:
        check.same(filename, "按标识排序", "顺序不对", f"{what}文件未按规范排序")
    return rows


def _check_beacon(check: _Checker, directory: Path, manifest: dict[str, Any],
                  beacon_value: str, signature_too: bool = True) -> None:
    beacon, problem = read_json_object(directory / "beacon.json")
    if beacon is None:
        check.same("beacon.json", "有效的 JSON 对象", "缺失或无效", f"信标文件有问题：{problem}")
        return
    declared = manifest.get("beacon") or {}
    check.same("beacon.source", declared.get("source"), beacon.get("source"),
               "信标来源与清单中预先声明的不同")
    if declared.get("source") == "drand-quicknet":
        check.same("beacon.round", declared.get("round"), beacon.get("round"),
                   "所用 drand 轮次不是清单中预先声明的轮次")
        signature = str(beacon.get("signature", ""))
        try:
            derived = hashlib.sha256(bytes.fromhex(signature)).hexdigest()
        except ValueError:
            derived = "签名不是十六进制"
        check.same("beacon.randomness", derived, beacon.get("randomness"),
                   "drand 随机数应等于其签名的 SHA-256")
        if signature_too:  # a pairing check: about a second each in pure Python
            round_number = beacon.get("round")
            valid = isinstance(round_number, int) and verify_quicknet(round_number, signature)
            check.same("beacon.signature", "有效", "有效" if valid else "无效",
                       "drand 签名不是 League of Entropy quicknet 对所声明轮次的签名")
        check.same("beacon_value", beacon.get("randomness"), beacon_value,
                   "记录中的信标值与 drand 轮次的随机数不同")
    else:
        check.same("beacon_value", beacon.get("value"), beacon_value, "记录中的信标值与信标文件不同")


def first_difference(expected: Any, found: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], Any, Any]:
    """The path and values of the first place two JSON values differ (keys in sorted order),
    so a clerk sees which key of an edited file changed rather than two whole documents."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(set(expected) | set(found)):
            if expected.get(key) != found.get(key):
                return first_difference(expected.get(key), found.get(key), (*path, str(key)))
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        for index, (a, b) in enumerate(zip(expected, found, strict=True)):
            if a != b:
                return first_difference(a, b, (*path, str(index)))
    return path, expected, found


def verify_one(published: PublishedDraw, prior_by_year: Mapping[Any, Counter[str]],
               previous: str = GENESIS_PREVIOUS, *, recompute: bool = True) -> DrawReport:
    """Check one locked draw: recompute it in full, or (`recompute=False`) its integrity only.

    `prior_by_year` counts, per year, the selections that the records before it in the
    ledger state; `previous` is the record_sha256 the record before it states.
    """
    report = DrawReport(published.task_id, published.directory)
    check = _Checker(published.task_id)
    try:
        record = published.record
        if record is None:
            check.same("record.json", "有效的记录", published.problem, f"锁定记录无法读取：{published.problem}")
            return report
        manifest_file, problem = ((published.manifest, None) if published.manifest is not None
                                  else read_json_object(published.directory / "manifest.json"))
        if manifest_file is None:
            check.same("manifest.json", "有效的清单文件", problem, f"清单文件有问题：{problem}")
        manifest = record.get("manifest")
        if not isinstance(manifest, dict):
            check.same("manifest", "JSON 对象", manifest, "锁定记录中没有清单（manifest）")
            return report
        extra = sorted(set(record) - RECORD_KEYS)
        if extra:
            # Its value is not shown, nor a name other than a plain word: either may be the very
            # thing that must not be published.
            name = extra[0] if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", extra[0]) else "（名称从略）"
            check.same(name, "无此项", "有此项", f"锁定记录中有规范未定义的项“{name}”：记录只能包含抽取本身的内容")
        if manifest_file is not None and manifest_file != manifest:
            path, locked, edited = first_difference(manifest, manifest_file)  # the record is what was locked
            check.same(".".join(["manifest", *path]), locked, edited,
                       "manifest.json 与锁定记录中的清单不同：清单在抽取后被改动")
        if not recompute:
            _check_integrity(check, published.directory, record, manifest, previous, published.plain)
            return report
        frame, roster, exclusions = (_file_rows(check, published.directory, filename, key, header,
                                                manifest.get(key), what)
                                     for filename, key, header, what in INPUTS)
        beacon_value = str(record.get("beacon_value", ""))
        _check_beacon(check, published.directory, manifest, beacon_value)
        prior = prior_by_year.get(manifest.get("year"), Counter())
        strata = {s.get("id") for s in manifest.get("strata", []) if isinstance(s, dict)}
        for object_id, stratum in frame:
            if stratum not in strata:
                check.same("frame.stratum", "清单中的层级", stratum,
                           f"抽取框架中对象 {object_id} 的层级 {stratum} 不在清单的层级中")
        outcome = draw(manifest, beacon_value, frame, prior, roster, exclusions).as_json()
        for name, message in STATED.items():
            check.same(name, outcome[name], record.get(name), message)
        for list_name, what in (("selected", "抽中对象"), ("teams", "检查小组")):
            stated = record.get(list_name)
            # Not a list: every entry differs (the file's hash no longer matches either).
            expected_list, found_list = outcome[list_name], stated if isinstance(stated, list) else []
            for index, expected in enumerate(expected_list):
                found = found_list[index] if index < len(found_list) else None
                if expected != found:
                    keys = [k for k in expected if not isinstance(found, dict)
                            or expected[k] != found.get(k)]
                    where = f"{list_name}[{index}]" + (f".{keys[0]}" if keys else "")
                    check.same(where, expected.get(keys[0]) if keys else expected,
                               found.get(keys[0]) if keys and isinstance(found, dict) else found,
                               f"第 {index + 1} 个{what}与重新计算的结果不同")
            check.same(f"{list_name}.length", len(expected_list), len(found_list),
                       f"{what}的数量与重新计算的结果不同")
        _check_chain(check, record, manifest, previous, published.plain)
    except _Stop as stop:
        report.differences.append(stop.difference)
    except RecursionError:  # a file parsed higher up the stack (the loader) can be too deep to walk here
        report.differences.append(Difference(published.task_id, "record.json", "嵌套不超过限度", "嵌套过深",
                                             "锁定记录或清单的 JSON 嵌套层级过深"))
    return report


def _check_integrity(check: _Checker, directory: Path, record: dict[str, Any], manifest: dict[str, Any],
                     previous: str, plain: bool) -> None:
    """Everything `verify_one` checks except the tickets, the selection and the teams."""
    for filename, key, _, what in INPUTS:
        declared = manifest.get(key)
        if isinstance(declared, dict):
            _file_bytes(check, directory, filename, key, declared, what)
    beacon_value = str(record.get("beacon_value", ""))
    _check_beacon(check, directory, manifest, beacon_value, signature_too=False)
    manifest_sha256 = json_sha256(manifest, plain=plain)
    check.same("manifest_sha256", manifest_sha256, record.get("manifest_sha256"), STATED["manifest_sha256"])
    check.same("seed", seed_of(manifest_sha256, beacon_value), record.get("seed"), STATED["seed"])
    _check_chain(check, record, manifest, previous, plain)


def _check_chain(check: _Checker, record: dict[str, Any], manifest: dict[str, Any], previous: str,
                 plain: bool) -> None:
    """The record hashes to what it states, and follows the record before it in the ledger.
    `plain`: the record is plain JSON (canonical.loads_json)."""
    check.same("record_sha256", record_sha256(record, plain=plain), record.get("record_sha256"),
               "记录的哈希（record_sha256）与记录内容不符：记录被改动")
    check.same("manifest.previous", previous, manifest.get("previous"), "清单的 previous 不是账本中前一条记录的哈希")


def _count_selections(record: Mapping[str, Any], prior_by_year: dict[Any, Counter[str]]) -> None:
    """Add the objects a record states it selected to its year's counts (for the cap)."""
    counts = prior_by_year.setdefault((record.get("manifest") or {}).get("year"), Counter())
    counts.update(str(s.get("object_id")) for s in record.get("selected") or [] if isinstance(s, dict))


def verify_ledger(root: Path, only: str | None = None, parsed: Mapping[Path, dict[str, Any]] | None = None,
                  recompute: Callable[[str], bool] | None = None, plain: Collection[Path] = (),
                  manifests: Mapping[Path, dict[str, Any]] | None = None) -> list[DrawReport]:
    """Reports for every locked draw (or just `only`), in ledger order.

    Every draw is recomputed unless `recompute` says otherwise for its task id: those draws
    are checked for integrity only, and recomputed after all if that fails, so that the
    report names the first real difference. `parsed`, `plain`: records already parsed, and
    which of them are plain JSON, and `manifests`, see `find_draws`.
    """
    published = find_draws(root, parsed, plain, manifests)
    by_name = {p.task_id: p for p in published}
    records = {p.task_id: p.record for p in published if p.record is not None}
    order, problems = chain_order(records)
    reports: list[DrawReport] = []
    # Selections the records before a draw state, per year: counted only up to a draw that
    # is recomputed (an integrity check does not need them; a city holds a million).
    prior_by_year: dict[Any, Counter[str]] = {}
    counted = 0

    def counted_before(position: int) -> dict[Any, Counter[str]]:
        nonlocal counted
        for earlier in order[counted:position]:
            _count_selections(records[earlier], prior_by_year)
        counted = max(counted, position)
        return prior_by_year

    previous = GENESIS_PREVIOUS
    for position, name in enumerate(order):
        record, this = records[name], by_name[name]
        if only is None or name == only:
            full = recompute is None or recompute(name)
            report = verify_one(this, counted_before(position) if full else {}, previous, recompute=full)
            if not full and not report.ok:
                report = verify_one(this, counted_before(position), previous)
            reports.append(report)
        previous = str(record.get("record_sha256"))
    for problem in problems:
        if only is None or problem.name == only:
            manifest = (by_name[problem.name].record or {}).get("manifest")
            stated = manifest.get("previous") if isinstance(manifest, dict) else None
            reports.append(DrawReport(problem.name, by_name[problem.name].directory, [Difference(
                problem.name, "manifest.previous", "账本中的前一条记录", _short(stated), problem.message)]))
    for p in published:
        if p.record is None and (only is None or p.task_id == only):
            reports.append(verify_one(p, {}))
    return reports
