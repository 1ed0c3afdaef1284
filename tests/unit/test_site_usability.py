"""What a reader of the public site sees, checked on the rendered pages of the small fixture:
figures that agree from page to page, names rather than internal codes, and instructions that
work when followed literally."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from generator.publish import build_site

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "minimal"


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
