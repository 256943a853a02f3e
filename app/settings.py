"""The settings store: site settings kept in the database (the Setting table), read and written. Flush, never commit.

The award settings (approving body, 公示 days), the print settings (app.documents.print_settings) and the account
policy (app.auth.policy) keep their values here; each change is a row in the audit log (app.audit).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import Setting, User


def setting(key: str, default: str = "") -> str:
    """A site setting's value (`default` when it was never set)."""
    found = db.session.get(Setting, key)
    return found.value if found is not None else default


def stored(keys: Iterable[str]) -> dict[str, str]:
    """The stored values of `keys`; a key never set is left out."""
    return dict(db.session.execute(sa.select(Setting.key, Setting.value).where(Setting.key.in_(list(keys)))).all())


def save_settings(values: Mapping[str, str], user: User | None, defaults: Mapping[str, str] | None = None,
                  ip: str = "") -> None:
    """Store site settings, each change in the audit log (against `defaults` for a setting never stored, else "")."""
    defaults = defaults or {}
    for key, value in values.items():
        found = db.session.get(Setting, key)
        before = found.value if found is not None else defaults.get(key, "")
        if found is None:
            db.session.add(Setting(key=key, value=value))
        elif found.value != value:
            found.value = value
        if before != value:
            audit.record(user, "update", "setting", None, {key: (before, value)}, ip=ip)
