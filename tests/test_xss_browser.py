"""Stored XSS, in Debian's Chromium (Playwright, never a downloaded browser): script payloads stored in every
free-text field a user can set (members' names, employers and positions, unit names, records' titles, descriptions
and counterparts, meeting titles, candidates' 事迹, an objection sent through the public form, a rule file's labels)
are shown as text on every page that shows them: nothing runs, no dialog opens, no element or handler is injected,
and the Content-Security-Policy reports no violation (so our own scripts, the dashboard's chart included, are files).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, build_demo, served, use_snapshot

from app.demo import PASSWORD
from app.documents.yearend import finish_year
from app.extensions import db
from app.models import (Activity, AwardList, AwardListState, Candidate, Certificate, Meeting, Member, RecordState,
                        Review, ReviewKind, ReviewState, SubjectKind, Unit)
from app.public.services import beijing_today

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits,  # the served app's thread reads what the test wrote
              pytest.mark.slow]

SCRIPT, IMG, JS_URL, SVG = PAYLOADS = ("<script>window.__xss=1</script>", '"><img src=x onerror="window.__xss=1">',
                                       "javascript:window.__xss=1", "<svg onload=window.__xss=1>")
ALL = "".join(PAYLOADS)
RULES = Path(__file__).resolve().parent.parent / "scoring_rules"
MEMBER_RULES = "2025-四个一-委员.yaml"
LABELS = {"献一智(20分)": SVG, "书面意见建议 10 分": IMG}  # a category's label and an item's, in MEMBER_RULES
# Set before each page's own scripts run (an init script is not subject to the page's policy).
WATCH = """window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));"""
INSPECT = """() => ({
  xss: typeof window.__xss,
  csp: window.__csp,
  handlers: document.querySelectorAll("[onerror], [onload], [onclick], [onmouseover], [onfocus]").length,
  images: document.querySelectorAll('img[src="x"]').length,
  inline: Array.from(document.scripts).filter(s => !s.src && s.type !== "application/json").length,
  links: document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i], [action^="javascript:" i]').length,
  text: document.body.innerText,
})"""


def rules_with_payloads(directory: Path) -> Path:
    """The shipped rule files, with payloads in two of the members' file's labels."""
    directory.mkdir()
    for source in RULES.glob("*.yaml"):
        shutil.copy(source, directory / source.name)
    path = directory / MEMBER_RULES
    text = path.read_text(encoding="utf-8")
    for label, payload in LABELS.items():
        assert f"label: {label}\n" in text
        text = text.replace(f"label: {label}\n", f"label: {json.dumps(label + payload, ensure_ascii=False)}\n")
    path.write_text(text, encoding="utf-8")
    return directory


def store_payloads() -> None:
    """Every free-text field of the raw facts, before the year's reviews run (they copy names into snapshots)."""
    for n, member in enumerate(db.session.scalars(sa.select(Member).order_by(Member.id))):
        member.name = PAYLOADS[n % 4]  # a whole payload: names are at most 40 characters
        member.employer = f"{member.employer}{IMG}"
        member.position = SVG
    for n, unit in enumerate(db.session.scalars(sa.select(Unit).order_by(Unit.id))):
        unit.name = f"{unit.name}{PAYLOADS[n % 4]}"
    db.session.execute(sa.update(Activity).values(
        title=Activity.title + SCRIPT, description=Activity.description + IMG + JS_URL,
        counterpart=Activity.counterpart + SVG))
    db.session.execute(sa.update(Meeting).values(title=Meeting.title + IMG))
    verified = sa.select(Activity.id).where(Activity.state == RecordState.VERIFIED, Activity.member_id.is_not(None))
    db.session.execute(sa.update(Activity).where(Activity.id.in_(verified.order_by(Activity.id).limit(5)))
                       .values(published=True))  # on the public 委员风采 pages


def annual(kind: SubjectKind) -> Review:
    return db.session.scalar(sa.select(Review).where(
        Review.subject_kind == kind, Review.kind == ReviewKind.ANNUAL, Review.state == ReviewState.FROZEN))


@pytest.fixture
def live(app, client, tmp_path):
    """The demo county's finished year, payloads everywhere, served on a free port of 127.0.0.1 from a thread."""

    app.config.update(DEMO_MODE=True, SCORING_RULES_DIR=rules_with_payloads(tmp_path / "rules"))
    use_snapshot("demo", build_demo)
    store_payloads()
    db.session.commit()
    finish_year()
    db.session.execute(sa.update(Candidate).values(deeds=Candidate.deeds + ALL))
    db.session.commit()
    units = annual(SubjectKind.UNITS)
    client.post("/auth/login", data={"username": "office", "password": PASSWORD})
    assert client.post(f"/documents/review/{units.id}/certificates.pdf").status_code == 200  # numbers them
    client.post("/auth/logout")
    members_list = db.session.scalar(sa.select(AwardList).join(Review).where(
        Review.id == annual(SubjectKind.MEMBERS).id).order_by(AwardList.id))
    members_list.state = AwardListState.PUBLISHED  # back in 公示, open to objections
    members_list.publicity_starts_on, members_list.publicity_days = beijing_today(), 7
    db.session.commit()

    with served(app) as url:
        yield url


def test_stored_payloads_show_as_text_and_never_run_in_chromium(live):
    from playwright.sync_api import expect, sync_playwright

    members = annual(SubjectKind.MEMBERS)
    members_list = db.session.scalar(sa.select(AwardList).where(AwardList.state == AwardListState.PUBLISHED))
    member = db.session.scalar(sa.select(Member).where(Member.name == SCRIPT).order_by(Member.id))
    record = db.session.scalar(sa.select(Activity).where(Activity.member_id.is_not(None), Activity.counterpart != SVG,
                                                         Activity.published).order_by(Activity.id))
    meeting = db.session.scalar(sa.select(Meeting).order_by(Meeting.id))
    explained = db.session.scalar(sa.select(Candidate.subject_id).where(Candidate.award_list_id == members_list.id)
                                  .order_by(Candidate.id))
    certificate = "{}?c={}".format(*db.session.execute(sa.select(Certificate.number, Certificate.check_code)
                                                        .order_by(Certificate.id)).first())
    db.session.remove()
    dialogs: list[str] = []
    seen: dict[str, str] = {}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.add_init_script(WATCH)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        def visit(path: str, *shown: str) -> None:
            response = page.goto(f"{live}{path}")
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("load")
            found = page.evaluate(INSPECT)
            assert found["xss"] == "undefined", path
            assert (found["handlers"], found["images"], found["inline"], found["links"]) == (0, 0, 0, 0), path
            assert found["csp"] == [], (path, found["csp"])
            for text in shown:
                assert text in found["text"], (path, text)
            seen[path] = found["text"]

        # The public: the 公示 page, an objection with payloads through its form, 委员风采, the certificate check
        visit(f"/public/publicity/{members_list.id}", SCRIPT)
        page.fill("input[name=name]", IMG)
        page.fill("input[name=contact]", JS_URL)
        page.fill("textarea[name=text]", ALL)
        page.click("form [type=submit]")
        expect(page.locator(".flashes")).to_contain_text("您的异议已收到")
        visit("/public/highlights", SCRIPT, IMG)
        visit(f"/public/highlights/{record.id}", SCRIPT, IMG, JS_URL)
        visit("/public/highlights/embed", SCRIPT)
        visit(f"/verify/{certificate}", "证书真实有效")
        assert any(p in seen[f"/verify/{certificate}"] for p in PAYLOADS)  # a unit's name

        page.goto(f"{live}/auth/login")
        page.fill("input[name=username]", "office")
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit]")
        expect(page.locator("header nav")).to_contain_text("考评排名")
        visit("/")
        visit("/members/", *PAYLOADS)
        visit(f"/members/{member.id}", SCRIPT, IMG, SVG)
        visit("/activities/", SCRIPT)
        visit(f"/activities/{record.id}", SCRIPT, IMG, JS_URL, SVG)
        visit("/meetings/", IMG)
        visit(f"/meetings/{meeting.id}/attendance", IMG)
        visit(f"/reviews/{members.id}", *PAYLOADS)
        visit(f"/reviews/{members.id}/subjects/{explained}", "献一智(20分)" + SVG)
        visit("/awards/")
        visit(f"/awards/{members_list.id}", ALL)  # the 事迹 and the objection
        assert seen[f"/awards/{members_list.id}"].count(ALL) >= 2
        visit("/dashboard/")
        visit("/dashboard/warnings")
        visit(f"/documents/review/{members.id}")
        page.click("header form [type=submit]")  # sign out

        page.goto(f"{live}/auth/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit]")
        visit("/admin/units", *PAYLOADS)
        browser.close()

    assert dialogs == []
