"""What a reader of the public site sees, checked on the rendered pages of the small fixture:
figures that agree from page to page, names rather than internal codes, and instructions that
work when followed literally."""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator.load import reference_table
from generator.publish import build_site
from generator.publish.charts import bar_chart

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "fixtures" / "minimal"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("usability") / "site"
    build_site(MINIMAL, out)
    return out


def text(site: Path, page: str) -> str:
    """The page's content as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    raw = (site / page).read_text(encoding="utf-8")
    article = raw[raw.index('<div class="sl-page'):]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def test_home_on_time_rate_is_the_compliance_pages_rate(site: Path) -> None:
    """The home page's 按期公示率 counts results still unpublished after their deadline, as the
    compliance page does for each department; before, it counted only published results and
    showed 100.0% while the compliance page listed a department at 76.3% with 9 overdue."""
    home = text(site, "index.html")
    shown = re.search(r"(\d+\.\d)% 按期公示率 到期应公示 (\d+) 条，20 个工作日内公示 (\d+) 条", home)
    assert shown, home[:600]
    page = (site / "compliance/2026/index.html").read_text(encoding="utf-8")
    compliance = page[page.index('<table class="sl-compliance">'):]
    compliance = compliance[:compliance.index("</table>")]
    ontime = late = missing = 0
    for row in re.findall(r"<tr[^>]*>\s*<th scope=\"row\">.*?</tr>", compliance, flags=re.S):
        cells = [re.sub(r"<[^>]+>|（.*?）", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, flags=re.S)]
        ontime += int(cells[2])
        late += int(cells[3])
        missing += int(cells[4])
    assert missing > 0  # the fixture has overdue results: the two definitions differ
    assert (int(shown[2]), int(shown[3])) == (ontime + late + missing, ontime)
    assert shown[1] == f"{ontime * 100 / (ontime + late + missing):.1f}"


def test_home_counts_drawn_objects_in_times_not_persons(site: Path) -> None:
    home = text(site, "index.html")
    assert re.search(r"\d+ 抽中检查对象 累计抽中 \d+ 次", home)
    assert "人次" not in home


def test_task_page_names_its_strata_and_scenario_in_chinese(site: Path) -> None:
    """Risk tiers were labelled "高风险（high）": the rows now read in Chinese, and the ids a reader
    meets in frame.csv and record.json are explained under the table; the joint-checklist scenario
    is named, not only given as JS-01."""
    page = text(site, "tasks/2026/ZB-2026-001/index.html")
    rows = re.search(r"层级 条件 抽查比例 抽中对象数 (.*?) 抽取文件", page)
    assert rows
    assert re.search(r"^高风险 满足任一：", rows[1])
    assert not re.search(r"[A-Za-z]", rows[1])
    assert ("抽取文件（ frame.csv 、 record.json ）中的层级编号："
            " high 即“高风险”， watch 即“投诉较多”， general 即“一般”。") in page
    assert "联合抽查场景 餐饮服务单位联合检查（ JS-01 ）" in page


def test_changelog_names_corrected_results_not_their_codes(site: Path) -> None:
    """The version history and its Atom feed said a result changed 由“R01”改为“R02”: a reader
    sees the categories' names, as on the corrections page."""
    changes = text(site, "downloads/changes/index.html")
    feed = (site / "data/releases.xml").read_text(encoding="utf-8")
    for shown in (changes, feed):
        assert re.search(r"的检查结果由“未发现问题”改为“发现问题已责令改正”", shown)
        assert not re.search(r"“R\d\d”", shown)


def test_downloads_page_says_which_file_to_take_and_how_to_cite(site: Path) -> None:
    page = text(site, "downloads/index.html")
    assert ("选哪个文件 sunlight-2026.xlsx 、 sunlight-2025.xlsx ：在 Excel 或 WPS 表格中查看："
            "每年一个文件，先看其中的“数据字典”工作表（每一列的含义）") in page
    assert "sunlight-all.zip ：自己重新验证抽取：含全部抽取文件，步骤见下文" in page
    assert ("例如： 淄博市“双随机、一公开”监管工作联席会议办公室："
            "《淄博市市场监管领域部门联合“双随机、一公开”监管公开数据》，"
            "数据版本 2026-11-18，本站 data/2026-11-18/，CC BY 4.0。") in page


def test_downloads_page_explains_every_column(site: Path) -> None:
    """The columns were explained only in datapackage.json, the workbooks and the repository's
    schemas: the page lists each table's fields with their Chinese names and meanings."""
    page = text(site, "downloads/index.html")
    assert "results_items 检查结果（按事项） 每个任务、检查对象和抽查事项一行" in page
    assert "result_code 检查结果代码 更正后的现行结果（第十九条）" in page
    assert "late_by 逾期工作日 公示晚于期限的工作日数；0 表示按期" in page
    assert "inspector_name" not in page and "certificate_no" not in page  # private fields never listed


def test_the_downloads_pages_steps_re_run_every_draw(site: Path, tmp_path: Path) -> None:
    """Followed literally: check the zip against SHA256SUMS, unzip it into the folder the page
    names, run the verify command it gives; the last line is the one the page promises. The page
    installs Sunlight from the repository: PyPI's package named "sunlight" is another project."""
    raw = (site / "downloads/index.html").read_text(encoding="utf-8")
    steps = raw[raw.index('<h3 id="verify">'):raw.index('<h3 id="cite">')]
    read = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", steps)).split())
    assert 'python3 -m pip install "git+https://github.com/zibo-sunlight/sunlight"' in read
    assert "不要用 pip install sunlight" in read
    assert "Windows 上用 certutil -hashfile sunlight-all.zip SHA256 算出校验和" in read
    zip_href = re.search(r'<a href="([^"]+)"><code>sunlight-all\.zip</code>', steps)
    sums_href = re.search(r'<a href="([^"]+)"><code>SHA256SUMS</code>', steps)
    assert zip_href and sums_href
    downloads = site / "downloads"
    for href in (zip_href[1], sums_href[1]):
        shutil.copy((downloads / href).resolve(), tmp_path)
    check = subprocess.run(["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"], cwd=tmp_path,
                           capture_output=True, text=True, check=False)
    assert check.stdout == "sunlight-all.zip: OK\n"
    unzip = re.search(r"unzip sunlight-all\.zip -d (\S+)", read)
    command = re.search(r"运行 sunlight verify --all --data (\S+) ：", read)
    promised = re.search(r"最后一行为“(共核验 \d+ 次抽取，\d+ 次通过，0 次不一致。)”", read)
    assert unzip and command and promised and unzip[1] == command[1]
    with zipfile.ZipFile(tmp_path / "sunlight-all.zip") as archive:
        archive.extractall(tmp_path / unzip[1])
    out = subprocess.run([sys.executable, "-m", "generator", "verify", "--all", "--data", command[1]],
                         cwd=tmp_path, capture_output=True, text=True, check=False,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1] == promised[1]


def test_the_data_guide_does_not_send_readers_to_an_unrelated_package(site: Path) -> None:
    guide = text(site, "about/data/index.html")
    assert "pip install sunlight （或从版本库安装）" not in guide
    assert "PyPI 上名为 sunlight 的软件包与本站无关，不要用 pip install sunlight" in guide


def test_chart_labels_show_every_result_category_whole() -> None:
    """The compliance page's chart cut labels at 14 characters, without a mark: "公示信息隐瞒
    真实情况、弄虚作" (…弄虚作假), "通过登记的住所（经营场所）无" (…无法联系)."""
    labels = reference_table("result_codes")["label"].to_list()
    assert max(len(label) for label in labels) > 14
    svg = str(bar_chart("mix", "结果类别", "说明", [(label, 1) for label in labels]))
    shown = [re.sub(r"<title>.*?</title>|<[^>]+>", "", text)
             for text in re.findall(r'<text class="sl-chart__label".*?</text>', svg)]
    assert shown == labels
    assert re.search(r'<tspan [^>]+>公示信息隐瞒真实情况、</tspan><tspan [^>]+>弄虚作假</tspan>', svg)


def test_the_page_for_a_wrong_address_is_in_chinese(site: Path) -> None:
    """A mistyped or outdated address showed the theme's "404 - Not found"."""
    raw = (site / "404.html").read_text(encoding="utf-8")
    article = raw[raw.index("<article"):raw.index("</article>")]
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())
    assert shown == ("找不到此页面 您访问的地址没有对应的页面：可能地址输入有误，或页面已经移动。 "
                     "返回首页 企业查询 ：按名称或统一社会信用代码查询抽查记录 站内搜索")
    assert re.findall(r'href="([^"]*)"', article) == ["/", "/lookup/", "/search/"]


def test_no_table_cell_is_left_blank(site: Path) -> None:
    """Blank cells read as missing data: the draw files' row count for a JSON file, a column
    without a description. Not applicable is written "—"."""
    blank = {page.relative_to(site).as_posix() for page in site.rglob("*.html")
             if re.search(r"<td>\s*</td>", page.read_text(encoding="utf-8"))}
    assert blank == set()


def test_plan_explains_the_dash_for_district_departments(site: Path) -> None:
    page = text(site, "plans/2026/index.html")
    assert "“情况”一栏只判断市级部门，区县级部门未参加市级计划的任务时显示“—”。" in page
    assert re.search(r"淄博市张店区市场监督管理局 区县级 0 0 —", page)


def _rows(table: str) -> list[list[str]]:
    """A table's body rows as the text of their cells (header cell first)."""
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[table.index("<tbody>"):], flags=re.S)]


def test_task_pages_account_for_the_unpublished_results_the_compliance_page_counts(site: Path) -> None:
    """The compliance page counted results overdue and unpublished (市市场监管局: 9) that no task
    page mentioned: a task page listed only published results. Each task now says what it owes
    per department; summed over the tasks, the unpublished ones are the compliance page's."""
    missing: dict[str, int] = {}
    pending: dict[str, int] = {}
    for page in sorted((site / "tasks/2026").glob("*/index.html")):
        raw = page.read_text(encoding="utf-8")
        if "<caption>各部门应公示的检查结果（条）</caption>" not in raw:
            continue
        assert re.search(r"本任务应公示 \d+ 条检查结果（每个抽中对象的每个事项一条.*?尚有 \d+ 条未公示", raw)
        table = raw[raw.index("<caption>各部门应公示的检查结果（条）</caption>"):]
        for name, owed, published, _late, late_missing, waiting in _rows(table[:table.index("</table>")]):
            assert int(owed) == int(published) + int(late_missing) + int(waiting)
            missing[name] = missing.get(name, 0) + int(late_missing)
            pending[name] = pending.get(name, 0) + int(waiting)
    compliance = (site / "compliance/2026/index.html").read_text(encoding="utf-8")
    table = compliance[compliance.index('<table class="sl-compliance">'):]
    expected_missing = {}
    expected_pending = {}
    for name, _planned, _done, _ontime, _late, late_missing, waiting, _rate in _rows(table[:table.index("</table>")]):
        if int(late_missing.split("（")[0]):
            expected_missing[name] = int(late_missing.split("（")[0])
        if int(waiting):
            expected_pending[name] = int(waiting)
    assert expected_missing  # the fixture has overdue results
    assert {k: v for k, v in missing.items() if v} == expected_missing
    assert {k: v for k, v in pending.items() if v} == expected_pending


def test_the_databases_timeliness_view_gives_the_compliance_pages_rates(site: Path, tmp_path: Path) -> None:
    """The data guide's example query, select * from department_timeliness, gave 市市场监管局
    100.0% for 2026 (published rows only) where the compliance page says 76.3%."""
    version = json.loads((site / "data/latest.json").read_text(encoding="utf-8"))["version"]
    database = tmp_path / "sunlight.sqlite"
    database.write_bytes(gzip.decompress((site / "data" / version / "sunlight.sqlite.gz").read_bytes()))
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rates = {name: percent for name, percent in connection.execute(
            "select d.short_name, t.ontime_percent from department_timeliness t"
            " join departments d using (department_id) where t.year = 2026")}
    page = (site / "compliance/2026/index.html").read_text(encoding="utf-8")
    table = page[page.index('<table class="sl-compliance">'):]
    shown = {row[0]: row[-1] for row in _rows(table[:table.index("</table>")])}
    assert shown["市市场监管局"] == "76.3%"
    assert {name: "—" if rate is None else f"{rate:.1f}%" for name, rate in rates.items()} == shown


def test_a_task_without_drawn_objects_says_why(site: Path) -> None:
    """"尚无抽中对象。" alone left a reader guessing whether something had gone wrong."""
    waiting = text(site, "tasks/2026/ZB-2026-016/index.html")
    assert "抽取状态： 已准备，等待信标" in waiting
    assert ("尚无抽中对象：抽取清单已公开，所声明的公共随机数产生后即锁定名单，"
            "抽中对象和检查小组随即在此公布。") in waiting
    undrawn = text(site, "tasks/2026/ZB-2026-017/index.html")
    assert "抽取状态： 未抽取" in undrawn
    assert "尚无抽中对象：本任务尚未抽取。抽取前先在本页公开抽取清单和所用的公共随机数。" in undrawn


def test_about_page_tells_keyboard_users_about_the_skip_link(site: Path) -> None:
    assert "在任一页面按 Tab 键，首先出现“跳到正文”链接" in text(site, "about/index.html")
