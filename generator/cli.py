"""The `sunlight` command: a thin layer over the library. `main(argv)` is what tests call.

Exit codes are decided in one place, `generator.errors.EXIT_CODES`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from generator import __version__, cli_results
from generator.clock import BEIJING, beijing_today
from generator.draw.beacon import quicknet_round_time
from generator.errors import SunlightError, UsageError, ValidationFailed, exit_code_for
from generator.findings import Finding, Severity, format_github, format_json, format_text, has_errors
from generator.gc_pause import one_shot_command


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD：{text}") from exc


def _beijing_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"时间应为 YYYY-MM-DDTHH:MM（北京时间）：{text}") from exc
    if moment.tzinfo is not None:
        raise argparse.ArgumentTypeError(f"时间按北京时间填写，不要带时区：{text}")
    return moment.replace(tzinfo=BEIJING)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sunlight",
        description="阳光监管：把部门联合“双随机、一公开”抽查数据校验、抽取并发布为\n"
                    "公开网站和开放数据。\n"
                    "Sunlight: validate, draw and publish a joint random-inspection program.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"sunlight {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", type=Path, default=Path("data"),
                        help="数据目录 / data directory (default: data)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("validate", parents=[common], help="校验数据 / validate the data set")
    check.add_argument("--format", choices=("text", "github", "json"), default="text",
                       help="输出格式：text（给人看）、github（拉取请求中逐行标注）、json / output format")
    check.add_argument("--today", type=_date, default=None,
                       help="按哪一天判断逾期（默认今天）/ the day overdue is judged against")
    check.add_argument("--errors-only", action="store_true",
                       help="只列出错误，警告只计数（提交前检查时用）/ list errors only, count the warnings")
    check.add_argument("--no-cache", action="store_true",
                       help="不使用校验缓存，全部重新读取和检查（默认沿用上次对未改动文件的检查结果，结论相同）"
                            " / check everything afresh, ignoring what earlier runs kept for unchanged files")
    check.add_argument("--against", metavar="REV", default=None,
                       help="与某个 git 版本（如 origin/main）比较，拒绝修改已锁定、已公示的内容，"
                            "并完整重算本次新增或改动的抽取 / also refuse changes to what REV already locked "
                            "or published, and recompute the draws the change adds or touches")

    draw = commands.add_parser("draw", help="抽取检查对象和执法人员 / the double-random draw")
    steps = draw.add_subparsers(dest="step", required=True, metavar="STEP")
    prepare = steps.add_parser("prepare", parents=[common],
                               help="准备抽取：固定并公开抽取条件 / fix and publish the inputs")
    prepare.add_argument("task", help="任务编号，如 ZB-2026-001 / task id")
    prepare.add_argument("--on", type=_date, default=None, help="抽取日期（默认今天）/ draw date (default: today)")
    beacon = prepare.add_mutually_exclusive_group()
    beacon.add_argument("--beacon-at", metavar="TIME", type=_beijing_time, default=None,
                        help="用北京时间此刻（如 2026-12-01T10:00）或之后的第一轮 drand 随机数（默认 30 分钟后）/ "
                             "use the first drand round at or after this Beijing time (default: in 30 minutes)")
    beacon.add_argument("--dice", metavar="CEREMONY", default=None,
                        help="改用公开掷骰仪式作为信标，写明时间地点 / use a public dice ceremony")
    lock = steps.add_parser("lock", parents=[common], help="锁定抽取：用信标值完成抽取 / draw with the beacon and lock")
    lock.add_argument("task", help="任务编号 / task id")
    lock.add_argument("--beacon", required=True, metavar="FILE|VALUE",
                      help="drand 轮次的 JSON 文件，或掷骰得到的数字串 / a drand round's JSON file, or dice digits")
    lock.add_argument("--on", type=_date, default=None, help="锁定日期（默认今天）/ lock date (default: today)")

    replace = steps.add_parser("replace", parents=[common],
                               help="登记执法检查人员调整（第十三条）/ record an inspector replacement")
    replace.add_argument("task", help="任务编号 / task id")
    replace.add_argument("--object", required=True, help="检查对象标识 / the team's object")
    replace.add_argument("--replaced", required=True, help="被调整人员编号 / inspector replaced")
    replace.add_argument("--replacement", required=True, help="选派的人员编号（无须摇号）/ designated replacement")
    replace.add_argument("--reason", required=True, choices=("岗位调整", "工作冲突", "健康状况", "执法回避"),
                         help="调整原因 / reason")
    replace.add_argument("--approver", required=True, help="批准的本部门分管负责人（职务）/ approving head")
    replace.add_argument("--on", type=_date, default=None, help="批准日期（默认今天）/ approval date (default: today)")

    status = commands.add_parser("status", parents=[common], help="待办与逾期情况 / what is due and what is late")
    status.add_argument("--department", metavar="D", default=None, help="只看某个部门，如 scjg / one department")
    status.add_argument("--today", type=_date, default=None, help="按哪一天计算（默认今天）/ the day to judge against")
    status.add_argument("--format", choices=("text", "json"), default="text", help="输出格式 / output format")

    task = commands.add_parser("task", help="年度计划中的抽查任务 / tasks in the annual plans")
    task_steps = task.add_subparsers(dest="step", required=True, metavar="STEP")
    new = task_steps.add_parser("new", parents=[common],
                                help="按联合抽查场景新建任务（第七条）/ add a task from a joint-checklist scenario")
    new.add_argument("--year", type=int, required=True, help="计划年度 / plan year")
    new.add_argument("--scenario", required=True, help="联合抽查场景编号，如 JS-01 / scenario id")
    new.add_argument("--start", type=_date, required=True, help="执行开始日期 YYYY-MM-DD / window start")
    new.add_argument("--end", type=_date, required=True, help="执行结束日期 YYYY-MM-DD / window end")
    new.add_argument("--name", default=None, help="任务名称（默认按场景生成）/ task name")
    new.add_argument("--level", choices=("市级", "区县级"), default="市级", help="层级 / level")

    directory = commands.add_parser("directory", help="检查对象名录库（第九条）/ the object directory")
    directory_steps = directory.add_subparsers(dest="step", required=True, metavar="STEP")
    confirm = directory_steps.add_parser(
        "confirm", parents=[common],
        help="审核确认名录库：把 objects.csv 的行数和 SHA-256 写入 snapshot.yaml / confirm the directory")
    confirm.add_argument("--by", required=True, metavar="D", help="确认部门编号，如 scjg / confirming department")
    confirm.add_argument("--on", type=_date, default=None,
                         help="确认日期（默认今天）/ confirmation date (default: today)")
    confirm.add_argument("--snapshot-date", type=_date, default=None,
                         help="名录库导出日期（默认同确认日期）/ export date of the directory (default: --on)")

    releases = commands.add_parser("releases", help="已发布的数据版本 / published data releases")
    release_steps = releases.add_subparsers(dest="step", required=True, metavar="STEP")
    fetch = release_steps.add_parser(
        "fetch", help="从线上网站下载以往全部数据版本，供 build --releases-from 使用 / fetch past releases")
    fetch.add_argument("site_url", metavar="URL", help="线上网站地址，如 https://example.org/sunlight/ / the live site")
    fetch.add_argument("--into", type=Path, required=True, metavar="DIR", help="保存到哪个目录 / target folder")
    upload = release_steps.add_parser(
        "upload", help="把 build --downloads-out 写出的新数据版本上传到 GitHub Releases / upload new releases")
    upload.add_argument("directory", type=Path, metavar="DIR",
                        help="build --downloads-out 的目录 / the folder build --downloads-out wrote")
    upload.add_argument("--downloads-url", metavar="URL", default=None,
                        help="数据文件的网址（默认取 mkdocs.yml 的 extra.downloads_url）/ overrides the config")
    upload.add_argument("--target", metavar="COMMIT", default="",
                        help="新建的 Release 指向哪个提交（如 $GITHUB_SHA）/ commit to tag")

    build = commands.add_parser("build", parents=[common], help="生成公开网站和数据下载 / build the public site")
    build.add_argument("--output", type=Path, default=Path("site"),
                       help="网站输出目录（默认 site）/ output folder (default: site)")
    build.add_argument("--releases-from", type=Path, action="append", default=[], metavar="DIR",
                       help="沿用此目录中已发布的数据版本（如从线上网站取回的 data/；可重复）"
                            " / carry past releases over")
    build.add_argument("--downloads-out", type=Path, default=None, metavar="DIR",
                       help="数据文件另存时（mkdocs.yml 的 extra.downloads_url），新数据版本的文件写到此目录供上传；"
                            "未配置时数据文件随网站发布，不写此目录 / where a release served elsewhere is written")
    build.add_argument("--downloads-url", metavar="URL", default=None,
                       help="数据文件的网址，覆盖 mkdocs.yml 的 extra.downloads_url（可含 {version}）"
                            " / overrides extra.downloads_url")
    build.add_argument("--full", action="store_true",
                       help="完整重新生成，不沿用上次生成的页面和校验缓存（默认只重新生成输入有变化的页面，结果相同）"
                            " / render everything, reusing nothing from the last build or the validation cache")
    serve = commands.add_parser("serve", parents=[common], help="本地预览网站 / preview the site")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）/ address to listen on")
    serve.add_argument("--port", type=int, default=8000,
                       help="端口（默认 8000；0 为任一空闲端口）/ port (0: any free one)")

    verify = commands.add_parser("verify", parents=[common], help="重新计算并核验已锁定的抽取 / re-run published draws")
    target = verify.add_mutually_exclusive_group(required=True)
    target.add_argument("task", nargs="?", help="任务编号 / task id")
    target.add_argument("--all", action="store_true", help="核验账本中的全部抽取 / every draw of the ledger")

    # Results workbook and corrections (issue #6): parsers and handlers in generator/cli_results.py.
    cli_results.add_parsers(commands, common, _date)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from generator.validate import validate

    if args.against:
        from generator.findings import ordered
        from generator.history import changes_against, check_change, touched_draws

        change = changes_against(args.data, args.against)
        _, findings = validate(args.data, as_of=args.today, recompute_draws=touched_draws(change),
                               cached=not args.no_cache)
        findings = ordered([*findings, *check_change(change)])
    else:
        _, findings = validate(args.data, as_of=args.today, cached=not args.no_cache)
    shown = [f for f in findings if f.severity is Severity.ERROR] if args.errors_only else findings
    hidden = len(findings) - len(shown)
    sys.stdout.write(format_text(shown, hidden_warnings=hidden) if args.format == "text"
                     else format_json(shown, hidden_warnings=hidden) if args.format == "json"
                     else format_github(shown))
    if has_errors(findings):
        raise ValidationFailed("数据校验未通过")
    return 0


def _errors_only(findings: list[Finding]) -> str:
    """The errors that stop a command, the warnings only counted (validate lists them)."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    return format_text(errors, hidden_warnings=len(findings) - len(errors))


def _draw(args: argparse.Namespace) -> int:
    from generator.draw.workflow import Beacon, lock, prepare, rival_drafts
    from generator.load import load

    today = args.on or beijing_today()
    if args.step == "prepare":
        dataset, findings = load(args.data)
        if has_errors(findings):
            sys.stdout.write(_errors_only(findings))
            raise ValidationFailed("数据有错误，不能准备抽取：请先修正")
        now = dt.datetime.now(dt.UTC)
        beacon = (Beacon("dice", 0, args.dice) if args.dice
                  else Beacon.drand_at(args.beacon_at, now) if args.beacon_at else Beacon.drand_after(now))
        directory = prepare(dataset, args.task, today, beacon)
        print(f"已准备 {args.task} 的抽取：{directory}")
        previous = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["previous"]
        rivals = rival_drafts(dataset, args.task, previous)
        if rivals:
            print(f"注意：{'、'.join(rivals)} 也已准备、尚未锁定。同时准备的几次抽取只有最先锁定的一次能够锁定，"
                  "其余的清单随即失效（清单写明了账本中的前一条记录）。如需稳妥，请删除本次生成的文件（尚未提交），"
                  "待上述抽取锁定后再准备本任务。")
        if args.dice:
            print("请提交（commit）并公开这些文件；掷骰仪式之后运行 sunlight draw lock。")
        else:
            emitted = quicknet_round_time(beacon.round).astimezone(BEIJING)
            print(f"请在 {emitted:%Y-%m-%d %H:%M:%S}（北京时间）drand quicknet 第 {beacon.round} 轮产生之前"
                  "提交并合并这些文件；该轮产生后运行 sunlight draw lock。")
        return 0
    if args.step == "replace":
        from generator.draw.replace import Replacement, append_replacement

        dataset, _ = load(args.data)
        replacement_id = append_replacement(dataset, Replacement(
            args.task, args.object, args.replaced, args.replacement, args.reason, args.approver, today))
        print(f"已登记调整 {replacement_id}：{args.replaced} → {args.replacement}（{args.reason}）")
        return 0
    year = _task_year(args.data, args.task)
    directory = lock(args.data, year, args.task, args.beacon, today)
    print(f"已锁定 {args.task} 的抽取：{directory / 'record.json'}")
    return 0


def _task_year(root: Path, task_id: str) -> int:
    parts = task_id.split("-")
    if len(parts) == 3 and parts[1].isdigit() and (root / "draws" / parts[1] / task_id).is_dir():
        return int(parts[1])
    raise UsageError(f"找不到任务 {task_id} 的抽取目录（应为 draws/<年份>/{task_id}）")


def _verify(args: argparse.Namespace) -> int:
    from generator.draw.verify import verify_ledger
    from generator.errors import VerificationFailed

    reports = verify_ledger(args.data, None if args.all else args.task)
    if not reports:
        raise UsageError("没有找到已锁定的抽取记录" + (f"：{args.task}" if args.task else ""))
    for report in reports:
        if report.ok:
            print(f"{report.task_id}：通过")
        for d in report.differences:
            print(f"{report.task_id}：不一致 —— {d.message}\n  字段 {d.field}\n  应为 {d.expected}\n  实际 {d.found}")
    failed = [r for r in reports if not r.ok]
    print(f"共核验 {len(reports)} 次抽取，{len(reports) - len(failed)} 次通过，{len(failed)} 次不一致。")
    if failed:
        raise VerificationFailed("核验未通过")
    return 0


def _status(args: argparse.Namespace) -> int:
    import json

    from generator.load import load
    from generator.staff.status import status
    from generator.staff.status_text import format_status

    dataset, findings = load(args.data)
    if has_errors(findings):
        sys.stdout.write(format_text([f for f in findings if f.severity.value == "error"]))
        raise ValidationFailed("数据有错误，无法计算待办：请先运行 sunlight validate 并修正")
    names = dict(zip(dataset.departments["department_id"].to_list(), dataset.departments["name"].to_list(),
                     strict=True)) if "department_id" in dataset.departments.columns else {}
    if args.department and args.department not in names:
        raise UsageError(f"没有部门 {args.department}（已有：{'、'.join(sorted(names))}）")
    report = status(dataset, args.today or beijing_today(), args.department)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(format_status(report, names))
    return 0


def _task(args: argparse.Namespace) -> int:
    from generator.staff.new_task import NewTask, new_task

    task_id = new_task(args.data, NewTask(args.year, args.scenario, args.start, args.end, args.name, args.level))
    print(f"已在 {args.data / 'plans' / f'{args.year}.yaml'} 中新建任务 {task_id}。")
    print("请核对任务名称、抽查比例和执法人员人数，运行 sunlight validate，然后提交拉取请求；"
          f"计划合并后，用 sunlight draw prepare {task_id} 准备抽取。")
    return 0


def _directory(args: argparse.Namespace) -> int:
    from generator.layout import Layout
    from generator.staff.confirm_directory import confirm_directory

    layout = Layout(args.data)
    confirmation, findings = confirm_directory(layout, args.by, args.on or beijing_today(), args.snapshot_date)
    if confirmation is None:
        sys.stdout.write(_errors_only(findings))
        raise ValidationFailed("数据有错误，未确认名录库：请先修正")
    print(f"已确认名录库：{confirmation.rows} 个对象，SHA-256 {confirmation.sha256}，"
          f"{confirmation.confirmed_by} 于 {confirmation.confirmed_on} 确认（快照日期 {confirmation.snapshot_date}）。")
    print(f"请运行 sunlight validate，并提交 {layout.display(layout.snapshot)} 和 objects.csv。")
    return 0


def _releases(args: argparse.Namespace) -> int:
    from generator.opendata.fetch import fetch_releases

    if args.step == "upload":
        return _upload(args)
    got = fetch_releases(args.site_url, args.into)
    if got.releases == 0:
        print(f"{args.site_url} 尚未发布任何数据版本：这是第一次发布。")
    else:
        print(f"已下载 {got.releases} 个以往数据版本（{got.files} 个文件，{got.bytes / 1e6:.1f} MB）到 {args.into}，"
              "均已核对 SHA-256。")
    return 0


def _upload(args: argparse.Namespace) -> int:
    from generator.opendata.storage import downloads_url
    from generator.opendata.upload import upload_releases
    from generator.publish.settings import load_settings

    url = downloads_url(args.downloads_url or (load_settings().config.get("extra") or {}).get("downloads_url"))
    done = upload_releases(args.directory, url, args.target)
    if not done:
        print(f"{args.directory} 中没有需要上传的新数据版本。")
    for up in done:
        print(f"已上传数据版本 {up.version}（{up.files} 个文件）到 GitHub Release {up.tag}。")
    return 0


def _build(args: argparse.Namespace) -> int:
    from generator.publish import build_site

    report = build_site(args.data, args.output, releases_from=args.releases_from, downloads_out=args.downloads_out,
                        downloads_url=args.downloads_url, incremental=not args.full)
    print(report.summary())
    return 0


def _serve(args: argparse.Namespace) -> int:
    from generator.publish import serve

    serve(args.data, args.host, args.port)
    return 0


HANDLERS = {"validate": _validate, "draw": _draw, "verify": _verify, "build": _build, "serve": _serve,
            "status": _status, "task": _task, "directory": _directory, "releases": _releases,
            **cli_results.HANDLERS}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with one_shot_command():
            return HANDLERS[args.command](args)
    except SunlightError as exc:
        if not isinstance(exc, ValidationFailed):
            print(f"错误：{exc}", file=sys.stderr)
        else:
            print(str(exc), file=sys.stderr)
        return exit_code_for(exc)
