"""What people do on the built sample site, in real Chromium: look a business up by part of its
name or by its credit code, follow deep links, verify a draw in the browser, search the site in
Chinese, filter results, and reach search and lookup with the keyboard alone."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from generator.publish import build_site

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data"
ARTIFACTS = REPO / "test-artifacts"


def drawn_object(site: Path) -> tuple[str, str]:
    """A drawn object with published results in ZB-2026-001: (id, name)."""
    rows = list(csv.DictReader(io.StringIO((SAMPLE / "results/2026/ZB-2026-001.csv").read_text(encoding="utf-8"))))
    object_id = rows[0]["object_id"]
    for row in csv.DictReader(io.StringIO((SAMPLE / "directory/objects.csv").read_text(encoding="utf-8"))):
        if row["object_id"] == object_id:
            return object_id, row["name"]
    raise AssertionError(object_id)


def test_lookup_by_part_of_a_chinese_name(page: Page, base: str, site: Path) -> None:
    object_id, name = drawn_object(site)
    fragment = name[2:5]  # from the middle of the name: a substring, not a prefix
    page.goto(base + "lookup/")
    expect(page.locator("[data-sl-lookup][data-ready=yes]")).to_have_count(1)
    page.get_by_label("名称或统一社会信用代码").fill(fragment)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("status")).to_contain_text("找到")
    hit = page.locator(".sl-lookup__list a", has_text=name).first
    expect(hit).to_be_visible()
    hit.click()
    expect(page).to_have_url(re.compile(f"lookup/(\\?q=[^#]*)?#{object_id}$"))
    expect(page.locator(".sl-object h2")).to_have_text(name)
    expect(page.locator(".sl-object__task").first).to_contain_text("ZB-2026-001")


def test_lookup_by_credit_code_and_deep_links(page: Page, base: str, site: Path) -> None:
    object_id, name = drawn_object(site)
    rows = list(csv.DictReader(io.StringIO((SAMPLE / "results/2026/ZB-2026-001.csv").read_text(encoding="utf-8"))))
    page.goto(base + "lookup/")
    expect(page.locator("[data-sl-lookup][data-ready=yes]")).to_have_count(1)
    page.get_by_label("名称或统一社会信用代码").fill(object_id.lower())
    page.keyboard.press("Enter")
    expect(page.locator(".sl-object h2")).to_have_text(name)
    for link in (f"lookup/#{object_id}", f"lookup/?id={object_id}"):
        page.goto(base + link)
        expect(page.locator(".sl-object h2")).to_have_text(name)
        expect(page.locator(".sl-object")).to_contain_text("检查结果")
    # Results travel as lists with the item titles in meta.json: the table shows them whole.
    row = rows[0]
    task = page.locator(".sl-object__task:has(code:text-is('ZB-2026-001'))")
    result = task.locator(f"tbody tr:has(code:text-is('{row['item_id']}'))")
    expect(result.locator("td").first).to_have_text(re.compile(rf"^{row['item_id']} \S"))
    expect(result).to_contain_text(row["inspected_to"])
    expect(result).to_contain_text(row["method"])
    page.goto(base + "lookup/#91370300MA00000000")
    expect(page.get_by_role("status")).to_contain_text("没有找到")
    ARTIFACTS.mkdir(exist_ok=True)


def test_lookup_transfers_little(page: Page, base: str, site: Path) -> None:
    """One lookup fetches meta.json and one or two shards: well under 100 KB of data."""
    _, name = drawn_object(site)
    page.goto(base + "lookup/")
    expect(page.locator("[data-sl-lookup][data-ready=yes]")).to_have_count(1)
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())) if "/lookup/" in r.url and r.url.endswith(".json")
            else None)
    page.get_by_label("名称或统一社会信用代码").fill(name[2:5])
    page.keyboard.press("Enter")
    page.locator(".sl-lookup__list a").first.click()
    expect(page.locator(".sl-object h2")).to_be_visible()
    assert 0 < sum(sizes) < 100_000, sizes


def test_verify_a_sample_draw_in_the_browser(page: Page, base: str) -> None:
    page.goto(base + "tasks/2026/ZB-2026-001/")
    expect(page.locator("[data-sl-verify][data-ready=yes]")).to_have_count(1)
    page.get_by_role("button", name="在浏览器中验证").click()
    status = page.locator(".sl-verify [role=status]")
    expect(status).to_have_text(re.compile(r"^验证通过："), timeout=30_000)
    record = json.loads((SAMPLE / "draws/2026/ZB-2026-001/record.json").read_text(encoding="utf-8"))
    # The page's word for a team (检查小组), not a second one (检查组).
    assert f"的 {len(record['selected'])} 个抽中对象、检查小组和记录哈希均可" in status.inner_text()
    assert record["record_sha256"] in status.inner_text()


def test_chinese_full_text_search(page: Page, base: str) -> None:
    page.goto(base + "search/")
    expect(page.locator("[data-sl-search][data-ready=yes]")).to_have_count(1)
    page.get_by_label("搜索词").fill("执法回避")
    page.keyboard.press("Enter")
    expect(page.locator(".sl-search__status")).to_contain_text("找到", timeout=15_000)
    titles = page.locator(".sl-search__results li > a").all_inner_texts()
    assert "实施细则全文" in titles
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-search-results.png"))


def test_results_filter(page: Page, base: str) -> None:
    page.goto(base + "results/2026/")
    expect(page.locator("[data-sl-results][data-ready=yes]")).to_have_count(1)
    rows = page.locator(".sl-filter__table tbody tr")
    expect(rows.first).to_be_visible()
    page.get_by_label("结果类别").select_option(value="R01")  # 未发现问题（n）
    status = page.locator(".sl-filter__status")
    expect(status).to_contain_text("符合条件的结果")
    assert all(text == "未发现问题" or text == "未发现问题（已更正）"
               for text in page.locator(".sl-filter__table tbody tr td:nth-child(4)").all_inner_texts())
    page.get_by_label("负责部门").select_option(index=1)
    expect(status).not_to_contain_text("市市场监管局：")


def _tab_until(page: Page, selector: str, limit: int = 80) -> bool:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return True
    return False


def test_keyboard_reaches_search_and_lookup(page: Page, base: str, site: Path) -> None:
    _, name = drawn_object(site)
    page.goto(base)
    assert _tab_until(page, "#sl-home-q"), "the lookup box on the home page is not reachable by Tab"
    page.keyboard.type(name[2:5])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"lookup/\?q="))
    expect(page.locator(".sl-lookup__list a").first).to_be_visible()
    assert _tab_until(page, ".sl-lookup__list a"), "lookup hits are not reachable by Tab"
    page.keyboard.press("Enter")
    expect(page.locator(".sl-object h2")).to_be_visible()
    page.goto(base)
    assert _tab_until(page, "a[href$='search/']"), "the search page is not reachable by Tab"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"search/$"))
    assert _tab_until(page, "#sl-search-q")
    page.keyboard.type("抽取")
    page.keyboard.press("Enter")
    expect(page.locator(".sl-search__status")).to_contain_text("找到", timeout=15_000)


def test_hostile_business_name_stays_text(page: Page, static_server: Callable[[Path], str], tmp_path: Path) -> None:
    import hashlib

    data = tmp_path / "data"
    shutil.copytree(REPO / "tests" / "fixtures" / "minimal", data)
    objects = data / "directory" / "objects.csv"
    rows = list(csv.reader(io.StringIO(objects.read_text(encoding="utf-8"))))
    target = "91370302EBN26YG3HX"
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    for row in rows[1:]:
        if row[0] == target:
            row[2] = payload
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    objects.write_text(buffer.getvalue(), encoding="utf-8", newline="\n")
    snapshot = data / "directory" / "snapshot.yaml"
    digest = hashlib.sha256(objects.read_bytes()).hexdigest()
    snapshot.write_text(re.sub(r"sha256: [0-9a-f]{64}", f"sha256: {digest}", snapshot.read_text(encoding="utf-8")),
                        encoding="utf-8")
    out = tmp_path / "site"
    build_site(data, out)
    base = static_server(out) + "/"
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(base + "tasks/2026/ZB-2026-001/")
    expect(page.locator("table.sl-objects")).to_contain_text(payload)
    page.goto(base + f"lookup/#{target}")
    expect(page.locator(".sl-object h2")).to_have_text(payload)
    page.goto(base + "lookup/?q=" + "onerror")
    expect(page.locator(".sl-lookup__list")).to_contain_text(payload)
    page.wait_for_timeout(300)
    assert dialogs == []


@pytest.mark.parametrize("path", ["", "tasks/2026/ZB-2026-001/", "about/draw/"])
def test_skip_link_takes_the_keyboard_past_the_navigation(page: Page, base: str, path: str) -> None:
    """The first Tab shows 跳到正文 on screen; Enter on it, and the next Tab lands in the page's
    content, not on the dozen header and navigation links every page repeats."""
    page.goto(base + path)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("跳到正文")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#sl-main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#sl-main') !== null")


def test_lookup_explains_a_code_it_does_not_know(page: Page, base: str) -> None:
    """A mistyped or never-drawn credit code was answered "没有找到名称包含“9137…”", as if it
    were a name; part of a code gets a hint that codes are looked up whole."""
    page.goto(base + "lookup/")
    expect(page.locator("[data-sl-lookup][data-ready=yes]")).to_have_count(1)
    box = page.get_by_label("名称或统一社会信用代码")
    box.fill("91370303m9r6rjaemx")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "没有找到统一社会信用代码为 91370303M9R6RJAEMX 的被抽查对象：请核对代码；从未被抽中的对象没有抽查记录。")
    box.fill("913703")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "没有找到名称包含“913703”的被抽查对象。按代码查询请输入完整的 18 位统一社会信用代码。")


def test_results_filter_options_count_what_they_would_show(page: Page, base: str) -> None:
    """The district and industry options carried the year's counts for all departments
    ("张店区（794）") while the list shows one department's: 80 of them for 市应急局."""
    page.goto(base + "results/2026/")
    expect(page.locator("[data-sl-results][data-ready=yes]")).to_have_count(1)
    status = page.locator(".sl-filter__status")
    page.get_by_label("负责部门").select_option(label="市应急局（248）")
    expect(status).to_contain_text("市应急局：符合条件的结果 248 条")
    district = page.get_by_label("区县")
    option = district.locator("option", has_text="张店区")
    label = option.inner_text()
    count = re.fullmatch(r"张店区（(\d+)）", label)
    assert count, label
    district.select_option(label=label)
    expect(status).to_contain_text(f"市应急局：符合条件的结果 {count[1]} 条")
    industry = page.get_by_label("行业（大类）").locator("option", has_text="54 道路运输业")
    road = re.fullmatch(r"54 道路运输业（(\d+)）", industry.inner_text())
    assert road
    page.get_by_label("行业（大类）").select_option(value="54")
    expect(status).to_contain_text(f"市应急局：符合条件的结果 {road[1]} 条")
