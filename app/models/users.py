"""Accounts, the units they act for, and the login log."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import Role
from app.models.org import Unit
from app.models.people import Member
from app.models.types import enum_column
from app.timeutil import utcnow

user_unit = sa.Table(
    "user_unit",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    """A person who signs in. Clerks and liaisons act for `units`; a member account points at its Member."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(40))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)  # wrong passwords in a row, from every address together
    locked_until: Mapped[dt.datetime | None]  # the whole account, after LOGIN_ACCOUNT_MAX_FAILURES of them
    # Stored in each session at sign-in and compared on every request: raising it ends every session signed in
    # before (app.auth.sessions).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    locale: Mapped[str] = mapped_column(sa.String(10), default="")
    # Optional: notices are also e-mailed here when the server has SMTP settings (MAIL_SMTP_HOST). The database fills
    # in "" (no Python default, so inserts of the user table written before this column keep working)
    email: Mapped[str] = mapped_column(sa.String(120), server_default="")
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    units: Mapped[list[Unit]] = relationship(secondary=user_unit, order_by="Unit.sort_order, Unit.id")
    member: Mapped[Member | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot sign in or stay signed in
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.name}>"


class LoginThrottle(db.Model):
    """Wrong passwords for one account from one client address since its last success there. After the account
    policy's number of them that address is locked out of that account for the policy's minutes; other addresses
    are not (app.auth.services)."""

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    ip: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)  # attempts counted, the one being checked included
    locked_until: Mapped[dt.datetime | None]
    last_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PasswordHistory(db.Model):
    """Earlier password hashes of a user, so a policy can refuse re-use."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LoginEvent(db.Model):
    """登录日志: every sign-in attempt, successful or not."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(sa.String(40))
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    # ok, bad_password, unknown_user, locked, locked_now, account_locked, disabled, demo_off, bad_current (a wrong
    # current password on the change-password page)
    result: Mapped[str] = mapped_column(sa.String(20))
