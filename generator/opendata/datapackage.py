"""`datapackage.json` (Data Package v2): every CSV table with its Table Schema, the licence,
the sources, the version and the publication date."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.opendata.names import LICENSE, TITLE
from generator.opendata.tables import Resource

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"


def descriptor(resources: list[Resource], version: str, created: str, repo_url: str,
               csv_path: str = "") -> dict[str, Any]:
    """`csv_path`: the folder of the CSV files relative to the descriptor (empty: beside it, as in
    a release; `csv` in the archives)."""

    def schema(resource: Resource) -> dict[str, Any]:
        out: dict[str, Any] = {"fields": resource.fields, "primaryKey": resource.primary_key,
                               "missingValues": [""]}
        if resource.foreign_keys:
            out["foreignKeys"] = [{"fields": fk["fields"],
                                   "reference": ({"fields": fk["reference"]["fields"]}
                                                 if fk["reference"]["resource"] == resource.name else fk["reference"])}
                                  for fk in resource.foreign_keys]
        return out

    return {
        "$schema": PROFILE,
        "name": "zibo-double-random-one-public",
        "title": TITLE,
        "description": ("抽查事项清单、年度联合抽查计划与任务、抽取记录（抽中对象及签号、以化名编号表示的检查小组）、"
                        "执法检查人员调整、检查结果（按对象和按事项）、更正记录和各部门履职情况（第四条、第二十三条）。"
                        "不含任何个人信息（第二十一条）。"),
        "version": version,
        "created": created,
        "homepage": repo_url,
        "licenses": [LICENSE],
        "sources": [{"title": "Sunlight 数据版本库", "path": repo_url}],
        "resources": [{"name": r.name, "title": r.title, "description": r.description, "type": "table",
                       "path": f"{csv_path}/{r.name}.csv" if csv_path else f"{r.name}.csv",
                       "format": "csv", "mediatype": "text/csv",
                       "encoding": "utf-8", "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n"},
                       "schema": schema(r)} for r in resources],
    }


def descriptor_bytes(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode()


def write_descriptor(path: Path, value: dict[str, Any]) -> None:
    path.write_bytes(descriptor_bytes(value))
