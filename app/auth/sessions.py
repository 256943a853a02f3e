"""Which sessions still count: each account's session generation, kept in the session at sign-in and compared on
every request. Raising it ends every session of the account signed in before; needs a request for `start`."""
from __future__ import annotations

from flask import current_app, session
from sqlalchemy import inspect

from app.extensions import db
from app.models import User

KEY = "generation"


def start(user: User) -> None:
    """Make this request's session one of `user`'s current sessions (at sign-in, or to keep it past `end_all`)."""
    session[KEY] = user.session_generation


def is_current(user: User) -> bool:
    """Whether the signed-in `user` (or the SignedInUser standing for it) may go on with this request's session:
    signed in since the account's last `end_all`, and not a demo account once demo mode is off."""
    if user.is_demo and not current_app.config["DEMO_MODE"]:
        return False
    return session.get(KEY) == user.session_generation


def end_all(user: User) -> None:
    """End every session of `user` (in one statement, so two at once both count). A session to go on with calls
    `start` again after the commit. Flush, never commit."""
    if not inspect(user).persistent:
        return  # a new account has no session yet
    user.session_generation = User.session_generation + 1  # type: ignore[assignment]
    db.session.flush()
