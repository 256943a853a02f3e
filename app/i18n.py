"""Language: Simplified Chinese by default, English on request (per session, remembered per user)."""
from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, has_request_context, session
from flask_babel import refresh

from app.extensions import babel


def N_(text: str) -> str:  # noqa: N802  # Babel's own name for the marker
    """`text` unchanged, marked for the catalogue: for text kept in Chinese where it is stored or written to a file
    (an import template's instructions) and translated with _() where a page shows it."""
    return text


def select_locale() -> str:
    lang = session.get("lang") if has_request_context() else None  # CLI commands speak the default
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def cndate(value: dt.date | None) -> str:
    """2012年7月1日 in Chinese, 1 Jul 2012 in English: the form documents use."""
    if value is None:
        return ""
    if select_locale() == "en":
        return f"{value.day} {value:%b} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path) + "/translations")

    @app.before_request
    def forget_cached_locale() -> None:
        """Flask-Babel caches the locale in `g`; requests that share one app context (tests) must not share it."""
        refresh()

    app.add_template_filter(cndate, "cndate")

    @app.template_filter("month_cn")
    def month_cn(value: str | None) -> str:
        """A stored year and month ("1968-03") as 1968年3月, or Mar 1968 in English."""
        try:
            month = dt.date(int(value[:4]), int(value[5:]), 1) if value and len(value) == 7 else None
        except ValueError:
            month = None
        if month is None:
            return value or ""
        if select_locale() == "en":
            return f"{month:%b} {month.year}"
        return f"{month.year}年{month.month}月"

    @app.context_processor
    def languages() -> dict[str, object]:
        return {"languages": app.config["LANGUAGES"], "current_language": select_locale()}
