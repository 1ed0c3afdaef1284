"""`sunlight results template|import` and `sunlight correct`: thin handlers over the library.

Registered from `generator.cli`; kept here so that cli.py stays short.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.clock import beijing_today
from generator.errors import UsageError, ValidationFailed
from generator.findings import format_github, format_json, format_text

DateType = Callable[[str], dt.date]


def add_parsers(commands: Any, common: argparse.ArgumentParser, date: DateType) -> None:
    results = commands.add_parser("results", help="检查结果表：生成模板、导入结果 / results workbook")
    steps = results.add_subparsers(dest="step", required=True, metavar="STEP")
    template = steps.add_parser(
        "template", parents=[common],
        help="生成预填的《联合抽查情况记录表（汇总表）》/ write the prefilled XLSX for a task",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="按已锁定的抽取记录生成汇总表（XLSX）：每个被抽中对象、每个抽查事项一行，灰色列预填，白色列由部门填写。\n"
                    "Write the task's results workbook, prefilled from its locked draw.")
    template.add_argument("task", help="任务编号，如 ZB-2026-001 / task id")
    template.add_argument("--output", type=Path, default=None,
                          help="输出文件（默认 <任务编号>.xlsx）/ output file (default <TASK>.xlsx)")
    load = steps.add_parser(
        "import", parents=[common], help="校验并导入填好的汇总表 / check and import a filled workbook",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="逐格校验填好的汇总表，全部正确才写入 results/<年份>/<任务编号>.csv；已公示的结果不能导入修改。\n"
                    "Check a filled workbook cell by cell; write the results file only if all is well.")
    load.add_argument("file", type=Path, help="填好的 .xlsx 文件 / the filled workbook")
    load.add_argument("--format", choices=("text", "github", "json"), default="text",
                      help="错误输出格式：text、github、json / findings format")
    load.add_argument("--today", type=date, default=None,
                      help="按哪一天判断公示是否逾期（默认今天）/ the day overdue is judged against")

    correct = commands.add_parser(
        "correct", parents=[common], help="更正已公示的检查结果（第十九条）/ correct a published result",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="在 corrections.csv 末尾追加一条更正记录；原结果保留，须经本部门主要负责人批准（第十九条）。\n"
                    "Append a correction of a published result, approved by the department's principal.")
    correct.add_argument("--task", required=True, help="任务编号 / task id")
    correct.add_argument("--object", required=True, help="对象标识 / object id")
    correct.add_argument("--item", required=True, help="事项编码 / checklist item id")
    correct.add_argument("--field", required=True, help="更正字段：result_code 或 follow_up / field to correct")
    correct.add_argument("--new", required=True, help="新值（follow_up 留空写 \"\"）/ new value")
    correct.add_argument("--reason", required=True, help="更正原因 / why the result was wrong")
    correct.add_argument("--approver", required=True,
                         help="批准的本部门主要负责人（职务），如 市市场监管局主要负责人 / approving principal")
    correct.add_argument("--on", type=date, default=None, help="批准日期（默认今天）/ approval date")
    correct.add_argument("--published-on", type=date, default=None,
                         help="更正在网站上公示的日期，即合并发布之日；不填则不公开，以后也不能补填"
                              " / the day the correction goes public (cannot be added later)")


def _results(args: argparse.Namespace) -> int:
    from generator.load import load

    if args.step == "template":
        from generator.results_sheet import write_template
        from generator.results_sheet.layout import task_sheet

        dataset, _ = load(args.data)
        output = args.output or Path(f"{args.task}.xlsx")
        if output.is_dir():  # a folder to put it in
            output = output / f"{args.task}.xlsx"
        try:
            write_template(dataset, args.task, output)
        except OSError as exc:  # a path through a file, no permission, a full disk
            raise UsageError(f"无法写入 {output}：{exc.strerror}") from exc
        rows = task_sheet(dataset, args.task).rows
        print(f"已生成 {output}：{len({r.object_id for r in rows})} 个对象，共 {len(rows)} 行")
        return 0
    from generator.results_sheet import import_results

    outcome = import_results(args.data, args.file, as_of=args.today)
    if outcome.findings:
        render = {"text": format_text, "github": format_github, "json": format_json}[args.format]
        sys.stdout.write(render(outcome.findings))
    if outcome.refused:
        raise ValidationFailed("表格有错误，未写入任何数据：请改正后重新导入")
    where = outcome.written or "（结果文件无变化）"
    print(f"已导入 {outcome.task_id}：新增 {outcome.added} 行，更新 {outcome.updated} 行，"
          f"未变 {outcome.unchanged} 行 → {where}")
    return 0


def _correct(args: argparse.Namespace) -> int:
    from generator.correct import Correction, append_correction
    from generator.load import load

    dataset, _ = load(args.data)
    correction_id = append_correction(dataset, Correction(
        args.task, args.object, args.item, args.field, args.new, args.reason, args.approver,
        args.on or beijing_today(), args.published_on))
    print(f"已登记更正 {correction_id}：{args.task} {args.object} {args.item} 的 {args.field} 改为“{args.new}”")
    return 0


HANDLERS = {"results": _results, "correct": _correct}
