"""In Debian's Chromium at 360 px, with CSRF on: the demo liaison corrects a visit from the branch page's 操作 column
and deletes it after the confirmation page; the demo clerk's project and pairing pages keep their 操作 column on
the phone without a sideways scroll. Screenshots go to ENTRY_SHOTS when it is set."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page

from app.auth.scope import scoped
from app.extensions import db
from app.models import BranchVisit, Pairing, Project, ProjectService, User

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def test_a_visit_is_corrected_and_deleted_on_a_phone_and_the_registers_keep_their_actions(live_demo, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("ENTRY_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    liaison = db.session.scalar(sa.select(User).where(User.username == "liaison"))
    visit = db.session.scalars(sa.select(BranchVisit).where(BranchVisit.created_by_id == liaison.id)
                               .order_by(BranchVisit.id)).first()
    branch_id, visit_id = visit.branch_id, visit.id
    clerk = db.session.scalar(sa.select(User).where(User.username == "clerk"))
    project = db.session.scalars(scoped(Project, clerk).join(ProjectService).order_by(Project.id)).first()
    pairing = db.session.scalars(scoped(Pairing, clerk).order_by(Pairing.id)).first()
    project_id, pairing_id = project.id, pairing.id
    db.session.remove()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = demo_page(browser, live_demo, 360, "liaison")
        page.goto(f"{live_demo}/branches/{branch_id}")
        page.click(f"a[href='/branches/{branch_id}/visits/{visit_id}/edit']")
        page.wait_for_selector("textarea[name=content]")
        assert page.evaluate(NO_SIDEWAYS)
        page.fill("textarea[name=content]", "指导支部整理党员档案")
        page.click("form.stacked button[type=submit]")
        page.wait_for_selector("text=已保存")
        assert "指导支部整理党员档案" in page.inner_text("#visits")
        page.screenshot(path=str(shots / "branch-visits-360.png"), full_page=True)
        assert page.evaluate(NO_SIDEWAYS)
        page.click(f"a[href='/branches/{branch_id}/visits/{visit_id}/delete']")
        page.wait_for_selector("text=确认删除")
        assert "确定删除这条登记吗" in page.inner_text("main") and page.evaluate(NO_SIDEWAYS)
        page.screenshot(path=str(shots / "visit-delete-360.png"), full_page=True)
        page.click("text=确认删除")
        page.wait_for_selector("text=已删除")
        assert "指导支部整理党员档案" not in page.inner_text("#visits")
        page.close()
        page = demo_page(browser, live_demo, 360, "clerk")
        for url, table in ((f"/projects/{project_id}", "#service-list"), (f"/pairings/{pairing_id}", "#entries")):
            page.goto(f"{live_demo}{url}")
            assert page.locator(f"{table} td.actions").count() > 0, url  # the 操作 column, a cell a row
            assert page.evaluate(NO_SIDEWAYS), url
            page.screenshot(path=str(shots / f"{url.strip('/').replace('/', '-')}-360.png"), full_page=True)
        browser.close()
    assert db.session.get(BranchVisit, visit_id) is None
