"""Web hardening: the secret key's strength, security headers on every response, cookie flags, the reverse proxy's
headers and rate limits.

The headers are added after the view: a view that sets a Content-Security-Policy of its own (the embeddable
委员风采 page allows `frame-ancestors *`) keeps its directives and gets the others from `CSP`. Rate limits are
per client address and per app (each app has its own Limiter, so each test's app starts with fresh counters); the
views that want one say so with `limit_posts` (POSTs) or `limit_requests` (every request). The counters are shared
by every process of a deployment when they live in Redis (`limiter_storage`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

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
    "manifest-src": "'self'",  # the web app manifest (static/manifest.webmanifest)
}
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the county's other sites are not ours to decide
SECRET_MIN_BYTES = 32
SECRET_MIN_DISTINCT = 8  # secrets.token_hex(32) has about 16 different characters; "k" * 64 has one
# Keys copied from examples and tutorials (compared without case, spaces or punctuation), and words that mark one.
KNOWN_SECRETS = frozenset({"", "dev", "test", "secret", "changeme", "x", "secretkey", "yoursecretkey", "key",
                           "youwillneverguess", "supersecret", "password", "default", "development", "flask"})
PLACEHOLDER_WORDS = ("changeme", "changethis", "replaceme", "yoursecret", "secretkeyhere", "neverguess", "insecure",
                     "placeholder", "example")


def secret_key_problem(key: str | bytes | None) -> str | None:
    """What makes `key` unfit to sign sessions, in words for the person installing ("太短：只有 8 个字节"); None
    when it is fit: at least 32 bytes, not a well-known example, not one character repeated."""
    raw = key.encode() if isinstance(key, str) else bytes(key or b"")
    text = raw.decode("utf-8", "replace")
    plain = "".join(ch for ch in text.lower() if ch.isalnum())
    if plain in KNOWN_SECRETS:
        return "未设置或是众所周知的示例值" if len(raw) < SECRET_MIN_BYTES else "是众所周知的示例值"
    if len(raw) < SECRET_MIN_BYTES:
        return f"太短：只有 {len(raw)} 个字节（至少 {SECRET_MIN_BYTES} 个）"
    if any(word in plain for word in PLACEHOLDER_WORDS):
        return "是示例或占位用的值"
    if len(set(text)) < SECRET_MIN_DISTINCT:
        return f"太容易猜：只用了 {len(set(text))} 种字符"
    return None


def limit_posts(config_key: str) -> Callable[[View], View]:
    """Mark a view whose POSTs are limited per client address by `app.config[config_key]` ("10 per minute");
    `init_app` applies the limit. Put it below `@bp.route`, so the route registers the marked view."""
    def mark(view: View) -> View:
        view.rate_limit_config = config_key  # type: ignore[attr-defined]
        return view
    return mark


def limit_requests(config_key: str) -> Callable[[View], View]:
    """Like `limit_posts`, for every request to the view (a public page that answers a lookup, such as /verify)."""
    def mark(view: View) -> View:
        view.rate_limit_config = config_key  # type: ignore[attr-defined]
        view.rate_limit_methods = None  # type: ignore[attr-defined]
        return view
    return mark


def limiter_storage(config: Mapping[str, Any]) -> str:
    """Where the rate-limit counters live: RATELIMIT_STORAGE_URI when set; else the background jobs' Redis
    (REDIS_URL) when the jobs use RQ, as a deployment with several workers does; else memory:// (one process: the
    embedded mode, the tests). In memory, each process counts on its own: with 4 workers an address gets 4 times the
    limit, so `flask doctor` fails on it outside demo mode unless RATELIMIT_MEMORY_ALLOWED says there is one."""
    if config.get("RATELIMIT_STORAGE_URI"):
        return str(config["RATELIMIT_STORAGE_URI"])
    if config.get("JOBS_BACKEND") == "rq" and config.get("REDIS_URL"):
        return str(config["REDIS_URL"])
    return "memory://"


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
    app.config["RATELIMIT_STORAGE_URI"] = limiter_storage(app.config)
    limiter = Limiter(get_remote_address, headers_enabled=True, in_memory_fallback_enabled=True)
    limiter.init_app(app)
    for endpoint, view in list(app.view_functions.items()):
        key = getattr(view, "rate_limit_config", None)
        if key is not None:
            methods = getattr(view, "rate_limit_methods", ["POST"])
            app.view_functions[endpoint] = limiter.limit(lambda key=key: app.config[key], methods=methods)(view)
