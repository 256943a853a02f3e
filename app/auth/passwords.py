"""Password hashing (argon2id, tuned by config) and the password rules of the account policy (app.auth.policy)."""
from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

from app.auth import policy as account_policy


def hasher(config: Mapping[str, Any]) -> PasswordHasher:
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"],
                          parallelism=config["ARGON2_PARALLELISM"])


def hash_password(password: str, config: Mapping[str, Any]) -> str:
    return hasher(config).hash(password)


def verify_password(password_hash: str, password: str, config: Mapping[str, Any]) -> bool:
    try:
        return hasher(config).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_STAND_INS: dict[tuple[int, int, int], str] = {}  # a hash of no one's password, per argon2 setting


def verify_nothing(password: str, config: Mapping[str, Any]) -> None:
    """The work of `verify_password` for a sign-in that checks no password (no such user, a locked account), so
    the time an answer takes does not tell which it was."""
    key = (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])
    if key not in _STAND_INS:
        _STAND_INS[key] = hash_password(secrets.token_urlsafe(24), config)
    verify_password(_STAND_INS[key], password, config)


def policy_errors(password: str, policy: account_policy.Policy | None = None) -> list[str]:
    """What is wrong with a new password under the account policy (default: the current one), in Chinese;
    empty when it is fine."""
    policy = policy or account_policy.current()
    errors = []
    if len(password) < policy.password_min_length:
        errors.append(_("密码至少 %(n)s 位。", n=policy.password_min_length))
    classes = sum((
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isascii() or not c.isalnum() for c in password),
    ))
    if classes < policy.password_min_classes:
        errors.append(_("密码须包含小写字母、大写字母、数字、其他字符中的至少 %(n)s 类。", n=policy.password_min_classes))
    return errors
