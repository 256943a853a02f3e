"""四联系 in the 待办: from the half's 4th month, a 常委 with an account is told how many of their members they have not
contacted this half, and the office how many 常委 have contacted fewer than half of theirs (the link lists exactly
those); nothing earlier in the half, nothing for a member who is not a 常委; last year's second half while that year
is still open; worked out with one query a half, once a request."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator

import sqlalchemy as sa
import time_machine
from flask import Flask

from app.contacts import coverage
from app.extensions import db
from app.models import AppraisalYear, Member, Setting, User
from conftest import text_of


@contextlib.contextmanager
def on(day: dt.date) -> Iterator[None]:
    """The clock at 10:00 in Beijing on `day`, standing still."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


def inbox(client) -> str:
    html = client.get("/").get_data(as_text=True)
    section = html.split('id="inbox-title"', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


def _setup() -> Member:
    db.session.add(Setting(key="password_max_age_days", value="0"))  # the clock travels: no password expires
    db.session.commit()
    return db.session.scalar(sa.select(User).where(User.username == "standing")).member


def test_a_standing_member_is_told_from_the_fourth_month_how_many_they_have_not_contacted(client, demo, as_user):
    standing = _setup()
    with on(dt.date(2025, 8, 20)):
        as_user("standing")
        assert "未联系" not in inbox(client)
    with on(dt.date(2025, 10, 8)):
        as_user("standing")
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(
            coverage.not_yet_contacted(standing.id, 2025, "H2").subquery()))
        assert waiting > 0
        assert f"您联系的委员中还有 {waiting} 位本半年未联系" in inbox(client)
        page = text_of(client.get("/contacts/mine"))
        assert f"您联系的委员中还有 {waiting} 位未联系" in page and page.count("尚未联系") >= waiting
        as_user("member")  # not a 常委: nothing of it
        assert "未联系" not in inbox(client) and "我联系的委员" not in text_of(client.get("/contacts/mine"))


def test_the_office_is_told_how_many_standing_members_are_behind_and_the_link_lists_them(client, demo, as_user):
    _setup()
    with on(dt.date(2025, 10, 8)):
        as_user("office")
        behind = db.session.scalar(sa.select(sa.func.count()).select_from(
            coverage.standing_query(None, 2025, "H2", behind=True).order_by(None).subquery()))
        assert 0 < behind < 30
        text = inbox(client)
        assert f"{behind} 位常委本半年联系委员未过半" in text
        html = client.get("/").get_data(as_text=True)
        link = re.search(r'href="([^"]*behind=1[^"]*)"', html).group(1).replace("&amp;", "&")
        listed = text_of(client.get(link + "&per_page=100"))
        assert f"共 {behind} 人" in listed
        rows = coverage.coverage(db.session.scalars(coverage.standing_query(None, 2025, "H2", behind=True)),
                                 2025, "H2")
        assert all(r.contacted * 2 < r.assigned for r in rows) and len(rows) == behind
    with on(dt.date(2025, 9, 30)):
        as_user("office")
        assert "联系委员未过半" not in inbox(client)


def test_last_years_second_half_is_reminded_while_that_year_is_open(client, demo, as_user):
    _setup()
    with on(dt.date(2026, 2, 10)):
        as_user("office")
        assert "2025年下半年" in inbox(client) and "位常委联系委员未过半" in inbox(client)
        db.session.get(AppraisalYear, 2025).recording_closed_at = dt.datetime(2026, 2, 1, 9, 0)
        db.session.commit()
        assert "联系委员未过半" not in inbox(client)


def test_the_reminders_are_one_query_a_half_and_worked_out_once_a_request(app: Flask, demo):
    standing = _setup()
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    today = dt.date(2025, 10, 8)
    with app.test_request_context("/"):
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            office = coverage.office_behind(today)
            own = coverage.own_behind(standing, today)
            first = len(statements)
            assert coverage.office_behind(today) == office and coverage.own_behind(standing, today) == own
            assert len(statements) == first  # cached for the request
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
    counting = [s for s in statements if "count(" in s.lower()]
    assert len(counting) == 2 and first <= 4, statements  # a count each, and the open years
    assert office[0].count > 0 and own[0].count > 0
