"""In Debian's Chromium: the record form's picker searches within the branch the page came from and chooses the
only match; the queue's header checkbox ticks every row; the amount's label follows the chosen kind's unit; the lists
fit a phone's width and sort from their headers."""
from __future__ import annotations

import collections
import os
import re
import uuid

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS, user_named

from app.demo import PASSWORD
from app.extensions import db
from app.models import Job, JobState, Member, PartyMember

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits, pytest.mark.slow]


def signed_in(p, live_demo, username):
    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(f"{live_demo}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    return browser, page


def test_the_party_picker_keeps_the_branch_and_chooses_the_only_match(live_demo):
    from playwright.sync_api import expect, sync_playwright

    branch = user_named("liaison").units[0]
    people = db.session.execute(sa.select(PartyMember.id, PartyMember.name, PartyMember.branch_id)).all()
    everywhere = collections.Counter(name for _id, name, _b in people)
    here = collections.Counter(name for _id, name, b in people if b == branch.id)
    # a name once in this branch; searched from the branch page, other branches' namesakes must not show
    chosen = next(((i, n) for i, n, b in people if b == branch.id and here[n] == 1), None)
    assert chosen is not None and everywhere  # the demo's branches have party members
    with sync_playwright() as p:
        browser, page = signed_in(p, live_demo, "liaison")
        with page.expect_response(lambda r: "party-members.json" in r.url) as answer:
            page.goto(f"{live_demo}/activities/new/CONTRIBUTION?branch={branch.id}")
            page.fill("#subject-search", chosen[1])
        assert f"branch={branch.id}&q=" in answer.value.url and "?q=" not in answer.value.url.split("json", 1)[1]
        expect(page.locator("#subject")).to_have_value(f"p:{chosen[0]}")
        browser.close()


def test_the_member_picker_chooses_the_only_match_and_the_queue_ticks_all(live_demo):
    from playwright.sync_api import expect, sync_playwright

    names = collections.Counter(db.session.scalars(sa.select(Member.name).where(Member.active)))
    member = next(m for m in db.session.scalars(sa.select(Member).where(Member.active).order_by(Member.code))
                  if names[m.name] == 1)
    with sync_playwright() as p:
        browser, page = signed_in(p, live_demo, "office")
        page.goto(f"{live_demo}/activities/new/IDEA")
        page.fill("#subject-search", member.name)
        expect(page.locator("#subject")).to_have_value(f"m:{member.id}")
        page.goto(f"{live_demo}/activities/queue")
        page.check("input[data-select-all]")
        rows = page.locator("tbody input[name=ids]")
        assert rows.count() > 1
        expect(page.locator("tbody input[name=ids]:not(:checked)")).to_have_count(0)
        rows.first.uncheck()
        expect(page.locator("input[data-select-all]")).not_to_be_checked()
        browser.close()


def test_the_amount_label_takes_the_unit_of_the_chosen_kind(live_demo):
    """解一难's kinds count 金额 in 元 (donations) or 万元 (引进资金): choosing the kind puts its unit in the label."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser, page = signed_in(p, live_demo, "office")
        page.goto(f"{live_demo}/activities/new/RELIEF")
        label = page.locator("label[for=amount]")
        expect(label).to_have_text("金额（元或万元，按类型）")
        page.select_option("#kind", "引进资金")
        expect(label).to_have_text("金额（万元）")
        page.select_option("#kind", "捐资助学")
        expect(label).to_have_text("金额（元）")
        page.select_option("#kind", "")
        expect(label).to_have_text("金额（元或万元，按类型）")
        browser.close()


LISTS = ("/jobs/", "/branches/", "/branches/results?state=", "/meetings/", "/branches/party-members")


def test_the_lists_fit_a_phone_and_sort_from_their_headers(live_demo, tmp_path):
    """At 360 px no list scrolls the page sideways (the table scrolls in its own box), each has its 操作 column and
    page size, and a header click sorts; screenshots at both widths land in tmp_path."""
    from playwright.sync_api import expect, sync_playwright

    office = user_named("office")
    db.session.add_all([Job(key=uuid.uuid4().hex, kind="print", state=JobState.SUCCEEDED, created_by_id=office.id,
                            result={"file": "x.pdf"}, message="已生成 120 张证书", done=120, total=120),
                        Job(key=uuid.uuid4().hex, kind="review", state=JobState.QUEUED, created_by_id=office.id)])
    db.session.commit()
    with sync_playwright() as p:
        browser, page = signed_in(p, live_demo, "office")
        for path in LISTS:
            for width in (1280, 360):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{live_demo}{path}")
                assert page.evaluate("document.documentElement.scrollWidth") <= width, path
                expect(page.locator("table.list thead th", has_text="操作")).to_have_count(1)
                expect(page.locator("select[name=per_page]")).to_have_count(1)
                name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "") or "home"
                page.screenshot(path=tmp_path / f"{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_demo}/branches/?reset=1")
        page.click("th.sortable a:has-text('合计')")
        expect(page).to_have_url(re.compile(r"sort=total&dir=asc"))
        page.click("th.sortable a:has-text('合计')")
        expect(page).to_have_url(re.compile(r"sort=total&dir=desc"))
        totals = [int(t) for t in page.locator("tbody tr td:nth-child(7)").all_inner_texts()]
        assert totals == sorted(totals, reverse=True) and len(totals) > 1
        browser.close()
