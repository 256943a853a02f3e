"""In Debian's Chromium: the demo township's coverage page and a branch's page at desktop width and at 360 px (no
sideways scroll of the page), and a visit logged through the form with CSRF on. Screenshots go to COVERAGE_SHOTS
when it is set."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page

from app.extensions import db
from app.models import BranchVisit, Unit, UnitKind

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


def test_coverage_reads_at_desktop_and_phone_width_and_a_visit_is_logged(live_demo, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("COVERAGE_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    branch = db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.BRANCH).order_by(Unit.id))
    branch_id = branch.id
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in (1280, 360):
            page = demo_page(browser, live_demo, width)
            page.goto(f"{live_demo}/coverage/?year=2025")
            assert "大源恒达包装材料有限公司" in page.inner_text("#blanks")  # the demo's 空白点
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            page.screenshot(path=str(shots / f"coverage-{width}.png"), full_page=True)
            page.goto(f"{live_demo}/branches/{branch_id}/visits/new")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            page.close()
        page = demo_page(browser, live_demo, 360)
        page.goto(f"{live_demo}/branches/{branch_id}/visits/new")
        page.select_option("select[name=form]", "GUIDANCE")
        page.fill("textarea[name=content]", "指导支部落实三会一课制度")
        page.click("input[type=submit]")
        page.wait_for_selector("text=的走访指导")
        assert "指导支部落实三会一课制度" in page.inner_text("#visits")
        page.screenshot(path=str(shots / "branch-360.png"), full_page=True)
        wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
            > window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 8).join(' ')""")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide
        browser.close()
    db.session.expire_all()
    newest = sa.select(BranchVisit.content).where(BranchVisit.branch_id == branch_id).order_by(BranchVisit.id.desc())
    assert db.session.scalar(newest.limit(1)) == "指导支部落实三会一课制度"  # beside the demo's own visits
