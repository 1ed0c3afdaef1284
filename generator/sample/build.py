"""Generate the sample data set. Seeded: the same code writes the same bytes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import random
import shutil
from collections.abc import Iterable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from generator.draw.frame import frame_rows
from generator.draw.workflow import Beacon, lock, prepare
from generator.findings import has_errors
from generator.layout import Layout
from generator.load import load, reference_table
from generator.model import Dataset
from generator.sample.names import DISTRICTS, business_name, credit_code, person_name
from generator.schemas import table_schema
from generator.workdays import Calendar

SEED = 20261126
AS_OF = dt.date(2026, 11, 20)  # the sample data's release date
YEARS = (2025, 2026)
OBJECTS = 20_000
DAY = dt.timedelta(days=1)
# The sample shows every stage: the last task of the last year is not yet due for its
# draw, the one before it is prepared and waits for its beacon; all others are locked.
NOT_YET_PREPARED_START = dt.date(2026, 12, 1)
AWAITING_BEACON = "ZB-2026-016"

# Result mix (第十八条 categories), weights out of 1000.
RESULT_WEIGHTS = {"R01": 720, "R02": 110, "R03": 25, "R04": 5, "R05": 30, "R06": 6, "R07": 40,
                  "R08": 24, "R09": 40}
FOLLOW_UP = {"R02": "责令整改", "R03": "列入经营异常名录", "R04": "立案查处", "R05": "列入经营异常名录",
             "R06": "列入重点关注对象名单", "R09": "线索移交"}
REPLACEMENT_REASONS = ("岗位调整", "工作冲突", "健康状况", "执法回避")


def _csv(path: Path, name: str, rows: Iterable[Sequence[Any]]) -> None:
    """A CSV file with the schema's header, UTF-8, LF, minimal quoting."""
    header = [f["name"] for f in table_schema(name)["fields"]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else ("true" if v is True else "false" if v is False else v)
                         for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="\n")


def _yaml(path: Path, value: Any, comment: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(f"# {comment}\n{text}", encoding="utf-8", newline="\n")


def _source() -> dict[str, Any]:
    text = files("generator.sample").joinpath("checklist_items.yaml").read_text(encoding="utf-8")
    value: dict[str, Any] = yaml.safe_load(text)
    return value


class SampleWriter:
    def __init__(self, root: Path, objects: int) -> None:
        self.root = root
        self.object_count = objects
        self.layout = Layout(root)
        self.rng = random.Random(SEED)
        self.source = _source()
        self.industries = reference_table("industries")

    # -- reference data ------------------------------------------------------------------

    def departments(self) -> None:
        rows: list[tuple[str, str, str, str, str | None, str]] = [
            (d["id"], d["name"], d["short_name"], "市级", None, "370300") for d in self.source["departments"]]
        # Two district bureaus show the 区县 level (第十条: tasks may be dispatched to them).
        rows += [("zd_scjg", "淄博市张店区市场监督管理局", "张店区市场监管局", "区县级", "scjg", "370303"),
                 ("lz_scjg", "淄博市临淄区市场监督管理局", "临淄区市场监管局", "区县级", "scjg", "370305")]
        _csv(self.layout.departments, "departments", rows)

    def checklist(self) -> None:
        rows = []
        items = self.source["items"]
        for index, item in enumerate(items):
            methods = ";".join(item["methods"])
            base = [item["id"], 1, item["department"], item["field"], item["matter"], item["sub_item"],
                    item["object_type"], item["category"], methods, item["legal_basis"],
                    item["inspecting_body"], "2024-01-01", None]
            if index % 9 == 4:
                # Dynamic management (第六条): a revised item keeps its superseded version.
                rows.append([*base[:12], "2026-01-01"])
                revised = list(base)
                revised[1], revised[11] = 2, "2026-01-01"
                revised[5] = item["sub_item"] + "（2026 年修订）"
                rows.append(revised)
            else:
                rows.append(base)
        _csv(self.layout.checklist, "checklist", rows)

    def scenarios(self) -> None:
        value = {"published_on": "2025-01-15", "scenarios": self.source["scenarios"]}
        _yaml(self.layout.scenarios, value, "淄博市市场监管领域部门联合抽查事项清单（示例数据）")

    # -- directories ---------------------------------------------------------------------

    def _classes(self, prefixes: Sequence[str]) -> list[tuple[str, str]]:
        small = self.industries.filter(pl.col("level") == "小类")
        if not prefixes:
            return list(small.select("code", "name").iter_rows())
        chosen = small.filter(pl.any_horizontal(pl.col("code").str.starts_with(p) for p in prefixes))
        return list(chosen.select("code", "name").iter_rows())

    def objects(self) -> None:
        rng = self.rng
        sectors = []
        for scenario in self.source["scenarios"]:
            classes = self._classes(scenario.get("industries", [])) or self._classes(["5"])
            sectors.append((scenario, classes))
        generic = self._classes(["51", "52", "65", "72", "80"])
        districts = list(DISTRICTS)
        district_weights = [12, 25, 8, 14, 9, 10, 6, 6]
        rows: dict[str, list[Any]] = {}
        while len(rows) < self.object_count:
            scenario, classes = (rng.choice(sectors) if rng.random() < 0.7 else (None, generic))
            kinds = scenario.get("object_types", ["市场主体"]) if scenario else ["市场主体"]
            kind = rng.choice(kinds)
            code, class_name = rng.choice(classes)
            district = rng.choices(districts, district_weights)[0]
            keywords = list(scenario.get("keywords", [])) if scenario else []
            trade = keywords[0] if keywords else class_name.removesuffix("服务")[:4]
            if kind == "市场主体":
                object_id = credit_code(rng, district)
                name = business_name(rng, district, trade)
            else:
                prefix = {"产品": "CP", "项目": "XM", "行为": "XW"}[kind]
                object_id = f"{prefix}-{rng.choice(YEARS)}-{len(rows):05d}"
                place = rng.choice(("城区", "新区", "开发区", "镇"))
                name = f"{DISTRICTS[district]}{place}{trade}{kind}{len(rows) % 97 + 1}号"
            status = rng.choices(("存续", "注销", "吊销", "撤销", "迁出"), (955, 25, 12, 3, 5))[0]
            complaints = min(int(rng.expovariate(1.6)), 12)
            rows[object_id] = [object_id, kind, name, district, code, ";".join(keywords) or None,
                               status, rng.random() < 0.03, rng.random() < 0.012,
                               rng.random() < 0.006, complaints]
        # Sorted by id so that a changed row is a one-line diff in git.
        _csv(self.layout.objects, "objects", (rows[k] for k in sorted(rows)))
        digest = hashlib.sha256(self.layout.objects.read_bytes()).hexdigest()
        _yaml(self.layout.snapshot, {"snapshot_date": "2025-02-05", "confirmed_on": "2025-02-10",
                                     "confirmed_by": "scjg", "rows": len(rows), "sha256": digest},
              "检查对象名录库快照确认（第九条，示例数据）")

    def inspectors(self) -> None:
        rng = self.rng
        rows = []
        for department in self.source["departments"]:
            count = 60 if department["id"] == "scjg" else 20
            for number in range(1, count + 1):
                inspector_id = f"ZF-{department['id'].upper()}-{number:04d}"
                active = rng.random() > 0.04
                expires = "2026-06-30" if rng.random() < 0.05 else "2028-12-31"
                rows.append([inspector_id, department["id"], active, "2023-01-01", expires,
                             person_name(rng), f"37030{rng.randrange(10**9):09d}",
                             f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"])
        _csv(self.layout.inspectors, "inspectors", sorted(rows))

    # -- plans ---------------------------------------------------------------------------

    def plans(self) -> None:
        departments = {d["id"] for d in self.source["departments"]}
        for year in YEARS:
            tasks = []
            scenarios = self.source["scenarios"]
            for number, scenario in enumerate(scenarios, start=1):
                month = 3 + (number - 1) * 9 // len(scenarios)
                start = dt.date(year, month, 1 + (number % 3) * 5)
                if (year, number) == (YEARS[-1], len(scenarios)):
                    start = NOT_YET_PREPARED_START
                end = min(start + dt.timedelta(days=75), dt.date(year, 12, 15))
                lead = scenario["lead"]
                participants = [d for d in scenario["departments"] if d != lead and d in departments]
                strata: list[dict[str, Any]] = [
                    {"id": "high", "name": "高风险",
                     "when_any": {"serious_violation": True, "abnormal_list": True, "key_attention": True},
                     "ratio_bp": 3000},
                    {"id": "watch", "name": "投诉较多", "when_any": {"complaints_at_least": 3},
                     **({"count": 8} if number % 4 == 0 else {"ratio_bp": 1000})},
                    {"id": "general", "name": "一般", "ratio_bp": 200 + 100 * (number % 4)},
                ]
                task: dict[str, Any] = {
                    "task_id": f"ZB-{year}-{number:03d}",
                    "name": f"{year}年{scenario['name'].removesuffix('联合检查')}部门联合抽查",
                    "scenario": scenario["id"], "level": "市级", "lead": lead,
                    "participants": participants, "items": list(scenario["items"]),
                    "scope": {"object_types": list(scenario["object_types"])},
                    "strata": strata, "frequency": 1,
                    "window": {"start": start.isoformat(), "end": end.isoformat()},
                    "team": {"departments": [{"id": lead, "size": 2}]
                             + [{"id": d, "size": 1} for d in participants]},
                }
                for key in ("industries", "keywords"):
                    if scenario.get(key):
                        task["scope"][key] = list(scenario[key])
                if number % 6 == 1:
                    task["team"]["max_per_inspector"] = 40  # spread the work (optional cap)
                if number % 5 == 0:
                    task["scope"]["districts"] = ["370303", "370305"]
                    task["dispatched_to"] = [*participants, "zd_scjg", "lz_scjg"]
                tasks.append(task)
            value = {"year": year, "published_on": f"{year}-02-10",
                     "published_by": "淄博市“双随机、一公开”监管工作联席会议办公室", "tasks": tasks}
            _yaml(self.layout.plan(year), value, f"{year} 年度部门联合抽查计划（示例数据）")

    def recusals(self, ds: Dataset) -> None:
        rng = self.rng
        rows = []
        for task in sorted(ds.tasks.values(), key=lambda t: t.task_id):
            frame = frame_rows(ds.objects, task)
            roster = ds.inspectors.filter(pl.col("department_id").is_in(list(task.departments)))
            ids = roster["inspector_id"].to_list()
            for _ in range(3):
                object_id = rng.choice(frame)[0]
                rows.append((task.task_id, object_id, rng.choice(ids),
                             (task.window_start - 20 * DAY).isoformat(), "亲属关系（示例）"))
        _csv(self.layout.recusals, "recusals", sorted(set(rows)))

    def holidays(self) -> None:
        value = {"years": [{
            "year": 2027, "official": False,
            "source": "暂定：国务院办公厅 2027 年部分节假日安排通知公布前，按法定节日估计；"
                      "公布后请更新并改为 official: true",
            "holidays": ["2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
                         "2027-02-10", "2027-02-11", "2027-02-12", "2027-04-05", "2027-05-01",
                         "2027-05-02", "2027-05-03", "2027-06-09", "2027-09-15", "2027-10-01",
                         "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06",
                         "2027-10-07"],
            "workdays": [],
        }]}
        _yaml(self.layout.holidays, value, "chinesecalendar 尚未收录年份的节假日安排（第十七条）")


def _sample_beacon(task_id: str) -> str:
    """24 dice digits derived from the task id: a sample value, not public randomness."""
    digest = hashlib.sha256(f"sunlight/sample-beacon/{task_id}".encode()).digest()
    return "".join(str(b % 6 + 1) for b in digest[:24])


def _draw_all(root: Path) -> None:
    """Prepare and lock every task whose draw day has come, in date order (one ledger)."""
    ds, findings = load(root)
    if has_errors(findings):
        raise RuntimeError(f"sample data does not validate before drawing: {findings[:5]}")
    tasks = sorted(ds.tasks.values(), key=lambda t: (t.window_start, t.task_id))
    for task in tasks:
        drawn_on = task.window_start - 10 * DAY
        if drawn_on > AS_OF:
            continue
        ds, _ = load(root)
        prepare(ds, task.task_id, drawn_on, Beacon("sample"))
        if task.task_id != AWAITING_BEACON:
            lock(root, task.year, task.task_id, _sample_beacon(task.task_id), drawn_on + DAY,
                 committed=None)


class Outcomes:
    """Results, replacements and corrections for the locked draws."""

    def __init__(self, writer: SampleWriter, ds: Dataset) -> None:
        self.w = writer
        self.ds = ds
        self.rng = random.Random(SEED + 1)
        self.calendar = Calendar(ds.holidays)
        self.owner = dict(zip(ds.checklist["item_id"].to_list(), ds.checklist["department_id"].to_list(),
                              strict=True))
        methods = {r["item_id"]: r["methods"].split(";") for r in ds.checklist.iter_rows(named=True)}
        self.methods = methods

    def results(self) -> list[list[Any]]:
        rng = self.rng
        written: list[list[Any]] = []
        late_departments = {"jtys", "nync"}
        for draw in sorted((d for d in self.ds.draws if d.record), key=lambda d: d.task_id):
            task = self.ds.tasks[draw.task_id]
            if task.window_start > AS_OF:
                continue
            rows = []
            span = (min(task.window_end, AS_OF) - task.window_start).days
            for chosen in draw.record["selected"] if draw.record else []:
                start = task.window_start + rng.randrange(max(1, span - 3)) * DAY
                end = start + rng.choice((0, 0, 1, 2)) * DAY
                if end > AS_OF - 2 * DAY:
                    continue  # not inspected yet
                outcome = rng.choices(list(RESULT_WEIGHTS), list(RESULT_WEIGHTS.values()))[0]
                approved = end + rng.randrange(1, 8) * DAY
                if approved > AS_OF:
                    continue  # inspected, not yet approved: nothing to record
                for item in task.items:
                    department = self.owner[item]
                    code = outcome if rng.random() < 0.7 else "R01"
                    deadline, _ = self.calendar.publication_deadline(end)
                    if department in late_departments and rng.random() < 0.15:
                        late_by = rng.randrange(1, 9)
                        published: dt.date | None = self.calendar.add_workdays(deadline, late_by)[0]
                    else:
                        published = min(deadline, approved + rng.randrange(0, 6) * DAY)
                    if published is not None and published > AS_OF:
                        published = None  # approved or due later: not yet published
                    rows.append([task.task_id, chosen["object_id"], item, department,
                                 start.isoformat(), end.isoformat(), rng.choice(self.methods[item]),
                                 code, FOLLOW_UP.get(code), approved.isoformat(),
                                 published.isoformat() if published else None])
            if task.task_id == "ZB-2026-006":
                # One department never entered its results (第二十五条: counts as not done).
                rows = [r for r in rows if r[3] == task.lead]
            rows.sort(key=lambda r: (r[1], r[2]))
            _csv(self.w.layout.results(task.year, task.task_id), "results", rows)
            written += rows
        return written

    def replacements(self) -> None:
        rng = self.rng
        inspectors = list(self.ds.inspectors.iter_rows(named=True))
        recused = {(r["task_id"], r["object_id"], r["inspector_id"])
                   for r in self.ds.recusals.iter_rows(named=True)}
        shorts = dict(zip(self.ds.departments["department_id"].to_list(),
                          self.ds.departments["short_name"].to_list(), strict=True))
        rows = []
        locked = sorted((d for d in self.ds.draws if d.record), key=lambda d: d.task_id)
        for number, draw in enumerate(rng.sample(locked, min(6, len(locked))), start=1):
            record = draw.record or {}
            team = rng.choice(record["teams"])
            member = rng.choice([m for m in team["members"] if m["inspector_id"]])
            on = dt.date.fromisoformat(record["locked_on"]) + 2 * DAY
            taken = {m["inspector_id"] for m in team["members"]}
            candidates = [i["inspector_id"] for i in inspectors
                          if i["department_id"] == member["department"] and i["active"]
                          and i["qualified_from"] <= on <= i["qualified_to"]
                          and i["inspector_id"] not in taken
                          and (draw.task_id, team["object_id"], i["inspector_id"]) not in recused]
            rows.append((f"TH-{draw.year}-{number:04d}", draw.task_id, team["object_id"],
                         member["department"], member["inspector_id"], rng.choice(candidates),
                         REPLACEMENT_REASONS[number % 4], f"{shorts[member['department']]}分管负责人",
                         on.isoformat()))
        rows.sort(key=lambda r: (r[8], r[0]))
        rows = [(f"TH-{r[8][:4]}-{i:04d}", *r[1:]) for i, r in enumerate(rows, start=1)]
        _csv(self.w.layout.replacements, "replacements", rows)

    def corrections(self, results: list[list[Any]]) -> None:
        rng = self.rng
        shorts = dict(zip(self.ds.departments["department_id"].to_list(),
                          self.ds.departments["short_name"].to_list(), strict=True))
        published = [r for r in results if r[10] and dt.date.fromisoformat(r[10]) < AS_OF - 40 * DAY]
        rows = []
        for number, result in enumerate(sorted(rng.sample(published, min(5, len(published)))), start=1):
            approved = dt.date.fromisoformat(result[10]) + rng.randrange(10, 30) * DAY
            new = "R02" if result[7] != "R02" else "R01"
            rows.append((f"GZ-{approved.year}-{number:04d}", result[0], result[1], result[2],
                         "result_code", result[7], new,
                         "复核发现原检查结果与现场检查记录不符，经复核予以更正（示例）",
                         f"{shorts[result[3]]}主要负责人", approved.isoformat(),
                         (approved + DAY).isoformat()))
        rows.sort(key=lambda r: r[9])
        rows = [(f"GZ-{r[9][:4]}-{i:04d}", *r[1:]) for i, r in enumerate(rows, start=1)]
        _csv(self.w.layout.corrections, "corrections", rows)


def generate(root: Path, objects: int = OBJECTS) -> None:
    """(Re)write the whole sample data set under `root`.

    A smaller `objects` gives the tiny data set the tests start from; everything else
    (plans, draws, outcomes) is generated the same way.
    """
    if root.exists():
        shutil.rmtree(root)
    writer = SampleWriter(root, objects)
    writer.departments()
    writer.checklist()
    writer.scenarios()
    writer.objects()
    writer.inspectors()
    writer.plans()
    writer.holidays()
    _csv(writer.layout.replacements, "replacements", [])
    _csv(writer.layout.corrections, "corrections", [])
    _csv(writer.layout.recusals, "recusals", [])
    ds, _ = load(root)
    writer.recusals(ds)
    _draw_all(root)
    ds, _ = load(root)
    outcomes = Outcomes(writer, ds)
    results = outcomes.results()
    outcomes.replacements()
    outcomes.corrections(results)


