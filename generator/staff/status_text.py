"""`sunlight status` as a clerk reads it: Chinese, grouped by what to do."""

from __future__ import annotations

from generator.staff.status import DUE_SOON_WORKING_DAYS, ResultsDue, Status


def _results_line(item: ResultsDue, names: dict[str, str]) -> str:
    department = names.get(item.department_id, item.department_id)
    note = "（期限按暂定节假日安排计算）" if item.provisional else ""
    if item.late:
        return (f"  {item.task_id}  {department}  {item.rows} 条结果  期限 {item.deadline}  "
                f"已逾期 {item.working_days} 个工作日{note}")
    return (f"  {item.task_id}  {department}  {item.rows} 条结果  期限 {item.deadline}  "
            f"还剩 {item.working_days} 个工作日{note}")


def format_status(report: Status, names: dict[str, str]) -> str:
    who = names.get(report.department or "", report.department) if report.department else "全部部门"
    lines = [f"待办情况（{who}，截至 {report.today}）", ""]
    lines.append(f"一、尚未锁定抽取的任务（第十二条）：{len(report.tasks)} 个")
    for task in report.tasks:
        flag = "  已过执行期限！" if task.overdue else ""
        lines.append(f"  {task.task_id}  {task.name}  牵头 {names.get(task.lead, task.lead)}  "
                     f"执行 {task.window_start} 至 {task.window_end}  {task.stage}{flag}")
    lines.append("")
    lines.append(f"二、已抽取但尚未录入结果的任务（第十七条）：{len(report.awaiting)} 个")
    for item in report.awaiting:
        lines.append(f"  {item.task_id}  抽中 {item.drawn} 个对象，{item.without_results} 个尚无结果")
    lines.append("")
    lines.append(f"三、{DUE_SOON_WORKING_DAYS} 个工作日内到期、尚未公示的结果（第十七条）：{len(report.due_soon)} 组")
    lines.extend(_results_line(item, names) for item in report.due_soon)
    lines.append("")
    lines.append("四、已超过公示期限、尚未公示的结果（第十七条、第二十五条：视为未完成任务）："
                 f"{len(report.overdue)} 组")
    lines.extend(_results_line(item, names) for item in report.overdue)
    return "\n".join(lines) + "\n"
