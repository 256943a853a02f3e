"""In Debian's Chromium: the 通报处理 list and a case's page at desktop width and at 360 px (no sideways scroll of the
page), and a 谈话提醒 recorded through the form with CSRF on. Screenshots go to FOLLOWUP_SHOTS when it is set."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page, served

from app.extensions import db
from app.models import Followup, FollowupState, FollowupStep

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


def test_the_cases_read_at_desktop_and_phone_width_and_a_talk_is_recorded(app, finished_year, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("FOLLOWUP_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    case = db.session.scalar(sa.select(Followup).where(Followup.state == FollowupState.OPEN))
    case_id, name = case.id, case.member.name
    app.config.update(DEMO_MODE=True)
    with served(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in (1280, 360):
            page = demo_page(browser, url, width)
            page.goto(f"{url}/followup/?state=open")
            assert name in page.inner_text("#cases")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            page.screenshot(path=str(shots / f"followup-list-{width}.png"), full_page=True)
            page.goto(f"{url}/followup/{case_id}")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            page.screenshot(path=str(shots / f"followup-case-{width}.png"), full_page=True)
            page.close()
        page = demo_page(browser, url, 360)
        page.goto(f"{url}/followup/{case_id}")
        form = page.locator("#talk-form")
        form.locator("input[name=occurred_on]").fill(case.noticed_on.isoformat())
        form.locator("input[name=talker]").fill("县政协党组成员 李华")
        form.locator("textarea[name=content]").fill("约定按时参加常委会议")
        form.locator("input[type=submit]").click()
        page.wait_for_selector("text=已记录谈话提醒")
        assert "约定按时参加常委会议" in page.inner_text("#steps")
        browser.close()
    db.session.expire_all()
    kinds = [s.kind for s in db.session.get(Followup, case_id).steps]
    assert kinds.count(FollowupStep.TALK) == 2
