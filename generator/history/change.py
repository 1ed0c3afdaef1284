"""The difference between a base revision and the working tree, read through git."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import UsageError
from generator.layout import Layout


def csv_rows(text: str | None) -> Iterator[tuple[int, dict[str, str]]]:
    """A CSV file's rows with their physical row number (the header is row 1); '' for empty cells.

    A plain reader, not the validator: these checks must read a file the validator rejects.
    """
    reader = csv.DictReader(io.StringIO((text or "").lstrip("\ufeff"), newline=""))
    for number, row in enumerate(reader, start=2):
        yield number, {k: v or "" for k, v in row.items() if k}


def _git(repo: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise UsageError("找不到 git 命令：--against 需要安装 git") from exc
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args[:2])} 失败：{done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return done.stdout


@dataclass
class Change:
    """What differs under the data root between `rev` and the working tree.

    Paths are relative to the data root, POSIX style. `modified` and `deleted` hold only
    files that existed at `rev`; new files are in `added` (tracked or not).
    """

    root: Path
    repo: Path
    rev: str  # the resolved commit
    label: str  # what the user typed, for messages
    prefix: str  # the data root relative to the repository, '' or ending in '/'
    modified: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    added: set[str] = field(default_factory=set)

    @property
    def layout(self) -> Layout:
        return Layout(self.root)

    @property
    def touched(self) -> set[str]:
        return self.modified | self.deleted | self.added

    def display(self, relative: str) -> str:
        return self.layout.display(self.root / relative)

    def base_text(self, relative: str) -> str | None:
        """The file as it was at the base revision; None when it did not exist there."""
        done = subprocess.run(["git", "-C", str(self.repo), "cat-file", "blob", f"{self.rev}:{self.prefix}{relative}"],
                              capture_output=True, check=False)
        if done.returncode != 0:
            return None
        return done.stdout.decode("utf-8", "replace")

    def head_text(self, relative: str) -> str | None:
        path = self.root / relative
        if not path.is_file():
            return None
        return path.read_bytes().decode("utf-8", "replace")

    def base_files(self, under: str) -> list[str]:
        """Files under a folder of the data root at the base revision."""
        out = _git(self.repo, "ls-tree", "-r", "-z", "--name-only", self.rev, "--", f"{self.prefix}{under}")
        return sorted(p.decode()[len(self.prefix):] for p in out.split(b"\0") if p)


def changes_against(root: Path, rev: str) -> Change:
    root = root.resolve()
    if not root.is_dir():
        raise UsageError(f"数据目录不存在：{root}")
    try:
        repo = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip()).resolve()
    except UsageError as exc:
        raise UsageError(f"数据目录 {root} 不在 git 仓库中：--against 需要 git 仓库") from exc
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                            capture_output=True, text=True, check=False)
    if commit.returncode != 0:
        raise UsageError(f"找不到要比较的版本 {rev}：请写分支名、标签或提交号（如 origin/main）")
    relative = root.relative_to(repo).as_posix()
    prefix = "" if relative == "." else relative + "/"
    change = Change(root, repo, commit.stdout.strip(), rev, prefix)
    # Working tree against the commit; untracked files are added below.
    out = _git(repo, "diff", "--no-renames", "--name-status", "-z", change.rev, "--", relative)
    fields = [f.decode() for f in out.split(b"\0") if f]
    for status, path in zip(fields[::2], fields[1::2], strict=True):
        name = path[len(prefix):]
        {"D": change.deleted, "A": change.added}.get(status[0], change.modified).add(name)
    untracked = _git(repo, "ls-files", "-z", "--others", "--exclude-standard", "--", relative)
    change.added.update(p.decode()[len(prefix):] for p in untracked.split(b"\0") if p)
    return change
