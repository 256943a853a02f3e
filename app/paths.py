"""Names of stored files turned into paths that cannot leave their folder. Pure: no Flask, no database.

Every file the app reads or serves by a name that was ever stored or received (a job's result file, an evidence
file, an upload awaiting confirmation, a rule file, a file restored from a backup) goes through `confined`, so a
name planted in the database (`/etc/passwd`, `../../instance/secret_key`) or a symlink planted in the folder never
reaches a file outside it.
"""
from __future__ import annotations

import os
from pathlib import Path


class UnsafePath(ValueError):
    """A stored name that would leave its folder (absolute, `..`, a drive, a symlink pointing out, ...)."""


def plain_name(name: object) -> bool:
    """A relative POSIX path of ordinary names: no leading `/`, no `\\`, `:` or NUL, no empty, `.` or `..` part."""
    if not isinstance(name, str) or not name or any(ch in name for ch in "\\:\x00"):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))  # a leading "/" gives an empty part


def confined(base: str | os.PathLike[str], name: str) -> Path:
    """`base/name`, where `name` is a relative POSIX path whose every component is an ordinary name and which,
    symlinks followed, stays inside `base` (itself possibly a symlink: its own target is the folder).

    The path is returned as `base` spells it; it need not exist.
    :raises UnsafePath: an empty or non-string name, an absolute one, a back slash, a colon (a Windows drive or
        stream), a NUL, an empty, `.` or `..` component, or a path that resolves outside `base` or to `base`.
    """
    if not plain_name(name):
        raise UnsafePath(f"unsafe file name {name!r}")
    parts = name.split("/")
    root = Path(base).resolve()
    target = root.joinpath(*parts).resolve()  # symlinks followed, even where the file itself does not exist yet
    if target == root or not target.is_relative_to(root):
        raise UnsafePath(f"{name!r} leaves its folder")
    return Path(base).joinpath(*parts)
