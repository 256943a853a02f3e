"""Small helpers shared by views: safe redirects, paging and search arguments, the one commit of a change to a
row that someone else may have changed meanwhile, and every file download (`send_download`: the one place a
Content-Disposition file name is made)."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, request, send_file, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from app.extensions import db
from app.listing import page_size
from app.pinyin import as_pinyin_query

E = TypeVar("E")
S = TypeVar("S")


def safe_next(target: str | None) -> str:
    """A local path to go to after a form, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


MAX_ID = 2**31 - 1  # the largest value of an integer column on PostgreSQL


def db_id(text: str) -> int:
    """A row id from the query string (`request.args.get("unit", 0, type=db_id)`); anything else is the default.

    :raises ValueError: not a whole number between 1 and MAX_ID (PostgreSQL would refuse a larger one).
    """
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise ValueError(text)
    return value


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL, no larger than an integer column holds: /branches/99999999999 is a 404, not a 500."""

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]


def date_arg(name: str) -> dt.date | None:
    """A date from the query string (2025-03-01), or None when it is missing or not a date."""
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def page_args() -> dict[str, int]:
    """The page (`?page=`) and its size (`?per_page=` 20, 50 or 100, else the configured size)."""
    page = request.args.get("page", 1, type=db_id)
    return {"page": page, "per_page": page_size(), "error_out": False}


def name_search(name_column: sa.ColumnElement[str], key_column: sa.ColumnElement[str],
                text: str) -> sa.ColumnElement[bool]:
    """Match a name by a part of it (张) or by pinyin initials or reading (zs, zhangsan, shan…)."""
    text = text.strip()[:40]
    query = as_pinyin_query(text)
    if query is not None:
        return sa.or_(key_column.contains("|" + query, autoescape=True),
                      name_column.contains(text, autoescape=True))
    return name_column.contains(text, autoescape=True)


class ListPagination(Pagination):
    """A page of a list already in memory (a frozen review's rows), for the same pager as the query lists."""

    def _query_items(self) -> list[Any]:
        start = (self.page - 1) * self.per_page
        return list(self._query_args["items"][start:start + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate_list(items: Sequence[Any], per_page: int | None = None) -> ListPagination:
    """`items` a page at a time, by `?page=` (out of range: an empty page, not an error)."""
    return ListPagination(page=request.args.get("page", 1, type=db_id),
                          per_page=per_page or current_app.config["PAGE_SIZE"], error_out=False, items=items)



def commit_or_stale(step: Callable[[], E], stale: S, *conflicts: type[Exception]) -> E | S:
    """The view's one commit of a change to a row with a version counter (a record, a meeting, a branch result).

    Runs `step`, a service call that flushes and returns what is wrong (nothing when all is well), and commits when
    it returned nothing, else rolls back and returns it. Someone else's change to the same row in the meantime —
    SQLAlchemy's StaleDataError at a flush or at the commit, or one of the service's own `conflicts` — rolls back
    too and returns `stale` instead: what the view tells the user, never an error page.
    """
    try:
        errors = step()
        if not errors:
            db.session.commit()
            return errors
    except (StaleDataError, *conflicts):
        db.session.rollback()
        return stale
    db.session.rollback()
    return errors


DOWNLOAD_NAME_MAX = 150  # characters; the extension is kept
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|]')  # path separators, and what Windows refuses in a name


def download_name(name: str, fallback: str = "下载文件") -> str:
    """A file name to offer a download under: no control or format characters (a CR or LF would break the header,
    a right-to-left mark would disguise the extension), no path separators or characters Windows refuses, white
    space folded to one space, no leading or trailing dots, at most DOWNLOAD_NAME_MAX characters with the extension
    kept; `fallback` (with the extension) when no name is left. Names come from people's and units' names, uploaded
    files and typed titles."""
    text = "".join(ch for ch in name or "" if unicodedata.category(ch)[0] != "C")
    text = _NOT_IN_FILE_NAMES.sub("_", " ".join(text.split()))
    stem, dot, extension = text.rpartition(".")
    if not dot or not 0 < len(extension.strip()) <= 10:
        stem, extension = text, ""
    extension = extension.strip()
    stem = stem.strip(" .")[:DOWNLOAD_NAME_MAX - len(extension) - 1].rstrip(" .") or fallback
    return f"{stem}.{extension}" if extension else stem


def send_download(source: bytes | str | os.PathLike[str], mimetype: str, filename: str, *,
                  as_attachment: bool = True, max_age: int | None = None) -> Response:
    """Send bytes or a file under `download_name(filename)`: every download of the app goes through here."""
    body = io.BytesIO(source) if isinstance(source, bytes) else source
    return send_file(body, mimetype=mimetype, download_name=download_name(filename), as_attachment=as_attachment,
                     max_age=max_age)
