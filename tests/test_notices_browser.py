"""In Debian's Chromium at 360 px: the demo member opens the meeting notice from the notices page and asks for leave
with a reason (CSRF on); the pages are never wider than the screen. The office's and the clerk's pages are looked at
at both widths. Screenshots go to NOTICES_SHOTS when set."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page, served

from app.extensions import db
from app.models import Announcement, AnnouncementKind, Attendance, AttendanceStatus, LeaveState, Setting, User

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_member_asks_for_leave_on_a_phone(app, demo, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("NOTICES_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    announcement = db.session.scalar(sa.select(Announcement).where(Announcement.kind == AnnouncementKind.MEETING))
    meeting_id, announcement_id = announcement.meeting_id, announcement.id
    member_id = db.session.scalar(sa.select(User).where(User.username == "member")).member_id
    db.session.add(Setting(key="password_max_age_days", value="0"))
    db.session.commit()
    app.config.update(DEMO_MODE=True)
    with served(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = demo_page(browser, url, 360, "member")
        page.goto(f"{url}/notices/")
        assert fits(page)
        page.screenshot(path=str(shots / "notices-member-360.png"), full_page=True)
        page.locator("a.notice-open", has_text="专题协商座谈会").first.click()
        page.wait_for_selector("#reply")
        assert fits(page)
        assert "请假待批准" in page.inner_text("#reply")  # the demo member asked already: the box is open
        page.locator("summary", has_text="请假").click()  # closes it
        assert not page.locator("textarea[name=reason]").is_visible()
        page.locator("summary", has_text="请假").click()
        page.locator("textarea[name=reason]").fill("孙子满月，家中办酒，特此请假。")
        page.screenshot(path=str(shots / "notice-reply-360.png"), full_page=True)
        page.locator("button[value=LEAVE]").click()
        page.wait_for_selector("text=已提交请假，等待组织单位批准。")
        assert fits(page)
        page.screenshot(path=str(shots / "notice-replied-360.png"), full_page=True)
        page.close()
        for width in (1280, 360):
            for user, path, name in (("clerk", f"/meetings/{meeting_id}/attendance", "attendance"),
                                     ("office", f"/notices/sent/{announcement_id}", "sent-detail"),
                                     ("office", "/notices/sent", "sent"),
                                     ("clerk", "/dashboard/warnings?year=2025", "warnings"),
                                     ("office", "/notices/new", "compose")):
                page = demo_page(browser, url, width, user)
                page.goto(url + path)
                page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
                if name not in ("attendance", "warnings"):  # the sheet itself scrolls inside its box
                    assert fits(page), (name, width)
                page.close()
        browser.close()
    db.session.expire_all()
    row = db.session.scalar(sa.select(Attendance).where(Attendance.meeting_id == meeting_id,
                                                        Attendance.member_id == member_id))
    assert (row.status, row.note, row.leave_state) == (AttendanceStatus.LEAVE, "孙子满月，家中办酒，特此请假。",
                                                       LeaveState.PENDING)
