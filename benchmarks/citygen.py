"""Synthetic city-scale data set: the one generator every benchmark shares.

    python benchmarks/citygen.py OUT_DIR [--objects 1000000 --results 150000 --tasks 5000
                                          --years 2022-2026 --seed 1 --real-draws 10]

Writes a complete data directory in the layout of `generator/layout.py` and the schemas
of `generator/schemas/` (the same shape as `data/`, which `generator/sample/build.py`
writes at 20,000 objects): departments, checklist, scenarios, the object directory
(sorted by id, real check characters from `stdnum.cn.uscc.calc_check_digit`) and its
confirmed snapshot, inspectors, recusals, one plan per year, a locked draw for every task,
results (one row per object and item), replacements and corrections.

Draws. Every task is drawn with the real engine (`generator.draw.engine.draw`, the
canonical-file writers, `record_sha256`, `read_beacon`), and the first `--real-draws`
tasks go through the real staff workflow (`workflow.prepare` + `workflow.lock`,
committed=None) on the loaded 1,000,000-object data set. Those are timed and also
cross-check the fast path: for each of them the fast path computes its frame, manifest
and record first and generation stops if they differ from what the workflow wrote. The
fast path exists because the workflow re-reads and re-hashes the whole ledger and the
whole directory on every prepare and lock (see benchmarks/README.md), which makes 5,000
sequential draws quadratic. To keep each draw small, a task's scope is one district and
one GB/T 4754 class (a few hundred to a few thousand objects).

Cache: OUT_DIR/.citygen.json holds the parameters (and the generator version); when it
matches, nothing is regenerated. It is written last, so an interrupted run regenerates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from stdnum.cn import uscc

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from generator.draw import SPEC  # noqa: E402
from generator.draw.beacon import read_beacon  # noqa: E402
from generator.draw.canonical import exclusions_text, frame_text, roster_text, sha256_hex  # noqa: E402
from generator.draw.engine import draw  # noqa: E402
from generator.draw.frame import exclusion_rows, frame_rows, roster_rows  # noqa: E402
from generator.draw.ledger import record_sha256  # noqa: E402
from generator.draw.workflow import CAP_PER_YEAR, Beacon, dump_json, lock, prepare  # noqa: E402
from generator.io.atomic import write_atomically  # noqa: E402
from generator.layout import Layout  # noqa: E402
from generator.load import load, reference_table  # noqa: E402
from generator.model import Dataset, Task  # noqa: E402
from generator.schemas import table_schema  # noqa: E402
from generator.workdays import Calendar  # noqa: E402

VERSION = 1  # bump when the output changes, so cached directories are regenerated
STAMP = ".citygen.json"
DAY = dt.timedelta(days=1)

DISTRICTS = {"370302": "淄川区", "370303": "张店区", "370304": "博山区", "370305": "临淄区",
             "370306": "周村区", "370321": "桓台县", "370322": "高青县", "370323": "沂源县"}
DISTRICT_WEIGHTS = [12, 25, 8, 14, 9, 10, 6, 6]
CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
TRADE_NAMES = ["鑫源", "华泰", "齐鲁", "瑞丰", "恒达", "金鼎", "盛世", "宏图", "东岳", "博远", "嘉禾", "润泽",
               "锦程", "福瑞", "永盛", "新华", "泰和", "康宁", "德信", "隆昌", "海纳", "万通", "天成", "和顺",
               "荣华", "安泰", "聚丰", "祥瑞", "汇丰", "金桥", "顺达", "明远", "同心", "宏业", "君悦", "鸿运"]
SUFFIXES = ["有限公司", "有限责任公司", "股份有限公司", "店", "经营部"]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红梅玉兰斌浩宇晨博文俊鹏辉凯琳婷")
# The three departments with 100 inspectors each (bench_draw draws a team from them).
BIG_DEPARTMENTS = ("scjg", "yjgl", "xfjy")
BIG_ROSTER, SMALL_ROSTER = 100, 12
# Result mix (第十八条), weights out of 1000, and follow-up: as in generator/sample/build.py.
RESULT_WEIGHTS = {"R01": 720, "R02": 110, "R03": 25, "R04": 5, "R05": 30, "R06": 6, "R07": 40,
                  "R08": 24, "R09": 40}
FOLLOW_UP = {"R02": "责令整改", "R03": "列入经营异常名录", "R04": "立案查处", "R05": "列入经营异常名录",
             "R06": "列入重点关注对象名单", "R09": "线索移交"}
REPLACEMENT_REASONS = ("岗位调整", "工作冲突", "健康状况", "执法回避")
HIGH_WHEN = {"serious_violation": True, "abnormal_list": True, "key_attention": True}
WATCH_WHEN = {"complaints_at_least": 3}
TARGET_SELECTED = 42  # objects drawn per task on average; results take ~150,000 of ~200,000


@dataclass(frozen=True)
class Params:
    objects: int = 1_000_000
    results: int = 150_000
    tasks: int = 5_000
    years: str = "2022-2026"
    seed: int = 1
    item_rows: int = 1_000_000
    real_draws: int = 10

    @property
    def year_list(self) -> list[int]:
        first, _, last = self.years.partition("-")
        return list(range(int(first), int(last or first) + 1))

    def stamp(self) -> dict[str, Any]:
        return {"version": VERSION, **asdict(self)}


def _log(message: str) -> None:
    print(message, flush=True)


class Timer:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    def __call__(self, name: str) -> _Phase:
        return _Phase(self, name)


class _Phase:
    def __init__(self, timer: Timer, name: str) -> None:
        self.timer, self.name = timer, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *_: object) -> None:
        seconds = time.perf_counter() - self.start
        self.timer.phases[self.name] = round(self.timer.phases.get(self.name, 0) + seconds, 3)
        _log(f"  {self.name:<34} {seconds:8.2f} s")


def _header(name: str) -> list[str]:
    return [f["name"] for f in table_schema(name)["fields"]]


def _write_frame(path: Path, name: str, frame: pl.DataFrame) -> None:
    """A CSV table in schema column order: UTF-8, LF, minimal quoting, ISO dates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.select(_header(name)).write_csv(path, line_terminator="\n", date_format="%Y-%m-%d")


def _write_rows(path: Path, name: str, rows: list[list[Any]]) -> None:
    header = _header(name)
    frame = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row") if rows \
        else pl.DataFrame(schema=dict.fromkeys(header, pl.String))
    _write_frame(path, name, frame)


def _yaml(path: Path, value: Any, comment: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(value, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(f"# {comment}\n{text}", encoding="utf-8", newline="\n")


def _source() -> dict[str, Any]:
    text = files("generator.sample").joinpath("checklist_items.yaml").read_text(encoding="utf-8")
    value: dict[str, Any] = yaml.safe_load(text)
    return value


def _sample_beacon(task_id: str) -> str:
    """24 dice digits derived from the task id: a stand-in value, not public randomness."""
    digest = hashlib.sha256(f"sunlight/citygen-beacon/{task_id}".encode()).digest()
    return "".join(str(b % 6 + 1) for b in digest[:24])


class City:
    def __init__(self, root: Path, params: Params) -> None:
        self.root = root
        self.p = params
        self.layout = Layout(root)
        self.rng = np.random.default_rng(params.seed)
        self.source = _source()
        self.years = params.year_list
        self.as_of = dt.date(self.years[-1], 11, 20)  # the data set's "today"
        self.timer = Timer()
        self.industries = reference_table("industries")
        self.report: dict[str, Any] = {}

    # -- reference data --------------------------------------------------------------

    def reference(self) -> None:
        rows = [[d["id"], d["name"], d["short_name"], "市级", None, "370300"]
                for d in self.source["departments"]]
        rows += [["zd_scjg", "淄博市张店区市场监督管理局", "张店区市场监管局", "区县级", "scjg", "370303"],
                 ["lz_scjg", "淄博市临淄区市场监督管理局", "临淄区市场监管局", "区县级", "scjg", "370305"]]
        _write_rows(self.layout.departments, "departments", rows)
        first, revised = f"{self.years[0] - 1}-01-01", f"{self.years[-1]}-01-01"
        rows = []
        for index, item in enumerate(self.source["items"]):
            base = [item["id"], "1", item["department"], item["field"], item["matter"], item["sub_item"],
                    item["object_type"], item["category"], ";".join(item["methods"]), item["legal_basis"],
                    item["inspecting_body"], first, None]
            if index % 9 == 4:  # a revised item keeps its superseded version (第六条)
                rows.append([*base[:12], revised])
                rows.append([*base[:1], "2", *base[2:5], item["sub_item"] + "（修订）", *base[6:11],
                             revised, None])
            else:
                rows.append(base)
        _write_rows(self.layout.checklist, "checklist", rows)
        _yaml(self.layout.scenarios, {"published_on": f"{self.years[0]}-01-15",
                                      "scenarios": self.source["scenarios"]},
              "部门联合抽查事项清单（城市规模合成数据）")
        _yaml(self.layout.holidays, {"years": [{
            "year": 2027, "official": False,
            "source": "暂定：国务院办公厅 2027 年部分节假日安排通知公布前，按法定节日估计（合成数据）",
            "holidays": ["2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
                         "2027-02-10", "2027-02-11", "2027-02-12", "2027-04-05", "2027-05-01",
                         "2027-05-02", "2027-05-03", "2027-06-09", "2027-09-15", "2027-10-01",
                         "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06",
                         "2027-10-07"],
            "workdays": []}]}, "chinesecalendar 尚未收录年份的节假日安排（合成数据）")

    # -- object directory ------------------------------------------------------------

    def _classes(self, prefixes: list[str]) -> pl.DataFrame:
        small = self.industries.filter(pl.col("level") == "小类")
        return small.filter(pl.any_horizontal(pl.col("code").str.starts_with(p) for p in prefixes))

    def objects(self) -> None:
        n, rng = self.p.objects, self.rng
        scenarios = self.source["scenarios"]
        # Industry pools: each scenario's classes with Zipf weights (a few classes are big,
        # as in a real city), then a generic pool of trade and services.
        pool_codes: list[str] = []
        pool_trade: list[str] = []
        pool_keywords: list[str | None] = []
        pool_weight: list[float] = []
        for scenario in scenarios:
            classes = self._classes(scenario["industries"]).sort("code")
            ranks = np.arange(1, len(classes) + 1)
            weights = (1 / ranks) / (1 / ranks).sum() * 0.7 / len(scenarios)
            order = np.random.default_rng([self.p.seed, len(pool_codes)]).permutation(len(classes))
            for position, code in enumerate(classes["code"].to_list()):
                pool_codes.append(code)
                pool_trade.append(scenario["keywords"][0])
                pool_keywords.append(";".join(scenario["keywords"]))
                pool_weight.append(weights[order[position]])
        generic = self._classes(["51", "52", "65", "72", "80"])
        for code, name in generic.select("code", "name").iter_rows():
            pool_codes.append(code)
            pool_trade.append(name.removesuffix("服务")[:4])
            pool_keywords.append(None)
            pool_weight.append(0.3 / len(generic))
        weight = np.array(pool_weight) / sum(pool_weight)
        pick = rng.choice(len(pool_codes), size=n, p=weight)
        kind = rng.choice(np.array(["市场主体", "产品", "项目", "行为"]), size=n, p=[0.92, 0.03, 0.025, 0.025])
        district_codes = np.array(list(DISTRICTS))
        districts = rng.choice(len(district_codes), size=n,
                               p=np.array(DISTRICT_WEIGHTS) / sum(DISTRICT_WEIGHTS))
        entity = kind == "市场主体"
        # Object ids: credit codes (91 + district + 9 characters + check) for market
        # entities, CP/XM/XW-year-number for products, projects and conducts.
        chars = np.array(list(CODE_CHARACTERS))[rng.integers(0, len(CODE_CHARACTERS), size=(n, 9))]
        tails = chars.view("<U9").ravel()
        body = [f"91{district_codes[d]}{t}" for d, t in zip(districts.tolist(), tails.tolist(), strict=True)]
        ids = np.empty(n, dtype=object)
        is_entity = entity.tolist()
        prefix = {"产品": "CP", "项目": "XM", "行为": "XW"}
        kinds = kind.tolist()
        born = rng.integers(self.years[0] - 6, self.years[-1] + 1, size=n).tolist()
        with self.timer("credit codes (stdnum)"):
            ids[:] = [b + uscc.calc_check_digit(b) if e else f"{prefix[k]}-{y}-{i:07d}"
                      for i, (b, e, k, y) in enumerate(zip(body, is_entity, kinds, born, strict=True))]
        with self.timer("directory frame"):
            frame = pl.DataFrame({
                "object_id": pl.Series(ids.tolist(), dtype=pl.String),
                "object_type": kind,
                "pool": pick,
                "district": district_codes[districts],
                "t1": rng.integers(0, len(TRADE_NAMES), size=n),
                "t2": rng.integers(0, len(TRADE_NAMES), size=n),
                "suffix": rng.integers(0, len(SUFFIXES), size=n),
                "no_industry": rng.random(n) < 0.5,
                "status": rng.choice(np.array(["存续", "注销", "吊销", "撤销", "迁出"]), size=n,
                                     p=np.array([955, 25, 12, 3, 5]) / 1000),
                "abnormal_list": rng.random(n) < 0.03,
                "key_attention": rng.random(n) < 0.012,
                "serious_violation": rng.random(n) < 0.006,
                "complaints": np.minimum(rng.exponential(1 / 1.6, size=n).astype(np.int64), 12),
            })
            # Rare duplicate codes: keep the first (the directory is keyed by object_id).
            frame = frame.unique("object_id", keep="first", maintain_order=True)
            dist_names = pl.col("district").replace_strict(DISTRICTS)
            t1 = pl.col("t1").replace_strict(dict(enumerate(TRADE_NAMES)))
            t2 = pl.col("t2").replace_strict(dict(enumerate(TRADE_NAMES)))
            suffix = pl.col("suffix").replace_strict(dict(enumerate(SUFFIXES)))
            trade_of = pl.col("pool").replace_strict(dict(enumerate(pool_trade)), return_dtype=pl.String)
            entity_name = pl.when(pl.col("suffix") >= 3).then(
                pl.concat_str(dist_names, t1, trade_of, suffix)).otherwise(
                pl.concat_str(pl.lit("淄博"), t1, t2, trade_of, suffix))
            other_name = pl.concat_str(dist_names, t1, trade_of, pl.col("object_type"),
                                       (pl.col("t2") + 1).cast(pl.String), pl.lit("号"))
            is_entity_expr = pl.col("object_type") == "市场主体"
            frame = frame.with_columns(
                name=pl.when(is_entity_expr).then(entity_name).otherwise(other_name),
                industry=pl.when(is_entity_expr | ~pl.col("no_industry")).then(
                    pl.col("pool").replace_strict(dict(enumerate(pool_codes)), return_dtype=pl.String)),
                scope_keywords=pl.col("pool").replace_strict(dict(enumerate(pool_keywords)),
                                                             return_dtype=pl.String),
            ).sort("object_id")
        with self.timer("write objects.csv"):
            _write_frame(self.layout.objects, "objects", frame)
            digest = hashlib.sha256(self.layout.objects.read_bytes()).hexdigest()
        first = self.years[0]
        _yaml(self.layout.snapshot, {"snapshot_date": f"{first}-02-05", "confirmed_on": f"{first}-02-10",
                                     "confirmed_by": "scjg", "rows": len(frame), "sha256": digest},
              "检查对象名录库快照确认（第九条，城市规模合成数据）")
        # The draw frames of every (district, class) cell, with the strata of every task.
        stratum = pl.when(pl.col("serious_violation") | pl.col("abnormal_list") | pl.col("key_attention")
                          ).then(pl.lit("high")).otherwise(
            pl.when(pl.col("complaints") >= 3).then(pl.lit("watch")).otherwise(pl.lit("general")))
        drawable = frame.filter((pl.col("status") == "存续") & is_entity_expr).select(
            "district", "industry", "object_id", stratum.alias("stratum"))
        self.cells = {key: part.select("object_id", "stratum")
                      for key, part in drawable.partition_by(["district", "industry"], as_dict=True,
                                                             maintain_order=True).items()}
        self.pool_scenario: dict[str, list[str]] = {}
        for scenario in scenarios:
            for code in self._classes(scenario["industries"])["code"].to_list():
                self.pool_scenario.setdefault(code, []).append(scenario["id"])
        self.report["objects"] = len(frame)

    # -- inspectors ------------------------------------------------------------------

    def inspectors(self) -> None:
        rng = np.random.default_rng([self.p.seed, 7])
        middle = self.years[len(self.years) // 2]
        rows = []
        for department in self.source["departments"]:
            count = BIG_ROSTER if department["id"] in BIG_DEPARTMENTS else SMALL_ROSTER
            for number in range(1, count + 1):
                name = str(rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN, size=int(rng.integers(1, 3))))
                rows.append([f"ZF-{department['id'].upper()}-{number:04d}", department["id"],
                             "true" if rng.random() > 0.04 else "false", f"{self.years[0] - 1}-01-01",
                             f"{middle}-06-30" if rng.random() < 0.05 else f"{self.years[-1] + 3}-12-31",
                             name, f"37030{int(rng.integers(10**9)):09d}",
                             f"1{rng.choice(list('3589'))}{int(rng.integers(10**9)):09d}"])
        rows.sort()
        _write_rows(self.layout.inspectors, "inspectors", rows)
        self.report["inspectors"] = len(rows)

    # -- plans -----------------------------------------------------------------------

    def plans(self) -> None:
        rng = np.random.default_rng([self.p.seed, 11])
        scenarios = self.source["scenarios"]
        items_of: dict[str, list[str]] = {}
        for item in self.source["items"]:
            items_of.setdefault(item["department"], []).append(item["id"])
        per_year = self.p.tasks // len(self.years)
        if per_year > 1000 or per_year * len(self.years) != self.p.tasks:
            raise SystemExit("--tasks must be a multiple of the number of years, at most 1000 a year "
                             "(task ids are ZB-YYYY-NNN)")
        # Cells big enough to draw from, per scenario: (district, class, frame size).
        cells: dict[str, list[tuple[str, str, int]]] = {s["id"]: [] for s in scenarios}
        for (district, code), part in self.cells.items():
            if code is not None and len(part) >= 120:
                for scenario_id in self.pool_scenario.get(code, []):
                    cells[scenario_id].append((district, code, len(part)))
        usable = [s for s in scenarios if cells[s["id"]]]
        mean_items = self.p.item_rows / self.p.results
        self.plan_tasks: dict[int, list[dict[str, Any]]] = {}
        self.task_cell: dict[str, tuple[str, str]] = {}
        for year in self.years:
            starts = sorted(dt.date(year, 3, 1) + int(d) * DAY for d in rng.integers(0, 234, size=per_year))
            tasks = []
            base = 1 if per_year <= 999 else 0
            for index, start in enumerate(starts):
                number = index + base
                scenario = usable[int(rng.integers(len(usable)))]
                options = cells[scenario["id"]]
                district, code, size = options[int(rng.integers(len(options)))]
                lead = scenario["lead"]
                participants = [d for d in scenario["departments"] if d != lead]
                departments = [lead, *participants]
                want = int(mean_items) + (rng.random() < mean_items - int(mean_items))
                items = list(scenario["items"])
                extra = [i for d in departments for i in items_of.get(d, []) if i not in items]
                rng.shuffle(extra)
                items += extra[:max(0, want - len(items))]
                general_bp = int(min(2000, max(100, -(-TARGET_SELECTED * 10000 // max(size, 1)) * 7 // 10)))
                watch: dict[str, Any] = {"count": 5} if index % 4 == 0 else {"ratio_bp": max(1000, general_bp)}
                task_id = f"ZB-{year}-{number:03d}"
                end = min(start + 75 * DAY, dt.date(year, 12, 15))
                task: dict[str, Any] = {
                    "task_id": task_id,
                    "name": f"{year}年{scenario['name'].removesuffix('联合检查')}抽查（{DISTRICTS[district]}{code}）",
                    "scenario": scenario["id"], "level": "市级", "lead": lead,
                    "participants": participants, "items": items,
                    "scope": {"object_types": ["市场主体"], "districts": [district], "industries": [code]},
                    "strata": [
                        {"id": "high", "name": "高风险", "when_any": dict(HIGH_WHEN),
                         "ratio_bp": max(3000, general_bp)},
                        {"id": "watch", "name": "投诉较多", "when_any": dict(WATCH_WHEN), **watch},
                        {"id": "general", "name": "一般", "ratio_bp": general_bp},
                    ],
                    "frequency": 1,
                    "window": {"start": start.isoformat(), "end": end.isoformat()},
                    "team": {"departments": [{"id": lead, "size": 2}]
                             + [{"id": d, "size": 1} for d in participants]},
                }
                if index % 6 == 1:
                    task["team"]["max_per_inspector"] = 40
                tasks.append(task)
                self.task_cell[task_id] = (district, code)
            self.plan_tasks[year] = tasks
            _yaml(self.layout.plan(year), {
                "year": year, "published_on": f"{year}-02-10",
                "published_by": "淄博市“双随机、一公开”监管工作联席会议办公室", "tasks": tasks},
                f"{year} 年度部门联合抽查计划（城市规模合成数据）")

    def recusals(self) -> None:
        """One declared recusal for every tenth task: an object of its frame, a lead inspector."""
        rng = np.random.default_rng([self.p.seed, 13])
        leads = {}
        for department in self.source["departments"]:
            count = BIG_ROSTER if department["id"] in BIG_DEPARTMENTS else SMALL_ROSTER
            leads[department["id"]] = [f"ZF-{department['id'].upper()}-{i:04d}" for i in range(1, count + 1)]
        rows = []
        for year in self.years:
            for index, task in enumerate(self.plan_tasks[year]):
                if index % 10 != 3:
                    continue
                frame = self.cells[self.task_cell[task["task_id"]]]
                object_id = frame["object_id"][int(rng.integers(len(frame)))]
                inspector = leads[task["lead"]][int(rng.integers(len(leads[task["lead"]])))]
                declared = dt.date.fromisoformat(task["window"]["start"]) - 13 * DAY
                rows.append([task["task_id"], object_id, inspector, declared.isoformat(), "亲属关系（合成数据）"])
        rows.sort()
        _write_rows(self.layout.recusals, "recusals", rows)

    # -- draws -----------------------------------------------------------------------

    def _fast_frame(self, task: Task) -> list[tuple[str, str]]:
        return list(self.cells[(task.districts[0], task.industries[0])].iter_rows())

    def _manifest(self, ds: Dataset, task: Task, on: dt.date, previous: str,
                  texts: dict[str, str], rows: dict[str, int]) -> dict[str, Any]:
        """The manifest exactly as `workflow.prepare` writes it (cross-checked below)."""
        snapshot = ds.snapshot
        assert snapshot is not None
        team: dict[str, Any] = {"departments": [{"id": s.department, "size": s.size} for s in task.team]}
        if task.max_per_inspector is not None:
            team["max_per_inspector"] = task.max_per_inspector
        return {
            "spec": SPEC, "task_id": task.task_id, "year": task.year, "cap_per_year": CAP_PER_YEAR,
            "frame": {"sha256": sha256_hex(texts["frame.csv"].encode()), "rows": rows["frame"]},
            "strata": [s.as_manifest() for s in task.strata],
            "beacon": Beacon("sample").as_manifest(),
            "previous": previous,
            "inspectors": {"sha256": sha256_hex(texts["roster.csv"].encode()), "rows": rows["roster"]},
            "exclusions": {"sha256": sha256_hex(texts["exclusions.csv"].encode()),
                           "rows": rows["exclusions"]},
            "team": team,
            "directory": {"sha256": snapshot.sha256, "rows": snapshot.rows,
                          "snapshot_date": snapshot.snapshot_date.isoformat(),
                          "confirmed_on": snapshot.confirmed_on.isoformat(),
                          "confirmed_by": snapshot.confirmed_by},
            "prepared_on": on.isoformat(),
            "drawn_by": task.drawn_by,
            "dispatched_to": list(task.dispatched_to),
        }

    def _fast_draw(self, ds: Dataset, task: Task, head: str, prior: Counter[str]
                   ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Prepare + lock of one task with the engine, holding the ledger state in memory."""
        on = task.window_start - 10 * DAY
        frame = self._fast_frame(task)
        roster = roster_rows(ds.inspectors, task, on)
        exclusions = exclusion_rows(ds, task, on)
        texts = {"frame.csv": frame_text(frame), "roster.csv": roster_text(roster),
                 "exclusions.csv": exclusions_text(exclusions)}
        manifest = self._manifest(ds, task, on, head, texts, {"frame": len(frame), "roster": len(roster),
                                                              "exclusions": len(exclusions)})
        beacon_value, beacon = read_beacon(_sample_beacon(task.task_id), manifest["beacon"])
        # Only the frame's objects matter for the cap, so pass just their earlier selections.
        earlier = [o for o, _ in frame for _ in range(prior.get(o, 0))]
        outcome = draw(manifest, beacon_value, frame, earlier, roster, exclusions)
        record: dict[str, Any] = {"spec": SPEC, "task_id": task.task_id, "manifest": manifest,
                                  "beacon_value": beacon_value, "locked_on": (on + DAY).isoformat(),
                                  **outcome.as_json()}
        record["record_sha256"] = record_sha256(record)
        return texts, manifest, beacon, record

    def draws(self) -> None:
        with self.timer("load data set (1 time)"):
            ds, _ = load(self.root)
        tasks = sorted(ds.tasks.values(), key=lambda t: (t.window_start, t.task_id))
        head = "0" * 64
        prior: dict[int, Counter[str]] = {year: Counter() for year in self.years}
        self.records: dict[str, dict[str, Any]] = {}
        real_times: list[float] = []
        fast_start = time.perf_counter()
        for number, task in enumerate(tasks):
            texts, manifest, beacon, record = self._fast_draw(ds, task, head, prior[task.year])
            directory = self.layout.draw_dir(task.year, task.task_id)
            if number < self.p.real_draws:
                # The real workflow, timed; then the fast path must have computed the same.
                started = time.perf_counter()
                on = task.window_start - 10 * DAY
                prepare(ds, task.task_id, on, Beacon("sample"))
                lock(self.root, task.year, task.task_id, _sample_beacon(task.task_id), on + DAY,
                     committed=None)
                real_times.append(time.perf_counter() - started)
                if self._fast_frame(task) != frame_rows(ds.objects, task):
                    raise SystemExit(f"citygen: fast frame differs from frame_rows for {task.task_id}")
                for name, text in texts.items():
                    if (directory / name).read_text(encoding="utf-8") != text:
                        raise SystemExit(f"citygen: {name} differs from workflow.prepare for {task.task_id}")
                for name, value in (("manifest.json", manifest), ("record.json", record),
                                    ("beacon.json", beacon)):
                    if json.loads((directory / name).read_text(encoding="utf-8")) != value:
                        raise SystemExit(f"citygen: {name} differs from the workflow for {task.task_id}")
                if number + 1 == self.p.real_draws:
                    fast_start = time.perf_counter()
            else:
                for name, text in texts.items():
                    write_atomically(directory / name, text)
                write_atomically(directory / "manifest.json", dump_json(manifest))
                write_atomically(directory / "beacon.json", dump_json(beacon))
                write_atomically(directory / "record.json", dump_json(record))
            head = record["record_sha256"]
            prior[task.year].update(s["object_id"] for s in record["selected"])
            self.records[task.task_id] = record
            if (number + 1) % 1000 == 0:
                _log(f"    {number + 1} draws locked")
        fast = len(tasks) - min(len(tasks), self.p.real_draws)
        fast_seconds = time.perf_counter() - fast_start
        self.timer.phases["draws: real prepare+lock"] = round(sum(real_times), 3)
        self.timer.phases["draws: fast path"] = round(fast_seconds, 3)
        self.report["draws"] = {
            "tasks": len(tasks), "real_workflow": len(real_times),
            "real_seconds_each": [round(t, 3) for t in real_times],
            "fast_path": fast, "fast_ms_each": round(1000 * fast_seconds / max(fast, 1), 2),
            "selected": sum(len(r["selected"]) for r in self.records.values()),
            "frame_rows": sum(r["manifest"]["frame"]["rows"] for r in self.records.values()),
            "excluded_by_cap": sum(len(r["excluded_by_cap"]) for r in self.records.values()),
        }
        _log(f"  real workflow: {len(real_times)} draws, "
             + ", ".join(f"{t:.2f}" for t in real_times) + " s each")
        _log(f"  fast path: {fast} draws, {self.report['draws']['fast_ms_each']} ms each")
        self.ds = ds

    # -- outcomes --------------------------------------------------------------------

    def results(self) -> None:
        rng = np.random.default_rng([self.p.seed, 17])
        ds = self.ds
        tasks = ds.tasks
        rows: dict[str, list[Any]] = {k: [] for k in ("task_id", "object_id", "locked_on", "start", "span")}
        for task_id, record in self.records.items():
            task = tasks[task_id]
            span = (task.window_end - task.window_start).days
            for chosen in record["selected"]:
                rows["task_id"].append(task_id)
                rows["object_id"].append(chosen["object_id"])
                rows["locked_on"].append(dt.date.fromisoformat(record["locked_on"]))
                rows["start"].append(task.window_start)
                rows["span"].append(max(1, span - 3))
        chosen = pl.DataFrame(rows)
        n = len(chosen)
        chosen = chosen.with_columns(
            r=pl.Series(rng.integers(0, 1 << 30, size=n)),
            length=pl.Series(rng.choice([0, 0, 1, 2], size=n)),
            wait=pl.Series(rng.integers(1, 8, size=n)),
            outcome=pl.Series(rng.choice(list(RESULT_WEIGHTS), size=n,
                                         p=np.array(list(RESULT_WEIGHTS.values())) / 1000)),
            order=pl.Series(rng.permutation(n)),
        ).with_columns(inspected_from=pl.col("start") + pl.duration(days=pl.col("r") % pl.col("span"))
                       ).with_columns(inspected_to=pl.col("inspected_from") + pl.duration(days=pl.col("length"))
                       ).with_columns(approved_on=pl.col("inspected_to") + pl.duration(days=pl.col("wait")))
        eligible = chosen.filter(pl.col("approved_on") <= self.as_of)
        if len(eligible) < self.p.results:
            raise SystemExit(f"citygen: only {len(eligible)} drawn objects were inspected and approved "
                             f"by {self.as_of}; fewer than --results {self.p.results}")
        done = eligible.sort("order").head(self.p.results)
        # One row per task item (第十五条: all items in one visit).
        items = pl.DataFrame({"task_id": list(tasks), "item_id": [list(t.items) for t in tasks.values()]})
        owner = dict(zip(ds.checklist["item_id"].to_list(), ds.checklist["department_id"].to_list(),
                         strict=True))
        methods = {r["item_id"]: r["methods"].split(";") for r in ds.checklist.iter_rows(named=True)}
        full = done.join(items, on="task_id").explode("item_id")
        m = len(full)
        calendar = Calendar(ds.holidays)
        ends = full["inspected_to"].unique().to_list()
        deadlines = {e: calendar.publication_deadline(e)[0] for e in ends}
        late_departments = ("jtys", "nync")
        method_pick = rng.integers(0, 1 << 20, size=m)
        full = full.with_columns(
            deadline=pl.col("inspected_to").replace_strict(deadlines, return_dtype=pl.Date),
            department_id=pl.col("item_id").replace_strict(owner),
            method=pl.Series([methods[i][k % len(methods[i])]
                              for i, k in zip(full["item_id"].to_list(), method_pick.tolist(), strict=True)]),
            result_code=pl.when(pl.Series(rng.random(m) < 0.7)).then(pl.col("outcome")).otherwise(pl.lit("R01")),
            late=pl.Series(rng.random(m) < 0.15),
            delay=pl.Series(rng.integers(0, 6, size=m)),
            overdue=pl.Series(rng.integers(1, 9, size=m)),
        ).with_columns(
            follow_up=pl.col("result_code").replace_strict(FOLLOW_UP, default=None, return_dtype=pl.String),
            published_on=pl.when(pl.col("late") & pl.col("department_id").is_in(late_departments))
            .then(pl.col("deadline") + pl.duration(days=pl.col("overdue")))
            .otherwise(pl.min_horizontal(pl.col("deadline"),
                                         pl.col("approved_on") + pl.duration(days=pl.col("delay")))),
        ).with_columns(published_on=pl.when(pl.col("published_on") <= self.as_of).then(pl.col("published_on")))
        full = full.sort("task_id", "object_id", "item_id")
        year_of = {t.task_id: t.year for t in tasks.values()}
        for (task_id,), part in full.partition_by(["task_id"], as_dict=True, maintain_order=True).items():
            _write_frame(self.layout.results(year_of[task_id], task_id), "results", part)
        self.full_results = full
        self.report["results"] = {"objects": len(done), "item_rows": m, "files": full["task_id"].n_unique(),
                                  "selected": n}

    def replacements(self) -> None:
        rng = np.random.default_rng([self.p.seed, 19])
        ds = self.ds
        inspectors = list(ds.inspectors.iter_rows(named=True))
        by_department: dict[str, list[dict[str, Any]]] = {}
        for i in inspectors:
            by_department.setdefault(i["department_id"], []).append(i)
        recused = {(r["task_id"], r["object_id"], r["inspector_id"]) for r in ds.recusals.iter_rows(named=True)}
        shorts = dict(zip(ds.departments["department_id"].to_list(), ds.departments["short_name"].to_list(),
                          strict=True))
        names = sorted(self.records)
        rows: list[list[Any]] = []
        for task_id in rng.choice(names, size=min(len(names) // 10, len(names)), replace=False).tolist():
            record = self.records[task_id]
            team = record["teams"][int(rng.integers(len(record["teams"])))]
            filled = [m for m in team["members"] if m["inspector_id"]]
            if not filled:
                continue
            member = filled[int(rng.integers(len(filled)))]
            on = dt.date.fromisoformat(record["locked_on"]) + 2 * DAY
            taken = {m["inspector_id"] for m in team["members"]}
            candidates = [i["inspector_id"] for i in by_department[member["department"]]
                          if i["active"] and i["qualified_from"] <= on <= i["qualified_to"]
                          and i["inspector_id"] not in taken
                          and (task_id, team["object_id"], i["inspector_id"]) not in recused]
            if not candidates:
                continue
            rows.append([task_id, team["object_id"], member["department"], member["inspector_id"],
                         candidates[int(rng.integers(len(candidates)))],
                         REPLACEMENT_REASONS[len(rows) % 4], f"{shorts[member['department']]}分管负责人",
                         on.isoformat()])
        rows.sort(key=lambda r: (r[7], r[0]))
        numbered = [[f"TH-{r[7][:4]}-{i:04d}", *r] for i, r in enumerate(rows, start=1)]
        _write_rows(self.layout.replacements, "replacements", numbered)
        self.report["replacements"] = len(numbered)

    def corrections(self) -> None:
        rng = np.random.default_rng([self.p.seed, 23])
        limit = self.as_of - 40 * DAY
        published = self.full_results.filter(pl.col("published_on") < limit)
        take = rng.choice(len(published), size=min(300, len(published)), replace=False).tolist()
        picked = published.with_row_index("_i").filter(pl.col("_i").is_in(take))
        shorts = dict(zip(self.ds.departments["department_id"].to_list(),
                          self.ds.departments["short_name"].to_list(), strict=True))
        rows = []
        for r in picked.iter_rows(named=True):
            approved = r["published_on"] + int(rng.integers(10, 30)) * DAY
            publish = approved + DAY
            rows.append([r["task_id"], r["object_id"], r["item_id"], "result_code", r["result_code"],
                         "R02" if r["result_code"] != "R02" else "R01",
                         "复核发现原检查结果与现场检查记录不符，经复核予以更正（合成数据）",
                         f"{shorts[r['department_id']]}主要负责人", approved.isoformat(),
                         publish.isoformat() if publish <= self.as_of else None])
        rows.sort(key=lambda r: (r[8], r[0], r[1], r[2]))
        numbered = [[f"GZ-{r[8][:4]}-{i:04d}", *r] for i, r in enumerate(rows, start=1)]
        _write_rows(self.layout.corrections, "corrections", numbered)
        self.report["corrections"] = len(numbered)


def generate(root: Path, params: Params) -> dict[str, Any]:
    """(Re)write the city under `root`; returns the stamp (parameters, timings, counts)."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    city = City(root, params)
    started = time.perf_counter()
    _log(f"citygen: writing {root} ({params})")
    with city.timer("reference data"):
        city.reference()
    with city.timer("objects (total)"):
        city.objects()
    with city.timer("inspectors"):
        city.inspectors()
    with city.timer("plans"):
        city.plans()
    with city.timer("recusals"):
        city.recusals()
    _write_rows(city.layout.replacements, "replacements", [])
    _write_rows(city.layout.corrections, "corrections", [])
    with city.timer("draws (total)"):
        city.draws()
    with city.timer("results"):
        city.results()
    with city.timer("replacements"):
        city.replacements()
    with city.timer("corrections"):
        city.corrections()
    total = time.perf_counter() - started
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    stamp = {**params.stamp(), "generator_commit": commit, "generated_seconds": round(total, 2),
             "phases": city.timer.phases,
             "counts": city.report, "as_of": city.as_of.isoformat()}
    (root / STAMP).write_text(json.dumps(stamp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _log(f"citygen: done in {total:.1f} s: {json.dumps(city.report, ensure_ascii=False)}")
    return stamp


def read_stamp(root: Path) -> dict[str, Any] | None:
    try:
        value: dict[str, Any] = json.loads((root / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value


def ensure(root: Path, params: Params | None = None) -> dict[str, Any]:
    """Generate `root` unless it already holds a city made with the same parameters."""
    params = params or Params()
    stamp = read_stamp(root)
    if stamp is not None and {k: stamp.get(k) for k in params.stamp()} == params.stamp():
        _log(f"citygen: {root} is up to date (generated in {stamp.get('generated_seconds')} s at commit "
             f"{stamp.get('generator_commit', '?')}); skipping (--force regenerates)")
        return stamp
    return generate(root, params)


def main(argv: list[str] | None = None) -> int:
    defaults = Params()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="output data directory")
    parser.add_argument("--objects", type=int, default=defaults.objects)
    parser.add_argument("--results", type=int, default=defaults.results,
                        help="object-level results (each has one row per task item)")
    parser.add_argument("--item-rows", type=int, default=defaults.item_rows,
                        help="target item-level result rows in total (sets items per task)")
    parser.add_argument("--tasks", type=int, default=defaults.tasks)
    parser.add_argument("--years", default=defaults.years, help="e.g. 2022-2026")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--real-draws", type=int, default=defaults.real_draws,
                        help="tasks drawn through workflow.prepare/lock (timed, and cross-checked)")
    parser.add_argument("--force", action="store_true", help="regenerate even if the stamp matches")
    args = parser.parse_args(argv)
    params = Params(args.objects, args.results, args.tasks, args.years, args.seed, args.item_rows,
                    args.real_draws)
    if args.force:
        generate(args.out, params)
    else:
        ensure(args.out, params)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
