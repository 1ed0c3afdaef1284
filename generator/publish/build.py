"""`build_site`: validate, render, run MkDocs, add the data files, index, scan, then publish.

The build works in a temporary directory beside the output and replaces the old site only
when every step has passed; a failed build leaves the previous site untouched.
"""

from __future__ import annotations

import calendar
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import BuildFailed
from generator.facts import DRAW_FACTS, draw_summaries
from generator.findings import Severity
from generator.free_memory import release_free_memory
from generator.incremental.digests import Digests
from generator.load import lazy_draws
from generator.model import Dataset
from generator.publish import (
    checklist,
    compliance,
    corrections,
    downloads,
    home,
    lookup,
    plans,
    results,
    search,
    tasks,
)
from generator.publish.context import SiteContext, data_as_of
from generator.publish.draws import write_draws
from generator.publish.feed import write_feed
from generator.publish.mkdocs_run import generated_config, run_mkdocs, source_date_epoch
from generator.publish.paths import markdown_path
from generator.publish.privacy import private_values, scan
from generator.publish.render import Page, Renderer
from generator.publish.reuse import Digest, Reuse, code_digest
from generator.publish.settings import Settings, load_settings
from generator.publish.shell import MARKER, pour, write_shells
from generator.publish.skip_link import TARGET as SKIP_TARGET
from generator.validate import validate

if TYPE_CHECKING:
    from generator.opendata.storage import Storage

SITE_MARKER = ".sunlight-site"
UNREADABLE = ("file/", "yaml/", "json/", "header/")
STATIC = Path(__file__).resolve().parents[1] / "static"

# Hand-written pages: content file, URL, navigation title.
CONTENT = (
    ("about.md", "about/", "关于本站"),
    ("draw.md", "about/draw/", "抽取与验证"),
    ("data-guide.md", "about/data/", "数据说明"),
    ("staff-guide.md", "about/staff/", "工作人员操作指南"),
    ("rules.md", "about/rules/", "实施细则全文"),
    ("search-note.md", "about/search/", "关于本站搜索"),
)


@dataclass
class BuildReport:
    """What a build produced, for the command line and for measurements."""

    output: Path
    as_of: str
    pages: int
    files: int
    bytes: int
    seconds: float
    warnings: int
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    def summary(self) -> str:
        reused = self.counts.get("files_reused", 0)
        return (f"网站已生成：{self.output}（{self.pages} 个页面，{self.files} 个文件，{self.bytes / 1e6:.1f} MB，"
                f"用时 {self.seconds:.1f} 秒；数据截至 {self.as_of}；校验警告 {self.warnings} 个"
                + (f"；{reused} 个文件的输入未变，沿用上次生成的结果" if reused else "") + "）")


def _guard_output(output: Path, data_root: Path, settings: Settings) -> None:
    protected = [data_root.resolve(), settings.project.resolve()]
    for path in protected:
        if output == path or output in path.parents:
            raise BuildFailed(f"输出目录 {output} 会覆盖数据或项目目录：请另选输出目录")
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / SITE_MARKER).exists())):
        raise BuildFailed(f"输出目录 {output} 已存在且不是本工具生成的网站：为免误删，请另选输出目录或先清空它")


def _nav(ctx: SiteContext) -> list[Any]:
    years = list(reversed(ctx.years))
    return [
        {"首页": "index.md"},
        {"抽查事项清单": [markdown_path("checklist/"), {"按领域": markdown_path("checklist/fields/")}]},
        {"年度计划": [{f"{y} 年度": markdown_path(f"plans/{y}/")} for y in years]},
        {"检查结果": [{f"{y} 年": markdown_path(f"results/{y}/")} for y in years]},
        {"企业查询": markdown_path("lookup/")},
        {"更正记录": markdown_path("corrections/")},
        {"履职情况": [markdown_path("compliance/"),
                  *({f"{y} 年": markdown_path(f"compliance/{y}/")} for y in years)]},
        {"数据下载": markdown_path("downloads/")},
        {"关于": [{title: markdown_path(url)} for _, url, title in CONTENT]},
        {"搜索": markdown_path("search/")},
    ]


def _pages(ctx: SiteContext) -> list[Page]:
    """Every generated page but those that show the open data release (`_release_pages`)."""
    families = (home, checklist, plans, tasks, results, lookup, corrections, compliance, search)
    out: list[Page] = []
    for family in families:
        out.extend(family.pages(ctx))
    return [*out, *downloads.draw_files_pages(ctx)]


def _release_pages(ctx: SiteContext) -> list[Page]:
    """The pages that show the open data release: poured once it is written (their models are lazy)."""
    return downloads.pages(ctx)


def _write_content(settings: Settings, docs: Path) -> None:
    for name, url, _ in CONTENT:
        source = settings.content / name
        if not source.is_file():
            raise BuildFailed(f"缺少内容页面 {source}")
        target = docs / markdown_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        # Narrative pages are searchable: Pagefind indexes only elements marked data-pagefind-body.
        target.write_text(f'<div class="sl-page sl-content" id="{SKIP_TARGET}" data-pagefind-body markdown>'
                          f'\n\n{text.strip()}\n\n</div>\n',
                          encoding="utf-8", newline="\n")


# The draw's normative specification and its worked cases, as the repository holds them
# (generator/draw/spec/, verbatim copies), beside the page that explains the draw: anyone
# can implement the draw from them and check an implementation byte for byte. Plain text
# names: a .md file in the docs folder would be taken for a page.
SPEC = Path(__file__).resolve().parents[1] / "draw" / "spec"
SPEC_FILES = (("DRAW_SPEC.md", "about/draw/sunlight-draw-1.txt"), ("draw-vectors.json", "about/draw/draw-vectors.json"))


def _write_static(docs: Path) -> None:
    for name, url in SPEC_FILES:
        target = docs / url
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SPEC / name, target)
    for kind in ("js", "css"):
        source = STATIC / kind
        if source.is_dir():
            target = docs / "assets" / "sunlight" / kind
            target.mkdir(parents=True, exist_ok=True)
            for path in sorted(source.iterdir()):
                if path.suffix in {".js", ".css"}:
                    shutil.copyfile(path, target / path.name)


@dataclass
class _Indexing:
    """Pagefind at work on the built pages (or nothing to do: its last index is reused)."""

    key: str
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None  # its output (a file: a pipe nobody reads until it ends could fill up)


def _start_pagefind(site: Path, pages: list[Page], reuse: Reuse) -> _Indexing:
    """Start indexing the searchable pages with Pagefind (extended build: Chinese word
    segmentation), in its own process: it reads only the HTML pages, which are final once every
    page is poured, so other files can be written meanwhile (`_finish_pagefind` waits).

    Only the searchable pages are read at all: record pages (tasks, draw files) carry no
    data-pagefind-body and would be skipped anyway, but parsing thousands of them costs time.
    When every page Pagefind reads is byte-identical to the last build's, its index is reused.
    """
    try:
        import pagefind  # noqa: F401
    except ImportError as exc:
        raise BuildFailed("缺少站内搜索组件：请安装 Python 包 pagefind[extended]") from exc
    # Page URLs are made of checked segments (paths.check_segment): no glob syntax in them.
    read = sorted({f"{p.url}index.html" for p in pages if p.search} | {f"{url}index.html" for _, url, _ in CONTENT})
    # A page with a reuse key is known by it (the key determines its bytes); others are read.
    key = reuse.key("pagefind", *((name, ("key", reuse.new[name]) if name in reuse.new
                                            else (site / name).read_bytes())
                                  for name in read))
    if reuse.take_all((name for name in reuse.old if name.startswith("pagefind/")), key, site):
        return _Indexing(key)
    glob = "{" + ",".join(read) + "}"
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--glob", glob, "--silent"]
    log = site.parent / "pagefind.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    return _Indexing(key, process, log)


def _finish_pagefind(site: Path, indexing: _Indexing, reuse: Reuse) -> None:
    if indexing.process is None:
        return
    if indexing.process.wait() != 0:
        said = indexing.log.read_text(encoding="utf-8", errors="replace") if indexing.log else ""
        raise BuildFailed(f"站内搜索索引生成失败：{said.strip()[:500]}")
    for path in (site / "pagefind").rglob("*"):
        if path.is_file():
            reuse.made(path.relative_to(site).as_posix(), indexing.key)


def _stop(indexing: _Indexing | None) -> None:
    """A failed build does not leave Pagefind running."""
    if indexing is not None and indexing.process is not None and indexing.process.poll() is None:
        indexing.process.kill()
        indexing.process.wait()


def _publish(site: Path, output: Path, work: Path) -> None:
    (site / SITE_MARKER).write_text("sunlight site\n", encoding="utf-8")
    old = work / "previous-site"
    if output.exists():
        os.replace(output, old)
    try:
        os.replace(site, output)
    except OSError:
        if old.exists():
            os.replace(old, output)
        raise


def _measure(root: Path) -> tuple[int, int]:
    """Files and bytes under `root` (os.scandir: Path objects for 11,000 files, each statted twice,
    took most of a second)."""
    count = size = 0
    folders = [str(root)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.is_file():
                    count += 1
                    size += entry.stat().st_size
    return count, size


def build_site(data_root: Path, output: Path, releases_from: Sequence[Path] = (), *,
               downloads_out: Path | None = None, downloads_url: str | None = None,
               incremental: bool = True) -> BuildReport:
    """Build the public site from the data under `data_root` into `output`.

    Raises BuildFailed (with a Chinese message) when the data has errors, when any step fails,
    or when an output file would contain personal data; `output` is then left as it was.
    When the data files are served from elsewhere (mkdocs.yml `extra.downloads_url`, or
    `downloads_url`), the new release's files go to `downloads_out` (generator.opendata.storage).
    """
    from generator.opendata.storage import storage

    started = time.perf_counter()
    settings = load_settings()
    downloads = storage(settings.config, downloads_url, downloads_out)
    output = output.resolve()
    _guard_output(output, data_root, settings)
    ds, findings = validate(data_root, cached=True, refresh=not incremental)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        # A file that cannot be read explains the findings that follow from it: it is named first.
        first = next((e for e in errors if e.rule.startswith(UNREADABLE)), errors[0])
        raise BuildFailed(f"数据校验发现 {len(errors)} 个错误，不能生成网站（第一个：{first.file} {first.message}）。"
                          "请先运行 sunlight validate 查看并修正")
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    forget_parsed_draws(ds)
    return publish_dataset(ds, output, settings=settings, warnings=warnings, started=started,
                           releases_from=releases_from, downloads=downloads, incremental=incremental)


def forget_parsed_draws(ds: Dataset) -> None:
    """What the site shows of every draw is in the facts the validation derived (generator.facts:
    derived now if it did not); a task's page reads its own draw's files again (lazy_draws). The
    parsed draws, 450 MB at city scale, go before the render."""
    for fact in DRAW_FACTS.values():
        fact(ds)
    ds.draws = lazy_draws(ds.layout, draw_summaries(ds).values())


def publish_dataset(ds: Dataset, output: Path, *, settings: Settings | None = None, warnings: int = 0,
                    started: float | None = None, releases_from: Sequence[Path] = (),
                    downloads: Storage | None = None, incremental: bool = True) -> BuildReport:
    """Render an already validated `Dataset` into `output` (phase two of `build_site`).

    With `incremental`, outputs whose inputs are unchanged since the last build into `output`
    are taken from it (reuse.py); the result is the same either way. Sets `ds.as_of` from the
    data itself. Exposed for benchmarks that synthesise a data set
    in memory; everything public goes through `build_site`, which validates first.
    """
    # Here: generator.opendata builds on generator.publish.
    from generator.opendata import build_open_data
    from generator.opendata.keys import ENTRY as OPEN_DATA_KEYS

    started = time.perf_counter() if started is None else started
    # Results taken from the validation cache come in runs of files (generator.load); many steps
    # below would each copy 40 blocks whole, on top of the frame itself: one block, once.
    ds.results = ds.results.rechunk()
    release_free_memory()  # what validation freed: the phases below peak on top of what is held
    settings = (settings or load_settings()).for_draws(len(ds.draws))
    output = output.resolve()
    ds.as_of = data_as_of(ds)
    ctx = SiteContext(ds, settings)
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.build-", dir=output.parent))
    timings: dict[str, float] = {}
    reuse = Reuse.open(output, code_digest(settings.project / "mkdocs.yml", settings.templates, settings.content),
                       enabled=incremental)

    def lap(name: str, since: list[float] = [started]) -> None:  # noqa: B006 - a stopwatch
        now = time.perf_counter()
        timings[name] = round(now - since[0], 2)
        since[0] = now

    indexing: _Indexing | None = None
    # The render needs the open data release only for the downloads pages (`_release_pages`,
    # poured last). In a rebuild, which reuses most of the last release's files, the release is
    # written in a thread beside the render: its writers spend most of their time in polars,
    # SQLite and zlib, outside the interpreter's lock. A release written from scratch takes as
    # much memory as the render (together they would pass 2 GB at city scale): it is written
    # first. The facts both read are worked out before, so that two threads only read them.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="open-data")
    beside = reuse.enabled and bool(reuse.old_extra.get(OPEN_DATA_KEYS))
    epoch = calendar.timegm(ds.as_of.timetuple())
    environment = ExitStack()  # MkDocs' SOURCE_DATE_EPOCH, set before a thread starts
    environment.enter_context(source_date_epoch(epoch))
    try:
        docs, site = work / "docs", work / "site"
        renderer = Renderer(settings.templates)
        ctx.shared_facts()
        ctx.file_digests = Digests.open(reuse.manifest.with_suffix(".digests.json"), trusted=incremental)
        lap("shared facts")
        write_release = partial(build_open_data, ctx, work / "data", previous=[output / "data", *releases_from],
                                repo_url=settings.repo_url, title=str(settings.config.get("site_name", "")),
                                storage=downloads, live=releases_from, reuse=reuse)
        if not beside:
            ctx.open_data = write_release()
            lap("open data")
            release_free_memory()
        release = writer.submit(write_release) if beside else None
        pages = _pages(ctx)  # while the release's tables are made (the render waits for it in the end)
        later = _release_pages(ctx)
        lap("view models")
        for page in [*pages, *later]:
            if not page.shell:
                renderer.write(page, docs, placeholder=MARKER)
        shells = write_shells(pages, docs)
        _write_content(settings, docs)
        _write_static(docs)
        lap("markdown")
        run_mkdocs(generated_config(settings.config, docs, site, _nav(ctx)), work, epoch)
        lap("mkdocs")
        counts: dict[str, int] = {}
        counts["pages_rendered"] = pour(pages, renderer, site, shells, reuse)
        ctx.file_digests.save()
        lap("content")
        release_free_memory()  # 5,000 pages' text, before the lookup builds its shards

        def index() -> _Indexing:
            """The release's pages poured and its files in place, the search index started (it
            reads the pages only, which are final then)."""
            pour(later, renderer, site, {}, reuse)
            os.replace(work / "data", site / "data")
            return _start_pagefind(site, [*pages, *later], reuse)

        if release is None:  # written before the render: Pagefind indexes beside the data files
            indexing = index()
            lap("pagefind start")
        counts.update({"draw_files": write_draws(ctx, site), "result_files": results.write_data(ctx, site, reuse)})
        counts.update({f"lookup_{k}": v for k, v in lookup.write_lookup(ctx, site, reuse).items()})
        write_feed(ctx, site, str(settings.config.get("site_name", "")))
        lap("data files")
        if release is not None:
            ctx.open_data = release.result()
            lap("open data (waited for)")
            indexing = index()
            lap("pagefind start")
        assert indexing is not None
        _finish_pagefind(site, indexing, reuse)
        lap("pagefind")
        secrets = private_values(ds)
        # A reused file passed the last build's scan; with the same private values it passes again.
        reuse.extra["secrets"] = Digest(secrets).hexdigest()
        same_secrets = reuse.old_extra.get("secrets") == reuse.extra["secrets"]
        leaks = scan(site, secrets, skip=reuse.reused if same_secrets else frozenset())
        if leaks:
            listed = "；".join(f"{leak.path}：{leak.what}" for leak in leaks[:5])
            raise BuildFailed(f"发现 {len(leaks)} 个输出文件含有个人信息，网站未发布（第二十一条）：{listed}")
        lap("privacy scan")
        files, size = _measure(site)
        _publish(site, output, work)
        counts["files_reused"] = len(reuse.reused)
        reuse.save()
        if ctx.open_data is not None:
            ctx.open_data.deliver()  # a new release served elsewhere: into --downloads-out, for upload
    finally:
        writer.shutdown(wait=True)  # a failed render waits for the writers before their folder goes
        environment.close()
        _stop(indexing)
        shutil.rmtree(work, ignore_errors=True)
    return BuildReport(output, ds.as_of.isoformat(), len(pages) + len(later) + len(CONTENT), files + 1, size,
                       time.perf_counter() - started, warnings, counts, timings)
