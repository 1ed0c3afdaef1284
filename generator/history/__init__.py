"""`sunlight validate --against REV`: what a change may not do to data already published.

The ordinary validator checks that the working tree is consistent in itself. These checks
compare it with a base revision (the branch a pull request targets) and refuse the changes
the rules forbid whatever the new state looks like: editing or deleting a locked draw or a
committed manifest, or locking a draw whose manifest was not published first (第十二条),
changing a published result instead of correcting it, or
rewriting an append-only file (第十九条, 第十三条), deleting checklist versions (第六条) or
drawn tasks (第十二条).
"""

from __future__ import annotations

from pathlib import Path

from generator.findings import Finding, ordered
from generator.history import (
    append_only,
    checklist_kept,
    correction_targets,
    drawn_tasks_kept,
    locked_draws,
    manifest_first,
    published_results,
)
from generator.history.change import Change, changes_against

CHECKS = (locked_draws, manifest_first, drawn_tasks_kept, published_results, append_only, correction_targets,
          checklist_kept)


def check_against(root: Path, rev: str) -> list[Finding]:
    """Every finding about how the data under `root` changed since revision `rev`."""
    return check_change(changes_against(root, rev))


def check_change(change: Change) -> list[Finding]:
    return ordered(finding for check in CHECKS for finding in check.check(change))


def touched_draws(change: Change) -> frozenset[str]:
    """Task ids of the draws whose folder a change adds, edits or deletes files in: the
    draws `validate --against` recomputes in full."""
    return frozenset(parts[2] for parts in (path.split("/") for path in change.touched)
                     if len(parts) == 4 and parts[0] == "draws")


__all__ = ["Change", "changes_against", "check_against", "check_change", "touched_draws"]
