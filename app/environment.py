"""The deployment's FLASK_* environment variables, read strictly where Flask is lenient.

Flask's `from_prefixed_env` keeps a value it cannot read as JSON as a string, so `FLASK_DEMO_MODE=False`, `off` or
`no` became a non-empty string, and a non-empty string is true: demo mode on. Every boolean setting is read here
instead: true/false, 1/0, yes/no, on/off (any case); anything else stops the start with a message. Pure: no Flask.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PREFIX = "FLASK_"
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})
# Booleans whose default is not a bool when the environment is read: None in Flask's defaults, or set later by an
# extension (Flask-WTF, Flask-Limiter, Flask-SQLAlchemy).
OTHER_BOOLEANS = ("PROPAGATE_EXCEPTIONS", "TRAP_BAD_REQUEST_ERRORS", "TEMPLATES_AUTO_RELOAD", "WTF_CSRF_ENABLED",
                  "WTF_CSRF_SSL_STRICT", "WTF_CSRF_CHECK_DEFAULT", "RATELIMIT_ENABLED", "RATELIMIT_HEADERS_ENABLED",
                  "SQLALCHEMY_RECORD_QUERIES")


class SettingError(RuntimeError):
    """A setting in the environment that cannot be read; the message names it and says what it may be."""


def boolean_keys(config: Mapping[str, Any]) -> set[str]:
    """The settings that are switches: a bool by default (config.py, Flask's own), and OTHER_BOOLEANS."""
    return {key for key, value in config.items() if isinstance(value, bool)} | set(OTHER_BOOLEANS)


def parse_bool(name: str, text: str) -> bool:
    """`text` as a switch.

    :raises SettingError: anything but true/false, 1/0, yes/no, on/off (any case, spaces around ignored).
    """
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise SettingError(
        f"环境变量 {name}={text!r} 不是开关值：请写 true 或 false（也可写 1/0、yes/no、on/off）。\n"
        f"{name}={text!r} is not a switch: write true or false (or 1/0, yes/no, on/off).")


def booleans(keys: Iterable[str], environ: Mapping[str, str]) -> dict[str, bool]:
    """The switches among `keys` that the environment sets (FLASK_<KEY>), read strictly.

    :raises SettingError: the first value that is not a switch.
    """
    return {key: parse_bool(PREFIX + key, environ[PREFIX + key]) for key in sorted(keys) if PREFIX + key in environ}
