"""The reuse keys of the task pages (reuse.py), computed from the page's inputs, not its view model.

A task page (tasks.py) shows the task as planned, its draw (manifest, record, the draw folder's
file sizes), the selected objects' directory entries, the teams after replacements, the
replacements, the plan's publication date, which source files exist, the task's published
results and the names all of these are shown with. Building the view model of 5,000 pages just
to hash it took most of an incremental rebuild at city scale; these inputs are hashed instead:
the frames once for every task (row hashes grouped by task), the rest per task as small Python
values. Anything task.html.j2 or tasks.py shows must be an input here: test_site_task_keys.py
changes every field a task page displays and checks that the key changes.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import polars as pl

from generator.model import Task
from generator.publish.context import SiteContext
from generator.publish.owed import task_departments

# The directory columns a task page shows of a selected object (context.ObjectInfo).
OBJECT_COLUMNS = ("object_id", "name", "object_type", "district", "industry", "status")


def _grouped_hashes(frame: pl.DataFrame, hashed: pl.DataFrame) -> tuple[dict[str, bytes], bytes]:
    """task -> the schema of `hashed` and a 64-bit hash of each of its rows, in order; the value
    for a task without rows. `frame` holds the rows' task_id. One stable sort by task and one
    split of the hashes' bytes (partitioning into 5,000 frames took a second)."""
    schema = json.dumps([[name, str(dtype)] for name, dtype in hashed.schema.items()]).encode()
    rows = pl.DataFrame({"task_id": frame["task_id"], "h": hashed.hash_rows(seed=0)})
    runs = rows.select(pl.col("task_id").rle()).unnest("task_id")
    if runs["value"].n_unique() != len(runs):
        # Results are read file by file, a task's rows together: then the stable sort (a third
        # of a second over a city's million rows) would leave them as they are.
        rows = rows.sort("task_id", maintain_order=True)
        runs = rows.select(pl.col("task_id").rle()).unnest("task_id")
    data = rows["h"].to_numpy().tobytes()
    out: dict[str, bytes] = {}
    offset = 0
    for length, task_id in runs.select("len", "value").iter_rows():
        out[str(task_id)] = schema + data[offset * 8:(offset + length) * 8]
        offset += length
    return out, schema


class TaskInputs:
    """The inputs of every task page that live in frames, hashed for all tasks in one pass (per
    task, a call into polars cost a millisecond, 5,000 of them on every rebuild)."""

    def __init__(self, ctx: SiteContext) -> None:
        self.ctx = ctx
        self._rows: dict[str, bytes] | None = None
        self._no_rows = b""
        self._objects: dict[str, bytes] | None = None
        self._shared: str | None = None

    def rows(self, task_id: str) -> bytes:
        """`Digest.frame_bytes(ctx.published_for(task_id))`: the task's published results as derived
        in the context (corrections applied, timeliness judged)."""
        if self._rows is None:
            published = self.ctx.published
            self._rows, schema = _grouped_hashes(published, published)
            self._no_rows = schema + published.head(0).hash_rows(seed=0).to_numpy().tobytes()
        return self._rows.get(task_id, self._no_rows)

    def objects(self, task_id: str) -> bytes:
        """The directory entries of the task's selected objects, in selection order (a null row
        for an object not in the directory)."""
        if self._objects is None:
            chosen = self.ctx.selections.select("task_id", "position", "object_id").sort("task_id", "position")
            entries = chosen.join(self.ctx.ds.objects.select(OBJECT_COLUMNS), on="object_id", how="left",
                                  maintain_order="left")
            self._objects, _ = _grouped_hashes(entries, entries.select(OBJECT_COLUMNS))
        return self._objects.get(task_id, b"")

    def shared(self) -> str:
        """What every task page looks names and links up in: the name tables and the settings
        that make links to sources and draw files."""
        if self._shared is None:
            settings = self.ctx.settings
            self._shared = repr((self.ctx.names_digest, settings.repo_url, settings.repo_branch, settings.data_path,
                                 settings.draw_files_url))
        return self._shared


def task_key(ctx: SiteContext, task: Task, inputs: TaskInputs | None = None) -> list[Any]:
    """Everything a task page is made of (see the module's docstring)."""
    inputs = inputs or TaskInputs(ctx)
    draw = ctx.draws.get(task.task_id)
    # `file` is where the plan was read on this machine: not shown (the source link is built from
    # the layout), and it would make keys depend on where the data lives.
    planned = repr(dataclasses.replace(task, file=""))
    drawn: list[Any] = [None]
    if draw is not None:
        # The SHA-256 of the files the manifest and the record were read from (remembered by stat
        # signature between builds: reading 10,000 files took a quarter of a second), and the sizes
        # of the draw folder's files the page lists.
        folder = draw.directory
        drawn = [f"{folder.parent.name}/{folder.name}", ctx.file_digests.sha256(folder / "manifest.json"),
                 ctx.file_digests.sha256(folder / "record.json"),
                 repr(ctx.draw_file_sizes(draw)) if ctx.summaries[draw.task_id].prepared else ""]
    # The teams shown are the record's as the replacements change them: both are inputs here (a
    # replacement that could not be applied is an error, and no site is built from such data).
    replacements = repr(ctx.replacements_by_task.get(task.task_id, []))
    plan = ctx.ds.plans[task.year]
    # Where the plan, the draw and the results are is the layout's (code): only whether the
    # results file exists is data.
    # The results it owes and how they stand (owed.py): unpublished ones turn overdue as the data's date moves.
    owed = repr(task_departments(ctx, task.task_id))
    return [inputs.shared(), planned, *drawn, replacements, repr(plan.published_on), owed,
            ctx.ds.layout.results(task.year, task.task_id).exists(), inputs.objects(task.task_id),
            inputs.rows(task.task_id)]

