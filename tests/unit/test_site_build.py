"""`build_site` on the small fixture: refusal on bad data, determinism, escaping, privacy gate,
safe paths, and the old site surviving a failed build."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pytest

from generator.errors import BuildFailed
from generator.publish import build_site
from generator.publish.paths import check_segment, rel, safe_join
from generator.publish.privacy import scan

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "minimal"
OBJECT = "91370302EBN26YG3HX"  # drawn for ZB-2026-001 in the minimal fixture, with results
INSPECTOR_NAME = "曹磊静"  # a private field value (inspectors.csv: name)


def rename_object(root: Path, object_id: str, name: str) -> None:
    """Change one directory entry's name and re-confirm the snapshot (第九条), as a clerk would."""
    path = root / "directory" / "objects.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows[1:]:
        if row[0] == object_id:
            row[2] = name
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    snapshot = root / "directory" / "snapshot.yaml"
    snapshot.write_text(re.sub(r"sha256: [0-9a-f]{64}", f"sha256: {digest}", snapshot.read_text(encoding="utf-8")),
                        encoding="utf-8")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def minimal_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("minimal") / "site"
    build_site(MINIMAL, out)
    return out


def test_site_has_every_page_type(minimal_site: Path) -> None:
    for page in ("index.html", "checklist/index.html", "checklist/fields/index.html", "checklist/scjg/index.html",
                 "plans/2026/index.html", "tasks/2026/ZB-2026-001/index.html", "results/2026/index.html",
                 "lookup/index.html", "corrections/index.html", "compliance/2026/index.html",
                 "downloads/index.html", "about/index.html", "about/draw/index.html", "about/data/index.html",
                 "about/rules/index.html", "about/search/index.html", "search/index.html", "feed.xml",
                 "draws/ledger.json", "lookup/meta.json", "pagefind/pagefind.js"):
        assert (minimal_site / page).is_file(), page
    html = (minimal_site / "tasks/2026/ZB-2026-001/index.html").read_text(encoding="utf-8")
    assert "淄博市市场监督管理局" in html  # the page names its department (第二十二条)
    assert "/commits/main/data/plans/2026.yaml" in html  # and links to the source's history (第五条)
    assert "在浏览器中验证" in html


def test_as_of_is_the_datas_latest_date(minimal_site: Path) -> None:
    html = (minimal_site / "index.html").read_text(encoding="utf-8")
    assert re.search(r"数据截至 20\d\d-\d\d-\d\d", html)
    feed = (minimal_site / "feed.xml").read_text(encoding="utf-8")
    assert "<updated>20" in feed


def test_two_builds_are_byte_identical(minimal_site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build_site(MINIMAL, again)
    first, second = tree(minimal_site), tree(again)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert not different


def test_data_errors_refuse_the_build(minimal_copy: Path, tmp_path: Path) -> None:
    departments = minimal_copy / "departments.csv"
    departments.write_text(departments.read_text(encoding="utf-8").replace(",市级,", ",省级,", 1), encoding="utf-8")
    with pytest.raises(BuildFailed, match="数据校验发现 1 个错误"):
        build_site(minimal_copy, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_a_file_that_cannot_be_read_is_named_first(minimal_copy: Path, tmp_path: Path) -> None:
    """A plan with a syntax error leaves its draws without a task: the message names the plan."""
    plan = minimal_copy / "plans" / "2026.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "  - : [\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as caught:
        build_site(minimal_copy, tmp_path / "site")
    assert re.search(r"第一个：\S*plans/2026\.yaml YAML 语法错误", str(caught.value)), str(caught.value)


def test_business_name_is_shown_as_text(minimal_copy: Path, tmp_path: Path) -> None:
    payload = "<script>alert(1)</script>"
    rename_object(minimal_copy, OBJECT, payload)
    out = tmp_path / "site"
    build_site(minimal_copy, out)
    task = (out / "tasks/2026/ZB-2026-001/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in task
    for path in out.rglob("*.html"):
        assert payload not in path.read_text(encoding="utf-8"), path
    # In JSON the name is data (shown with textContent by the lookup page).
    assert any(payload in p.read_text(encoding="utf-8") for p in (out / "lookup" / "h").glob("*.json"))


def test_phone_number_in_a_name_fails_and_keeps_the_old_site(minimal_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(minimal_copy, out)
    before = tree(out)
    rename_object(minimal_copy, OBJECT, "淄博13912345678餐饮店")
    with pytest.raises(BuildFailed, match="手机号码"):
        build_site(minimal_copy, out)
    assert tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.build-")]


def test_a_failing_search_index_fails_the_build_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pagefind runs beside the data files; its failure (and what it said) still stops the build."""
    import types

    import generator.publish.build as build

    broken = tmp_path / "broken-python"
    broken.write_text("#!/bin/sh\necho 'index broken' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    monkeypatch.setattr(build, "sys", types.SimpleNamespace(executable=str(broken)))
    with pytest.raises(BuildFailed, match="站内搜索索引生成失败：index broken"):
        build_site(MINIMAL, tmp_path / "site")
    assert not (tmp_path / "site").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.build-")]


def test_a_render_that_fails_beside_the_open_data_leaves_nothing(minimal_copy: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild writes the open data release in a thread beside the render: when the render fails
    first, the build waits for the writers before it removes their folder, says why, and leaves
    the published site as it was."""
    import threading

    import generator.opendata as opendata
    import generator.publish.build as build

    out = tmp_path / "site"
    build_site(minimal_copy, out)
    before = tree(out)
    rename_object(minimal_copy, OBJECT, "淄博新名称餐饮店")
    writing, failed = threading.Event(), threading.Event()
    original = opendata.build_open_data

    def slow(*args: object, **kwargs: object) -> object:
        writing.set()
        assert failed.wait(10)  # still writing when the render fails
        return original(*args, **kwargs)  # type: ignore[arg-type]

    def broken_pour(*args: object, **kwargs: object) -> int:
        assert writing.wait(10)  # the release is being written beside this
        failed.set()
        raise BuildFailed("主题生成的页面 首页 中找不到内容占位符")

    monkeypatch.setattr(opendata, "build_open_data", slow)
    monkeypatch.setattr(build, "pour", broken_pour)
    with pytest.raises(BuildFailed, match="找不到内容占位符"):
        build_site(minimal_copy, out)
    assert tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.build-")]
    assert not [t for t in threading.enumerate() if t.name.startswith("open-data")]


def test_private_value_in_output_fails_the_build(minimal_copy: Path, tmp_path: Path) -> None:
    # Validation cannot know that a business name equals an inspector's name; the output scan does.
    rename_object(minimal_copy, OBJECT, f"淄博{INSPECTOR_NAME}餐饮店")
    with pytest.raises(BuildFailed, match="不公开字段的值"):
        build_site(minimal_copy, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_scan_ignores_hashes_but_not_numbers(tmp_path: Path) -> None:
    seed = "ab13912345678cd" + "0" * 49  # a SHA-256 in hexadecimal, standing alone
    (tmp_path / "a.json").write_text(f'{{"seed": "{seed}", "signature": "{seed}{seed[:32]}"}}', encoding="utf-8")
    assert scan(tmp_path, []) == []
    # Hexadecimal letters around a number do not make it a hash (not 64 characters, not alone).
    (tmp_path / "a.json").write_text('{"note": "联系人13912345678abcdefabcdefabcdefabcd"}', encoding="utf-8")
    assert [leak.what for leak in scan(tmp_path, [])] == ["手机号码 139****5678"]
    (tmp_path / "a.json").unlink()
    (tmp_path / "b.html").write_text("<p>联系电话 13912345678</p>", encoding="utf-8")
    (tmp_path / "c.csv").write_text("id\n110101199003074477\n", encoding="utf-8")
    found = {leak.path: leak.what for leak in scan(tmp_path, ["某某某"])}
    assert found["b.html"].startswith("手机号码")
    assert found["c.csv"].startswith("居民身份证号码")
    (tmp_path / "d.txt").write_text("某某某", encoding="utf-8")
    assert any(leak.path == "d.txt" for leak in scan(tmp_path, ["某某某"]))


@pytest.mark.parametrize("bad", ["..", "../x", "a/../../b", "/etc", "", ".hidden", "a b", "名称", "x\\y"])
def test_data_values_never_become_paths_outside(tmp_path: Path, bad: str) -> None:
    with pytest.raises(BuildFailed):
        safe_join(tmp_path, "draws", bad)


def test_safe_paths_and_relative_links(tmp_path: Path) -> None:
    assert safe_join(tmp_path, "draws", "2026/ZB-2026-001") == tmp_path / "draws" / "2026" / "ZB-2026-001"
    assert check_segment("91370302EBN26YG3HX") == "91370302EBN26YG3HX"
    assert rel("tasks/2026/ZB-2026-001/", "lookup/#X1") == "../../../lookup/#X1"
    assert rel("", "checklist/") == "checklist/"
    assert rel("plans/2026/", "") == "../../"
    assert rel("plans/2026/", "plans/2026/") == "./"
    assert rel("tasks/2026/A/", "draws/2026/A/frame.csv") == "../../../draws/2026/A/frame.csv"


def test_output_guard(minimal_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(BuildFailed, match="覆盖数据"):
        build_site(minimal_copy, minimal_copy)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(BuildFailed, match="不是本工具生成的网站"):
        build_site(minimal_copy, stranger)
    assert (stranger / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_shell_pages_equal_what_mkdocs_renders(minimal_site: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Task pages poured into the shell are byte for byte the pages MkDocs renders itself."""
    import dataclasses

    from generator.publish import tasks
    original = tasks.task_page
    monkeypatch.setattr(tasks, "task_page", lambda *args: dataclasses.replace(original(*args), shell=False))
    direct = tmp_path / "direct"
    build_site(MINIMAL, direct)
    pages = sorted(p.relative_to(minimal_site) for p in (minimal_site / "tasks").rglob("index.html"))
    assert pages
    for page in pages:
        assert (direct / page).read_bytes() == (minimal_site / page).read_bytes(), page


def test_feed_is_valid_atom_with_working_links(minimal_site: Path) -> None:
    import xml.etree.ElementTree as ET

    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring((minimal_site / "feed.xml").read_bytes())
    entries = root.findall("a:entry", ns)
    assert entries
    for entry in entries:
        href = entry.find("a:link", ns).get("href")  # type: ignore[union-attr]
        assert href and (minimal_site / str(href) / "index.html").is_file()
        assert entry.findtext("a:updated", namespaces=ns, default="").endswith("+08:00")


def test_draw_files_can_be_served_from_elsewhere(minimal_copy: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """With extra.draw_files_url the site links to the files there and copies none of them."""
    import dataclasses
    import json

    from generator.publish import build as build_module
    from generator.publish.settings import load_settings

    remote = "https://example.org/raw/data/draws/"
    monkeypatch.setattr(build_module, "load_settings",
                        lambda: dataclasses.replace(load_settings(), draw_files_url=remote))
    out = tmp_path / "site"
    build_site(minimal_copy, out)
    assert [p.name for p in (out / "draws").iterdir()] == ["ledger.json"]
    ledger = json.loads((out / "draws/ledger.json").read_text(encoding="utf-8"))
    assert ledger and all(e["path"].startswith(remote) for e in ledger)
    html = (out / "tasks/2026/ZB-2026-001/index.html").read_text(encoding="utf-8")
    assert f'data-draw-url="{remote}2026/ZB-2026-001/"' in html


def test_city_scale_serves_draw_files_from_the_repository() -> None:
    """Past DRAWS_IN_SITE_MAX draws the six files per draw would exceed what a static host
    accepts (20,000 files): they are then read from GitHub's raw files, unless the owner set
    extra.draw_files_url; a repository elsewhere must set it, with a message saying so."""
    import dataclasses

    from generator.publish.settings import DRAWS_IN_SITE_MAX, load_settings

    settings = load_settings()
    assert settings.for_draws(DRAWS_IN_SITE_MAX) is settings
    assert (settings.for_draws(DRAWS_IN_SITE_MAX + 1).draw_files_url
            == "https://raw.githubusercontent.com/zibo-sunlight/sunlight/main/data/draws/")
    chosen = dataclasses.replace(settings, draw_files_url="https://example.org/draws/")
    assert chosen.for_draws(5000) is chosen
    elsewhere = dataclasses.replace(settings, repo_url="https://gitee.com/zibo/sunlight")
    with pytest.raises(BuildFailed, match=r"extra\.draw_files_url"):
        elsewhere.for_draws(5000)


def test_the_draw_page_publishes_the_specification_and_its_worked_cases(minimal_site: Path) -> None:
    """A journalist implementing the draw needs the normative text and the worked cases: the
    site serves the repository's copies beside the page that explains the draw, linked from it,
    and the copies are the shared originals byte for byte (DRAW_SPEC.md is normative)."""
    from tests.conftest import SHARED

    spec = Path(__file__).resolve().parents[2] / "generator" / "draw" / "spec"
    for name, published in (("DRAW_SPEC.md", "sunlight-draw-1.txt"), ("draw-vectors.json", "draw-vectors.json")):
        assert (spec / name).read_bytes() == (SHARED / name).read_bytes()
        assert (minimal_site / "about" / "draw" / published).read_bytes() == (SHARED / name).read_bytes()
    page = (minimal_site / "about" / "draw" / "index.html").read_text(encoding="utf-8")
    assert '<a href="sunlight-draw-1.txt">规范原文（英文）</a>' in page
    assert '<a href="draw-vectors.json">示例计算</a>' in page
