"""The text built column-wise in polars (generator/publish/fragments.py and its users) is the text
the straightforward per-row code writes: Jinja's autoescape for the task pages, json.dumps for the
results files and the lookup histories, and the privacy scan's verdicts. Each is compared with a
reference implementation (the code it replaced) on the sample data, with values made hostile:
markup, quotes, ampersands, control characters, line separators."""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.load import load
from generator.personal_numbers import personal_data_in
from generator.publish import lookup, results, tasks
from generator.publish.common import checklist_href, day, task_url, timeliness_text
from generator.publish.context import SiteContext, data_as_of
from generator.publish.privacy import scan
from generator.publish.settings import load_settings

SAMPLE = Path(__file__).resolve().parents[2] / "data"
HOSTILE = ["<script>alert('x')</script>", 'a "quoted" & <b>', "line\nbreak\ttab\u2028sep\x01", "分号;后续;处理", ""]

# The task page's results loop as it was in task.html.j2.
RESULTS_LOOP = (
    '{% for r in results %}<li><a href="{{ r["item_href"] }}"><code>{{ r["item_id"] }}</code></a> {{ r["item"] }}'
    '（{{ r["department"] }}，{{ r["method"] }}，{{ r["inspected"] }}）：<strong>{{ r["result"] }}</strong>'
    '{% if r["credit"] %} <span class="sl-badge sl-badge--credit">失信记录</span>{% endif %}'
    '{% if r["original"] %} <span class="sl-muted">（原公示：{{ r["original"] }}，已更正）</span>{% endif %}'
    '{% if r["follow_up"] %}；后续处理：{{ r["follow_up"] }}{% endif %}；{{ r["published_on"] }} 公示 '
    '<span class="sl-badge sl-badge--{{ r["timeliness"]["state"] }}">{{ r["timeliness"]["text"] }}</span></li>'
    '{% endfor %}')


@pytest.fixture(scope="module")
def ctx() -> SiteContext:
    """The sample data with hostile text in every free-text column the results show."""
    ds, _ = load(SAMPLE)
    ds.as_of = data_as_of(ds)
    n = len(ds.results)

    def cycle(values: list[str]) -> pl.Series:
        return pl.Series([values[i % len(values)] for i in range(n)], dtype=pl.String)

    ds.results = ds.results.with_columns(method=cycle(["现场检查", *HOSTILE[:4]]),
                                         follow_up=pl.when(pl.col("follow_up").is_not_null())
                                         .then(cycle(HOSTILE)).otherwise(None))
    ds.objects = ds.objects.with_columns(pl.col("name") + pl.Series([HOSTILE[i % len(HOSTILE)]
                                                                     for i in range(len(ds.objects))]))
    context = SiteContext(ds, load_settings())
    for code in list(context.codes)[:2]:
        context.codes[code] = context.codes[code].__class__(code, f"{context.codes[code].label}<&\"'>",
                                                            context.codes[code].credit_record,
                                                            context.codes[code].needs_follow_up)
    return context


def _reference_results(ctx: SiteContext, task_id: str) -> dict[str, list[dict[str, Any]]]:
    task = ctx.tasks[task_id]
    here = task_url(task)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in ctx.published_for(task_id).sort("object_id", "item_id").iter_rows(named=True):
        out[r["object_id"]].append({
            "item_id": r["item_id"], "item": ctx.item_title(r["item_id"]),
            "item_href": checklist_href(ctx, here, r["item_id"]),
            "department": ctx.dept(r["department_id"]), "method": r["method"],
            "inspected": f"{day(r['inspected_from'])} 至 {day(r['inspected_to'])}"
            if r["inspected_from"] != r["inspected_to"] else day(r["inspected_to"]),
            "result": ctx.code_label(r["current_code"]),
            "credit": ctx.codes[r["current_code"]].credit_record if r["current_code"] in ctx.codes else False,
            "original": ctx.code_label(r["result_code"]) if r["current_code"] != r["result_code"] else "",
            "follow_up": (r["current_follow_up"] or "").replace(";", "、"),
            "published_on": day(r["published_on"]), "timeliness": timeliness_text(r)})
    return out


def test_task_results_cells_are_the_jinja_loops_text(ctx: SiteContext) -> None:
    loop = jinja2.Environment(autoescape=True).from_string(RESULTS_LOOP)
    order = sorted(ctx.tasks)
    cells = tasks.ResultCells(ctx, order)
    compared = 0
    for task_id in order:
        expected = {o: loop.render(results=rows) for o, rows in _reference_results(ctx, task_id).items()}
        assert cells.for_task(task_id) == expected
        compared += len(expected)
    assert compared > 100
    text = "".join(v for t in order for v in cells.for_task(t).values())
    assert "&lt;script&gt;alert(&#39;x&#39;)" in text and "&#34;quoted&#34; &amp;" in text and "分号、后续" in text


def test_results_files_are_the_json_dumps_text(ctx: SiteContext) -> None:
    objects = results._objects(ctx)
    checked = 0
    for year in ctx.years:
        here = results.results_url(year)
        rows = results._year_rows(ctx, year, objects).sort("task_id", "object_id", "item_id")
        for (department,), frame in rows.partition_by("department_id", as_dict=True, maintain_order=True).items():
            text = results._department_file(ctx, here, str(department), frame)
            assert json.loads(text) == _reference_department(ctx, here, str(department), frame)
            assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            checked += 1
    assert checked > 5


def _reference_department(ctx: SiteContext, here: str, department: str, frame: pl.DataFrame) -> dict[str, Any]:
    from generator.publish.paths import page_url, rel

    index: dict[str, dict[str, int]] = {"o": {}, "t": {}, "i": {}}
    tables: dict[str, list[list[str]]] = {"o": [], "t": [], "i": []}
    out_rows = []
    for r in frame.iter_rows(named=True):
        for kind, key, entry in (("o", r["object_id"], lambda r: [r["object_id"], r["object_name"]]),
                                 ("t", r["task_id"], lambda r: [r["task_id"], ctx.tasks[r["task_id"]].name, rel(
                                     here, page_url("tasks", str(ctx.tasks[r["task_id"]].year), r["task_id"]))]),
                                 ("i", r["item_id"], lambda r: [r["item_id"], ctx.item_title(r["item_id"])])):
            if key not in index[kind]:
                index[kind][key] = len(tables[kind])
                tables[kind].append(entry(r))
        out_rows.append([index["t"][r["task_id"]], index["o"][r["object_id"]], index["i"][r["item_id"]],
                         r["district"], r["industry2"], r["current_code"],
                         (r["current_follow_up"] or "").replace(";", "、"), day(r["published_on"]),
                         1 if timeliness_text(r)["state"] == "late" else 0, 1 if r["corrected"] else 0])
    return {"department": ctx.dept(department), "objects": tables["o"], "tasks": tables["t"], "items": tables["i"],
            "rows": out_rows}


def test_lookup_histories_are_the_json_dumps_text(ctx: SiteContext) -> None:
    histories = list(lookup.histories(ctx))
    assert len(histories) == ctx.selections["object_id"].n_unique()
    with_results = 0
    for object_id, text in histories:
        value = json.loads(text)
        assert value["id"] == object_id
        assert text == lookup.dumps(value)  # key order, separators, escaping: json.dumps's
        for task in value["tasks"]:
            with_results += bool(task["results"])
            assert bool(task["source"]) == bool(task["results"])
    assert with_results > 50
    some = sorted(dict(histories))[::7]
    assert dict(lookup.histories(ctx, only=set(some))) == {i: t for i, t in histories if i in some}


def test_lookup_results_are_the_per_row_lists(ctx: SiteContext) -> None:
    texts = {(o, t): json.loads(f"[{text}]") for o, t, text in
             lookup._result_texts(ctx, ctx.published, ctx.published.select(
                 pl.arg_sort_by("object_id", "task_id", "item_id")).to_series())}
    expected: dict[tuple[str, str], list[list[Any]]] = defaultdict(list)
    for r in ctx.published.sort("object_id", "task_id", "item_id").iter_rows(named=True):
        credit = ctx.codes[r["current_code"]].credit_record if r["current_code"] in ctx.codes else False
        expected[(r["object_id"], r["task_id"])].append([
            r["item_id"], ctx.dept(r["department_id"]), r["method"], day(r["inspected_to"]),
            ctx.code_label(r["current_code"]), 1 if credit else 0,
            ctx.code_label(r["result_code"]) if r["current_code"] != r["result_code"] else "",
            (r["current_follow_up"] or "").replace(";", "、"), day(r["published_on"]), timeliness_text(r)["text"],
            r["_row"]])
    assert texts == dict(expected)


# -- the privacy scan ---------------------------------------------------------------------

def _reference_scan(texts: dict[str, str], secrets: list[str]) -> set[tuple[str, str]]:
    """Which files hold a private value (as written, or escaped as a page or JSON writes it) and
    which hold a personal number outside a standing-alone digest: plain Python, line by line."""
    found = set()
    for path, text in texts.items():
        forms = {f for s in secrets for f in (s, html.escape(s), json.dumps(s, ensure_ascii=False)[1:-1],
                                               json.dumps(s)[1:-1])}
        if any(form in text for form in forms):
            found.add((path, "secret"))
        blanked = re.sub(r"(?<![0-9A-Za-z_])(?:[0-9a-f]{192}|[0-9a-f]{128}|[0-9a-f]{96}|[0-9a-f]{64}|[0-9a-f]{40}"
                         r"|[0-9a-f]{32})(?![0-9A-Za-z_])", " ", text)
        if personal_data_in(blanked):
            found.add((path, "number"))
    return found


PIECES = st.sampled_from(["13912345678", "110101199003074477", "11010119900307447X", "abcdef", "0123456789",
                          "deadbeef" * 4, "deadbeef" * 8, "9" * 40, "x", " ", "-", "+86", "某某某", 'a"某某某"',
                          "z13912345678", "X", "名", "１３９", "1391234 5678", "139-1234-5678", "\u67d0"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(PIECES, max_size=12).map("".join), min_size=1, max_size=4))
def test_scan_flags_the_files_a_plain_reading_flags(tmp_path_factory: pytest.TempPathFactory,
                                                    texts: list[str]) -> None:
    site = tmp_path_factory.mktemp("scan")
    files = {f"f{i}.html": text for i, text in enumerate(texts)}
    for name, text in files.items():
        (site / name).write_text(text, encoding="utf-8")
    leaks = scan(site, ["某某某", '某"某'])
    got = {(leak.path, "secret" if leak.what.startswith("不公开") else "number") for leak in leaks}
    assert got == _reference_scan(files, ["某某某", '某"某'])


# The task page's first three cells of a selected object as they were in task.html.j2.
OBJECT_CELLS = (
    '<td>{{ o["position"] }}</td>\n<td><a href="{{ o["href"] }}">{{ o["name"] }}</a><br><code>{{ o["id"] }}</code>'
    '<br><span class="sl-muted">{{ o["type"] }} · {{ o["district"] }} · {{ o["stratum"] }}'
    '{% if o["status"] != "存续" %} · {{ o["status"] }}{% endif %}</span></td>\n<td><ul class="sl-team">'
    '{% for t in o["team"] %}<li{% if t["unfilled"] %} class="sl-muted"{% endif %}><code>{{ t["id"] }}</code> '
    '{{ t["department"] }}{% if t["role"] == "组长" %} <strong>组长</strong>{% endif %}</li>{% endfor %}</ul></td>')


def test_object_cells_are_the_templates_text(ctx: SiteContext) -> None:
    from generator.publish.common import lookup_href

    template = jinja2.Environment(autoescape=True).from_string(OBJECT_CELLS)
    compared = 0
    for task in ctx.tasks.values():
        record = (ctx.draws[task.task_id].record if task.task_id in ctx.draws else None) or {}
        here, teams = task_url(task), ctx.teams(task.task_id)
        strata = {s.id: s.name for s in task.strata}
        for position, chosen in enumerate(record.get("selected") or [], start=1):
            object_id = str(chosen["object_id"])
            info = ctx.objects.get(object_id)
            members = teams.get(object_id, [])
            team, leader_seen = [], False
            for m in members:
                leader = not leader_seen and m.get("department") == task.lead and bool(m.get("inspector_id"))
                leader_seen = leader_seen or leader
                team.append({"id": m.get("inspector_id") or "（未能匹配）", "department": ctx.dept(m.get("department")),
                             "role": "组长" if leader else "组员", "unfilled": not m.get("inspector_id")})
            stratum = strata.get(str(chosen["stratum"]), str(chosen["stratum"]))
            expected = template.render(o={
                "position": position, "id": object_id, "name": info.name if info else object_id,
                "href": lookup_href(here, object_id), "type": info.object_type if info else "",
                "status": info.status if info else "", "district": ctx.district(info.district) if info else "",
                "stratum": stratum, "team": team})
            assert tasks._object_cells(ctx, task, here, position, object_id, stratum, members) == expected
            compared += 1
    assert compared > 500
    assert any("<script>" in info.name for info in ctx.objects.values())


def test_task_row_hashes_are_the_frames_digest(ctx: SiteContext) -> None:
    from generator.publish.reuse import Digest
    from generator.publish.task_keys import TaskInputs

    inputs = TaskInputs(ctx)
    for task_id in [*ctx.tasks, "no-such-task"]:
        assert inputs.rows(task_id) == Digest.frame_bytes(ctx.published_for(task_id))
