"""Results by year (第十七条、第十八条), filterable by department, district, industry and result
category. The page carries static summary tables; the full list is loaded per department from
`results/<year>/<department>.json` and filtered in the browser."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import polars as pl

from generator.publish import fragments
from generator.publish.common import day, percent, timeliness_text
from generator.publish.context import SiteContext
from generator.publish.paths import page_url, rel, safe_join
from generator.publish.render import Page
from generator.publish.reuse import Digest, Reuse


def results_url(year: int) -> str:
    return page_url("results", str(year))


_OBJECTS: WeakKeyDictionary[SiteContext, pl.DataFrame] = WeakKeyDictionary()  # per build: pages and files


def _objects(ctx: SiteContext) -> pl.DataFrame:
    """Name, district and industry division of every object with a result (a join: dicts of a
    few hundred thousand objects, rebuilt per year, cost seconds at city scale)."""
    known = _OBJECTS.get(ctx)
    if known is None:
        known = _OBJECTS[ctx] = _objects_uncached(ctx)
    return known


def _objects_uncached(ctx: SiteContext) -> pl.DataFrame:
    wanted = ctx.published.select(pl.col("object_id").unique())
    return (ctx.ds.objects.join(wanted, on="object_id", how="semi")
            .select("object_id", pl.col("name").alias("object_name"), pl.col("district").fill_null(""),
                    pl.col("industry").fill_null("").str.slice(0, 2).alias("industry2")))


def _year_rows(ctx: SiteContext, year: int, objects: pl.DataFrame | None = None) -> pl.DataFrame:
    rows = ctx.published.filter(pl.col("year") == year)
    joined = rows.join(_objects(ctx) if objects is None else objects, on="object_id", how="left",
                       maintain_order="left")
    return joined.with_columns(pl.col("object_name").fill_null(pl.col("object_id")),
                               pl.col("district").fill_null(""), pl.col("industry2").fill_null(""))


def _major_name(ctx: SiteContext, code: str) -> str:
    return f"{code} {ctx.industry_names.get(code, '')}".strip() if code else "无行业代码"


def page(ctx: SiteContext, year: int) -> Page:
    here = results_url(year)
    rows = _year_rows(ctx, year)
    codes = sorted(set(rows["current_code"].unique().to_list()))
    by_dept: dict[str, Counter[str]] = {}
    # Counted in polars: a city year has 200,000 rows.
    for department, code, count in rows.group_by("department_id", "current_code").len().iter_rows():
        by_dept.setdefault(department, Counter())[code] = count
    departments = [{"id": d, "name": ctx.dept(d), "total": sum(by_dept[d].values()),
                    "counts": [by_dept[d].get(c, 0) for c in codes]}
                   for d in ctx.departments if d in by_dept]
    district_counts = dict(rows.group_by("district").len().iter_rows())
    industry_counts = dict(rows.group_by("industry2").len().iter_rows())
    credit = sum(n for d in by_dept.values() for c, n in d.items() if c in ctx.codes and ctx.codes[c].credit_record)
    context = {
        "year": year, "total": len(rows), "objects": rows["object_id"].n_unique(),
        "tasks": rows["task_id"].n_unique(), "credit": credit, "credit_percent": percent(credit, len(rows)),
        "codes": [{"code": c, "label": ctx.code_label(c)} for c in codes],
        "departments": departments,
        "districts": [{"code": k, "name": ctx.district(k), "count": v} for k, v in sorted(district_counts.items())],
        "industries": [{"code": k, "name": _major_name(ctx, k), "count": v}
                       for k, v in sorted(industry_counts.items())],
        "plan_href": rel(here, page_url("plans", str(year))),
        "corrections_href": rel(here, page_url("corrections")),
        "sources": [{"what": f"{year} 年检查结果目录", **ctx.source(ctx.ds.layout.results_dir / str(year))}],
    }
    return Page(here, f"{year} 年检查结果", "results.html.j2", context,
                description=f"淄博市 {year} 年部门联合抽查已公示的检查结果，可按部门、区县、行业和结果类别筛选",
                scripts=["assets/sunlight/js/sunlight-results.js"])


def write_data(ctx: SiteContext, site: Path, reuse: Reuse | None = None) -> int:
    """One JSON file per year and department with that department's published results. With
    `reuse`, a file whose rows (names included) are unchanged since the last build is taken from
    it. Returns the number of files written (reused or not)."""
    files = 0
    objects = _objects(ctx)
    tasks = Digest(sorted((t.task_id, t.year, t.name) for t in ctx.tasks.values())).hexdigest()
    for year in ctx.years:
        here = results_url(year)
        rows = _year_rows(ctx, year, objects)
        # Each department's rows in task, object and item order, found by sorting only the keys, the
        # row numbers and the rows' hashes (the key of a file is its rows' digest, as
        # Digest.frame_bytes makes it); a file's rows are gathered only when it is written.
        schema = json.dumps([[name, str(dtype)] for name, dtype in rows.schema.items()]).encode()
        order = (rows.select("department_id", "task_id", "object_id", "item_id")
                 .with_columns(rows.hash_rows(seed=0).alias("_hash"), pl.int_range(pl.len()).alias("_at"))
                 .sort("department_id", "task_id", "object_id", "item_id", maintain_order=True))
        hashes, at = order["_hash"].to_numpy(), order["_at"]
        runs = order.select(pl.col("department_id").rle()).unnest("department_id")
        offset = 0
        for length, department in runs.select("len", "value").iter_rows():
            start, offset = offset, offset + length
            relative = f"results/{year}/{department}.json"
            safe_join(site, relative)
            key = ""
            if reuse is not None:
                key = reuse.key(relative, schema + hashes[start:offset].tobytes(), ctx.names_digest, tasks)
                if reuse.take(relative, key, site):
                    files += 1
                    continue
            frame = rows[at.slice(start, length)]
            text = _department_file(ctx, here, str(department), frame)
            target = safe_join(site, "results", str(year), f"{department}.json")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
            if reuse is not None:
                reuse.made(relative, key)
            files += 1
    return files


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _first_seen(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """The distinct values of `column` in order of first appearance, with their position."""
    return frame.select(column).unique(maintain_order=True).with_row_index("_at")


def _department_file(ctx: SiteContext, here: str, department: str, frame: pl.DataFrame) -> str:
    """The JSON text of one department's results of one year (keys sorted, no spaces). Rows
    refer to objects, tasks and items by position in the file's tables (smaller files); the
    rows are written in polars, each value converted once per distinct value."""
    objects, tasks, items = (_first_seen(frame, c) for c in ("object_id", "task_id", "item_id"))
    names = dict(zip(frame["object_id"].to_list(), frame["object_name"].to_list(), strict=True))
    object_table = [[i, names[i]] for i in objects["object_id"].to_list()]
    task_table = []
    for task_id in tasks["task_id"].to_list():
        task = ctx.tasks.get(task_id)
        task_table.append([task_id, task.name if task else task_id,
                           rel(here, page_url("tasks", str(task.year), task.task_id)) if task else ""])
    item_table = [[i, ctx.item_title(i)] for i in items["item_id"].to_list()]
    positions = (frame.join(tasks, on="task_id", how="left", maintain_order="left")["_at"],
                 frame.join(objects, on="object_id", how="left", maintain_order="left")["_at"],
                 frame.join(items, on="item_id", how="left", maintain_order="left")["_at"])
    late = fragments.per_row(frame.select("published_on", "late_by", "deadline_official", "deadline"),
                             lambda r: "1" if timeliness_text(r)["state"] == "late" else "0")
    parts = pl.DataFrame({
        "t": positions[0], "o": positions[1], "i": positions[2],
        "district": fragments.json_text(frame["district"]), "industry2": fragments.json_text(frame["industry2"]),
        "code": fragments.json_text(frame["current_code"]),
        "follow_up": fragments.json_text(frame["current_follow_up"], lambda v: (v or "").replace(";", "、")),
        "published_on": fragments.json_text(frame["published_on"], day), "late": late,
        "corrected": frame["corrected"].fill_null(False),
    })
    c = pl.col
    rows = parts.select(fragments.joined(
        "[", c("t").cast(pl.String), ",", c("o").cast(pl.String), ",", c("i").cast(pl.String), ",", c("district"),
        ",", c("industry2"), ",", c("code"), ",", c("follow_up"), ",", c("published_on"), ",", c("late"), ",",
        pl.when(c("corrected")).then(pl.lit("1")).otherwise(pl.lit("0")), "]").str.join(","))
    return (f'{{"department":{_dumps(ctx.dept(department))},"items":{_dumps(item_table)},'
            f'"objects":{_dumps(object_table)},"rows":[{rows.item()}],"tasks":{_dumps(task_table)}}}')


def pages(ctx: SiteContext) -> list[Page]:
    return [page(ctx, year) for year in ctx.years]
