"""Every page type of the built sample site in real Chromium: loads without console errors,
has no serious or critical axe-core violation, works on a phone, and the 适老化 toggles work.
Screenshots of each page type go to test-artifacts/ (gitignored)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data"
ARTIFACTS = REPO / "test-artifacts"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")

PAGE_TYPES = {
    "home": "",
    "checklist": "checklist/",
    "checklist-fields": "checklist/fields/",
    "checklist-department": "checklist/scjg/",
    "plan": "plans/2026/",
    "task": "tasks/2026/ZB-2026-001/",
    "task-awaiting-beacon": "tasks/2026/ZB-2026-016/",
    "results": "results/2026/",
    "lookup": "lookup/",
    "corrections": "corrections/",
    "compliance-index": "compliance/",
    "compliance": "compliance/2026/",
    "downloads": "downloads/",
    "downloads-changes": "downloads/changes/",
    "downloads-draws": "downloads/draws/2026/",
    "about": "about/",
    "about-draw": "about/draw/",
    "about-data": "about/data/",
    "about-rules": "about/rules/",
    "about-search": "about/search/",
    "search": "search/",
}


def axe_violations(page: Page) -> list[str]:
    page.add_script_tag(content=AXE)
    found: list[dict[str, object]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found]


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_page_type_loads_cleanly_and_is_accessible(page: Page, base: str, name: str) -> None:
    response = page.goto(base + PAGE_TYPES[name])
    assert response is not None and response.ok
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1").first).to_be_visible()
    assert page.title().endswith("监管公开")
    assert page.locator("html").get_attribute("lang", timeout=1000) == "zh"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-{name}.png"), full_page=False)
    assert axe_violations(page) == []


@pytest.mark.parametrize("name", ["home", "task", "lookup", "results", "compliance", "checklist-department",
                                  "plan", "corrections", "downloads", "downloads-changes"])
def test_phone_layout(chromium_browser: object, base: str, name: str, browser_errors: list[str]) -> None:
    """At 375 px, the narrowest phone in common use (the results page's industry filter, its
    options as wide as their longest name, pushed the page sideways by 19 px)."""
    from playwright.sync_api import Browser

    assert isinstance(chromium_browser, Browser)
    context = chromium_browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2,
                                           is_mobile=True, has_touch=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: browser_errors.append(str(exc)))
    page.goto(base + PAGE_TYPES[name])
    page.wait_for_load_state("networkidle")
    # Against the device's width: a mobile browser widens its layout viewport (innerWidth) to
    # fit content that overflows, which hid the overflow from a comparison with innerWidth.
    overflow = page.evaluate("() => document.documentElement.scrollWidth") - 375
    assert overflow <= 1, f"{name} scrolls sideways on a phone by {overflow}px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-{name}-phone.png"))
    context.close()
    assert not browser_errors


def test_large_text_and_high_contrast(page: Page, base: str) -> None:
    page.goto(base + PAGE_TYPES["task"])
    size = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    large = page.get_by_role("button", name="大字")
    contrast = page.get_by_role("button", name="高对比度")
    expect(large).to_have_attribute("aria-pressed", "false")
    large.click()
    contrast.click()
    expect(large).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") > size * 1.3
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)"
    page.reload()
    expect(page.locator("html[data-sl-large][data-sl-contrast]")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-task-large-contrast.png"))
    assert axe_violations(page) == []


def test_home_page_weight(page: Page, base: str) -> None:
    """The home page and everything it loads: under 300 KB transferred with the gzip compression
    any static host applies, and under 320 KB even uncompressed (the test server's bytes)."""
    import gzip

    bodies: list[bytes] = []
    page.on("response", lambda r: bodies.append(r.body()) if r.ok else None)
    page.goto(base)
    page.wait_for_load_state("networkidle")
    raw = sum(len(b) for b in bodies)
    compressed = sum(len(gzip.compress(b, 6)) for b in bodies)
    print(f"\nhome page: {raw} bytes raw, {compressed} bytes gzip, {len(bodies)} requests")
    assert compressed < 300_000
    assert raw < 320_000


def test_every_result_links_to_the_object_history(page: Page, base: str) -> None:
    page.goto(base + PAGE_TYPES["task"])
    first = page.locator("table.sl-objects tbody tr").first.get_by_role("link").first
    href = first.get_attribute("href") or ""
    assert re.search(r"lookup/#[0-9A-Z]{18}$", href)
    first.click()
    expect(page.locator(".sl-object h2")).to_be_visible()


@pytest.mark.parametrize("name", ["home", "plan", "corrections", "compliance"])
def test_ids_in_tables_stay_whole_on_a_phone(chromium_browser: object, base: str, name: str) -> None:
    """Task numbers and credit codes in table cells were split across lines on a phone
    ("ZB-2026-0" / "14"): each is one line now, the table scrolling sideways if it must."""
    from playwright.sync_api import Browser

    assert isinstance(chromium_browser, Browser)
    context = chromium_browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base + PAGE_TYPES[name])
    page.wait_for_load_state("networkidle")
    split = page.evaluate("""() => Array.from(document.querySelectorAll('.sl-page td code:not(.sl-hash)'))
        .filter((c) => c.getClientRects().length > 1).map((c) => c.textContent)""")
    total = page.locator(".sl-page td code").count()
    context.close()
    assert total > 0
    assert split == []
