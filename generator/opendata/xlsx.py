"""XLSX for Excel and WPS users, written directly as SpreadsheetML (vectorised in polars: a
general-purpose writer needs about a minute for a city's million result rows).

Each sheet has two header rows (Chinese title, then the field name) and frozen panes; a
数据字典 sheet describes every field. Text is always written as an inline string cell, never a
formula, so a value such as `=HYPERLINK(...)` shows as the text it is and can never run (OWASP
CSV-injection advice, which the CSV files do not need to apply: see the data guide). Dates are real
dates (yyyy-mm-dd); no sheet holds more than Excel's 1,048,576 rows: a longer table continues
on a sheet named with a number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import polars as pl

from generator.opendata import pieces
from generator.opendata.archive import add_pieces, earlier_pieces
from generator.opendata.checksums import sha256_file
from generator.opendata.stamp import add_bytes, zip_info
from generator.opendata.tables import Resource, year_frames
from generator.publish.reuse import Digest

MAX_ROWS = 1_048_576
LEVEL = 1  # deflate level of the sheets: several times faster than the default on this XML, files a bit larger
HEADER_ROWS = 2
CHUNK_ROWS = 10_000  # rows turned into XML at once: 50,000 took 240 MB of text and its copies
EXCEL_EPOCH = dt.date(1899, 12, 30)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
END = b"</sheetData></worksheet>"
ILLEGAL_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"  # not allowed in XML 1.0: dropped
TO_ESCAPE = r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\x{FFFE}\x{FFFF}]"  # what the text cells replace (_cell_expr)
STYLE_DATE, STYLE_HEADER = 1, 2
KIND_NAMES = {"string": "文本", "integer": "整数", "date": "日期", "boolean": "是/否"}

STYLES = (f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
          '<fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/>'
          '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
          '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
          '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
          'borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
          'xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles '
          'count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


@dataclass(frozen=True)
class Sheet:
    name: str
    fields: list[dict[str, str]]
    frame: pl.DataFrame


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    return escape(value).replace("\r", "&#13;")


def _cell_expr(name: str, kind: str, letter: str, escape_text: bool = True) -> pl.Expr:
    """The `<c>` element of one column for every row (`_r` holds the row number as text), empty for
    a missing value; `escape_text`: False for a text column known to hold nothing to escape."""
    ref = pl.concat_str([pl.lit(f'<c r="{letter}'), pl.col("_r")])
    column = pl.col(name)
    if kind == "integer":
        body = pl.concat_str([ref, pl.lit('"><v>'), column.cast(pl.String), pl.lit("</v></c>")])
    elif kind == "boolean":
        body = pl.concat_str([ref, pl.lit('" t="b"><v>'), column.cast(pl.Int8).cast(pl.String), pl.lit("</v></c>")])
    elif kind == "date":
        serial = (column - pl.lit(EXCEL_EPOCH)).dt.total_days().cast(pl.String)
        body = pl.concat_str([ref, pl.lit(f'" s="{STYLE_DATE}"><v>'), serial, pl.lit("</v></c>")])
    else:
        text = column.cast(pl.String)
        if escape_text:
            text = (text.str.replace_all(ILLEGAL_XML, "").str.replace_all("&", "&amp;", literal=True)
                    .str.replace_all("<", "&lt;", literal=True).str.replace_all(">", "&gt;", literal=True)
                    .str.replace_all("\r", "&#13;", literal=True))
        body = pl.concat_str([ref, pl.lit('" t="inlineStr"><is><t xml:space="preserve">'), text,
                              pl.lit("</t></is></c>")])
    return body.fill_null("")  # the row's concat_str is null only where the value is


def _to_escape(frame: pl.DataFrame, names: list[str]) -> dict[str, bool]:
    """Which of the text columns `names` hold a character to escape or drop anywhere: most (keys,
    codes, dates as text) hold none, and five passes of replacement over them were a third of
    a sheet's time."""
    if not names:
        return {}
    found = frame.select(pl.col(n).cast(pl.String).str.contains(TO_ESCAPE).any().alias(n) for n in names)
    return {n: bool(found[n][0]) for n in names}


def _header_row(number: int, values: list[str], style: int) -> str:
    cells = "".join(f'<c r="{column_letter(i)}{number}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{_text(v)}</t></is></c>" for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def _sheet_sources(sheet: Sheet, base: str | None) -> Iterator[pieces.Source]:
    """The sheet's XML in pieces (generator.opendata.pieces): its head, each CHUNK_ROWS rows, its
    end. A chunk is keyed (with `base`, the salt of keys.py) by its rows and its first row's number;
    its XML depends on nothing else (a column is escaped only where a value needs it, `_to_escape`)."""
    kinds = {f["name"]: f.get("type", "string") for f in sheet.fields}
    names = [f["name"] for f in sheet.fields]
    widths = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{min(40, max(10, len(f.get("title", "")) * 2 + 2))}"/>'
                     for i, f in enumerate(sheet.fields))
    head = (f'{XML_HEAD}<worksheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="'
            f'{HEADER_ROWS}" topLeftCell="A{HEADER_ROWS + 1}" activePane="bottomLeft" state="frozen"/></sheetView>'
            f'</sheetViews><cols>{widths}</cols><sheetData>'
            + _header_row(1, [f.get("title") or f["name"] for f in sheet.fields], STYLE_HEADER)
            + _header_row(2, names, 0)).encode()
    yield hashlib.sha256(head).hexdigest(), lambda: head
    cells: list[pl.Expr] = []

    def chunk(start: int) -> bytes:
        if not cells:  # once a sheet, and only when a chunk is written
            escape_text = _to_escape(sheet.frame, [n for n in names if kinds[n] not in ("integer", "boolean", "date")])
            cells.extend(_cell_expr(name, kinds[name], column_letter(i), escape_text.get(name, True))
                         for i, name in enumerate(names))
        rows = sheet.frame.slice(start, CHUNK_ROWS).with_row_index("_n", offset=start + HEADER_ROWS + 1)
        rows = rows.with_columns(pl.col("_n").cast(pl.String).alias("_r"))
        # Joined and handed over as bytes: a Python str of it, then its UTF-8, were two more copies.
        xml = rows.select(pl.concat_str([pl.lit('<row r="'), pl.col("_r"), pl.lit('">'), *cells, pl.lit("</row>")])
                          .str.join("").cast(pl.Binary).alias("x"))
        return bytes(xml["x"].item())

    hashes = sheet.frame.hash_rows(seed=0).to_numpy() if base is not None and len(sheet.frame) else None
    schema = [[name, kinds[name], str(kind)] for name, kind in sheet.frame.schema.items() if name in kinds]
    for start in range(0, len(sheet.frame), CHUNK_ROWS):
        key = "" if hashes is None else Digest(base, "xlsx", schema, start,
                                               hashes[start:start + CHUNK_ROWS].tobytes()).hexdigest()
        yield key, partial(chunk, start)
    yield hashlib.sha256(END).hexdigest(), lambda: END


def split(resource: Resource, frame: pl.DataFrame) -> Iterator[Sheet]:
    """One sheet per 1,048,574 data rows (the two header rows count against Excel's limit)."""
    room = MAX_ROWS - HEADER_ROWS
    parts = max(1, -(-len(frame) // room))
    for part in range(parts):
        name = resource.title if part == 0 else f"{resource.title}{part + 1}"
        yield Sheet(name[:31], resource.fields, frame.slice(part * room, room))


def dictionary(resources: list[Resource]) -> Sheet:
    rows = [{"sheet": r.title, "field": f["name"], "title": f.get("title", ""),
             "type": KIND_NAMES.get(f.get("type", "string"), f.get("type", "")),
             "description": f.get("description", ""),
             "key": "主键" if f["name"] in r.primary_key else ""}
            for r in resources for f in r.fields]
    fields = [{"name": "sheet", "title": "工作表"}, {"name": "field", "title": "字段名"},
              {"name": "title", "title": "中文名称"}, {"name": "type", "title": "类型"},
              {"name": "description", "title": "说明"}, {"name": "key", "title": "键"}]
    return Sheet("数据字典", fields, pl.DataFrame(rows, schema={f["name"]: pl.String for f in fields}))


def write_workbook(path: Path, sheets: list[Sheet], day: dt.date, title: str, base: str | None = None,
                   index: Path | None = None, earlier: pieces.Previous | None = None) -> None:
    """The workbook; its sheets are written in pieces, those of `earlier` (the last release's
    workbook, as `index` lists its pieces) copied compressed where their rows are unchanged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{day.isoformat()}T00:00:00Z"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                        for i in range(1, len(sheets) + 1))
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/core.xml" '
             f'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>{overrides}</Types>')
    root_rels = (f'<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{RELS}/officeDocument" '
                 f'Target="xl/workbook.xml"/><Relationship Id="rId2" Type="{PKG_RELS}/metadata/core-properties" '
                 'Target="docProps/core.xml"/></Relationships>')
    core = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_text(title)}</dc:title><dc:creator>Sunlight</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')
    entries = "".join(f"<sheet name={quoteattr(s.name)} sheetId=\"{i}\" r:id=\"rId{i}\"/>"
                      for i, s in enumerate(sheets, start=1))
    workbook = f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>{entries}</sheets></workbook>'
    links = "".join(f'<Relationship Id="rId{i}" Type="{RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                    for i in range(1, len(sheets) + 1))
    links += f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELS}/styles" Target="styles.xml"/>'
    before = earlier_pieces(earlier, index)
    streams: dict[str, list[pieces.Piece]] = {}
    with zipfile.ZipFile(path, "w") as archive:
        add_bytes(archive, "[Content_Types].xml", (XML_HEAD + types).encode(), day)
        add_bytes(archive, "_rels/.rels", (XML_HEAD + root_rels).encode(), day)
        add_bytes(archive, "docProps/core.xml", (XML_HEAD + core).encode(), day)
        add_bytes(archive, "xl/workbook.xml", (XML_HEAD + workbook).encode(), day)
        add_bytes(archive, "xl/_rels/workbook.xml.rels",
                  (XML_HEAD + f'<Relationships xmlns="{PKG_RELS}">{links}</Relationships>').encode(), day)
        add_bytes(archive, "xl/styles.xml", (XML_HEAD + STYLES).encode(), day)
        for i, sheet in enumerate(sheets, start=1):
            name = f"xl/worksheets/sheet{i}.xml"
            streams[name] = add_pieces(archive, zip_info(name, day, LEVEL), _sheet_sources(sheet, base),
                                       before.get(name), LEVEL)
    if index is not None:
        pieces.save_index(index, sha256_file(path), streams)


def write_year(path: Path, resources: list[Resource], year: int, day: dt.date, base: str | None = None,
               index: Path | None = None, earlier: pieces.Previous | None = None) -> None:
    """One workbook with every table's rows for `year` (see `year_frames`) and the dictionary, dated
    `day` (the year's own date, not the release's: an unchanged year gives the same bytes in the
    next release, which reuses it)."""
    sheets = [dictionary(resources)]
    frames = year_frames(resources, year)
    for resource in resources:
        sheets.extend(split(resource, frames[resource.name]))
    write_workbook(path, sheets, day, f"双随机、一公开数据 {year} 年（数据截至 {day.isoformat()}）", base, index,
                   earlier)
