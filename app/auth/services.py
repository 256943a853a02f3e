"""Sign-in use cases: authenticate with lockout and a login log, change a password. Flush, never commit."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.auth import policy as account_policy
from app.auth.passwords import hash_password, hasher, policy_errors, verify_password
from app.extensions import db
from app.models import LoginEvent, PasswordHistory, User
from app.timeutil import utcnow


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str = ""  # Chinese message for the form; empty on success


def authenticate(username: str, password: str, ip: str, config: Mapping[str, Any]) -> LoginResult:
    """Check a sign-in attempt; every attempt is logged. After the account policy's number of failures in a row
    the account is locked for its minutes (by default 5 failures, 15 minutes)."""
    now = utcnow()
    policy = account_policy.current()
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))

    def log(result: str) -> None:
        db.session.add(LoginEvent(at=now, user_id=user.id if user else None, username=username[:40],
                                  ip=ip[:64], result=result))
        db.session.flush()

    wrong = _("用户名或密码错误。")
    if user is None:
        log("unknown_user")
        return LoginResult(None, wrong)
    if user.locked_until and user.locked_until > now:
        log("locked")
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginResult(None, _("连续登录失败次数过多，账号已锁定，请 %(minutes)s 分钟后再试。", minutes=minutes))
    if not verify_password(user.password_hash, password, config):
        user.failed_logins += 1
        if user.failed_logins >= policy.login_max_failures:
            user.failed_logins = 0
            user.locked_until = now + dt.timedelta(minutes=policy.login_lockout_minutes)
            log("locked_now")
            return LoginResult(None, _("连续 %(n)s 次登录失败，账号已锁定 %(minutes)s 分钟。",
                                       n=policy.login_max_failures, minutes=policy.login_lockout_minutes))
        log("bad_password")
        return LoginResult(None, wrong)
    if not user.active:
        log("disabled")
        return LoginResult(None, _("该账号已停用，请联系系统管理员。"))
    if user.is_demo and not config["DEMO_MODE"]:
        log("demo_off")
        return LoginResult(None, _("演示账号仅在演示模式下可用。"))
    if hasher(config).check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password, config)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    log("ok")
    return LoginResult(user)


def change_password(user: User, current: str, new: str, config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Set a new password; returns errors by form field name, empty on success."""
    if not verify_password(user.password_hash, current, config):
        return {"current": [_("当前密码不正确。")]}
    policy = account_policy.current()
    errors = policy_errors(new, policy)
    if not errors:
        earlier = db.session.scalars(
            sa.select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
            .order_by(PasswordHistory.id.desc()).limit(policy.password_history)).all()
        if any(verify_password(h, new, config) for h in [user.password_hash, *earlier]):
            if policy.password_history:
                errors.append(_("新密码不能与最近 %(n)s 次使用过的密码相同。", n=policy.password_history))
            else:
                errors.append(_("新密码不能与当前密码相同。"))
    if errors:
        return {"new": errors}
    set_password(user, new, config)
    return {}


def set_password(user: User, new: str, config: Mapping[str, Any], *, must_change: bool = False) -> None:
    """Store a new password hash, keeping the old one in the history."""
    if user.password_hash:
        db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))
    user.password_hash = hash_password(new, config)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    db.session.flush()
