"""In Debian's Chromium: the attendance page's 签到时间 form and “未签到的标为缺席” (asked to confirm first), at 1280
and 360 px."""
from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page

from app.extensions import db
from app.models import Attendance, AttendanceStatus, Meeting
from app.timeutil import BEIJING

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


def test_the_organiser_marks_the_unscanned_absent_after_confirming(app, live_demo, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.starts_at.is_not(None)))
    assert meeting is not None, "the demo has a meeting with check-in times"
    meeting.held_on = dt.datetime.now(BEIJING).date() - dt.timedelta(days=1)  # the served app's real clock: ended
    db.session.commit()
    invited = len(meeting.attendance)
    assert invited > 1
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = demo_page(browser, live_demo, 1280, "clerk")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_demo}/meetings/{meeting.id}/attendance")
        expect(page.locator("#checkin-times input[name=starts_at]")).to_have_value("08:30")
        button = page.get_by_role("button", name="未签到的标为缺席")
        expect(button).to_be_visible()
        page.screenshot(path=str(tmp_path / "attendance-1280.png"), full_page=True)

        page.once("dialog", lambda dialog: dialog.dismiss())  # 取消: nothing changes
        button.click()
        expect(page.locator(".flash-success")).to_have_count(0)
        page.once("dialog", lambda dialog: dialog.accept())
        button.click()
        expect(page.locator(".flashes")).to_contain_text(f"已将 {invited} 名未签到的委员标为缺席")
        page.set_viewport_size({"width": 360, "height": 740})
        page.reload()
        page.screenshot(path=str(tmp_path / "attendance-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.locator("#checkin-times").screenshot(path=str(tmp_path / "attendance-360-times.png"))
        browser.close()
    db.session.expire_all()
    assert {a.status for a in db.session.scalars(sa.select(Attendance).where(
        Attendance.meeting_id == meeting.id))} == {AttendanceStatus.ABSENT}
    if os.environ.get("CHECKIN_SHOTS"):
        import shutil
        for name in ("attendance-1280.png", "attendance-360-times.png", "attendance-360.png"):
            shutil.copy(tmp_path / name, os.path.join(os.environ["CHECKIN_SHOTS"], name))
