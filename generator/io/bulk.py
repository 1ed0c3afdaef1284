"""Many CSV files of one Table Schema (the results, one file per task) checked as one table.

Each file is still its own table: errors name its own rows, and uniqueness and primary
keys hold within a file. But the costly parts run once for all files: one `read_csv`,
Frictionless's cell reader once per distinct value of the whole set, one group-by for
duplicates. Files whose structure is not plain (quotes, CR, blank or ragged rows, a bad
header) go through `validate_csv_text` one by one, which reports those exactly as
Frictionless does; what a plain file can contain is checked here the same way
(`tests/unit/test_tabular_equivalence.py` compares both with Frictionless).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any

import polars as pl

from generator.findings import Finding
from generator.io.tabular import (
    TableError,
    _distinct_checks,
    _typed,
    empty_frame,
    schema_of,
    to_finding,
    validate_csv_text,
)


def _plain_body(data: bytes, names: list[str]) -> bytes | None:
    """The rows of a file (LF-terminated UTF-8) if its header is exact and it has no quotes or CR.

    That every line has as many commas as the header and none is blank (only commas) is
    checked by `_counts_ok`, for all plain files at once first; that no single line has too
    many (so none has too few) by reading all plain files strictly (see `_read_plain`).
    """
    end = data.find(b"\n")  # not partition(): the header is all that is needed from the file
    header = data if end < 0 else data[:end]
    if b'"' in data or b"\r" in data or next(csv.reader([header.decode()]), []) != names:
        return None
    body = b"" if end < 0 else data[end + 1:]
    if body and not body.endswith(b"\n"):
        body += b"\n"
    return body


def _counts_ok(data: bytes, lines: int, width: int) -> bool:
    """`lines` LF-terminated rows (UTF-8) with `width - 1` commas each on average, none blank."""
    return (data.count(b",") == (width - 1) * lines
            and (b"\n" + data).find(b"\n" + b"," * (width - 1) + b"\n") < 0)


def _read_plain(data: bytes, names: list[str]) -> pl.DataFrame | None:
    """All plain bodies (joined, UTF-8) as one frame of text columns, or None if some line
    has extra cells."""
    if not data:
        return pl.DataFrame({n: pl.Series(n, [], dtype=pl.String) for n in names})
    try:
        return pl.read_csv(data, has_header=False, new_columns=names, infer_schema=False)
    except pl.exceptions.ComputeError:
        return None


def _only(keep: list[int], plain: list[int], bodies: list[bytes], counts: list[int]
          ) -> tuple[list[int], list[bytes], list[int]]:
    """The plain files' lists, cut down to the positions in `keep`."""
    return [plain[n] for n in keep], [bodies[n] for n in keep], [counts[n] for n in keep]


def _line_problems(bodies: list[bytes], width: int) -> set[int]:
    """Indexes of bodies with a line whose cell count is not `width` (the slow, exact check)."""
    lines = pl.Series("line", b"".join(bodies).decode().split("\n")[:-1], dtype=pl.String)
    owner = pl.Series("owner", range(len(bodies))).repeat_by(pl.Series([b.count(b"\n") for b in bodies]))
    frame = pl.DataFrame({"line": lines, "owner": owner.explode().drop_nulls()})
    bad = frame.filter(pl.col("line").str.count_matches(",", literal=True) != width - 1)
    return set(bad["owner"].to_list())


def _cell_errors(frame: pl.DataFrame, schema: Any) -> list[tuple[int, TableError]]:
    """(file index, error) for invalid or missing cells, as `tabular._cell_errors`."""
    errors: list[tuple[int, TableError]] = []
    checks: list[tuple[Any, dict[str, dict[str, str]], pl.Expr]] = []
    for spec in schema.fields:
        bad = _distinct_checks(frame.get_column(spec.name), spec)
        condition = pl.col(spec.name).is_in(list(bad)) if bad else pl.lit(False)
        if spec.constraints.get("required", False):
            condition = condition | pl.col(spec.name).is_null()
        if bad or spec.constraints.get("required", False):
            checks.append((spec, bad, condition))
    # One pass over the million rows for all fields; each field then looks at the few left.
    suspects = frame.filter(pl.any_horizontal(c for _, _, c in checks)) if checks else frame.head(0)
    for spec, bad, condition in checks:
        for owner, row, value in suspects.filter(condition).select("_owner", "_row", spec.name).iter_rows():
            notes = bad[value] if value else {"required": ""}
            value = value or ""
            if "type" in notes:
                errors.append((owner, TableError(row, spec.name, "type-error", value, "")))
                continue
            errors.extend((owner, TableError(row, spec.name, "constraint-error", value, name))
                          for name in notes)
    return errors


def _duplicate_errors(frame: pl.DataFrame, names: list[str], kind: str) -> list[tuple[int, TableError]]:
    """Rows repeating an earlier row's key within the same file (`tabular._duplicate_errors`)."""
    keyed = frame.select("_owner", "_row", *names)
    empties: list[tuple[int, int]] = []
    if kind == "unique-error":
        keyed = keyed.filter(pl.col(names[0]).is_not_null())
    else:
        all_null = pl.all_horizontal(pl.col(n).is_null() for n in names)
        empties = list(keyed.filter(all_null).select("_owner", "_row").iter_rows())
        keyed = keyed.filter(~all_null)
    within = ["_owner", *names]
    if keyed.select(pl.struct(within).n_unique()).item() == len(keyed):  # cheaper than is_duplicated
        repeated = keyed.head(0).with_columns(pl.col("_row").alias("_first"))
    else:
        first = keyed.group_by(within).agg(pl.col("_row").min().alias("_first"))
        repeated = keyed.join(first, on=within, nulls_equal=True).filter(pl.col("_row") != pl.col("_first"))
    errors = []
    for owner, row, first_row, *key in repeated.select("_owner", "_row", "_first", *names).iter_rows():
        cell = "" if kind == "primary-key" else str(key[0])
        errors.append((owner, TableError(row, names[0] if kind == "unique-error" else "", kind, cell, "",
                                         str(first_row))))
    errors.extend((owner, TableError(row, "", "primary-key", "", "", "")) for owner, row in empties)
    return errors


def validate_csv_texts(texts: Sequence[tuple[str | None, str]], descriptor: dict[str, Any], *,
                       data: Sequence[bytes | None] | None = None) -> tuple[pl.DataFrame, list[list[Finding]]]:
    """All files' rows in one typed frame (`_row`, `_file` added) and each file's findings.

    `texts` are (decoded text or None if unreadable, display name) in the order wanted;
    `data`, if the caller has them, each text's UTF-8 bytes (not encoded again: at city scale
    the results are 116 MB).
    """
    schema = schema_of(descriptor)
    names = list(schema.field_names)
    findings: list[list[Finding]] = [[] for _ in texts]
    pieces: list[tuple[int, pl.DataFrame]] = []
    plain: list[int] = []
    bodies: list[bytes] = []
    for index, (text, _) in enumerate(texts):
        if text is None:
            continue
        raw = data[index] if data is not None else None
        body = _plain_body(text.encode() if raw is None else raw, names)
        if body is not None:
            plain.append(index)
            bodies.append(body)
    # Counted on bytes (several times faster than in a str of Chinese text), all files at
    # once; only if that fails, file by file to set the wrong ones aside.
    counts = [b.count(b"\n") for b in bodies]
    joined = b"".join(bodies)
    if not _counts_ok(joined, sum(counts), len(names)):
        plain, bodies, counts = _only(
            [n for n, b in enumerate(bodies) if _counts_ok(b, counts[n], len(names))], plain, bodies, counts)
        joined = b"".join(bodies)
    plain_frame = _read_plain(joined, names)
    if plain_frame is None:  # some line has extra cells: find its files, read the others
        odd = _line_problems(bodies, len(names))
        plain, bodies, counts = _only([n for n in range(len(bodies)) if n not in odd], plain, bodies, counts)
        plain_frame = _read_plain(b"".join(bodies), names)
    del joined
    assert plain_frame is not None
    plain_set = set(plain)
    for index, (text, display) in enumerate(texts):
        if index in plain_set:
            continue
        frame = None
        if text is not None:
            result = validate_csv_text(text, descriptor, display)
            findings[index] = result.findings
            frame = result.frame
        pieces.append((index, frame if frame is not None else empty_frame(descriptor)))
    if bodies:
        frame = plain_frame
        owners = pl.Series("_owner", plain, dtype=pl.Int64).repeat_by(pl.Series(counts)).explode()
        frame = frame.with_columns(owners.drop_nulls().alias("_owner"))
        frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64).over("_owner") + 2).alias("_row"))
        errors = _cell_errors(frame, schema)
        for spec in schema.fields:
            if spec.constraints.get("unique"):
                errors.extend(_duplicate_errors(frame, [spec.name], "unique-error"))
        if schema.primary_key:
            errors.extend(_duplicate_errors(frame, list(schema.primary_key), "primary-key"))
        by_owner: dict[int, list[TableError]] = {}
        for owner, table_error in errors:
            by_owner.setdefault(owner, []).append(table_error)
        for owner, owned in by_owner.items():
            display = texts[owner][1]
            findings[owner] = [to_finding(e, schema, display) for e in sorted(owned)]
        pieces.append((-1, _typed(frame, schema)))
    return _assemble(pieces, [d for _, d in texts], descriptor), findings


def _assemble(pieces: list[tuple[int, pl.DataFrame]], displays: list[str],
              descriptor: dict[str, Any]) -> pl.DataFrame:
    """One frame in file order, each row labelled with its file's display name."""
    columns = [*schema_of(descriptor).field_names, "_row"]
    frames = [frame.select(*columns, pl.lit(owner, dtype=pl.Int64).alias("_owner")) if owner >= 0
              else frame.select(*columns, "_owner") for owner, frame in pieces]
    if not frames:
        frames = [empty_frame(descriptor).with_columns(pl.lit(0, dtype=pl.Int64).alias("_owner"))]
    whole = pl.concat(frames, how="vertical")
    if len(frames) > 1:
        whole = whole.sort("_owner", maintain_order=True)
    labels = pl.Series("_file", displays or [""], dtype=pl.String)
    return whole.with_columns(labels.gather(whole["_owner"]).alias("_file")).drop("_owner")
