"""The account policy (账号安全策略): password rules, password expiry, lockout and idle sign-out.

The administrator sets it on /admin/account-policy (kept in the settings store, app.settings); an item never set
there falls back to the configuration's default (config.py, or a FLASK_* variable). Everything that applies the
policy reads it through `current()`. Flush, never commit.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.models import User
from app.settings import save_settings, stored
from app.timeutil import utcnow


@dataclass(frozen=True)
class Policy:
    """The effective account policy; every value is a whole number, 0 of `password_max_age_days` = never."""

    password_min_length: int
    password_min_classes: int  # of: lower case, upper case, digits, other characters
    password_history: int  # a new password may not repeat the current one nor the last N
    password_max_age_days: int
    login_max_failures: int
    login_lockout_minutes: int
    idle_timeout_minutes: int


@dataclass(frozen=True)
class Item:
    """One setting of the policy: its Setting key (= the Policy attribute; its default is the configuration's key
    in upper case) and its range."""

    key: str
    low: int
    high: int
    hint: Any = ""


# The ranges keep the policy sane: nobody can be locked out for good, nor a password be shorter than 等保 wants.
ITEMS: dict[str, Item] = {item.key: item for item in (
    Item("password_min_length", 8, 64),
    Item("password_min_classes", 1, 4, _l("小写字母、大写字母、数字、其他字符四类中至少几类。")),
    Item("password_history", 0, 24, _l("新密码不得与当前密码及最近几次用过的密码相同。")),
    Item("password_max_age_days", 0, 365, _l("超过天数须修改密码后才能继续使用；0 表示永不过期。")),
    Item("login_max_failures", 3, 20),
    Item("login_lockout_minutes", 1, 1440),
    Item("idle_timeout_minutes", 1, 480),
)}


def defaults(config: Mapping[str, Any] | None = None) -> Policy:
    """The policy as the configuration sets it, before any setting of the administrator."""
    config = config if config is not None else current_app.config
    return Policy(**{key: int(config[key.upper()]) for key in ITEMS})


def current() -> Policy:
    """The effective policy: the administrator's settings over the configuration's defaults.

    Read from the database at most every `USER_RECHECK_SECONDS` per process (at once after `save` in this
    process), as the signed-in account is: a change made in another server process takes effect within them.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    seconds = app.config.get("USER_RECHECK_SECONDS", 10)
    kept = app.extensions.get("account_policy")
    now = time.monotonic()
    if seconds > 0 and kept is not None and kept[0] > now:
        return kept[1]
    policy = _read(defaults(app.config))
    app.extensions["account_policy"] = (now + seconds, policy)
    return policy


def _read(fallback: Policy) -> Policy:
    values = dataclasses.asdict(fallback)
    for key, value in stored(ITEMS).items():
        try:
            number = int(value)
        except ValueError:
            continue  # a value not written by `save`: the default holds
        if ITEMS[key].low <= number <= ITEMS[key].high:
            values[key] = number
    return Policy(**values)


def forget() -> None:
    """Read the policy from the database at its next use in this process."""
    current_app.extensions.pop("account_policy", None)


def save(values: Mapping[str, int], actor: User, ip: str = "") -> None:
    """Store the administrator's policy; each changed item is one row in the audit log. Items left as they are
    stay unset, so they keep following the configuration's default."""
    before = dataclasses.asdict(current())
    save_settings({key: str(value) for key, value in values.items() if value != before[key]}, actor,
                  defaults={key: str(value) for key, value in before.items()}, ip=ip)
    forget()


def password_expired(user: User, policy: Policy | None = None, now: dt.datetime | None = None) -> bool:
    """Whether `user`'s password is older than the policy allows. Demo accounts share published passwords and
    never expire; an account without a recorded change time is not judged."""
    policy = policy or current()
    if not policy.password_max_age_days or user.is_demo or user.password_changed_at is None:
        return False
    age = (now or utcnow()) - user.password_changed_at
    return age >= dt.timedelta(days=policy.password_max_age_days)
