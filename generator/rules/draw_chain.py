"""Locked draws are never changed and form an unbroken chain (第十二条: 一经锁定不得更改).

Checks every draw's integrity (its files are the ones locked, the chain is unbroken) and
recomputes, as the public does with `sunlight verify`, the draws the dataset names
(`validate --against` names those a change adds or touches) and any draw whose integrity
fails, reporting the first difference of each as a finding; plus plan edits made after a
task was drawn. Recomputing every draw of a city takes minutes; `sunlight verify --all`
does that, in CI and for anyone holding the published files.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.draw.verify import verify_ledger
from generator.findings import Finding, error
from generator.model import Dataset

ARTICLE = "第十二条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"draws", "layout", "plans", "recompute_draws"})
RULE = "draw/locked"


def check(ds: Dataset) -> Iterable[Finding]:
    parsed = {d.directory: d.record for d in ds.draws if d.record is not None}
    unreadable = {d.directory for d in ds.draws if d.record is None and (d.directory / "record.json").exists()}
    recompute = ds.recompute_draws
    plain = {d.directory for d in ds.draws if d.record_plain}
    manifests = {d.directory: d.manifest for d in ds.draws if d.manifest is not None}
    for report in verify_ledger(ds.layout.root, parsed=parsed, recompute=recompute.__contains__, plain=plain,
                                manifests=manifests):
        for difference in report.differences:
            if difference.field == "manifest.json" or (difference.field == "record.json" and report.directory
                                                         in unreadable):
                continue  # a missing or unreadable file is reported on that file below / by the loader
            message = (f"{difference.message}（{difference.field}：应为 {difference.expected}，"
                       f"实际为 {difference.found}）")
            yield error(ds.display(report.directory / "record.json"), RULE, message, field=difference.field,
                        article=ARTICLE)
    tasks = ds.tasks
    for draw in ds.draws:
        manifest = draw.manifest or {}
        file = ds.display(draw.directory / "manifest.json")
        if draw.manifest is None:
            if not (draw.directory / "manifest.json").exists():
                yield error(file, RULE, "抽取目录中缺少 manifest.json", article=ARTICLE)
            continue  # an unreadable one already has the loader's finding
        task = tasks.get(draw.task_id)
        if task is None:
            yield error(file, RULE, f"年度计划中没有任务 {draw.task_id}", field="task_id", article=ARTICLE)
            continue
        if manifest.get("task_id") != draw.task_id or manifest.get("year") != task.year \
                or draw.year != task.year:
            yield error(file, RULE, f"清单的任务编号或年度与所在目录 draws/{task.year}/{draw.task_id} 不符",
                        field="task_id", article=ARTICLE)
        strata = [s.as_manifest() for s in task.strata]
        if manifest.get("strata") != strata:
            yield error(task.file, RULE,
                        f"任务 {draw.task_id} 的风险层级或比例在准备抽取后被修改：已公布的抽取条件不得更改",
                        row=task.line, field="strata", article=ARTICLE)
        declared_team = manifest.get("team")  # not an object: the manifest differs from the record's, said above
        team = declared_team.get("departments") if isinstance(declared_team, dict) else None
        if team is not None and team != [{"id": s.department, "size": s.size} for s in task.team]:
            yield error(task.file, RULE, f"任务 {draw.task_id} 的检查小组构成在准备抽取后被修改",
                        row=task.line, field="team", article=ARTICLE)
