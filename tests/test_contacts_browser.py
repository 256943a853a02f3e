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


def test_the_new_pages_read_at_both_widths_and_a_standing_member_logs_a_contact(app, demo, tmp_path):
    """联系界别群众, the assignments with their dates, the committees' coverage, and a 常委's own page (their members
    this half, the form to log a contact), at 1280 and 360 px; a contact logged there with CSRF on."""
    from playwright.sync_api import sync_playwright

    from app.models import Setting, User
    shots = Path(os.environ.get("CONTACTS_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    standing = db.session.scalar(sa.select(User).where(User.username == "standing")).member
    link = db.session.scalar(sa.select(ContactLink).where(ContactLink.from_member_id == standing.id,
                                                          ContactLink.ends_on.is_(None)).order_by(ContactLink.id))
    member_id, standing_id = link.to_member_id, standing.id
    db.session.add(Setting(key="password_max_age_days", value="0"))
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(Contact.id)))
    app.config.update(DEMO_MODE=True)
    pages = (("office", "/contacts/masses?year=2025", "#masses", "masses"),
             ("office", "/contacts/links?all=1", "#links-standing_member", "links"),
             ("office", "/contacts/?year=2025&half=H2&show=committees", "#committees", "committees"),
             ("standing", "/contacts/mine", "#own-members", "mine"))
    with served(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in (1280, 360):
            for username, path, selector, name in pages:
                page = demo_page(browser, url, width, username)
                page.goto(f"{url}{path}")
                assert page.locator(selector).count() == 1, (path, width)
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (path, width)
                page.screenshot(path=str(shots / f"contacts-{name}-{width}.png"), full_page=width == 360)
                page.close()
        page = demo_page(browser, url, 360, "standing")
        page.goto(f"{url}/contacts/mine")
        form = page.locator("#own-contact-form")
        form.locator("input[name=occurred_on]").fill("2025-11-06")
        form.locator("select[name=form]").select_option("VISIT")
        form.locator("select[name=member_id]").select_option(str(member_id))
        form.locator("textarea[name=content]").fill("走访了解企业用工情况")
        form.locator("input[type=submit]").click()
        page.wait_for_selector("text=已记录联系")
        browser.close()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == before + 1
    made = db.session.scalar(sa.select(Contact).where(Contact.content == "走访了解企业用工情况"))
    assert made.by_member_id == standing_id and made.activity.self_reported
