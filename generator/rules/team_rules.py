"""Teams: led by the initiating department, every department present, two officers or more.

第十四条: the initiating department's inspector leads the team; 第十二条: every
participating department draws its inspectors; 行政处罚法第四十二条: inspections are made
by at least two law-enforcement officers.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error, warning
from generator.model import Dataset
from generator.rules.replacements import all_teams_after_replacements

ARTICLE = "第十四条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"draws", "inspectors", "layout", "plans", "recusals", "replacements"})
RULE = "team/composition"


def check(ds: Dataset) -> Iterable[Finding]:
    for task in ds.tasks.values():
        departments = [slot.department for slot in task.team]
        def fail(message: str, file: str = task.file, line: int = task.line) -> Finding:
            return error(file, RULE, message, row=line, field="team", article=ARTICLE)
        if departments[0] != task.lead:
            yield fail(f"任务 {task.task_id} 的检查小组第一个部门应为发起部门 {task.lead}：组长由发起部门人员担任")
        missing = [d for d in task.departments if d not in departments]
        if missing:
            yield fail(f"任务 {task.task_id} 的检查小组缺少参与部门：{'、'.join(missing)}")
        extra = [d for d in departments if d not in task.departments]
        if extra:
            yield fail(f"任务 {task.task_id} 的检查小组含有未参加任务的部门：{'、'.join(extra)}")
        if len(set(departments)) != len(departments):
            yield fail(f"任务 {task.task_id} 的检查小组中同一部门出现了两次")
        if sum(slot.size for slot in task.team) < 2:
            yield fail(f"任务 {task.task_id} 的检查小组少于两名执法人员（行政处罚法第四十二条）")
    teams_of = all_teams_after_replacements(ds)
    tasks = ds.tasks
    for draw in ds.draws:
        if draw.record is None:
            continue
        drawn = tasks.get(draw.task_id)
        lead = drawn.lead if drawn else None
        file = ""  # named only when there is something to say: display() resolves paths
        for object_id, members in teams_of[draw.directory].items():
            if not members:
                continue
            filled = 0
            led = drawn is None
            for m in members:  # one pass, no lists built: a city has over a million members
                if isinstance(m, dict) and m.get("inspector_id"):
                    filled += 1
                    led = led or m.get("department") == lead
            if led and filled >= 2:
                continue
            file = file or ds.display(draw.directory / "record.json")
            if not led:
                yield warning(file, RULE, f"对象 {object_id} 的检查小组没有发起部门的人员担任组长：须按第十三条选派",
                              field="teams", article=ARTICLE)
            if filled < 2:
                yield warning(file, RULE,
                              f"对象 {object_id} 的检查小组只有 {filled} 名执法人员，少于两名："
                              "须按第十三条选派补足",
                              field="teams", article=ARTICLE)
