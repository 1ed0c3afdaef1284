"""What is recorded as done happened on or before today (第十七条: results are published once approved).

An inspection, an approval, a publication, a recusal or a replacement dated after today has not
happened: usually a typing slip (2026-12-03 for 2026-11-03). Left in, it would also move the site's
"data as of" date (the data's latest date) into the future and make every open task look later than
it is. "Today" is `validate --today`, by default Beijing's date (generator.clock). Dates outside
2000-2099 are date_range's.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.findings import Finding, error
from generator.model import Dataset
from generator.rules.date_cells import dated_cells
from generator.workdays import LAST_DAY

ARTICLE = "第十七条"
RULE = "date/future"

# Tables and their dates of things done (plans' windows and qualification periods lie ahead by nature).
DONE = {
    "results": ("inspected_from", "inspected_to", "approved_on", "published_on"),
    "corrections": ("approved_on", "published_on"),
    "replacements": ("approved_on",),
    "recusals": ("declared_on",),
}

# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"as_of", "layout", *DONE})


def check(ds: Dataset) -> Iterable[Finding]:
    for file, row, field, value in dated_cells(ds, DONE, lambda day: (day > ds.as_of) & (day <= LAST_DAY)):
        yield error(file, RULE, f"日期 {value} 晚于今天（{ds.as_of}）：不能登记尚未发生的事，请检查是否录入有误",
                    row=row, field=field, article=ARTICLE)
