"""A task page's reuse key (generator/publish/task_keys.py) is hashed from its inputs, not from its
view model: a change to anything the page shows must change its key, or an incremental rebuild
would publish the old page. Each case below changes one field a task page displays, in the
sample data; every page whose HTML changed must have a new key."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from generator.load import load
from generator.model import Dataset, Task
from generator.publish import tasks
from generator.publish.context import SiteContext, data_as_of
from generator.publish.render import Renderer
from generator.publish.reuse import Digest
from generator.publish.settings import Settings, load_settings
from tests.conftest import SAMPLE

SETTINGS = load_settings()
Pages = dict[str, tuple[str, str]]  # url -> (content HTML, key)


def task_pages(ds: Dataset, settings: Settings = SETTINGS) -> Pages:
    ds.as_of = data_as_of(ds)
    ctx = SiteContext(ds, settings)
    renderer = Renderer(settings.templates)
    return {page.url: (renderer.html(page), Digest(page.key()).hexdigest() if page.key else "")
            for page in tasks.pages(ctx)}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample") / "data"
    shutil.copytree(SAMPLE, root)
    return root


@pytest.fixture(scope="module")
def loaded(data: Path) -> Dataset:
    ds, _ = load(data)
    return ds


@pytest.fixture(scope="module")
def before(loaded: Dataset) -> Pages:
    return task_pages(fresh(loaded))


def fresh(ds: Dataset) -> Dataset:
    """A copy to change: its own draws (dicts changed in place) and nothing derived."""
    return dataclasses.replace(ds, draws=copy.deepcopy(ds.draws))


def drawn(ds: Dataset) -> tuple[Task, str]:
    """A task with a locked draw, replacements and published results, and its first selected object."""
    replaced = set(ds.replacements["task_id"].to_list())
    published = set(ds.results.filter(pl.col("published_on").is_not_null())["task_id"].to_list())
    for draw in ds.draws:
        if draw.record and draw.task_id in replaced and draw.task_id in published:
            return ds.tasks[draw.task_id], str(draw.record["selected"][0]["object_id"])
    raise AssertionError("the sample has such a task")  # pragma: no cover


def with_task(ds: Dataset, change: Callable[[Task], Task]) -> Dataset:
    task, _ = drawn(ds)
    plan = ds.plans[task.year]
    ds.plans = {**ds.plans, task.year: dataclasses.replace(
        plan, tasks=tuple(change(t) if t.task_id == task.task_id else t for t in plan.tasks))}
    return ds


def cell(ds: Dataset, table: str, match: pl.Expr, column: str, value: object) -> Dataset:
    frame: pl.DataFrame = getattr(ds, table)
    assert len(frame.filter(match)), f"no {table} row to change"
    setattr(ds, table, frame.with_columns(pl.when(match).then(pl.lit(value, dtype=frame.schema[column]))
                                          .otherwise(pl.col(column)).alias(column)))
    return ds


def first_object(ds: Dataset) -> pl.Expr:
    return pl.col("object_id") == drawn(ds)[1]


def task_rows(ds: Dataset) -> pl.Expr:
    return (pl.col("task_id") == drawn(ds)[0].task_id) & pl.col("published_on").is_not_null()


def first_item(ds: Dataset) -> pl.Expr:
    return pl.col("item_id") == drawn(ds)[0].items[0]


WRITTEN: dict[Path, bytes] = {}  # data files a case changed, with their bytes before (restored after it)


def record(ds: Dataset, change: Callable[[dict[str, object]], None], manifest: bool = False) -> Dataset:
    """The draw's record (or manifest) changed, as loaded and in its file."""
    task, _ = drawn(ds)
    draw = next(d for d in ds.draws if d.task_id == task.task_id)
    value = draw.manifest if manifest and draw.manifest else draw.record or {}
    change(value)
    path = draw.directory / ("manifest.json" if manifest else "record.json")
    WRITTEN.setdefault(path, path.read_bytes())
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return ds


def first_team(record: dict[str, object]) -> None:
    teams = record["teams"]
    assert isinstance(teams, list)
    teams[0]["members"][0]["inspector_id"] = "ZF-TEST-9999"


def beacon(manifest: dict[str, object]) -> None:
    value = manifest["beacon"]
    assert isinstance(value, dict)
    value["source"] = "dice"


def first_replacement(ds: Dataset) -> pl.Expr:
    return pl.col("replacement_id") == ds.replacements.filter(pl.col("task_id") == drawn(ds)[0].task_id
                                                              )["replacement_id"][0]


CHANGES: dict[str, Callable[[Dataset], Dataset]] = {
    "task name": lambda ds: with_task(ds, lambda t: dataclasses.replace(t, name=t.name + "（改）")),
    "task window": lambda ds: with_task(ds, lambda t: dataclasses.replace(t, window_end=t.window_start)),
    "task keywords": lambda ds: with_task(ds, lambda t: dataclasses.replace(t, keywords=(*t.keywords, "新词"))),
    "task scenario": lambda ds: with_task(ds, lambda t: dataclasses.replace(t, scenario="新场景")),
    "scenario name": lambda ds: ds.__setattr__("scenarios", [
        dataclasses.replace(s, name=s.name + "（改）") for s in ds.scenarios]) or ds,
    "task line": lambda ds: with_task(ds, lambda t: dataclasses.replace(t, line=t.line + 1)),
    "task items": lambda ds: with_task(ds, lambda t: dataclasses.replace(t, items=t.items[1:])),
    "task team size": lambda ds: with_task(ds, lambda t: dataclasses.replace(
        t, team=(dataclasses.replace(t.team[0], size=t.team[0].size + 1), *t.team[1:]))),
    "task stratum name": lambda ds: with_task(ds, lambda t: dataclasses.replace(
        t, strata=(dataclasses.replace(t.strata[0], name="新层级"), *t.strata[1:]))),
    "task per inspector": lambda ds: with_task(ds, lambda t: dataclasses.replace(t, max_per_inspector=99)),
    "object name": lambda ds: cell(ds, "objects", first_object(ds), "name", "改名<商店>"),
    "object status": lambda ds: cell(ds, "objects", first_object(ds), "status", "注销"),
    "object district": lambda ds: cell(ds, "objects", first_object(ds), "district", "370399"),
    "object type": lambda ds: cell(ds, "objects", first_object(ds), "object_type", "新类型"),
    "department short name": lambda ds: cell(ds, "departments", pl.col("department_id") == drawn(ds)[0].lead,
                                              "short_name", "新简称"),
    "department name": lambda ds: cell(ds, "departments", pl.col("department_id") == drawn(ds)[0].lead,
                                       "name", "新全称"),
    "district name": lambda ds: cell(ds, "districts", pl.lit(True), "name", "新区县"),
    "checklist matter": lambda ds: cell(ds, "checklist", first_item(ds), "matter", "新事项"),
    "checklist department": lambda ds: cell(ds, "checklist", first_item(ds), "department_id", "sthj"),
    "result code label": lambda ds: cell(ds, "result_codes", pl.lit(True), "label", "新结果"),
    "result method": lambda ds: cell(ds, "results", task_rows(ds), "method", "书面检查"),
    "result follow-up": lambda ds: cell(ds, "results", task_rows(ds), "follow_up", "责令整改"),
    "result inspected": lambda ds: cell(ds, "results", task_rows(ds), "inspected_to", None),
    # A later date in the data turns other tasks' unpublished results overdue (their owed table).
    "data date": lambda ds: cell(ds, "results", task_rows(ds), "published_on", dt.date(2027, 3, 1)),
    "result unpublished": lambda ds: cell(ds, "results", task_rows(ds), "published_on", None),
    "correction unpublished": lambda ds: cell(ds, "corrections", pl.lit(True), "published_on", None),
    "replacement reason": lambda ds: cell(ds, "replacements", first_replacement(ds), "reason", "新原因"),
    "replacement approver": lambda ds: cell(ds, "replacements", first_replacement(ds), "approver", "新审批人"),
    "plan published": lambda ds: ds.__setattr__("plans", {y: dataclasses.replace(
        p, published_on=p.published_on.replace(day=1)) for y, p in ds.plans.items()}) or ds,
    "record team": lambda ds: record(ds, first_team),
    "record seed": lambda ds: record(ds, lambda r: r.__setitem__("seed", "0" * 64)),
    "manifest beacon": lambda ds: record(ds, beacon, manifest=True),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_change_a_task_page_shows_changes_its_key(name: str, loaded: Dataset, before: Pages) -> None:
    try:
        after = task_pages(CHANGES[name](fresh(loaded)))
    finally:
        for path, data in WRITTEN.items():
            path.write_bytes(data)
        WRITTEN.clear()
    changed = [url for url in before if before[url][0] != after[url][0]]
    assert changed, f"{name}: no task page shows this change"
    assert [url for url in changed if before[url][1] == after[url][1]] == []


def test_the_settings_links_and_draw_file_sizes_are_inputs(data: Path, loaded: Dataset, before: Pages) -> None:
    served = task_pages(fresh(loaded), dataclasses.replace(SETTINGS, draw_files_url="https://example.org/d/"))
    assert all(served[url] != before[url] for url in before)
    task, _ = drawn(loaded)
    frame = data / "draws" / str(task.year) / task.task_id / "frame.csv"
    original = frame.read_bytes()
    try:
        frame.write_bytes(original + b"\n")
        grown = task_pages(fresh(loaded))
    finally:
        frame.write_bytes(original)
    changed = [url for url in before if before[url][0] != grown[url][0]]
    assert changed and [url for url in changed if before[url][1] == grown[url][1]] == []


def test_pages_whose_inputs_are_unchanged_keep_their_keys(loaded: Dataset, before: Pages) -> None:
    """The key is not made of anything a task page does not show (else nothing would be reused)."""
    after = task_pages(CHANGES["result method"](fresh(loaded)))
    assert sum(1 for url in before if before[url][1] != after[url][1]) == 1
    assert task_pages(fresh(loaded)) == before


def test_the_object_table_answers_one_by_one_as_its_dict_does(loaded: Dataset) -> None:
    """context.ObjectTable looks objects up one by one until many are asked for; the answers
    (also for a missing id, and for an id listed twice: the later row wins) are the dict's."""
    from generator.publish.context import ObjectTable

    objects = loaded.objects.head(200)
    twice = objects.head(1).with_columns(pl.lit("改过的名称").alias("name"))
    frame = pl.concat([objects, twice])
    one_by_one, whole = ObjectTable(frame), ObjectTable(frame)
    expected = dict(whole.items())
    asked = [*frame["object_id"].to_list(), "no-such-object", ""]
    assert {i: one_by_one.get(i) for i in asked} == {i: expected.get(i) for i in asked}
    assert expected[str(twice["object_id"][0])].name == "改过的名称"
    assert len(one_by_one) == len(expected) == 200


def test_grouped_hashes_are_each_tasks_rows_in_order_whether_or_not_contiguous() -> None:
    from generator.publish.task_keys import _grouped_hashes

    together = pl.DataFrame({"task_id": ["a", "a", "b", "c", "c"], "v": [1, 2, 3, 4, 5]})
    apart = pl.DataFrame({"task_id": ["a", "c", "b", "a", "c"], "v": [1, 4, 3, 2, 5]})  # each task's order kept
    shuffled = pl.DataFrame({"task_id": ["a", "c", "b", "a", "c"], "v": [2, 4, 3, 1, 5]})
    expected, _ = _grouped_hashes(together, together)
    assert _grouped_hashes(apart, apart)[0] == expected
    assert _grouped_hashes(shuffled, shuffled)[0]["a"] != expected["a"]
    assert sorted(expected) == ["a", "b", "c"]
