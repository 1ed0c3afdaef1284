"""No personal data in anything publishable (第二十一条).

Resident identity numbers (18 characters with a valid GB 11643 check digit and birth
date, confirmed by python-stdnum) and mainland mobile numbers, as people write them (grouped,
with a country prefix, in full-width digits: generator.personal_numbers), are searched for in
every published text field, whatever the field is meant to hold. Fields marked private in the
schemas are never published, so they are not searched. The draw files' free text has its own
module (personal_data_in_draws), as it runs beside the others in a second process, and so do the
results (personal_data_in_results), which change every day while the directory seldom does: each
keeps its findings in the validation cache on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.findings import Finding, error
from generator.model import Dataset
from generator.personal_numbers import CANDIDATE, personal_data_in
from generator.schemas import table_schema

ARTICLE = "第二十一条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"checklist", "corrections", "departments", "inspectors", "layout", "objects", "plans",
                   "recusals", "replacements"})
RULE = "privacy/personal-data"


def scan(frame: pl.DataFrame, schema: str, file_of: str | None, default_file: str, *,
          repeated: bool = False) -> Iterable[Finding]:
    """`repeated`: values repeat a lot (results: a row per item), so each distinct value is
    searched once."""
    for spec in table_schema(schema)["fields"]:
        name = spec["name"]
        if spec.get("private") or spec.get("type", "string") != "string" or name not in frame.columns:
            continue
        if repeated:
            distinct = frame.get_column(name).unique()
            hits = distinct.filter(distinct.str.contains(CANDIDATE))
            if hits.is_empty():
                continue
            suspects = frame.filter(pl.col(name).is_in(hits.implode()))
        else:
            suspects = frame.filter(pl.col(name).str.contains(CANDIDATE))
        columns = ["_row", name] + ([file_of] if file_of else [])
        for values in suspects.select(columns).iter_rows():
            found = personal_data_in(values[1])
            if found:
                file = values[2] if file_of else default_file
                yield error(file, RULE, f"含有个人信息（{found}）：公开数据中不得出现身份证号、手机号等个人信息",
                            row=values[0], field=name, article=ARTICLE)


def check(ds: Dataset) -> Iterable[Finding]:
    lay = ds.layout
    tables = [(ds.departments, "departments", lay.departments), (ds.checklist, "checklist", lay.checklist),
              (ds.objects, "objects", lay.objects), (ds.inspectors, "inspectors", lay.inspectors),
              (ds.recusals, "recusals", lay.recusals), (ds.replacements, "replacements", lay.replacements),
              (ds.corrections, "corrections", lay.corrections)]
    for frame, schema, path in tables:
        yield from scan(frame, schema, None, lay.display(path))
    yield from _plans(ds)


def _plans(ds: Dataset) -> Iterable[Finding]:
    for plan in ds.plans.values():
        found = personal_data_in(plan.published_by)
        if found:
            yield error(plan.file, RULE, f"发布单位含有个人信息（{found}）", field="published_by", article=ARTICLE)
        for task in plan.tasks:
            texts = [("name", "任务名称", task.name), *(("keywords", "经营范围关键词", k) for k in task.keywords),
                     *(("strata", "分层名称", s.name) for s in task.strata)]
            for field, what, text in texts:
                found = personal_data_in(text)
                if found:
                    yield error(plan.file, RULE, f"{what}含有个人信息（{found}）", row=task.line, field=field,
                                article=ARTICLE)
