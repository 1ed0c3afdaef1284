"""The public tables of a data package, built from the site's context (the same published facts
the pages show), each with its Table Schema: Chinese titles and descriptions, keys, foreign keys.

Only fields meant for the public are selected by name here; private schema fields (第二十一条)
are never selected, and `tests/unit/test_opendata.py` checks every file for their values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from generator.publish.context import SiteContext
from generator.publish.owed import department_years
from generator.schemas import table_schema

POLARS_TYPES = {pl.String: "string", pl.Int64: "integer", pl.Int32: "integer", pl.Date: "date",
                pl.Boolean: "boolean"}


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    description: str
    fields: list[dict[str, Any]]
    primary_key: list[str]
    frame: pl.DataFrame
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)
    # Year-scoped tables have a `year` column: split by it in per-year files; others are copied whole.
    yearly: bool = False

    def for_year(self, year: int) -> pl.DataFrame:
        return self.frame.filter(pl.col("year") == year) if self.yearly else self.frame


def _from_schema(schema: str, name: str, **override: str) -> dict[str, Any]:
    """A field's name, title and description as the source schema states them."""
    for f in table_schema(schema)["fields"]:
        if f["name"] == name:
            if f.get("private"):
                raise ValueError(f"{schema}.{name} is private")
            out = {k: f[k] for k in ("name", "title", "description") if k in f}
            out.update(override)
            return out
    raise KeyError(f"{schema}.{name}")


def _f(name: str, title: str, description: str) -> dict[str, Any]:
    return {"name": name, "title": title, "description": description}


def _fk(fields: list[str], resource: str, target: list[str]) -> dict[str, Any]:
    return {"fields": fields, "reference": {"resource": resource, "fields": target}}


def _typed(fields: list[dict[str, Any]], frame: pl.DataFrame, key: list[str]) -> list[dict[str, Any]]:
    out = []
    for f in fields:
        kind = POLARS_TYPES.get(frame.schema[f["name"]], "string")  # type: ignore[call-overload]
        typed = {**f, "type": kind}
        if f["name"] in key:
            typed["constraints"] = {"required": True}
        out.append(typed)
    return out


def _resource(name: str, title: str, description: str, fields: list[dict[str, Any]], key: list[str],
              frame: pl.DataFrame, fks: list[dict[str, Any]] | None = None) -> Resource:
    names = [f["name"] for f in fields]
    frame = frame.select(names)
    order = frame.select(pl.arg_sort_by(key, maintain_order=True).alias("i"))["i"]
    # Already in key order (the results usually are): keep the columns shared with the site's
    # frames instead of a sorted copy (a million result rows: about 150 MB).
    if not order.is_sorted():  # a permutation in ascending order is the identity
        frame = frame[order]
    return Resource(name, title, description, _typed(fields, frame, key), key, frame, fks or [],
                    "year" in names)


YEAR = _f("year", "年度", "任务所属的年度计划")


def _departments(ctx: SiteContext) -> Resource:
    names = ["department_id", "name", "short_name", "level", "parent_id", "district"]
    return _resource("departments", "部门", "参加联合抽查的部门（第三条）",
                     [_from_schema("departments", n) for n in names], ["department_id"], ctx.ds.departments,
                     [_fk(["parent_id"], "departments", ["department_id"])])


def _checklist(ctx: SiteContext) -> Resource:
    names = [f["name"] for f in table_schema("checklist")["fields"] if not f.get("private")]
    return _resource("checklist", "抽查事项清单", "每个事项的每个版本一行；被替代的版本保留（第六条）",
                     [_from_schema("checklist", n) for n in names], ["item_id", "version"], ctx.ds.checklist,
                     [_fk(["department_id"], "departments", ["department_id"])])


def _result_codes(ctx: SiteContext) -> Resource:
    names = ["code", "label", "credit_record", "needs_follow_up"]
    return _resource("result_codes", "检查结果类别", "检查结果代码及其含义（第十八条）",
                     [_from_schema("result_codes", n) for n in names], ["code"], ctx.ds.result_codes)


def _plans(ctx: SiteContext) -> Resource:
    frame = pl.DataFrame([{"year": p.year, "published_on": p.published_on, "published_by": p.published_by}
                          for p in ctx.ds.plans.values()],
                         schema={"year": pl.Int64, "published_on": pl.Date, "published_by": pl.String})
    fields = [YEAR, _f("published_on", "公布日期", "年度联合抽查计划向社会公布的日期（第七条）"),
              _f("published_by", "公布机关", "公布计划的机关名称")]
    return _resource("plans", "年度联合抽查计划", "每个年度一行（第七条）", fields, ["year"], frame)


def _tasks(ctx: SiteContext) -> Resource:
    rows = []
    for t in ctx.tasks.values():
        rows.append({"task_id": t.task_id, "year": t.year, "name": t.name, "scenario": t.scenario, "level": t.level,
                     "lead": t.lead, "participants": ";".join(t.participants), "items": ";".join(t.items),
                     "object_types": ";".join(t.object_types), "districts": ";".join(t.districts),
                     "industries": ";".join(t.industries), "frequency": t.frequency,
                     "window_start": t.window_start, "window_end": t.window_end,
                     "team": ";".join(f"{s.department}×{s.size}" for s in t.team), "drawn_by": t.drawn_by})
    schema = {"task_id": pl.String, "year": pl.Int64, "name": pl.String, "scenario": pl.String, "level": pl.String,
              "lead": pl.String, "participants": pl.String, "items": pl.String, "object_types": pl.String,
              "districts": pl.String, "industries": pl.String, "frequency": pl.Int64, "window_start": pl.Date,
              "window_end": pl.Date, "team": pl.String, "drawn_by": pl.String}
    fields = [_f("task_id", "任务编号", "联合抽查任务的编号"), YEAR, _f("name", "任务名称", "年度计划中的任务名称"),
              _f("scenario", "抽查场景", "联合抽查事项清单中的场景编号"), _f("level", "层级", "市级或区县级任务"),
              _f("lead", "发起部门", "牵头发起任务的部门代码（第十二条）"),
              _f("participants", "配合部门", "参加任务的其他部门代码，以分号分隔"),
              _f("items", "抽查事项", "本任务检查的事项编码，以分号分隔"),
              _f("object_types", "对象类型", "抽查范围中的对象类型，以分号分隔"),
              _f("districts", "区县范围", "抽查范围中的行政区划代码，以分号分隔；空表示全市"),
              _f("industries", "行业范围", "抽查范围中的行业代码，以分号分隔；空表示不限"),
              _f("frequency", "抽查频次", "本年度的抽查次数"),
              _f("window_start", "检查开始日期", "任务检查时段的第一天"),
              _f("window_end", "检查结束日期", "任务检查时段的最后一天"),
              _f("team", "检查小组构成", "各部门派出人数，形如 scjg×2，以分号分隔"),
              _f("drawn_by", "抽取部门", "负责抽取的部门代码")]
    frame = pl.DataFrame(rows, schema=schema)
    return _resource("tasks", "联合抽查任务", "年度计划中的每个任务一行（第七条、第十二条）", fields,
                     ["task_id"], frame,
                     [_fk(["year"], "plans", ["year"]), _fk(["lead"], "departments", ["department_id"])])


def _draws(ctx: SiteContext) -> Resource:
    rows = []
    for s in ctx.summaries.values():
        if s.task_id not in ctx.tasks or not s.prepared:
            continue
        rows.append({"task_id": s.task_id, "year": s.year, "spec": str(s.spec or ""),
                     "prepared_on": _day(s.prepared_on), "locked_on": _day(s.locked_on),
                     "previous": s.previous, "seed": s.seed, "record_sha256": s.record_sha256,
                     "selected": s.selected, "files": f"draws/{s.year}/{s.task_id}/"})
    schema = {"task_id": pl.String, "year": pl.Int64, "spec": pl.String, "prepared_on": pl.Date,
              "locked_on": pl.Date, "previous": pl.String, "seed": pl.String, "record_sha256": pl.String,
              "selected": pl.Int64, "files": pl.String}
    fields = [_f("task_id", "任务编号", "抽取所属的联合抽查任务编号"), YEAR,
              _f("spec", "抽取规范", "抽取算法的版本，如 sunlight-draw/1"),
              _f("prepared_on", "准备日期", "固定抽取条件（抽取框架、人员名单、回避配对）的日期"),
              _f("locked_on", "锁定日期", "用随机信标完成抽取并锁定记录的日期；空表示尚未抽取"),
              _f("previous", "上一条记录哈希", "账本中上一条锁定记录的 SHA-256（哈希链）"),
              _f("seed", "种子", "由信标和抽取清单计算的种子"),
              _f("record_sha256", "记录哈希", "锁定记录的 SHA-256"),
              _f("selected", "抽中对象数", "锁定记录中抽中的检查对象个数；空表示尚未抽取"),
              _f("files", "抽取文件目录",
                 "完整数据包和年度数据包中该任务抽取文件所在的目录，可用 sunlight verify 重新计算")]
    return _resource("draws", "抽取记录", "每个任务的抽取一行（第十条、第十一条）", fields, ["task_id"],
                     pl.DataFrame(rows, schema=schema), [_fk(["task_id"], "tasks", ["task_id"])])


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _selections(ctx: SiteContext) -> tuple[Resource, Resource]:
    # From the draws' facts (generator.facts, kept by the validation cache): a rebuild does not
    # parse 5,000 records for them. Only the draws of the plans' tasks, with the plan's year.
    years = pl.DataFrame({"task_id": list(ctx.tasks), "plan_year": [t.year for t in ctx.tasks.values()]},
                         schema={"task_id": pl.String, "plan_year": pl.Int64})
    picks = ctx.selections.join(years, on="task_id", how="inner", maintain_order="left").select(
        "task_id", "object_id", pl.col("plan_year").alias("year"), "position", "stratum", "ticket")
    members = ctx.teams_table.join(years, on="task_id", how="inner", maintain_order="left").select(
        "task_id", "object_id", "seat", pl.col("plan_year").alias("year"), "department_id", "inspector_id")
    selections = _resource(
        "selections", "抽中对象", "每次抽取抽中的每个对象一行，含签号（第十条）",
        [_f("task_id", "任务编号", "抽取所属的联合抽查任务编号"),
         _f("object_id", "对象标识", "统一社会信用代码或其他对象标识"), YEAR,
         _f("position", "抽中顺序", "在锁定记录中的位置，从 1 开始"),
         _f("stratum", "风险层级", "对象所在的风险层级编号（计划中的 strata，第八条），如 high、watch、general"),
         _f("ticket", "签号", "由种子和对象标识计算的签号；签号最小者先中")],
        ["task_id", "object_id"], picks,
        [_fk(["task_id"], "draws", ["task_id"]), _fk(["object_id"], "objects", ["object_id"])])
    teams = _resource(
        "teams", "检查小组",
        "每个抽中对象的检查小组成员，按锁定时的抽取结果；人员以化名编号表示（第十一条、第二十一条）",
        [_f("task_id", "任务编号", "抽取所属的联合抽查任务编号"), _f("object_id", "对象标识", "小组负责检查的对象"),
         _f("seat", "席位", "小组内的顺序，从 1 开始"), YEAR, _f("department_id", "部门代码", "成员所属部门的代码"),
         _f("inspector_id", "人员编号", "执法检查人员的化名编号，姓名等个人信息不公开")],
        ["task_id", "object_id", "seat"], members,
        [_fk(["task_id", "object_id"], "selections", ["task_id", "object_id"]),
         _fk(["department_id"], "departments", ["department_id"])])
    return selections, teams


def _objects(ctx: SiteContext) -> Resource:
    # As ctx.district names it: the code itself when unknown, "" for none.
    frame = ctx.objects.frame.with_columns(
        pl.col("district").replace(ctx.district_names).fill_null("").alias("district_name"))
    fields = [_from_schema("objects", "object_id"), _from_schema("objects", "name"),
              _from_schema("objects", "object_type"), _from_schema("objects", "district"),
              _f("district_name", "行政区划名称", "按 GB/T 2260"), _from_schema("objects", "industry"),
              _from_schema("objects", "status")]
    return _resource("objects", "被抽中过的检查对象", "只收录被抽中过或有检查结果的对象（检查对象名录库的公开部分）",
                     fields, ["object_id"], frame)


def _replacements(ctx: SiteContext) -> Resource:
    names = [f["name"] for f in table_schema("replacements")["fields"] if not f.get("private")]
    years = {k: t.year for k, t in ctx.tasks.items()}
    frame = ctx.ds.replacements.with_columns(
        pl.col("task_id").replace_strict(years, default=None, return_dtype=pl.Int64).alias("year"))
    return _resource("replacements", "执法检查人员调整记录", "抽取后调整检查人员的记录（第十三条）",
                     [_from_schema("replacements", n) for n in names[:1]] + [YEAR]
                     + [_from_schema("replacements", n) for n in names[1:]],
                     ["replacement_id"], frame, [_fk(["task_id", "object_id"], "selections", ["task_id", "object_id"])])


RESULT_ITEM_FIELDS = [
    _from_schema("results", "task_id"), _from_schema("results", "object_id"), _from_schema("results", "item_id"),
    YEAR, _from_schema("results", "department_id"), _from_schema("results", "inspected_from"),
    _from_schema("results", "inspected_to"), _from_schema("results", "method"),
    _f("result_code", "检查结果代码", "更正后的现行结果（第十九条）"),
    _f("follow_up", "后续处理", "更正后的现行后续处理，以分号分隔"),
    _f("corrected", "已更正", "该结果是否有已公示的更正"),
    _f("original_result_code", "原检查结果代码", "首次公示的结果"),
    _f("original_follow_up", "原后续处理", "首次公示的后续处理"),
    _from_schema("results", "approved_on"), _from_schema("results", "published_on"),
    _f("deadline", "公示期限", "检查结束后 20 个工作日（第十七条）"),
    _f("deadline_official", "期限按正式节假日安排", "否表示按暂定的节假日安排计算"),
    _f("late_by", "逾期工作日", "公示晚于期限的工作日数；0 表示按期"),
]


def _results(ctx: SiteContext) -> tuple[Resource, Resource]:
    items = ctx.published.select(
        "task_id", "object_id", "item_id", "year", "department_id", "inspected_from", "inspected_to", "method",
        pl.col("current_code").alias("result_code"), pl.col("current_follow_up").alias("follow_up"), "corrected",
        pl.col("result_code").alias("original_result_code"), pl.col("follow_up").alias("original_follow_up"),
        "approved_on", "published_on", "deadline", "deadline_official", pl.col("late_by").cast(pl.Int64))
    key = ["task_id", "object_id", "item_id"]
    item_resource = _resource(
        "results_items", "检查结果（按事项）", "每个任务、检查对象和抽查事项一行；只含已公示的结果（第十七条）",
        RESULT_ITEM_FIELDS, key, items,
        [_fk(["task_id", "object_id"], "results_objects", ["task_id", "object_id"]),
         _fk(["department_id"], "departments", ["department_id"]), _fk(["result_code"], "result_codes", ["code"])])
    credit = [c.code for c in ctx.codes.values() if c.credit_record]
    follow = [c.code for c in ctx.codes.values() if c.needs_follow_up]
    objects = items.group_by("task_id", "object_id").agg(
        pl.col("year").first(), pl.len().cast(pl.Int64).alias("items"),
        pl.col("result_code").unique().sort().str.join(";").alias("result_codes"),
        pl.col("result_code").is_in(credit).any().alias("credit_record"),
        pl.col("result_code").is_in(follow).any().alias("needs_follow_up"),
        pl.col("corrected").any(), pl.col("inspected_from").min(), pl.col("inspected_to").max(),
        pl.col("published_on").max(), (pl.col("late_by") > 0).sum().cast(pl.Int64).alias("late_items"))
    names = ctx.objects.frame.select("object_id", pl.col("name").alias("object_name"))
    objects = objects.join(names, on="object_id", how="left", maintain_order="left").with_columns(
        pl.col("object_name").fill_null(""))
    object_fields = [_f("task_id", "任务编号", "联合抽查任务编号"),
                     _f("object_id", "对象标识", "统一社会信用代码或其他对象标识"), YEAR,
                     _f("object_name", "对象名称", "检查对象名录库中的名称"),
                     _f("items", "检查事项数", "已公示的事项结果条数"),
                     _f("result_codes", "检查结果代码", "各事项现行结果代码，去重后以分号分隔"),
                     _f("credit_record", "形成失信记录", "是否有事项的结果形成失信记录（第十八条）"),
                     _f("needs_follow_up", "需后续处理", "是否有事项的结果需要后续处理"),
                     _f("corrected", "已更正", "是否有事项结果被更正"),
                     _f("inspected_from", "检查开始日期", "各事项最早的检查开始日期"),
                     _f("inspected_to", "检查结束日期", "各事项最晚的检查结束日期"),
                     _f("published_on", "公示日期", "各事项最晚的公示日期"),
                     _f("late_items", "逾期公示事项数", "晚于期限公示的事项条数")]
    object_resource = _resource(
        "results_objects", "检查结果（按对象）", "每个任务和检查对象一行，汇总其各事项的已公示结果",
        object_fields, ["task_id", "object_id"], objects,
        [_fk(["task_id", "object_id"], "selections", ["task_id", "object_id"]),
         _fk(["object_id"], "objects", ["object_id"])])
    return object_resource, item_resource


def _corrections(ctx: SiteContext) -> Resource:
    names = [f["name"] for f in table_schema("corrections")["fields"] if not f.get("private")]
    years = {k: t.year for k, t in ctx.tasks.items()}
    frame = ctx.published_corrections.with_columns(
        pl.col("task_id").replace_strict(years, default=None, return_dtype=pl.Int64).alias("year"))
    fields = [_from_schema("corrections", n) for n in names[:1]] + [YEAR] + [
        _from_schema("corrections", n) for n in names[1:]]
    return _resource("corrections", "检查结果更正", "已公示的更正，只增不改（第十九条）", fields,
                     ["correction_id"], frame,
                     [_fk(["task_id", "object_id", "item_id"], "results_items", ["task_id", "object_id", "item_id"])])


def _compliance(ctx: SiteContext) -> Resource:
    rows = []
    for year, departments in department_years(ctx).items():
        for department, s in departments.items():
            if department not in ctx.dept_short:
                continue
            rows.append({"year": year, "department_id": department, "tasks_planned": len(s.planned),
                         "tasks_done": s.done, "results_owed": sum(s.expected.values()), "ontime": s.ontime,
                         "late": s.late, "late_days": s.late_days, "late_max": s.late_max, "missing": s.missing,
                         "missing_days": s.missing_days, "pending": s.pending})
    schema = {"year": pl.Int64, "department_id": pl.String, **{k: pl.Int64 for k in (
        "tasks_planned", "tasks_done", "results_owed", "ontime", "late", "late_days", "late_max", "missing",
        "missing_days", "pending")}}
    fields = [YEAR, _f("department_id", "部门代码", "部门的代码，名称见 departments 表"),
              _f("tasks_planned", "计划任务数", "本部门参加的任务数"),
              _f("tasks_done", "完成任务数", "应公示结果已全部公示的任务数"),
              _f("results_owed", "应公示结果数", "抽中对象 × 本部门事项"),
              _f("ontime", "按期公示", "期限内公示的结果数（第十七条）"),
              _f("late", "逾期公示", "晚于期限公示的结果数"),
              _f("late_days", "逾期工作日合计", "逾期公示的结果各自超过期限的工作日数之和"),
              _f("late_max", "最长逾期工作日", "逾期公示的结果中超过期限最多的工作日数"),
              _f("missing", "逾期未公示", "已过期限仍未公示的结果数，视为未完成任务（第二十五条）"),
              _f("missing_days", "未公示逾期工作日合计", "逾期未公示的结果截至数据日期各自超过期限的工作日数之和"),
              _f("pending", "未到期限", "尚未到公示期限的结果数")]
    return _resource("compliance", "各部门履职情况",
                     "每个年度和部门一行，与网站“履职情况”页面相同（第二十五条）", fields,
                     ["year", "department_id"], pl.DataFrame(rows, schema=schema),
                     [_fk(["department_id"], "departments", ["department_id"])])


def year_frames(tables: list[Resource], year: int) -> dict[str, pl.DataFrame]:
    """Each table's rows for one year's files: year-scoped tables filtered, the objects narrowed to
    those drawn or inspected that year, other reference tables whole."""
    out = {t.name: t.for_year(year) for t in tables}
    if "objects" in out:
        ids = pl.concat([out[name].select("object_id") for name in ("selections", "results_objects") if name in out])
        out["objects"] = out["objects"].join(ids.unique(), on="object_id", how="semi", maintain_order="left")
    return out


def public_tables(ctx: SiteContext) -> list[Resource]:
    """Every public resource, parents before children (the order of the SQLite tables)."""
    selections, teams = _selections(ctx)
    results_objects, results_items = _results(ctx)
    tables = [_departments(ctx), _checklist(ctx), _result_codes(ctx), _plans(ctx), _tasks(ctx), _draws(ctx),
              _objects(ctx), selections, teams, _replacements(ctx), results_objects, results_items,
              _corrections(ctx), _compliance(ctx)]
    return tables

