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
        file = ds.display(draw.directory / "record.json")
        drawn = tasks.get(draw.task_id)
        for object_id, members in teams_of[draw.directory].items():
            filled = [m for m in members if m.get("inspector_id")]
            if drawn and members and not any(m.get("department") == drawn.lead and m.get("inspector_id")
                                            for m in members):
                yield warning(file, RULE, f"对象 {object_id} 的检查小组没有发起部门的人员担任组长：须按第十三条选派",
                              field="teams", article=ARTICLE)
            if members and len(filled) < 2:
                yield warning(file, RULE,
                              f"对象 {object_id} 的检查小组只有 {len(filled)} 名执法人员，少于两名："
                              "须按第十三条选派补足",
                              field="teams", article=ARTICLE)
