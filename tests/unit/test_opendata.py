"""The open data packages (issue #5), checked with the tools journalists use: the frictionless CLI,
the sqlite3 CLI, Datasette, openpyxl, sha256sum, and `sunlight verify` on a downloaded archive."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import openpyxl
import pytest

from generator.cli import main
from generator.errors import BuildFailed
from generator.opendata import OpenDataRelease, build_open_data
from generator.publish.context import SiteContext, data_as_of
from generator.publish.privacy import private_values
from generator.publish.settings import load_settings
from generator.validate import validate
from tests.conftest import MINIMAL
from tests.unit.test_site_build import OBJECT, rename_object

FORMULA = '=HYPERLINK("http://x","y")'
CORRECTION = ("GZ-2026-0006,ZB-2026-001,91370302EBN26YG3HX,SCJG-001,result_code,R01,R02,"
              "复核发现原检查结果与现场检查记录不符（测试）,市市场监管局主要负责人,2026-11-19,2026-11-20\n")


def build(root: Path, out: Path, previous: list[Path] | None = None) -> OpenDataRelease:
    ds, findings = validate(root)
    assert not [f for f in findings if f.severity.name == "ERROR"], findings[:3]
    ds.as_of = data_as_of(ds)
    return build_open_data(SiteContext(ds, load_settings()), out, previous=previous or [],
                           repo_url="https://example.org/sunlight", title="测试")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal data set with one drawn object renamed to a spreadsheet formula."""
    root = tmp_path_factory.mktemp("source") / "data"
    shutil.copytree(MINIMAL, root)
    rename_object(root, OBJECT, FORMULA)
    return root


@pytest.fixture(scope="module")
def built(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[OpenDataRelease, Path]:
    out = tmp_path_factory.mktemp("open") / "data"
    release = build(source, out)
    return release, out


@pytest.fixture(scope="module")
def latest(built: tuple[OpenDataRelease, Path]) -> Path:
    """The newest release's folder, the one `data/latest.json` points at."""
    pointer = json.loads((built[1] / "latest.json").read_text(encoding="utf-8"))
    assert pointer["version"] == built[0].version and pointer["url"] == f"{built[0].version}/"
    return built[1] / pointer["url"]


def gunzipped(path: Path, folder: Path) -> Path:
    """What a user gets from `gunzip -k`: the database or JSON beside nothing else."""
    target = folder / path.name.removesuffix(".gz")
    with gzip.open(path) as reader:
        target.write_bytes(reader.read())
    return target


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_frictionless_validate_passes(latest: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json"], cwd=latest,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    package = json.loads((latest / "datapackage.json").read_text(encoding="utf-8"))
    assert package["version"] == "2026-11-18" and package["created"].startswith("2026-11-18")
    names = {r["name"] for r in package["resources"]}
    assert {"departments", "checklist", "tasks", "selections", "teams", "replacements", "results_objects",
            "results_items", "corrections", "compliance"} <= names
    results = next(r for r in package["resources"] if r["name"] == "results_items")
    assert results["title"] == "检查结果（按事项）" and results["schema"]["foreignKeys"]


def test_every_column_of_every_table_is_documented_in_chinese(latest: Path) -> None:
    """The data dictionary (datapackage.json, the downloads page, each workbook's 数据字典) is
    what a journalist reads first: no column without a Chinese title and a description."""
    package = json.loads((latest / "datapackage.json").read_text(encoding="utf-8"))
    undocumented = [(r["name"], f["name"]) for r in package["resources"] for f in r["schema"]["fields"]
                    if not re.search(r"[\u4e00-\u9fff]", f.get("title", ""))
                    or not re.search(r"[\u4e00-\u9fff]", f.get("description", ""))]
    assert undocumented == []


def test_sqlite_keys_and_integrity_with_the_sqlite3_cli(latest: Path, tmp_path: Path) -> None:
    sqlite3_cli = shutil.which("sqlite3")
    assert sqlite3_cli, "the sqlite3 command is needed (apt-get install sqlite3; make browser-deps installs it)"
    database = gunzipped(latest / "sunlight.sqlite.gz", tmp_path)
    checks = subprocess.run([sqlite3_cli, str(database), "PRAGMA foreign_keys=ON;", "PRAGMA foreign_key_check;",
                             "PRAGMA integrity_check;"], capture_output=True, text=True, check=True)
    assert checks.stdout.strip() == "ok"
    counted = subprocess.run([sqlite3_cli, "-json", str(database),
                              "SELECT count(*) AS n FROM results_named; SELECT count(*) AS n FROM objects "
                              "WHERE name LIKE '=HYPERLINK%';"], capture_output=True, text=True, check=True)
    assert counted.stdout.split() == [f'[{{"n":{len(read_csv(latest / "results_items.csv"))}}}]', '[{"n":1}]']
    with sqlite3.connect(database) as connection:
        keys = connection.execute("SELECT count(*) FROM pragma_foreign_key_list('results_items')").fetchone()[0]
        views = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert keys >= 3 and {"results_named", "department_timeliness", "object_history"} <= views


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_datasette_serves_the_database(latest: Path, tmp_path: Path) -> None:
    database = gunzipped(latest / "sunlight.sqlite.gz", tmp_path)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(database), "-h", "127.0.0.1",
                               "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sql = "SELECT department_id, count(*) AS n FROM results_items GROUP BY department_id ORDER BY 1"
        url = f"http://127.0.0.1:{port}/sunlight.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"})
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    rows = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)
    expected: dict[str, int] = {}
    for row in read_csv(latest / "results_items.csv"):
        expected[row["department_id"]] = expected.get(row["department_id"], 0) + 1
    assert {r["department_id"]: r["n"] for r in rows} == expected


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "date"):
        return str(value.date().isoformat())  # type: ignore[attr-defined]
    return str(value)


def test_every_xlsx_matches_the_csv(latest: Path) -> None:
    package = json.loads((latest / "datapackage.json").read_text(encoding="utf-8"))
    titles = {r["title"]: r["name"] for r in package["resources"]}
    workbooks = sorted(latest.glob("*.xlsx"))
    assert [p.name for p in workbooks] == ["sunlight-2025.xlsx", "sunlight-2026.xlsx"]
    for path in workbooks:
        year = path.stem.split("-")[1]
        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames[0] == "数据字典"
        assert set(book.sheetnames[1:]) == set(titles)
        for sheet_name in book.sheetnames[1:]:
            rows = list(book[sheet_name].iter_rows(values_only=True))
            name = titles[sheet_name]
            expected = read_csv(latest / f"{name}.csv")
            header = list(expected[0]) if expected else rows[1]
            if "year" in header:
                expected = [r for r in expected if r["year"] == year]
            if name == "objects":  # the objects drawn or inspected that year
                seen = {r["object_id"] for n in ("selections", "results_objects")
                        for r in read_csv(latest / f"{n}.csv") if r["year"] == year}
                expected = [r for r in expected if r["object_id"] in seen]
            fields = next(r for r in package["resources"] if r["name"] == name)["schema"]["fields"]
            assert list(rows[0]) == [f["title"] for f in fields]  # the Chinese header row
            assert list(rows[1]) == [f["name"] for f in fields]
            width = len(fields)  # read-only openpyxl drops empty cells at the end of a row
            cells = [[_cell_text(v) for v in row] + [""] * (width - len(row)) for row in rows[2:]]
            assert cells == [list(r.values()) for r in expected], name


def test_formula_is_kept_in_csv_and_only_text_in_xlsx(latest: Path) -> None:
    objects = {r["object_id"]: r for r in read_csv(latest / "objects.csv")}
    assert objects[OBJECT]["name"] == FORMULA  # the canonical CSV is lossless
    book = openpyxl.load_workbook(latest / "sunlight-2026.xlsx")
    sheet = book["被抽中过的检查对象"]
    cells = [row[1] for row in sheet.iter_rows(min_row=3) if row[0].value == OBJECT]
    assert cells[0].value == FORMULA and cells[0].data_type == "s"  # a text cell, never a formula
    with zipfile.ZipFile(latest / "sunlight-2026.xlsx") as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "=HYPERLINK(&quot;" not in xml and '=HYPERLINK("http://x","y")' in xml


def test_sha256sum_checks_every_download(built: tuple[OpenDataRelease, Path]) -> None:
    release, data = built
    assert not (data / "latest").exists()  # a pointer (latest.json), not a copy of the newest release
    for folder in (data / release.version,):
        done = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        listed = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
        assert listed == {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                          if p.is_file() and p.name != "SHA256SUMS"}
    index = json.loads((data / "releases.json").read_text(encoding="utf-8"))
    assert index["latest"] == release.version
    assert {f["path"] for f in index["releases"][0]["files"]} == listed
    # One flat folder (names map onto GitHub Release assets); the big formats compressed.
    assert all("/" not in name for name in listed)
    assert {"sunlight.sqlite.gz", "results_items.json.gz", "results_items.csv", "sunlight-all.zip",
            "sunlight-2025.xlsx", "sunlight-2025.zip", "datapackage.json", "changelog.json"} <= listed
    assert not any(name.endswith((".json", ".sqlite")) and name not in {"datapackage.json", "changelog.json"}
                   for name in listed)
    rows = json.loads(gzip.decompress((folder / "results_items.json.gz").read_bytes()))
    assert len(rows) == len(read_csv(folder / "results_items.csv")) and rows[0]["task_id"].startswith("ZB-")
    assert (folder / "results_items.json.gz").read_bytes()[4:8] == b"\0\0\0\0"  # no time stamp: reproducible


def test_a_journalist_verifies_the_draws_from_the_complete_archive(latest: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # The data guide's steps: download the archive and SHA256SUMS, check, unzip, verify.
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for name in ("sunlight-all.zip", "SHA256SUMS"):
        shutil.copyfile(latest / name, downloads / name)
    checked = subprocess.run(["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"], cwd=downloads,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and checked.stdout == "sunlight-all.zip: OK\n"
    folder = tmp_path / "download"
    with zipfile.ZipFile(downloads / "sunlight-all.zip") as archive:
        archive.extractall(folder)
    assert (folder / "datapackage.json").is_file() and (folder / "csv/results_items.csv").is_file()
    inside = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in inside["resources"]} >= {"csv/results_items.csv", "csv/objects.csv"}
    assert main(["verify", "--all", "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "ZB-2026-001" in out
    # A year's archive carries that year's rows and draw files.
    with zipfile.ZipFile(latest / "sunlight-2025.zip") as archive:
        names = archive.namelist()
        years = {r["year"] for r in csv.DictReader(io.StringIO(archive.read("csv/results_items.csv").decode()))}
    assert years == {"2025"} and any(n.startswith("draws/2025/") for n in names)
    assert not any(n.startswith("draws/2026/") for n in names)


def test_no_private_value_in_any_download(source: Path, built: tuple[OpenDataRelease, Path], tmp_path: Path) -> None:
    ds, _ = validate(source)
    secrets = [s for s in private_values(ds) if len(s) >= 2]
    assert secrets
    texts: dict[str, str] = {}
    for path in sorted(built[1].rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(built[1]).as_posix()
        if path.suffix in {".zip", ".xlsx"}:
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    texts[f"{name}!{member}"] = archive.read(member).decode("utf-8")
        elif path.name.endswith(".sqlite.gz"):
            with sqlite3.connect(gunzipped(path, tmp_path)) as connection:
                texts[name] = "\n".join(connection.iterdump())
        elif path.suffix == ".gz":
            texts[name] = gzip.decompress(path.read_bytes()).decode("utf-8")
        else:
            texts[name] = path.read_text(encoding="utf-8")
    leaks = [(name, s) for name, text in texts.items() for s in secrets if s in text]
    assert not leaks


def test_two_builds_are_byte_identical(source: Path, built: tuple[OpenDataRelease, Path], tmp_path: Path) -> None:
    build(source, tmp_path / "data")
    first, second = tree(built[1]), tree(tmp_path / "data")
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_a_release_after_a_correction_keeps_the_previous_one(source: Path, built: tuple[OpenDataRelease, Path],
                                                             tmp_path: Path) -> None:
    first, first_data = built
    changed = tmp_path / "data"
    shutil.copytree(source, changed)
    with (changed / "corrections.csv").open("a", encoding="utf-8", newline="\n") as corrections:
        corrections.write(CORRECTION)
    out = tmp_path / "site-data"
    second = build(changed, out, previous=[first_data])
    assert second.version == "2026-11-20" and [r.version for r in second.releases] == ["2026-11-20", "2026-11-18"]
    assert tree(out / first.version) == tree(first_data / first.version)  # byte for byte
    change = json.loads((out / second.version / "changelog.json").read_text(encoding="utf-8"))
    assert change["previous"] == "2026-11-18"
    assert [c["correction_id"] for c in change["corrections_added"]] == ["GZ-2026-0006"]
    assert change["results_added"] == 0
    assert json.loads((out / "latest.json").read_text(encoding="utf-8"))["version"] == "2026-11-20"
    assert json.loads((out / "2026-11-20/datapackage.json").read_text(encoding="utf-8"))["version"] == "2026-11-20"
    feed = (out / "releases.xml").read_text(encoding="utf-8")
    assert ("更正 GZ-2026-0006：任务 ZB-2026-001 对象 91370302EBN26YG3HX 事项 SCJG-001 的检查结果"
            "由“未发现问题”改为“发现问题已责令改正”") in feed
    corrected = [r for r in read_csv(out / "2026-11-20/results_items.csv")
                 if (r["task_id"], r["object_id"], r["item_id"]) == ("ZB-2026-001", OBJECT, "SCJG-001")]
    assert corrected[0]["result_code"] == "R02" and corrected[0]["original_result_code"] == "R01"


def test_same_date_with_other_data_is_the_next_release_of_that_date(
        source: Path, built: tuple[OpenDataRelease, Path], tmp_path: Path) -> None:
    changed = tmp_path / "data"
    shutil.copytree(source, changed)
    rename_object(changed, OBJECT, "淄博示例更名商店")
    again = build(changed, tmp_path / "out", previous=[built[1]])
    assert again.version == "2026-11-18.2"
    assert tree(tmp_path / "out" / "2026-11-18") == tree(built[1] / "2026-11-18")
    same = build(source, tmp_path / "same", previous=[built[1]])
    assert same.version == "2026-11-18" and len(same.releases) == 1


def test_the_live_sites_release_wins_over_a_local_one_of_the_same_name(
        source: Path, built: tuple[OpenDataRelease, Path], tmp_path: Path) -> None:
    """A local build made release 2026-11-18 of other data and nobody deployed it: the live site's
    release of that name is carried over as published, and this data is the next release."""
    changed = tmp_path / "data"
    shutil.copytree(source, changed)
    rename_object(changed, OBJECT, "淄博示例更名商店")
    local = tmp_path / "local"
    assert build(changed, local).version == built[0].version  # the same name, other bytes
    ds, _ = validate(source)
    ds.as_of = data_as_of(ds)
    again = build_open_data(SiteContext(ds, load_settings()), tmp_path / "out", previous=[local, built[1]],
                            live=[built[1]], repo_url="https://example.org/sunlight", title="测试")
    assert again.version == built[0].version
    assert tree(tmp_path / "out" / again.version) == tree(built[1] / again.version)
    ds, _ = validate(changed)
    ds.as_of = data_as_of(ds)
    other = build_open_data(SiteContext(ds, load_settings()), tmp_path / "other", previous=[local, built[1]],
                            live=[built[1]], repo_url="https://example.org/sunlight", title="测试")
    assert other.version == f"{built[0].version}.2"
    assert tree(tmp_path / "other" / built[0].version) == tree(built[1] / built[0].version)


def test_a_tampered_past_release_stops_the_build(source: Path, built: tuple[OpenDataRelease, Path],
                                                 tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(built[1], old)
    (old / "2026-11-18" / "departments.csv").write_text("department_id\nfake\n", encoding="utf-8")
    (old / "2026-11-17").mkdir()
    shutil.copytree(old / "2026-11-18", old / "2026-11-17", dirs_exist_ok=True)
    with pytest.raises(BuildFailed) as caught:
        build(source, tmp_path / "new", previous=[old])
    assert str(caught.value) == ("已发布的数据包 2026-11-17 的文件 departments.csv 与 SHA256SUMS 不符"
                                 "（已被改动？），不能沿用")


def test_the_site_lists_every_download_with_size_format_and_checksum(tmp_path: Path) -> None:
    from generator.publish import build_site

    site = tmp_path / "site"
    build_site(MINIMAL, site)
    index = json.loads((site / "data/releases.json").read_text(encoding="utf-8"))
    latest = index["releases"][0]
    html = (site / "downloads/index.html").read_text(encoding="utf-8")
    for f in latest["files"]:
        row = html[html.index(f'href="../data/{latest["version"]}/{f["path"]}" download'):]
        row = row[:row.index("</tr>")]
        assert f["sha256"] in row and f'data-bytes="{f["bytes"]}"' in row, f["path"]
        assert (site / "data" / latest["version"] / f["path"]).stat().st_size == f["bytes"]
    assert "Excel/WPS 表格" in html and "SQLite 数据库" in html and "SHA256SUMS" in html
    changes = (site / "downloads/changes/index.html").read_text(encoding="utf-8")
    assert f"数据版本 {latest['version']}" in changes and "首次发布。" in changes
    # A deploy job builds the next release elsewhere, carrying over the releases fetched from the live site.
    changed = tmp_path / "data"
    shutil.copytree(MINIMAL, changed)
    with (changed / "corrections.csv").open("a", encoding="utf-8", newline="\n") as corrections:
        corrections.write(CORRECTION)
    fetched = tmp_path / "fetched"
    shutil.copytree(site / "data", fetched)
    assert main(["build", "--data", str(changed), "--output", str(tmp_path / "next"),
                 "--releases-from", str(fetched)]) == 0
    versions = [r["version"] for r in json.loads((tmp_path / "next/data/releases.json").read_bytes())["releases"]]
    assert versions == ["2026-11-20", latest["version"]]
    changes = (tmp_path / "next/downloads/changes/index.html").read_text(encoding="utf-8")
    assert "更正 GZ-2026-0006" in changes and f"与上一版本 {latest['version']} 相比" in changes


def test_a_release_with_personal_data_is_refused(
        source: Path, tmp_path: Path) -> None:
    changed = tmp_path / "data"
    shutil.copytree(source, changed)
    rename_object(changed, OBJECT, "曹磊静")  # an inspector's name, which is never published
    with pytest.raises(BuildFailed) as caught:
        build(changed, tmp_path / "out")
    assert str(caught.value) == ("发现 2 个数据文件含有个人信息，数据未发布（第二十一条）："
                                 "objects.csv：不公开字段的值 “曹**”；results_objects.csv：不公开字段的值 “曹**”")


FAKE_GH = '''#!/usr/bin/env python3
"""A stand-in for GitHub's `gh`: releases are folders under $FAKE_GH_ROOT/OWNER/REPO/releases/download/TAG/,
which the test's HTTP server serves as GitHub serves release assets."""
import json, os, shutil, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args, ensure_ascii=False) + "\\n")
repo = "/".join(args[args.index("--repo") + 1].split("/")[-2:])  # HOST/OWNER/REPO off github.com
folder = Path(os.environ["FAKE_GH_ROOT"]) / repo / "releases" / "download" / args[2]
if args[:2] == ["release", "view"]:
    sys.exit(0 if folder.is_dir() else 1)
if args[:2] == ["release", "create"]:
    folder.mkdir(parents=True)
    (folder / ".draft").write_text("", encoding="utf-8") if "--draft" in args else None
if args[:2] == ["release", "edit"] and "--draft=false" in args:
    (folder / ".draft").unlink(missing_ok=True)
if args[:2] == ["release", "upload"]:
    for name in args[3:args.index("--repo")]:
        shutil.copyfile(name, folder / Path(name).name)
'''


def test_a_city_release_is_served_from_github_releases_and_past_ones_stay_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.unit.test_workflows import live_site

    live = tmp_path / "live"  # the live site, and GitHub's release assets under o/r/releases/download/
    live.mkdir()
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "gh").write_text(FAKE_GH, encoding="utf-8")
    (tools / "gh").chmod(0o755)
    log = tmp_path / "gh.log"
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GH_ROOT", str(live))
    monkeypatch.setenv("FAKE_GH_LOG", str(log))
    with live_site(live) as url:
        template = f"{url}o/r/releases/download/data-{{version}}/"
        site, out = tmp_path / "site", tmp_path / "release"
        assert main(["build", "--data", str(MINIMAL), "--output", str(site), "--downloads-out", str(out),
                     "--downloads-url", template]) == 0
        index = json.loads((site / "data/releases.json").read_text(encoding="utf-8"))
        version = index["latest"]
        base = f"{url}o/r/releases/download/data-{version}/"
        assert index["latest_url"] == base and index["releases"][0]["url"] == base
        # The site keeps only small files; the release's files wait in --downloads-out for upload.
        assert sorted(p.relative_to(site / "data").as_posix() for p in (site / "data").rglob("*")) == [
            version, f"{version}/SHA256SUMS", "latest.json", "releases.json", "releases.xml"]
        listed = {f["path"] for f in index["releases"][0]["files"]}
        assert {p.name for p in (out / version).iterdir()} == listed | {"SHA256SUMS"}
        html = (site / "downloads/index.html").read_text(encoding="utf-8")
        assert f'href="{base}sunlight.sqlite.gz"' in html and f'href="{base}datapackage.json"' in html
        assert f'href="../data/{version}/SHA256SUMS"' in html
        pointer = json.loads((site / "data/latest.json").read_text(encoding="utf-8"))
        assert {f["url"] for f in pointer["files"]} == {base + name for name in listed}

        assert main(["releases", "upload", str(out), "--downloads-url", template, "--target", "0a1b2c"]) == 0
        assert f"已上传数据版本 {version}（{len(listed) + 1} 个文件）到 GitHub Release data-{version}。" in (
            capsys.readouterr().out)
        calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        repo = f"{url.split('/')[2]}/o/r"  # gh's form for a host other than github.com
        assert calls[1][:7] == ["release", "create", f"data-{version}", "--repo", repo, "--title",
                                f"数据版本 {version}"]
        assert calls[1][-3:] == ["--draft", "--target", "0a1b2c"] and "首次发布。" in calls[1][8]
        assert calls[-1] == ["release", "edit", f"data-{version}", "--repo", repo, "--draft=false"]
        assert not (live / "o/r/releases/download" / f"data-{version}" / ".draft").exists()
        shutil.copytree(site, live, dirs_exist_ok=True)  # deployed
        # A journalist downloads from the release and checks against the site's checksums.
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        for name in ("sunlight-all.zip", "results_items.csv"):
            with urllib.request.urlopen(base + name) as response:
                (downloads / name).write_bytes(response.read())
        with urllib.request.urlopen(f"{url}data/{version}/SHA256SUMS") as response:
            (downloads / "SHA256SUMS").write_bytes(response.read())
        checked = subprocess.run(["sha256sum", "-c", "--ignore-missing", "SHA256SUMS"], cwd=downloads,
                                 capture_output=True, text=True, check=False)
        assert checked.stdout == "results_items.csv: OK\nsunlight-all.zip: OK\n"

        # Then a correction, on a fresh runner: fetch, build, upload the new release only.
        changed = tmp_path / "data"
        shutil.copytree(MINIMAL, changed)
        with (changed / "corrections.csv").open("a", encoding="utf-8", newline="\n") as corrections:
            corrections.write(CORRECTION)
        fetched = tmp_path / "fetched"
        assert main(["releases", "fetch", url, "--into", str(fetched)]) == 0
        assert sorted(p.name for p in (fetched / version).iterdir()) == [
            "SHA256SUMS", "checklist.csv", "corrections.csv", "draws.csv", "results_items.csv"]
        site2, out2 = tmp_path / "site2", tmp_path / "release2"
        assert main(["build", "--data", str(changed), "--output", str(site2), "--releases-from", str(fetched),
                     "--downloads-out", str(out2), "--downloads-url", template]) == 0
        # The workflow re-run on the same data: the same release, nothing new to upload.
        assert main(["releases", "upload", str(out2), "--downloads-url", template]) == 0
        shutil.copytree(site2, live, dirs_exist_ok=True)
        assert main(["releases", "fetch", url, "--into", str(tmp_path / "fetched3")]) == 0
        assert main(["build", "--data", str(changed), "--output", str(tmp_path / "site3"), "--releases-from",
                     str(tmp_path / "fetched3"), "--downloads-out", str(tmp_path / "release3"),
                     "--downloads-url", template]) == 0
        assert not (tmp_path / "release3").exists()
        assert (tmp_path / "site3/data/releases.json").read_bytes() == (site2 / "data/releases.json").read_bytes()
    index2 = json.loads((site2 / "data/releases.json").read_text(encoding="utf-8"))
    assert [r["version"] for r in index2["releases"]] == ["2026-11-20", version]
    assert index2["releases"][1] == index["releases"][0]  # the past release: same files, same place
    assert [p.name for p in out2.iterdir()] == ["2026-11-20"]  # only the new release is uploaded
    assert (site2 / "data" / version / "SHA256SUMS").read_bytes() == (out / version / "SHA256SUMS").read_bytes()
    change = json.loads((out2 / "2026-11-20/changelog.json").read_text(encoding="utf-8"))
    assert change["previous"] == version and [c["correction_id"] for c in change["corrections_added"]] == [
        "GZ-2026-0006"]
    changes = (site2 / "downloads/changes/index.html").read_text(encoding="utf-8")
    assert f'<code>{base}</code>' in changes and f'href="{base}datapackage.json"' in changes


def test_a_store_without_an_output_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://github.com/o/r/releases/download/data-{version}/"
    assert main(["build", "--data", str(MINIMAL), "--output", str(tmp_path / "site"), "--downloads-url", url]) == 1
    assert capsys.readouterr().err == (f"错误：数据文件另存于 {url}：请用 --downloads-out 目录 指定数据文件的输出目录"
                                       "（生成后上传到该网址，见 sunlight releases upload）\n")
    assert not (tmp_path / "site").exists()


def test_a_release_too_large_for_a_static_host_is_refused_unless_stored_elsewhere(
        source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.opendata import storage

    # As a city's release would (hundreds of MB): here the limit is lowered instead.
    monkeypatch.setattr(storage, "DATA_IN_SITE_MAX_BYTES", 200_000)
    site = tmp_path / "site"
    assert main(["build", "--data", str(MINIMAL), "--output", str(site)]) == 1
    message = capsys.readouterr().err
    assert message.startswith("错误：网站中的全部数据版本共 ") and "超过静态网站可容纳的5000 个文件、0 MB：" in message
    assert "请在 mkdocs.yml 的 extra.downloads_url 填写另存数据文件的网址" in message
    assert not site.exists()
    # Stored elsewhere, the same data builds; the site's data/ is a few small files.
    assert main(["build", "--data", str(MINIMAL), "--output", str(site), "--downloads-out", str(tmp_path / "out"),
                 "--downloads-url", "https://downloads.example.org/sunlight/"]) == 0
    index = json.loads((site / "data/releases.json").read_text(encoding="utf-8"))
    assert index["latest_url"] == f"https://downloads.example.org/sunlight/{index['latest']}/"
    assert sum(p.stat().st_size for p in (site / "data").rglob("*") if p.is_file()) < 200_000
    monkeypatch.setattr(storage, "FILE_IN_SITE_MAX_BYTES", 1000)
    monkeypatch.setattr(storage, "DATA_IN_SITE_MAX_BYTES", 10**9)
    with pytest.raises(BuildFailed) as caught:
        build(source, tmp_path / "data")
    assert "超过静态网站单个文件 0 MB 的限制" in str(caught.value)


def test_switching_to_separate_storage_keeps_earlier_releases_in_the_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert main(["build", "--data", str(MINIMAL), "--output", str(site)]) == 0
    first = json.loads((site / "data/releases.json").read_text(encoding="utf-8"))["releases"][0]
    assert first["url"] == f"{first['version']}/"
    changed = tmp_path / "data"
    shutil.copytree(MINIMAL, changed)
    with (changed / "corrections.csv").open("a", encoding="utf-8", newline="\n") as corrections:
        corrections.write(CORRECTION)
    out = tmp_path / "release"
    assert main(["build", "--data", str(changed), "--output", str(site), "--downloads-out", str(out),
                 "--downloads-url", "https://downloads.example.org/sunlight/"]) == 0
    index = json.loads((site / "data/releases.json").read_text(encoding="utf-8"))
    assert [r["url"] for r in index["releases"]] == ["https://downloads.example.org/sunlight/2026-11-20/",
                                                     f"{first['version']}/"]
    assert index["releases"][1] == first  # where it was published, byte for byte
    done = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=site / "data" / first["version"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.count(": OK") == len(first["files"])
    assert [p.name for p in out.iterdir()] == ["2026-11-20"]
    change = json.loads((out / "2026-11-20/changelog.json").read_text(encoding="utf-8"))
    assert change["previous"] == first["version"] and len(change["corrections_added"]) == 1


def test_a_local_rebuild_writes_the_release_for_upload_again(tmp_path: Path) -> None:
    """Only the live site (fetched with `releases fetch`) shows what was uploaded: a release an
    earlier local build listed may never have been, so its files are written out again."""
    url = "https://downloads.example.org/sunlight/"
    site = tmp_path / "site"
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        assert main(["build", "--data", str(MINIMAL), "--output", str(site), "--downloads-out", str(out),
                     "--downloads-url", url]) == 0
        [version] = [p.name for p in out.iterdir()]
        assert (out / version / "SHA256SUMS").read_bytes() == (site / "data" / version / "SHA256SUMS").read_bytes()


def test_a_private_value_in_a_draws_free_text_stops_the_release(source: Path, tmp_path: Path) -> None:
    """The archives hold each draw's files as they are: an inspector's name in a beacon note is found."""
    changed = tmp_path / "data"
    shutil.copytree(source, changed)
    beacon = changed / "draws" / "2025" / "ZB-2025-001" / "beacon.json"
    beacon.write_text(beacon.read_text(encoding="utf-8").replace('"note": "', '"note": "经办人曹磊静，'),
                      encoding="utf-8")
    with pytest.raises(BuildFailed) as caught:
        build(changed, tmp_path / "out")
    assert str(caught.value) == ("发现 1 个数据文件含有个人信息，数据未发布（第二十一条）："
                                 "draws/2025/ZB-2025-001/beacon.json：不公开字段的值 “曹**”")


def test_the_changelog_from_the_table_in_memory_is_the_one_from_its_csv(
        source: Path, built: tuple[OpenDataRelease, Path], tmp_path: Path) -> None:
    """The build hands the changelog the results table it holds; reading the CSV back says the same."""
    from generator.opendata.changelog import changelog
    from generator.opendata.tables import public_tables

    changed = tmp_path / "data"
    shutil.copytree(source, changed)
    with (changed / "corrections.csv").open("a", encoding="utf-8", newline="\n") as corrections:
        corrections.write(CORRECTION)
    again = build(changed, tmp_path / "out", previous=[built[1]])
    folder = tmp_path / "out" / again.version
    ds, _ = validate(changed)
    ds.as_of = data_as_of(ds)
    [items] = [t.frame for t in public_tables(SiteContext(ds, load_settings())) if t.name == "results_items"]
    previous = (built[0].version, built[1] / built[0].version)
    from_csv = changelog(folder, again.version, "2026-11-20", previous)
    assert changelog(folder, again.version, "2026-11-20", previous, results_items=items) == from_csv
    assert from_csv == json.loads((folder / "changelog.json").read_text(encoding="utf-8"))
    first = changelog(folder, again.version, "2026-11-20", None, results_items=items)  # every result is new
    assert first == changelog(folder, again.version, "2026-11-20", None)
    assert first["results_added"] == len(items) > 0 and sum(first["results_added_by_year"].values()) == len(items)
