"""SHA256SUMS over every file of a release, in the format `sha256sum -c` reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

from generator.errors import BuildFailed

NAME = "SHA256SUMS"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def release_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != NAME)


def write_sums(root: Path, known: dict[str, str] | None = None) -> dict[str, str]:
    """SHA256SUMS of `root`; `known`: files already hashed (and not changed since)."""
    known = known or {}
    sums = {name: known.get(name) or sha256_file(root / name) for name in release_files(root)}
    (root / NAME).write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()),
                             encoding="utf-8", newline="\n")
    return sums


def read_sums(root: Path) -> dict[str, str]:
    path = root / NAME
    if not path.is_file():
        raise BuildFailed(f"已发布的数据包 {root.name} 缺少校验文件 {NAME}，不能沿用")
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name or name.startswith("/") or ".." in name.split("/"):
            raise BuildFailed(f"已发布的数据包 {root.name} 的 {NAME} 第 {number} 行格式不对：{line[:80]}")
        sums[name] = digest
    return sums


def verify_sums(root: Path) -> dict[str, str]:
    """The release's checksums, after checking every listed file against them."""
    sums = read_sums(root)
    for name, digest in sums.items():
        path = root / name
        if not path.is_file():
            raise BuildFailed(f"已发布的数据包 {root.name} 缺少文件 {name}，不能沿用")
        if sha256_file(path) != digest:
            raise BuildFailed(f"已发布的数据包 {root.name} 的文件 {name} 与 {NAME} 不符（已被改动？），不能沿用")
    return sums
