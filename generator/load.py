"""Phase one: read every file, check it against its schema, and build the `Dataset`.

Nothing here raises on bad input: every problem becomes a finding and the loader goes on
with what it could read, so that one run reports everything that is wrong.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl

from generator.draw.canonical import loads_json
from generator.facts import DRAW_FACTS, DrawSummary
from generator.findings import Finding, error
from generator.forked import Beside
from generator.gc_pause import bulk_allocation
from generator.incremental import ValidationCache
from generator.incremental.digests import chunks
from generator.io.bulk import validate_csv_texts
from generator.io.records import check_record
from generator.io.tabular import empty_frame, validate_csv_text
from generator.io.text import read_text, read_text_and_bytes
from generator.io.yamlfile import LineDict, load_yaml
from generator.layout import Layout
from generator.model import (
    Dataset,
    Draw,
    DrawFiles,
    HolidayYear,
    Plan,
    Scenario,
    Snapshot,
    Stratum,
    Task,
    TeamSlot,
)
from generator.schemas import record_schema, table_schema


def read_table(path: Path, name: str, layout: Layout, *,
               required: bool = True) -> tuple[pl.DataFrame, list[Finding]]:
    """A CSV file checked against `schemas/<name>.json`; an empty frame if unusable."""
    descriptor = table_schema(name)
    display = layout.display(path)
    if not path.exists():
        if not required:
            return empty_frame(descriptor), []
        return empty_frame(descriptor), [error(display, "file/missing", "缺少此文件")]
    text, data, findings = read_text_and_bytes(path, display)
    if text is None:
        return empty_frame(descriptor), findings
    result = validate_csv_text(text, descriptor, display, data=data)
    frame = result.frame if result.frame is not None else empty_frame(descriptor)
    return frame, [*findings, *result.findings]


def reference_table(name: str) -> pl.DataFrame:
    """A vendored reference table (GB/T 2260, GB/T 4754-2017, result codes); trusted input."""
    text = files("generator.reference").joinpath(f"{name}.csv").read_text(encoding="utf-8")
    result = validate_csv_text(text, table_schema(name), f"generator/reference/{name}.csv")
    if result.frame is None or result.findings:  # pragma: no cover - guarded by tests
        raise RuntimeError(f"vendored reference table {name} is invalid: {result.findings[:3]}")
    return result.frame


def _read_record(path: Path, schema: str, layout: Layout) -> tuple[Any, list[Finding]]:
    display = layout.display(path)
    if not path.exists():
        return None, [error(display, "file/missing", "缺少此文件")]
    document, findings = load_yaml(path, display)
    if document is None:
        return None, findings or [error(display, "file/empty", "文件为空")]
    problems = check_record(document, record_schema(schema), display)
    return (None if problems else document), [*findings, *problems]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _is_date(text: str) -> bool:
    try:
        _date(text)
    except ValueError:
        return False
    return True


def _task(raw: LineDict, year: int, display: str) -> Task:
    scope = raw["scope"]
    team = raw["team"]
    return Task(
        task_id=raw["task_id"], year=year, name=raw["name"], scenario=raw.get("scenario"),
        level=raw["level"], lead=raw["lead"], participants=tuple(raw["participants"]),
        items=tuple(raw["items"]), object_types=tuple(scope["object_types"]),
        districts=tuple(scope.get("districts", ())), industries=tuple(scope.get("industries", ())),
        keywords=tuple(scope.get("keywords", ())),
        strata=tuple(Stratum(s["id"], s["name"], dict(s.get("when_any", {})), s.get("ratio_bp"),
                             s.get("count")) for s in raw["strata"]),
        frequency=raw["frequency"], window_start=_date(raw["window"]["start"]),
        window_end=_date(raw["window"]["end"]),
        team=tuple(TeamSlot(d["id"], d["size"]) for d in team["departments"]),
        max_per_inspector=team.get("max_per_inspector"), drawn_by=raw.get("drawn_by", raw["lead"]),
        dispatched_to=tuple(raw.get("dispatched_to", raw["participants"])),
        file=display, line=raw.line,
    )


def _valid_dates(document: Any, display: str, where: Callable[[Any], list[tuple[Any, str]]]
                 ) -> list[Finding]:
    """Dates that match YYYY-MM-DD but are not calendar dates (e.g. 2026-02-30)."""
    findings = []
    for holder, key in where(document):
        try:
            _date(holder[key])
        except ValueError:
            findings.append(error(display, "schema/date", f"“{holder[key]}”不是有效的日期",
                                  row=holder.line_of(key) if isinstance(holder, LineDict) else None,
                                  field=key))
    return findings


def _plan_dates(plan: Any) -> list[tuple[Any, str]]:
    places: list[tuple[Any, str]] = [(plan, "published_on")]
    for task in plan["tasks"]:
        places += [(task["window"], "start"), (task["window"], "end")]
    return places


def load_plan(path: Path, layout: Layout) -> tuple[Plan | None, list[Finding]]:
    """One year's plan file, or its findings."""
    display = layout.display(path)
    document, findings = _read_record(path, "plan", layout)
    if document is None:
        return None, findings
    bad_dates = _valid_dates(document, display, _plan_dates)
    if bad_dates:
        return None, [*findings, *bad_dates]
    year = document["year"]
    if path.stem != str(year):
        return None, [*findings, error(display, "plan/file-name", f"文件名应为 {year}.yaml（与计划年度一致）",
                                       row=document.line_of("year"), field="year")]
    tasks = tuple(_task(t, year, display) for t in document["tasks"])
    return Plan(year, _date(document["published_on"]), document["published_by"], tasks, display), findings


def plan_paths(layout: Layout) -> list[Path]:
    return sorted(layout.plans_dir.glob("*.yaml")) if layout.plans_dir.is_dir() else []


def _plans(layout: Layout, loaded: list[tuple[Plan | None, list[Finding]]]) -> tuple[dict[int, Plan], list[Finding]]:
    """The plans by year and their findings, from each plan file's (in `plan_paths` order)."""
    if not layout.plans_dir.is_dir():
        return {}, [error(layout.display(layout.plans_dir), "file/missing", "缺少年度计划目录")]
    plans: dict[int, Plan] = {}
    findings: list[Finding] = []
    for plan, problems in loaded:
        findings += problems
        if plan is not None:
            plans[plan.year] = plan
    return plans, findings


def load_plans(layout: Layout) -> tuple[dict[int, Plan], list[Finding]]:
    return _plans(layout, [load_plan(path, layout) for path in plan_paths(layout)])


def load_scenarios(layout: Layout) -> tuple[list[Scenario], list[Finding]]:
    document, findings = _read_record(layout.scenarios, "scenarios", layout)
    if document is None:
        return [], findings
    return [Scenario(s["id"], s["name"], s["lead"], tuple(s["departments"]), tuple(s["items"]),
                     tuple(s["object_types"]), tuple(s.get("industries", ())),
                     tuple(s.get("keywords", ())), s.line) for s in document["scenarios"]], findings


def load_snapshot(layout: Layout) -> tuple[Snapshot | None, list[Finding]]:
    document, findings = _read_record(layout.snapshot, "snapshot", layout)
    if document is None:
        return None, findings
    display = layout.display(layout.snapshot)
    bad = _valid_dates(document, display, lambda d: [(d, "snapshot_date"), (d, "confirmed_on")])
    if bad:
        return None, [*findings, *bad]
    return Snapshot(_date(document["snapshot_date"]), _date(document["confirmed_on"]),
                    document["confirmed_by"], document["rows"], document["sha256"],
                    {key: document.line_of(key) for key in document}), findings


def load_holidays(layout: Layout) -> tuple[dict[int, HolidayYear], list[Finding]]:
    if not layout.holidays.exists():
        return {}, []
    document, findings = _read_record(layout.holidays, "holidays", layout)
    if document is None:
        return {}, findings
    display = layout.display(layout.holidays)
    years: dict[int, HolidayYear] = {}
    for entry in document["years"]:
        bad = [error(display, "schema/date", f"“{day}”不是有效的日期", row=entry.line_of(key),
                     field=key)
               for key in ("holidays", "workdays") for day in entry[key] if not _is_date(day)]
        if bad:
            findings += bad
            continue
        years[entry["year"]] = HolidayYear(
            entry["year"], entry["official"], entry["source"],
            frozenset(map(_date, entry["holidays"])), frozenset(map(_date, entry["workdays"])))
    return years, findings


def _draw_files(directory: Path, layout: Layout) -> tuple[DrawFiles, list[Finding]]:
    """A draw folder's manifest and record (None: absent or unreadable, with the finding why)."""
    parsed: dict[str, dict[str, Any]] = {}
    plain = False
    findings: list[Finding] = []
    for name in ("manifest", "record"):
        path = directory / f"{name}.json"
        if not path.exists():
            continue
        display = layout.display(path)
        text, problems = read_text(path, display)
        findings += problems
        if text is None:
            continue
        try:
            value, is_plain = loads_json(text)
        except json.JSONDecodeError as exc:
            findings.append(error(display, "json/syntax", f"JSON 语法错误：{exc.msg}", row=exc.lineno))
            continue
        except RecursionError:
            findings.append(error(display, "json/too-deep", "JSON 嵌套层级过深"))
            continue
        if not isinstance(value, dict):
            findings.append(error(display, "json/shape", "应为一个 JSON 对象"))
            continue
        parsed[name] = value
        if name == "record":
            plain = is_plain
    return (parsed.get("manifest"), parsed.get("record"), plain), findings


def _draw_folders(layout: Layout) -> list[tuple[str, int, Path]]:
    if not layout.draws_dir.is_dir():
        return []
    folders = sorted(p for p in layout.draws_dir.glob("*/*") if p.is_dir())
    return [(p.name, int(p.parent.name) if p.parent.name.isdigit() else 0, p) for p in folders]


def load_draws(layout: Layout) -> tuple[list[Draw], list[Finding]]:
    """Every draw folder, its files parsed, and what could not be read."""
    draws: list[Draw] = []
    findings: list[Finding] = []
    for task_id, year, directory in _draw_folders(layout):
        files, problems = _draw_files(directory, layout)
        findings += problems
        draws.append(Draw(task_id, year, directory, *files))
    return draws, findings


# Draws parsed lately that `lazy_draws` keeps: a page reads its draw's files several times.
RECENT_DRAWS = 32


def lazy_draws(layout: Layout, validated: Iterable[DrawSummary]) -> list[Draw]:
    """The draws of `validated` (their facts, generator.facts), each parsed whenever used (what
    `load_draws` gives, without its findings) and not kept beyond the last few: for the site of a
    validated data set, where what is shown of every draw is in its facts and only a task's page
    reads its files. The parsed draws of a city take 450 MB."""
    recent = lru_cache(maxsize=RECENT_DRAWS)(partial(_parsed_only, layout))
    draws = []
    for summary in validated:
        directory = layout.draws_dir / summary.folder
        draws.append(Draw(summary.task_id, summary.year, directory, read=partial(recent, directory)))
    return draws


def _parsed_only(layout: Layout, directory: Path) -> DrawFiles:
    return _draw_files(directory, layout)[0]


def _results_of(layout: Layout, paths: list[Path]) -> tuple[pl.DataFrame, list[Finding]]:
    """Results files checked as one table (see `generator.io.bulk`), in the order given."""
    texts: list[tuple[str | None, str]] = []
    data: list[bytes | None] = []
    read_problems: list[list[Finding]] = []
    for path in paths:
        display = layout.display(path)
        text, raw, problems = read_text_and_bytes(path, display)
        texts.append((text, display))
        data.append(raw)
        read_problems.append(problems)
    frame, table_problems = validate_csv_texts(texts, table_schema("results"), data=data)
    findings: list[Finding] = []
    for before, after in zip(read_problems, table_problems, strict=True):
        findings += before + after
    return frame, findings


def load_results(layout: Layout, cache: ValidationCache | None = None) -> tuple[pl.DataFrame, list[Finding]]:
    """Every results file, in path order; with `cache`, a run of a year's files at a time
    (about 128: `digests.chunks`), each run kept in it.

    Each file is checked on its own (a key repeated in another file is a rule's business), so
    a run checked alone gives the rows and findings it gives among all the others.
    """
    found = layout.results_dir.glob("*/*.csv") if layout.results_dir.is_dir() else ()
    # Sorted as Paths sort (by parts), with a key: comparing 5,000 Path objects is slow.
    paths = sorted(found, key=lambda path: (path.parent.name, path.name))
    if cache is None or not paths:
        return _results_of(layout, paths)
    frames: list[pl.DataFrame] = []
    findings: list[Finding] = []
    for year, group in itertools.groupby(paths, key=lambda path: path.parent.name):
        by_name = {path.name: path for path in group}
        for run in chunks(list(by_name)):
            frame, problems = cache.frame(f"results/{year}/{run[0]}",
                                          partial(_results_of, layout, [by_name[name] for name in run]))
            frames.append(frame)
            findings += problems
    # Left in its runs' blocks: the rules do not mind, and the build makes it one block
    # (publish.build.publish_dataset).
    return pl.concat(frames, how="vertical", rechunk=False), findings


# Plans are YAML, parsed by Python code: above this many bytes to parse (a city has 4 MB), or
# with the files to hash for the cache, they are parsed in a forked process while this one reads
# the tables, results and draws; below it a process costs more than it saves.
PLANS_APART_ABOVE_BYTES = 1 << 20


def _size(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:  # a dangling link: its finding comes from load_plan
            continue
    return total


def kept(cache: ValidationCache | None, part: str,
         compute: Callable[[], tuple[pl.DataFrame, list[Finding]]]) -> tuple[pl.DataFrame, list[Finding]]:
    """`compute()`, or what it gave for the same files in an earlier run (generator.incremental)."""
    return compute() if cache is None else cache.frame(part, compute)


def load(root: Path, *, cache: ValidationCache | None = None) -> tuple[Dataset, list[Finding]]:
    """Read and schema-check everything under `root`; rules run on the result.

    With `cache`, what an earlier run loaded from the same files is taken from it. When no
    file digest is remembered (a first run, a fresh clone), hashing every file would hold up
    the loading: it is done beside it, and what was loaded is kept once it is done."""
    layout = Layout(root)
    with bulk_allocation():
        if cache is not None and cache.warm(layout):
            cache.fingerprint(layout)
        return _load(layout, cache)


def _load(layout: Layout, cache: ValidationCache | None) -> tuple[Dataset, list[Finding]]:
    paths = plan_paths(layout)
    known: dict[Path, tuple[Plan | None, list[Finding]]] = {}
    if cache is not None:
        for path in paths:
            found = cache.known_value(f"plans/{path.name}")
            if found is not None:
                known[path] = found
    missing = [path for path in paths if path not in known]
    fingerprinting = cache if cache is not None and not cache.parts else None
    work = partial(_beside_loading, missing, layout, fingerprinting)
    apart = _size(missing) + (_size([layout.objects]) if fingerprinting else 0) > PLANS_APART_ABOVE_BYTES
    with Beside(work, fork=apart) as beside:
        dataset, findings = _load_beside(layout, cache)
        parsed, parts = beside.result()  # last: the other process had all this time
    if cache is not None and parts is not None:
        cache.settle(parts)
    for path, loaded in zip(missing, parsed, strict=True):
        known[path] = loaded
        if cache is not None:
            cache.keep_value(f"plans/{path.name}", loaded)
    dataset.plans, plan_problems = _plans(layout, [known[path] for path in paths])
    return dataset, [*findings, *plan_problems]


def _beside_loading(paths: list[Path], layout: Layout, cache: ValidationCache | None
                    ) -> tuple[list[tuple[Plan | None, list[Finding]]], dict[str, str] | None]:
    """Plan files parsed, and, if `cache` is given, the fingerprints made (the digests kept)."""
    parsed = [load_plan(path, layout) for path in paths]
    if cache is None:
        return parsed, None
    cache.fingerprint(layout)
    cache.digests.save()
    return parsed, cache.parts


def _load_beside(layout: Layout, cache: ValidationCache | None) -> tuple[Dataset, list[Finding]]:
    findings: list[Finding] = []

    unusable: set[str] = set()

    def table(path: Path, name: str, required: bool = True) -> pl.DataFrame:
        frame, problems = kept(cache, name, lambda: read_table(path, name, layout, required=required))
        findings.extend(problems)
        if any(p.rule.startswith(("file/", "header/")) for p in problems):
            unusable.add(name)
        return frame

    departments = table(layout.departments, "departments")
    checklist = table(layout.checklist, "checklist")
    objects = table(layout.objects, "objects")
    inspectors = table(layout.inspectors, "inspectors")
    recusals = table(layout.recusals, "recusals", required=False)
    replacements = table(layout.replacements, "replacements", required=False)
    corrections = table(layout.corrections, "corrections", required=False)
    results, problems = load_results(layout, cache)
    findings += problems
    scenarios, scenario_problems = load_scenarios(layout)
    snapshot, snapshot_problems = load_snapshot(layout)
    holidays, holiday_problems = load_holidays(layout)
    draws_kept = cache.known_value("draws") if cache is not None else None
    draws, draw_problems = ([], draws_kept[0]) if draws_kept is not None else load_draws(layout)
    findings += [*scenario_problems, *snapshot_problems, *holiday_problems, *draw_problems]
    dataset = Dataset(
        layout=layout, departments=departments, checklist=checklist, objects=objects,
        snapshot=snapshot, inspectors=inspectors, recusals=recusals, replacements=replacements,
        results=results, corrections=corrections, result_codes=reference_table("result_codes"),
        industries=reference_table("industries"), districts=reference_table("districts"),
        scenarios=scenarios, holidays=holidays, draws=draws, unusable=unusable,
    )
    if draws_kept is not None:
        # The draws' findings and what the rules on results need of them are kept: the files
        # are parsed only if a rule that reads them runs, or a page is made from them.
        dataset.derived.update(draws_kept[1])
        dataset.defer("draws", lambda: load_draws(layout)[0])
    elif cache is not None:
        cache.keep_value("draws", (draw_problems, {name: fact(dataset) for name, fact in DRAW_FACTS.items()}))
    return dataset, findings
