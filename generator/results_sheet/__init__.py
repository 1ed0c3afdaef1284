"""The results workbook: `sunlight results template` writes it, `sunlight results import` reads it.

《市场监管领域部门联合抽查情况记录表》（汇总表）: one row per drawn object and checklist item
of a task, the same grain as `results/<year>/<task>.csv`.
"""

from generator.results_sheet.importer import ImportOutcome, import_results
from generator.results_sheet.template import template_bytes, write_template

__all__ = ["ImportOutcome", "import_results", "template_bytes", "write_template"]
