"""Web hardening: security headers on every response, cookie flags, the reverse proxy's headers and rate limits.

The headers are added after the view: a view that sets a Content-Security-Policy of its own (the embeddable
委员风采 page allows `frame-ancestors *`) keeps its directives and gets the others from `CSP`. Rate limits are
per client address and per app (each app has its own Limiter, so each test's app starts with fresh counters); the
views that want one say so with `limit_posts`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

View = TypeVar("View", bound=Callable[..., object])

CSP = {  # no inline script anywhere: scripts are files under app/static/js and app/static/vendor
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the county's other sites are not ours to decide


def limit_posts(config_key: str) -> Callable[[View], View]:
    """Mark a view whose POSTs are limited per client address by `app.config[config_key]` ("10 per minute");
    `init_app` applies the limit. Put it below `@bp.route`, so the route registers the marked view."""
    def mark(view: View) -> View:
        view.rate_limit_config = config_key  # type: ignore[attr-defined]
        return view
    return mark


def init_app(app: Flask) -> None:
    """Call after every blueprint is registered: it wraps the views marked by `limit_posts`."""
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies > 0:
        # Only the client address and the scheme: the proxy passes the Host header through, and an X-Forwarded-Host
        # it did not set would come from the client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    for name in ("SECURE", "HTTPONLY", "SAMESITE"):  # Flask-Login's remember cookie, if ever used, as the session's
        app.config.setdefault(f"REMEMBER_COOKIE_{name}", app.config[f"SESSION_COOKIE_{name}"])
    app.before_request(_refuse_nul)
    app.after_request(_add_headers)
    _init_limiter(app)


def _refuse_nul(*_args: object) -> None:
    """A NUL character is in no name, title or date anyone types; PostgreSQL refuses it in text, so a request
    carrying one in a form field or the query string is refused whole (400) before any view reads it."""
    if request.method in ("POST", "PUT", "PATCH") and any(
            "\x00" in v for values in request.form.listvalues() for v in values):
        abort(400)
    if any("\x00" in v for values in request.args.listvalues() for v in values) or "\x00" in request.path:
        abort(400)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    directives = dict(CSP)
    for part in headers.get("Content-Security-Policy", "").split(";"):  # the view's own directives win
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    headers["Content-Security-Policy"] = "; ".join(f"{name} {value}".strip() for name, value in directives.items())
    if directives["frame-ancestors"] == "'none'":
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers that predate frame-ancestors
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:  # behind TLS (with TRUSTED_PROXY_COUNT, as the proxy says): never over plain http
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _init_limiter(app: Flask) -> None:
    # The counters live in RATELIMIT_STORAGE_URI (memory:// in the embedded mode, Redis in production); if Redis
    # is down, each process counts in memory rather than refusing every sign-in.
    limiter = Limiter(get_remote_address, headers_enabled=True, in_memory_fallback_enabled=True)
    limiter.init_app(app)
    for endpoint, view in list(app.view_functions.items()):
        key = getattr(view, "rate_limit_config", None)
        if key is not None:
            app.view_functions[endpoint] = limiter.limit(lambda key=key: app.config[key], methods=["POST"])(view)
