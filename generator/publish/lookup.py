"""Business lookup (第二十条): one page, per-object history in sharded static JSON, a bigram
name index, and a permanent link per object (`lookup/#<object_id>`).

A page per business would not scale (a million objects), so nothing here is a page but the
lookup itself. Files it writes under `lookup/`:

- `meta.json`: bucket counts and the links the page needs;
- `h/<bucket>.json`: `{object_id: history}` for every object ever drawn, bucketed by the
  FNV-1a hash of the id, so one lookup by id fetches one small file;
- `n/<bucket>.json`: the name index. For each two-character sequence (bigram) of the
  lower-cased names, the objects whose name contains it; bucketed by the bigram's FNV-1a hash.
  Any name containing the query contains every bigram of the query, so one bigram's list holds
  all the hits, which the page then filters by the whole query. A bigram carried by too many
  names (“有限”, “公司”) is marked common (0) and the page tries the query's next bigram; a
  long list is written to a file of its own (`n/<bucket>-<n>.json`, named in the bucket).

Only objects that were drawn at least once are indexed: the rest have no inspection history.
"""

from __future__ import annotations

import heapq
import itertools
import json
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import polars as pl

from generator.facts import DrawSummary
from generator.publish import fragments
from generator.publish.common import day, task_url, timeliness_text
from generator.publish.context import FIELD_TITLES, SiteContext
from generator.publish.paths import page_url
from generator.publish.render import Page
from generator.publish.reuse import Digest, Reuse

HISTORY_TARGET_BYTES = 24_000
NAME_TARGET_BYTES = 24_000
COMMON_BIGRAM = 600  # more names than this: the bigram is too common to list
OWN_FILE = 150  # a list longer than this gets a file of its own, so buckets stay small
MAX_BUCKETS = 4096
MIN_QUERY = 2
SPILL_BYTES = 64 << 20  # history text held before it is appended to the spill files


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over the UTF-8 bytes (the same function runs in lookup.js)."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def bucket_count(total_bytes: int, target: int) -> int:
    """A power of two giving buckets of about `target` bytes."""
    count = 1
    while count < MAX_BUCKETS and total_bytes / count > target:
        count *= 2
    return count


def bucket_name(value: int, count: int) -> str:
    width = max(1, (count.bit_length() - 1 + 3) // 4)
    return f"{value & (count - 1):0{width}x}"


def bigrams(name: str) -> list[str]:
    text = name.lower()
    return sorted({text[i:i + 2] for i in range(len(text) - 1)})


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# A million results at city scale: each is written as a list in this order (the names go once
# into meta.json, checklist item titles into its `items`), which halves the shards' size;
# lookup.js turns them back into objects.
RESULT_FIELDS = ("item_id", "department", "method", "inspected_to", "result", "credit", "original", "follow_up",
                 "published_on", "timeliness", "line")


RESULT_COLUMNS = ("object_id", "task_id", "item_id", "department_id", "method", "inspected_to", "current_code",
                  "result_code", "current_follow_up", "published_on", "late_by", "deadline_official", "deadline",
                  "_row")
CHUNK_OBJECTS = 4_000  # objects whose results are turned into text together (more: more memory, not faster)


def _result_texts(ctx: SiteContext, published: pl.DataFrame, order: pl.Series) -> Iterator[tuple[str, str, str]]:
    """(object, task, that task's results for the object as JSON lists joined by commas) in the
    order of `published` gathered by `order` (sorted by object, task and item): each result a list
    in RESULT_FIELDS order. Written in polars a chunk of objects at a time, each value converted
    once per distinct value (fragments.py): a million json.dumps took most of the lookup's time.
    Rows are gathered a chunk at a time: a sorted copy of a million rows took 150 MB at the peak."""
    def credit(code: str | None) -> str:
        return "1" if code in ctx.codes and ctx.codes[code].credit_record else "0"

    if not len(published):
        return
    ids = published["object_id"].gather(order)
    starts = ids.unique(maintain_order=True).gather_every(CHUNK_OBJECTS)
    offsets = [*ids.search_sorted(starts, side="left").to_list(), len(published)]
    del ids
    c = pl.col
    for start, end in itertools.pairwise(offsets):
        rows = published[order.slice(start, end - start)]
        original = fragments.json_text(rows["result_code"], ctx.code_label)
        parts = pl.DataFrame({
            "object_id": rows["object_id"], "task_id": rows["task_id"],
            "item_id": fragments.json_text(rows["item_id"]),
            "department": fragments.json_text(rows["department_id"], ctx.dept),
            "method": fragments.json_text(rows["method"]),
            "inspected_to": fragments.json_text(rows["inspected_to"], day),
            "result": fragments.json_text(rows["current_code"], ctx.code_label),
            "credit": fragments.per_value(rows["current_code"], credit),
            "original": original.zip_with(rows["current_code"].ne_missing(rows["result_code"]),
                                          pl.repeat('""', len(rows), eager=True)),
            "follow_up": fragments.json_text(rows["current_follow_up"], lambda v: (v or "").replace(";", "、")),
            "published_on": fragments.json_text(rows["published_on"], day),
            "timeliness": fragments.per_row(rows.select("published_on", "late_by", "deadline_official", "deadline"),
                                            lambda r: json.dumps(timeliness_text(r)["text"], ensure_ascii=False)),
            "line": rows["_row"].cast(pl.String),
        })
        texts = parts.select("object_id", "task_id", fragments.joined(
            "[", c("item_id"), ",", c("department"), ",", c("method"), ",", c("inspected_to"), ",", c("result"), ",",
            c("credit"), ",", c("original"), ",", c("follow_up"), ",", c("published_on"), ",", c("timeliness"), ",",
            c("line"), "]").alias("text"))
        grouped = texts.group_by("object_id", "task_id", maintain_order=True).agg(c("text").str.join(","))
        yield from grouped.iter_rows()


_string = json.encoder.encode_basestring  # json.dumps(str, ensure_ascii=False)


def _locked_on(summary: DrawSummary) -> str:
    return str(summary.locked_on)


def _j(value: Any) -> str:
    """`dumps(value)`; a string without the encoder's set-up (millions of calls at city scale)."""
    return _string(value) if isinstance(value, str) else dumps(value)


def histories(ctx: SiteContext, only: AbstractSet[str] | None = None) -> Iterator[tuple[str, str]]:
    """Every drawn object's id and whole history as JSON text (as `dumps` writes it: keys sorted,
    no spaces), in object id order: each task, its published results as they stand, the
    originals beside any correction, and the follow-up (第十八条、第十九条、第二十六条). The
    selections and the results are both walked in object id order, so only one object's history
    is in memory at a time (at city scale all of them take gigabytes). With `only`, just those
    objects' histories (an incremental rebuild)."""
    selected, published_rows = ctx.selections, ctx.published
    if only is not None:
        wanted = pl.Series("object_id", sorted(only), dtype=pl.String).implode()
        selected = selected.filter(pl.col("object_id").is_in(wanted))
        published_rows = published_rows.filter(pl.col("object_id").is_in(wanted))
    selected = selected.sort("object_id", "year", "task_id", "position")
    # Only the columns a history shows, in order of object, task and item (a sorted copy of every
    # column took 300 MB).
    shown = published_rows.select(RESULT_COLUMNS)
    order = shown.select(pl.arg_sort_by("object_id", "task_id", "item_id", maintain_order=True)).to_series()
    published = _result_texts(ctx, shown, order)
    pending = next(published, None)
    layout = ctx.ds.layout
    paths: dict[str, str] = {}
    corrections: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    corrections_path = f"{ctx.settings.data_path}/{ctx.data_rel(layout.corrections)}"
    for c in ctx.published_corrections.iter_rows(named=True):
        label = ctx.code_label if c["field"] == "result_code" else (lambda v: (v or "").replace(";", "、"))
        corrections[(c["task_id"], c["object_id"])].append({
            "id": c["correction_id"], "item_id": c["item_id"], "field": FIELD_TITLES.get(c["field"], c["field"]),
            "old": label(c["old_value"]) or "（空）", "new": label(c["new_value"]) or "（空）", "reason": c["reason"],
            "approver": c["approver"], "approved_on": day(c["approved_on"]), "published_on": day(c["published_on"]),
            "source": corrections_path, "line": c["_row"],
        })
    # The text of the fields of a task's entry that do not depend on the object: before the
    # results, and after the source (by stratum and year).
    heads: dict[str, tuple[str, str, dict[str, str]]] = {}
    tails: dict[tuple[str, str, Any], str] = {}
    head = tail = ""
    object_id = ""
    tasks: list[str] = []
    by_task: dict[str, str] = {}
    for selected_id, task_id, year, stratum in selected.select("object_id", "task_id", "year", "stratum").iter_rows():
        if not head or selected_id != object_id:
            if head:
                yield object_id, f'{head}{",".join(tasks)}],"type":{tail}}}'
            object_id = selected_id
            info = ctx.objects.get(object_id)
            head = (f'{{"district":{_j(ctx.district(info.district) if info else "")},"id":{_j(object_id)},'
                    f'"industry":{_j(ctx.industry(info.industry) if info else "")},'
                    f'"name":{_j(info.name if info else object_id)},"status":{_j(info.status if info else "")},'
                    f'"tasks":[')
            tail = _j(info.object_type if info else "")
            tasks = []
            # This object's published results (results are only ever for drawn objects, but
            # skip any that sort before it all the same).
            by_task = {}
            while pending is not None and pending[0] <= object_id:
                if pending[0] == object_id:
                    by_task[pending[1]] = pending[2]
                pending = next(published, None)
        if task_id not in heads:
            task = ctx.tasks.get(task_id)
            summary = ctx.summaries.get(task_id)
            heads[task_id] = (
                f'"href":{_j(task_url(task) if task else "")},"lead":{_j(ctx.dept(task.lead) if task else "")},'
                f'"locked_on":{_j(_locked_on(summary) if summary else "")},'
                f'"name":{_j(task.name if task else task_id)},"results":[',
                _j(_results_path(ctx, paths, task_id)), {s.id: s.name for s in task.strata} if task else {})
        fields, source, strata = heads[task_id]
        after = tails.get((task_id, stratum, year))
        if after is None:
            after = tails[(task_id, stratum, year)] = (
                f'"stratum":{_j(strata.get(stratum, stratum))},"task_id":{_j(task_id)},"year":{_j(year)}}}')
        results = by_task.get(task_id)
        found = corrections.get((task_id, object_id))
        tasks.append(f'{{"corrections":{dumps(found) if found else "[]"},{fields}{results or ""}],'
                     f'"source":{source if results is not None else _j("")},{after}')
    if head:
        yield object_id, f'{head}{",".join(tasks)}],"type":{tail}}}'


def _results_path(ctx: SiteContext, paths: dict[str, str], task_id: str) -> str:
    path = paths.get(task_id, "")
    task = ctx.tasks.get(task_id)
    if task and not path:
        path = paths[task_id] = f"{ctx.settings.data_path}/{ctx.data_rel(ctx.ds.layout.results(task.year, task_id))}"
    return path


def _object_digests(ctx: SiteContext) -> pl.DataFrame:
    """For every drawn object (in id order), a 128-bit digest of the rows its history is made of: its
    selections, its published results (corrections applied, timeliness judged), its published
    corrections and its directory entry. Computed with polars in a second or two at city scale;
    what the rows refer to (tasks, draws, names) is in `_shared_digest`."""
    def grouped(frame: pl.DataFrame, order: list[str], name: str) -> pl.DataFrame:
        # Rows hashed first, then only the sort keys and the hashes sorted (not every column of a
        # million results).
        hashed = frame.select(order).with_columns(frame.hash_rows(seed=0).alias(name))
        return (hashed.sort(order, maintain_order=True).select("object_id", name)
                .group_by("object_id", maintain_order=True).agg(pl.col(name)))

    selected = grouped(ctx.selections, ["object_id", "year", "task_id", "position"], "s")
    published = grouped(ctx.published, ["object_id", "task_id", "item_id"], "p")
    corrections = grouped(ctx.published_corrections, ["object_id", "correction_id"], "c")
    objects = ctx.ds.objects.join(selected.select("object_id"), on="object_id", how="semi")
    objects = objects.select("object_id").with_columns(objects.hash_rows(seed=0).alias("o"))
    joined = (selected.join(published, on="object_id", how="left")
              .join(corrections, on="object_id", how="left").join(objects, on="object_id", how="left"))
    both = pl.struct("s", "p", "c", "o")
    return joined.select("object_id", pl.concat_str(both.hash(seed=1).cast(pl.String), pl.lit("."),
                                                    both.hash(seed=2).cast(pl.String)).alias("digest")
                         ).sort("object_id")


def _shared_digest(ctx: SiteContext) -> str:
    """Everything histories look up besides an object's own rows: tasks, draw dates, names."""
    tasks = sorted((t.task_id, t.year, t.name, t.lead, [(x.id, x.name) for x in t.strata])
                   for t in ctx.tasks.values())
    locked = sorted((s.task_id, _locked_on(s)) for s in ctx.summaries.values())
    # Printed whole: Digest walks a list element by element (half a second for 5,000 tasks).
    return Digest(repr(tasks), repr(locked), ctx.names_digest, str(ctx.data_rel(ctx.ds.layout.corrections))
                  ).hexdigest()


def summary(ctx: SiteContext) -> pl.DataFrame:
    """What the name index lists of each drawn object, in id order: id, name, status and the
    number of tasks it was drawn for (as in its history)."""
    counts = ctx.selections.group_by("object_id").agg(pl.len().cast(pl.Int64).alias("tasks"))
    info = ctx.ds.objects.join(counts, on="object_id", how="semi").select("object_id", "name", "status")
    return (counts.join(info, on="object_id", how="left")
            .select("object_id", pl.col("name").fill_null(pl.col("object_id")), pl.col("status").fill_null(""),
                    "tasks").sort("object_id"))


WARM_MAX = 20_000  # more changed objects than this: rebuild every shard (the histories go through spill files)


def _write_histories(ctx: SiteContext, site: Path, reuse: Reuse | None) -> tuple[int, int, int]:
    """Write the history shards `h/<bucket>.json`; returns the bucket count, the number of files
    and the number of histories built.

    The bucket count depends on the total size, known only at the end. In a full build all
    histories at once take gigabytes at city scale, so each is first appended, as a line
    `id<TAB>"id":{...}`, to one of MAX_BUCKETS spill files beside the site (in object id order, as
    `histories` yields them); a shard is then the merge of the spill files that fold into it.

    With `reuse`, each object's digest, history size and bucket bits are kept (as one text: the
    state of 150,000 objects, compared and grouped in polars): an incremental rebuild builds only
    the histories of changed objects, and of the other objects of their shards.
    """
    digests = _object_digests(ctx)
    shared = _shared_digest(ctx)
    saved = (reuse.old_extra.get("lookup") or {}) if reuse is not None else {}
    old = _read_state(saved.get("objects")) if saved.get("shared") == shared else None
    (site / "lookup" / "h").mkdir(parents=True, exist_ok=True)
    changed = (digests.join(old, on=["object_id", "digest"], how="anti")["object_id"].to_list()
               if old is not None else [])
    if reuse is None or not reuse.enabled or old is None or not len(old) or len(changed) > WARM_MAX:
        sizes, low = _spill_histories(ctx, site)
        state = digests.join(pl.DataFrame({"object_id": list(sizes), "size": list(sizes.values()),
                                           "low": [low[i] for i in sizes]},
                                          schema={"object_id": pl.String, "size": pl.Int64, "low": pl.Int64}),
                             on="object_id", how="left", maintain_order="left")
        count, members, keys = _shards(state, reuse, shared)
        built = len(sizes)
    else:
        texts = dict(histories(ctx, only=set(changed)))
        made = pl.DataFrame({"object_id": list(texts), "made": [len(t.encode()) for t in texts.values()],
                             "bits": [fnv1a(i) & (MAX_BUCKETS - 1) for i in texts]},
                            schema={"object_id": pl.String, "made": pl.Int64, "bits": pl.Int64})
        state = (digests.join(old.select("object_id", "size", "low"), on="object_id", how="left", maintain_order="left")
                 .join(made, on="object_id", how="left", maintain_order="left")
                 .select("object_id", "digest", pl.coalesce("made", "size").alias("size"),
                         pl.coalesce("low", "bits").alias("low")))
        count, members, keys = _shards(state, reuse, shared)
        missing = [name for name in sorted(members) if not reuse.take(f"lookup/h/{name}.json", keys[name], site)]
        needed = {i for name in missing for i in members[name] if i not in texts}
        texts.update(histories(ctx, only=needed))
        built = len(texts)
        for name in missing:
            body = ",".join(f"{json.dumps(i)}:{texts[i]}" for i in members[name])
            (site / "lookup" / "h" / f"{name}.json").write_text("{" + body + "}", encoding="utf-8", newline="\n")
    if reuse is not None:
        for name, key in keys.items():
            relative = f"lookup/h/{name}.json"
            if relative not in reuse.new:
                reuse.made(relative, key)
        reuse.extra["lookup"] = {"shared": shared, "objects": _write_state(state)}
    return count, len(members), built


STATE = ("object_id", "digest", "size", "low")  # columns of the lookup's saved state


def _write_state(state: pl.DataFrame) -> str:
    """The state as text, a line per object, fields separated by tabs (ids and digests hold none)."""
    line = pl.concat_str(*(pl.col(c).cast(pl.String) for c in STATE), separator="\t")
    return str(state.select(line.str.join("\n")).item()) if len(state) else ""


def _read_state(text: object) -> pl.DataFrame | None:
    """`_write_state`'s text as a frame; None for anything else (an older or damaged cache)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parts = (pl.DataFrame({"line": text.split("\n")})
                 .select(pl.col("line").str.split_exact("\t", len(STATE) - 1)
                         .struct.rename_fields(list(STATE))).unnest("line"))
        return parts.with_columns(pl.col("size").cast(pl.Int64), pl.col("low").cast(pl.Int64))
    except pl.exceptions.PolarsError:
        return None


def _shards(state: pl.DataFrame, reuse: Reuse | None, shared: str
            ) -> tuple[int, dict[str, list[str]], dict[str, str]]:
    """The bucket count for the histories' total size; each shard's objects in id order; each
    shard's key (its objects and their digests, the count and what histories look up)."""
    count = bucket_count(int(state["size"].sum()), HISTORY_TARGET_BYTES)
    names = [bucket_name(value, count) for value in range(MAX_BUCKETS)]  # low bits -> name, once
    grouped = (state.sort("object_id").group_by(pl.col("low") % count, maintain_order=True)
               .agg(pl.col("object_id"), pl.concat_str("object_id", pl.lit(":"), "digest").str.join(",").alias("k")))
    members: dict[str, list[str]] = {}
    keys: dict[str, str] = {}
    for low, ids, text in grouped.iter_rows():
        name = names[low]
        members[name] = ids
        keys[name] = reuse.key("lookup/h", count, shared, text) if reuse is not None else ""
    return count, members, keys


def _spill_histories(ctx: SiteContext, site: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Every history through the spill files (see `_write_histories`); returns each object's
    history size and the low bits of its bucket hash."""
    sizes: dict[str, int] = {}
    low: dict[str, int] = {}
    spill = Path(tempfile.mkdtemp(prefix=".lookup-", dir=site.parent))
    pending: dict[int, list[str]] = defaultdict(list)
    held = 0

    def flush() -> None:
        for bucket, lines in pending.items():
            with (spill / f"{bucket:x}").open("a", encoding="utf-8", newline="\n") as f:
                f.write("".join(lines))
        pending.clear()

    try:
        for object_id, text in histories(ctx):
            sizes[object_id] = len(text.encode())
            low[object_id] = bucket = fnv1a(object_id) & (MAX_BUCKETS - 1)
            # Lines are held in memory up to SPILL_BYTES: one open() per history cost seconds.
            pending[bucket].append(f"{object_id}\t{json.dumps(object_id)}:{text}\n")
            held += len(text)
            if held > SPILL_BYTES:
                flush()
                held = 0
        flush()
        count = bucket_count(sum(sizes.values()), HISTORY_TARGET_BYTES)
        groups: dict[str, list[Path]] = defaultdict(list)
        for path in spill.iterdir():
            groups[bucket_name(int(path.name, 16), count)].append(path)
        for name, paths in sorted(groups.items()):
            lines = heapq.merge(*(p.read_text(encoding="utf-8").splitlines() for p in sorted(paths)),
                                key=lambda line: line.split("\t", 1)[0])
            body = ",".join(line.split("\t", 1)[1] for line in lines)
            (site / "lookup" / "h" / f"{name}.json").write_text("{" + body + "}", encoding="utf-8", newline="\n")
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return sizes, low


def write_lookup(ctx: SiteContext, site: Path, reuse: Reuse | None = None) -> dict[str, int]:
    """Write meta.json and the shards; returns counts for the build report. With `reuse`,
    shards whose objects are unchanged since the last build are taken from it."""
    root = site / "lookup"
    history_buckets, history_files, built = _write_histories(ctx, site, reuse)
    listed = summary(ctx)
    names = _write_names(ctx, root, listed, reuse)
    meta = {
        "version": 1, "objects": len(listed), "history_buckets": history_buckets, "name_buckets": names,
        "min_query": MIN_QUERY, "as_of": day(ctx.as_of), "result_fields": list(RESULT_FIELDS),
        "items": {item_id: ctx.item_title(item_id) for item_id in sorted(ctx.items)},
        "source_base": f"{ctx.settings.repo_url}/blob/{ctx.settings.repo_branch}/",
        "history_base": f"{ctx.settings.repo_url}/commits/{ctx.settings.repo_branch}/",
    }
    (root / "meta.json").write_text(dumps(meta), encoding="utf-8", newline="\n")
    return {"objects": len(listed), "history_files": history_files, "histories_built": built,
            "name_files": sum(1 for p in (root / "n").iterdir() if "-" not in p.stem)}


def _write_names(ctx: SiteContext, root: Path, listed: pl.DataFrame, reuse: Reuse | None) -> int:
    """The name index `n/`, or the last build's when the list of objects is the same; returns
    the bucket count."""
    key = reuse.key("lookup/n", listed) if reuse is not None else ""
    (root / "n").mkdir(parents=True, exist_ok=True)
    if reuse is not None:
        previous = [name for name in reuse.old if name.startswith("lookup/n/")]
        saved = (reuse.old_extra.get("lookup_names") or {})
        if saved.get("key") == key and reuse.take_all(previous, key, root.parent):
            reuse.extra["lookup_names"] = saved
            return int(saved["buckets"])
    summary = {row[0]: list(row) for row in listed.iter_rows()}
    postings: dict[str, list[str]] = defaultdict(list)
    for object_id in sorted(summary):
        for gram in bigrams(summary[object_id][1]):
            postings[gram].append(object_id)
    entry_bytes = {i: len(dumps(row).encode()) for i, row in summary.items()}
    estimate = sum(sum(entry_bytes[i] + 6 for i in ids) for ids in postings.values() if len(ids) <= COMMON_BIGRAM)
    name_buckets = bucket_count(estimate, NAME_TARGET_BYTES)
    grouped: dict[str, list[str]] = defaultdict(list)
    for gram in sorted(postings):
        grouped[bucket_name(fnv1a(gram), name_buckets)].append(gram)
    (root / "n").mkdir(parents=True, exist_ok=True)
    for name, grams in sorted(grouped.items()):
        table: list[list[Any]] = []
        index: dict[str, int] = {}
        lists: dict[str, Any] = {}
        own = 0
        for gram in grams:
            ids = postings[gram]
            if len(ids) > COMMON_BIGRAM:
                lists[gram] = 0
                continue
            if len(ids) > OWN_FILE:
                own += 1
                alone = [summary[i] for i in ids]
                (root / "n" / f"{name}-{own}.json").write_text(dumps({"o": alone, "b": {gram: list(range(len(ids)))}}),
                                                              encoding="utf-8", newline="\n")
                lists[gram] = f"{name}-{own}"
                continue
            refs = []
            for object_id in ids:
                if object_id not in index:
                    index[object_id] = len(table)
                    table.append(summary[object_id])
                refs.append(index[object_id])
            lists[gram] = refs
        (root / "n" / f"{name}.json").write_text(dumps({"o": table, "b": lists}), encoding="utf-8", newline="\n")

    if reuse is not None:
        for path in sorted((root / "n").iterdir()):
            reuse.made(f"lookup/n/{path.name}", key)
        reuse.extra["lookup_names"] = {"key": key, "buckets": name_buckets}
    return name_buckets


def pages(ctx: SiteContext) -> list[Page]:
    here = page_url("lookup")
    example = ""
    with_results = ctx.published.group_by("object_id").len().sort("len", "object_id", descending=[True, False])
    if len(with_results):
        example = str(with_results["object_id"][0])
    sample_name = ctx.object_name(example) if example else ""
    return [Page(here, "企业查询", "lookup.html.j2", {
        "example_id": example, "example_name": sample_name,
        "objects": pl.Series(ctx.selections["object_id"]).n_unique(),
    }, description="按名称或统一社会信用代码查询检查对象历年的抽查记录、检查结果、更正与后续处理",
                 scripts=["assets/sunlight/js/sunlight-lookup.js"])]
