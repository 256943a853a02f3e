"""In Debian's Chromium: the 四联系 coverage view and the contact log at desktop width and at 360 px (no sideways
scroll of the page), and a contact logged through the form with CSRF on. Screenshots go to CONTACTS_SHOTS when set."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page, served

from app.extensions import db
from app.models import Contact, ContactLink, ContactLinkKind, Member

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


def test_the_coverage_reads_at_desktop_and_phone_width_and_a_contact_is_logged(app, demo, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("CONTACTS_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    link = db.session.scalar(sa.select(ContactLink).where(ContactLink.kind == ContactLinkKind.STANDING_MEMBER)
                             .order_by(ContactLink.id))
    owner, member = link.from_member, link.to_member
    owner_id, member_id, owner_name = owner.id, member.id, owner.name
    before = db.session.scalar(sa.select(sa.func.count(Contact.id)))
    app.config.update(DEMO_MODE=True)
    with served(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in (1280, 360):
            page = demo_page(browser, url, width)
            page.goto(f"{url}/contacts/?year=2025&half=H1")
            assert owner_name in page.inner_text("#coverage")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            page.screenshot(path=str(shots / f"contacts-coverage-{width}.png"), full_page=True)
            page.goto(f"{url}/contacts/log?year=2025")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
            page.screenshot(path=str(shots / f"contacts-log-{width}.png"), full_page=False)
            page.close()
        page = demo_page(browser, url, 360)
        page.goto(f"{url}/contacts/log")
        form = page.locator("#contact-form")
        form.locator("input[name=occurred_on]").fill("2025-05-06")
        form.locator("select[name=form]").select_option("PHONE")
        form.locator("select[name=by_member_id]").select_option(str(owner_id))
        form.locator("select[name=member_id]").select_option(str(member_id))
        form.locator("textarea[name=content]").fill("电话了解提案办理意见")
        form.locator("input[type=submit]").click()
        page.wait_for_selector("text=已记录联系")
        browser.close()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == before + 1
    assert db.session.scalar(sa.select(Contact).where(Contact.content == "电话了解提案办理意见")).by_member_id == owner_id
