"""In Debian's Chromium: the 签到 screen at 1280 px shows the code and, by polling, the member who just checked in;
the member's check-in page fits a 360 × 740 phone."""
from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page

from app.demo import PASSWORD
from app.extensions import db
from app.meetings import checkin
from app.models import Attendance, Meeting, User
from app.timeutil import BEIJING

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


def test_the_screen_polls_and_the_member_page_fits_a_phone(app, live_demo, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    member = db.session.scalar(sa.select(User).where(User.username == "member"))
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.starts_at.is_not(None)))
    assert meeting is not None, "the demo has a meeting with check-in times"
    now = dt.datetime.now(BEIJING)  # the served app runs on the real clock: open the window around now
    meeting.held_on = now.date()
    meeting.starts_at = max(dt.time(0, 0), (now - dt.timedelta(minutes=5)).time()) if now.hour else dt.time(0, 0)
    meeting.ends_at = dt.time(23, 59, 59)
    db.session.commit()
    assert db.session.scalar(sa.select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                         Attendance.member_id == member.member_id)) is not None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        screen = demo_page(browser, live_demo, 1280, "clerk")
        screen.set_viewport_size({"width": 1280, "height": 800})
        screen.goto(f"{live_demo}/meetings/{meeting.id}/checkin")
        expect(screen.locator("#checkin-qr svg")).to_be_visible()
        expect(screen.locator("#checkin-signed")).to_have_text("0")

        phone = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
        with app.test_request_context():
            path = "/meetings/checkin/" + checkin.token(meeting)
        phone.goto(live_demo + path)  # not signed in: the sign-in page, then back to the code
        phone.fill("input[name=username]", "member")
        phone.fill("input[name=password]", PASSWORD)
        phone.click("input[type=submit]")
        expect(phone.locator("h1")).to_have_text("签到成功")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert phone.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)") >= 24
        expect(phone.get_by_role("link", name="返回首页")).to_be_visible()
        phone.screenshot(path=str(tmp_path / "checkin-phone.png"))
        phone.goto(live_demo + path)
        expect(phone.locator("h1")).to_have_text("您已签到")

        expect(screen.locator("#checkin-signed")).to_have_text("1", timeout=12000)  # the screen asked the server
        expect(screen.locator("#checkin-names li")).to_have_count(1)
        expect(screen.locator("#checkin-names")).to_contain_text(member.member.name)
        assert screen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screen.screenshot(path=str(tmp_path / "checkin-screen.png"))
        screen.set_viewport_size({"width": 360, "height": 740})
        screen.goto(f"{live_demo}/meetings/{meeting.id}/checkin/printed")
        expect(screen.locator(".checkin-poster svg")).to_be_visible()
        screen.screenshot(path=str(tmp_path / "checkin-printed.png"), full_page=True)
        browser.close()
    if os.environ.get("CHECKIN_SHOTS"):
        import shutil
        for name in ("checkin-phone.png", "checkin-screen.png", "checkin-printed.png"):
            shutil.copy(tmp_path / name, os.path.join(os.environ["CHECKIN_SHOTS"], name))
