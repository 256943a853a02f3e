"""The public address: every absolute link the app hands out (the Atom feed, the embeddable page, certificates' QR
codes and check links, the account slips) is built from it, never from the Host header a client sent; and the host
names this server answers to.

The public address is the organisation's (app.organisation: 组织信息, else FLASK_PUBLIC_BASE_URL). The server answers
to its host, to the names in FLASK_TRUSTED_HOSTS (comma-separated, or a JSON list; ".example.gov.cn" takes every
subdomain) and to the loopback names (127.0.0.1 and localhost: `make run`, a health check on the machine itself);
any other Host gets a 400. The check is the app's own, not Flask's TRUSTED_HOSTS check, because the address may be
set on 组织信息 while the server runs. Until an address or a trusted host is set, every host is answered and links
use the address a request came to: `flask doctor` fails on that.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from werkzeug.sansio.utils import host_is_trusted

from app import organisation
from app.extensions import db

LOOPBACK = ("127.0.0.1", "localhost")
FALLBACK = "http://127.0.0.1:5000"  # outside a request, with no address set (a 样稿 made by a command)
CACHE_KEY = "siyi.public_base"


def init_app(app: Flask) -> None:
    """Take FLASK_TRUSTED_HOSTS over from Flask (which would refuse the address set on 组织信息 and the loopback
    names), answer only known hosts, and give templates `external_url`."""
    app.extensions["trusted_hosts"] = trusted_hosts_setting(app.config.get("TRUSTED_HOSTS"))
    app.config["TRUSTED_HOSTS"] = None
    app.before_request(_refuse_unknown_host)
    app.add_template_global(external_url)


def trusted_hosts_setting(value: Any) -> tuple[str, ...]:
    """FLASK_TRUSTED_HOSTS as a tuple of names: a list (from JSON), or a string of names separated by commas or
    spaces (a JSON list in a string too)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = value.replace(",", " ").split()
    if isinstance(value, str):
        value = [value]
    return tuple(str(name).strip().lower() for name in value or () if str(name).strip())


def host_of(url: str) -> str:
    """The host name of an address (zx.example.gov.cn of https://zx.example.gov.cn:8443/zx); "" for none."""
    return (urlsplit(url).hostname or "") if url else ""


def configured_hosts(app: Flask) -> tuple[str, ...]:
    """The hosts the deployment names without the database: FLASK_PUBLIC_BASE_URL's and FLASK_TRUSTED_HOSTS."""
    public = host_of(str(app.config.get("PUBLIC_BASE_URL") or "").strip())
    return tuple(filter(None, (public, *app.extensions.get("trusted_hosts", ()))))


def public_host() -> str:
    """The host of the public address in force (组织信息, else FLASK_PUBLIC_BASE_URL); "" when none is set or the
    database cannot say (not yet migrated: the doctor reports that)."""
    try:
        return host_of(organisation.current().public_url)
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return ""


def _refuse_unknown_host() -> tuple[str, int, dict[str, str]] | None:
    host = request.host.lower()  # host names are case-insensitive; werkzeug compares them as given
    known = configured_hosts(current_app)  # type: ignore[arg-type]
    if host_is_trusted(host, (*LOOPBACK, *known)):
        return None
    public = public_host()  # a query only for a host the settings alone do not answer
    if not public and not known:
        return None  # nothing set yet: every host is answered (flask doctor fails on it)
    if public and host_is_trusted(host, (public,)):
        return None
    address = base() if public else "、".join(known)
    return (f"本系统不接受用这个主机名访问。请使用 {address} 访问；如需用其他主机名，请管理员把它加入 "
            "FLASK_TRUSTED_HOSTS。\n"
            f"This host name is not served here: use {address}, or add the name to FLASK_TRUSTED_HOSTS.\n",
            400, {"Content-Type": "text/plain; charset=utf-8"})


def base() -> str:
    """The public address without a trailing slash. While none is set: the address the request came to (every
    host is answered then, and flask doctor fails), or FALLBACK outside a request."""
    if has_request_context() and CACHE_KEY in request.environ:  # every link of a page asks: read once per request
        return str(request.environ[CACHE_KEY])
    found = organisation.current().public_url
    if not found and has_request_context():
        found = request.host_url
    found = (found or FALLBACK).rstrip("/")
    if has_request_context():
        request.environ[CACHE_KEY] = found
    return found


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a route (`external_url("public.highlight", activity_id=3)`): the public address and
    the route's path, whatever Host the request came with."""
    return base() + current_app.url_map.bind("localhost").build(endpoint, values)
