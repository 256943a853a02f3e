"""Rendered pages of what never changes (a frozen review's ranking and explanations), kept a few minutes.

A page is kept per user and per session (its header carries the session's CSRF token and the user's name), per
language, per query string and per `version` of what it shows (a review's state: frozen, superseded, locked), so a
hit is exactly the page the view would render now, give or take the minutes in `PAGE_CACHE_SECONDS` (the CSRF token
in a kept page stays valid far longer). Pages with a flashed message, exports, errors and anything but a plain
GET are never kept. Each process keeps its own (cachelib's SimpleCache, bounded).
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from cachelib import SimpleCache
from flask import Flask, Response, current_app, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.auth.scope import unit_ids
from app.i18n import select_locale


def init_app(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_SECONDS", 300)
    app.config.setdefault("PAGE_CACHE_ENTRIES", 2000)
    app.extensions["page_cache"] = SimpleCache(threshold=app.config["PAGE_CACHE_ENTRIES"],
                                               default_timeout=app.config["PAGE_CACHE_SECONDS"])


def kept(version: Callable[..., str | None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Keep the view's rendered page; `version(**view_args)` names the state of what it shows (None: not kept,
    e.g. a record that does not exist, so that the view answers 404 itself)."""
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            cache = current_app.extensions["page_cache"]
            if (request.method != "GET" or current_app.config["PAGE_CACHE_SECONDS"] <= 0 or "export" in request.args
                    or "_flashes" in session or not current_user.is_authenticated):
                return view(**kwargs)
            state = version(**kwargs)
            if state is None:
                return view(**kwargs)
            if "csrf_token" not in session:  # a fresh sign-in has none yet: make it before it names the key
                generate_csrf()
            scope = unit_ids(current_user)
            key = hashlib.sha256("\x1f".join(map(str, (
                request.endpoint, sorted(kwargs.items()), request.query_string.decode("latin-1"), state,
                current_user.id, current_user.role.name, sorted(scope) if scope is not None else "*",
                session.get("csrf_token", ""), select_locale()))).encode()).hexdigest()  # (Babel's own parse costs more)
            body = cache.get(key)
            if body is not None:
                return Response(body, mimetype="text/html")
            result = view(**kwargs)
            if isinstance(result, str) and "_flashes" not in session:
                cache.set(key, result)
            return result
        return wrapper
    return decorator
