"""A private field holds the person's data or nothing: no placeholder (第二十一条).

Every value of a private field is looked for in everything published, and the build refuses to
publish when one turns up (generator.publish.privacy). A placeholder such as “无” or “-” turns up
everywhere, so the build would stop with a puzzling message far from its cause; it is reported
here instead, at its row, with what to do.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from generator.findings import Finding, error
from generator.model import Dataset
from generator.schemas import private_fields

ARTICLE = "第二十一条"
RULE = "privacy/placeholder"


# Compared after stripping spaces and lower-casing; any single character is one too.
PLACEHOLDERS = {"无", "暂无", "没有", "不详", "未知", "空", "略", "待定", "待补充", "无此项", "-", "--", "—", "——",
                "/", "\\", "0", "n/a", "na", "none", "null", "nil", "unknown"}


# The tables read from one file each (results hold no private field).
TABLES = ("departments", "checklist", "objects", "inspectors", "recusals", "replacements", "corrections")

# The dataset fields this rule reads: its findings are kept while their files are unchanged
# (generator.incremental).
READS = frozenset({"layout", *TABLES})


def check(ds: Dataset) -> Iterable[Finding]:
    for attribute in TABLES:
        frame: pl.DataFrame = getattr(ds, attribute)
        for name in private_fields(attribute):
            if name not in frame.columns:
                continue
            normal = frame[name].cast(pl.String).str.strip_chars().str.to_lowercase()
            placeholder = normal.is_in(sorted(PLACEHOLDERS)) | (normal.str.len_chars() == 1)
            for row, value in frame.filter(placeholder).select("_row", name).iter_rows():
                yield error(ds.layout.display(getattr(ds.layout, attribute)), RULE,
                            f"不公开字段填写了占位内容“{value}”：没有这项信息时请留空。不公开字段的每个值都会在公开数据中查找，"
                            "“无”“-”之类的内容到处都有，会使网站无法发布", row=row, field=name, article=ARTICLE)
