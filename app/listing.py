"""What a list page does the way a RuoYi user expects: sortable columns (a whitelist per list), a page size of
20, 50 or 100, the user's last filters remembered per list (in the session, so they end with it) and the unit
picker grouped by kind and parent. The templates' half is `_macros/lists.html`; views call `remembered()`,
`sorted_by()` (`sorted_items()` for a list built in memory) and `page_size()` (through `app.web.page_args`)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.models import Unit, UnitKind

T = TypeVar("T")
PAGE_SIZES = (20, 50, 100)
SESSION_KEY = "lists"
NOT_REMEMBERED = frozenset({"page", "export", "reset"})
MAX_REMEMBERED = 12  # lists a session remembers; the cookie stays small
PARENT_GROUPED = (UnitKind.GENERAL_BRANCH, UnitKind.BRANCH)  # shown under the 镇党委 / 党总支 they belong to


def page_size() -> int:
    """`?per_page=` when it is one of PAGE_SIZES, else the configured size."""
    wanted = request.args.get("per_page", 0, type=int)
    return wanted if wanted in PAGE_SIZES else current_app.config["PAGE_SIZE"]


def sort_key(columns: Iterable[str]) -> tuple[str, bool] | None:
    """The `?sort=` column when the list allows it, and whether `?dir=desc`; None for anything else."""
    key = request.args.get("sort", "")
    return (key, request.args.get("dir") == "desc") if key in columns else None


def sorted_by(stmt: sa.Select[Any], columns: Mapping[str, sa.ColumnElement[Any]],
              *tiebreak: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """`stmt` ordered by the column the user clicked (`?sort=key&dir=asc|desc`), then `tiebreak`, so a page
    never repeats or skips a row; an unknown key keeps the list's own order."""
    chosen = sort_key(columns)
    if chosen is None:
        return stmt
    column = columns[chosen[0]]
    return stmt.order_by(None).order_by(column.desc() if chosen[1] else column.asc(), *tiebreak)


def sorted_items(items: Iterable[T], columns: Mapping[str, Callable[[T], Any]]) -> list[T]:
    """`sorted_by` for a list built in memory (rows with counts beside them): `items`, given in the list's own
    order, ordered by the column the user clicked; equal rows keep that order (the sort is stable both ways)."""
    rows = list(items)
    chosen = sort_key(columns)
    return sorted(rows, key=columns[chosen[0]], reverse=chosen[1]) if chosen else rows


def _list_name() -> str:
    args = ",".join(f"{k}={v}" for k, v in sorted((request.view_args or {}).items()))
    return f"{request.endpoint}:{args}"


def _bare_url() -> str:
    return url_for(str(request.endpoint), **(request.view_args or {}))


def remembered() -> Response | None:
    """Coming back to a list with no query string restores its last filters (a redirect); `?reset=1` forgets
    them. Any other visit's filters, sort and page size (not the page) are remembered once the list has shown
    (`_remember`): filters that end in an error page (another unit's branch: 404) are never restored."""
    store: dict[str, list[list[str]]] = dict(session.get(SESSION_KEY, {}))
    name = _list_name()
    if "reset" in request.args:
        store.pop(name, None)
        session[SESSION_KEY] = store
        return redirect(_bare_url())
    if not request.args:
        saved = store.get(name)
        if saved:
            return redirect(f"{_bare_url()}?{urlencode([(k, v) for k, v in saved])}")
    g.list_shown = name
    return None


def _remember(response: Response) -> Response:
    name = g.pop("list_shown", None)
    if name is None or response.status_code != 200:
        return response
    store: dict[str, list[list[str]]] = dict(session.get(SESSION_KEY, {}))
    kept = [[k, v[:100]] for k, v in request.args.items(multi=True) if k not in NOT_REMEMBERED and v][:20]
    if store.get(name) != kept:
        store.pop(name, None)
        if kept:
            store[name] = kept
        session[SESSION_KEY] = dict(list(store.items())[-MAX_REMEMBERED:])
    return response


def sort_url(key: str) -> str:
    """This list ordered by `key`: ascending first, descending on a second click; back to page 1."""
    args = request.args.to_dict()
    desc = args.get("sort") == key and args.get("dir") != "desc"
    args.update(sort=key, dir="desc" if desc else "asc")
    args.pop("page", None)
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)


def sorted_on(key: str) -> str:
    """'ascending', 'descending' or '' for a header's aria-sort."""
    if request.args.get("sort") != key:
        return ""
    return "descending" if request.args.get("dir") == "desc" else "ascending"


def list_args() -> dict[str, str]:
    """The sort and page size the pager keeps from page to page."""
    return {k: request.args[k] for k in ("sort", "dir", "per_page") if request.args.get(k)}


def unit_groups(units: Iterable[Unit]) -> list[tuple[str, list[Unit]]]:
    """Units under a heading each: 党支部 and 党总支 under their parent's name, the rest under their kind; the
    kinds in UnitKind's order (政协 first, 党支部 last), the units of a kind in the order given."""
    order = {kind: i for i, kind in enumerate(UnitKind)}
    groups: dict[str, list[Unit]] = {}
    for unit in sorted(units, key=lambda u: order[u.kind]):
        label = unit.parent.name if unit.kind in PARENT_GROUPED and unit.parent else _(unit.kind.label)
        groups.setdefault(label, []).append(unit)
    return list(groups.items())


def init_app(app: Flask) -> None:
    app.after_request(_remember)
    app.add_template_global(sort_url)
    app.add_template_global(sorted_on)
    app.add_template_global(list_args)
    app.add_template_global(unit_groups)
    app.add_template_global(PAGE_SIZES, "page_sizes")
