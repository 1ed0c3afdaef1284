"""Riskier tiers are inspected at least as often as the base tier (第八条: 差异化监管).

The last tier has no condition and takes every remaining object; its ratio is the base.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.model import Dataset

ARTICLE = "第八条"
# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"layout", "plans"})
RULE = "plan/tier-ratios"


def check(ds: Dataset) -> Iterable[Finding]:
    for plan in ds.plans.values():
        for task in plan.tasks:
            def fail(message: str, file: str = plan.file, line: int = task.line) -> Finding:
                return error(file, RULE, message, row=line, field="strata", article=ARTICLE)
            ids = [s.id for s in task.strata]
            if len(set(ids)) != len(ids):
                yield fail(f"任务 {task.task_id} 的风险层级标识重复")
            *tiers, base = task.strata
            if base.when_any:
                yield fail(f"任务 {task.task_id} 的最后一个层级“{base.name}”不应写条件：它收纳其余所有对象")
            for tier in tiers:
                if not tier.when_any:
                    yield fail(f"任务 {task.task_id} 的层级“{tier.name}”没有条件，只有最后一个层级可以不写条件")
                if base.ratio_bp is not None and tier.ratio_bp is not None \
                        and tier.ratio_bp < base.ratio_bp:
                    yield fail(f"任务 {task.task_id} 的层级“{tier.name}”比例 {tier.ratio_bp / 100:g}% "
                               f"低于一般层级的 {base.ratio_bp / 100:g}%：风险较高的对象应加大抽查比例")
