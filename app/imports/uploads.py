"""Uploads awaiting confirmation: kept under instance/imports/<user id>/<sha256> between a dry run and its
confirmation, so the confirmed import reads exactly the file that was checked; removed once imported, or after a day.
"""
from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path, PurePath

from flask import abort, current_app
from flask_login import current_user

from app.evidence import digest
from app.paths import confined

KEEP_SECONDS = 24 * 3600  # an upload awaiting confirmation is kept a day


def store_dir() -> Path:
    """The signed-in user's folder of uploads awaiting confirmation; files older than a day are removed."""
    configured = current_app.config.get("IMPORT_DIR")
    base = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    folder = base / str(current_user.id)
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - KEEP_SECONDS
    for old in folder.iterdir():
        with contextlib.suppress(OSError):  # another request may have just removed it
            if old.stat().st_mtime < stale:
                old.unlink()
    return folder


def keep(data: bytes) -> str:
    """Keep an upload in the user's folder; its token (the content's sha256)."""
    token = digest(data)
    confined(store_dir(), token).write_bytes(data)
    return token


def stored(token: str) -> Path | None:
    """The upload `token` names, if it is still there (it is removed once imported, or after a day).

    :raises 404: a token that is not a sha256.
    """
    if not re.fullmatch(r"[0-9a-f]{64}", token or ""):
        abort(404)
    path = confined(store_dir(), token)
    return path if path.is_file() else None


def clean_name(filename: str) -> str:
    """A file name as shown and written in messages: no folders, no control characters, at most 120 characters."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    return re.sub(r"[\x00-\x1f/]", "", name)[:120] or "上传的文件.xlsx"
