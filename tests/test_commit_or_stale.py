"""app.web.commit_or_stale, the views' one commit of a change to a versioned row: commit when the service found
nothing wrong, roll back when it did, and a version conflict (at the flush, at the commit, or the service's own)
rolled back and said in words, never an error page."""
from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.web import commit_or_stale


class Conflict(Exception):
    """A service's own word for a row changed since the form was shown."""


@pytest.fixture
def calls(app, monkeypatch) -> list[str]:
    """What the helper did to the session, in order."""
    done: list[str] = []
    session = db.session()  # this test's session: the shared scoped_session stays as it is
    monkeypatch.setattr(session, "commit", lambda: done.append("commit"))
    monkeypatch.setattr(session, "rollback", lambda: done.append("rollback"))
    return done


def test_nothing_wrong_commits(calls):
    assert commit_or_stale(lambda: [], "stale") == []
    assert commit_or_stale(lambda: None, "stale") is None
    assert calls == ["commit", "commit"]


def test_what_is_wrong_is_rolled_back_and_returned(calls):
    assert commit_or_stale(lambda: {"title": ["请填写标题"]}, "stale") == {"title": ["请填写标题"]}
    assert calls == ["rollback"]


def test_a_version_conflict_at_the_flush_or_the_service_is_the_stale_message(calls):
    def flush() -> list[str]:
        raise StaleDataError("UPDATE statement on table 'meeting' expected to update 1 row(s); 0 were matched.")

    def service() -> list[str]:
        raise Conflict

    assert commit_or_stale(flush, ["已被他人修改"]) == ["已被他人修改"]
    assert commit_or_stale(service, ["已被他人修改"], Conflict) == ["已被他人修改"]
    assert calls == ["rollback", "rollback"]


def test_a_version_conflict_at_the_commit_is_the_stale_message(app, monkeypatch):
    rolled_back: list[bool] = []

    def commit() -> None:
        raise StaleDataError("the row changed under us")

    session = db.session()
    monkeypatch.setattr(session, "commit", commit)
    monkeypatch.setattr(session, "rollback", lambda: rolled_back.append(True))
    assert commit_or_stale(lambda: None, "该记录已被他人修改") == "该记录已被他人修改"
    assert rolled_back == [True]


def test_another_error_is_not_a_conflict(calls):
    def broken() -> list[str]:
        raise KeyError("no such field")

    with pytest.raises(KeyError):
        commit_or_stale(broken, "stale", Conflict)
    assert calls == []
