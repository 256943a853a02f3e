"""In Debian's Chromium (Playwright, never a downloaded browser): the office runs the annual review on the demo
county, reads the ranking and one explanation, opens recommendation, picks candidates, closes recommendation,
records the leading group's conclusion and the 常委会议's approval; the list is frozen. Screenshots of the ranking
and the explanation are kept (BROWSER_SHOTS=dir to keep them somewhere; else pytest's tmp_path)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import CHROMIUM, CHROMIUM_ARGS

from app.demo import PASSWORD
from app.extensions import db
from app.models import AwardList, AwardListState, CandidateState, Review, ReviewState

pytestmark = [pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                 reason="Debian's chromium is not installed (.ci/run installs it)"),
              pytest.mark.commits,  # the served app's thread reads what the test wrote
              pytest.mark.slow]


def test_the_office_takes_the_annual_review_to_the_frozen_list_in_chromium(live_demo, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("BROWSER_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(f"{live_demo}/auth/login")
        page.fill("input[name=username]", "office")
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit]")
        expect(page.locator("header nav")).to_contain_text("考评排名")

        page.click("header nav >> text=考评排名")
        page.select_option("select[name=rule_file]", "2025-四个一-委员.yaml")
        page.select_option("select[name=period]", "2025")
        page.click("form.run-form [type=submit]")
        if page.locator("text=仍然运行并冻结").count():  # records still pending: the office confirms
            page.click("text=仍然运行并冻结")
        expect(page.locator("main")).to_contain_text("结果已冻结")
        page.screenshot(path=str(shots / "ranking.png"), full_page=True)
        first = page.locator("main table.ranking tbody tr").first.locator("a").first
        name = first.inner_text()
        first.click()
        expect(page.locator("main")).to_contain_text(name)
        expect(page.locator("main")).to_contain_text("献一智")
        page.screenshot(path=str(shots / "explanation.png"), full_page=True)

        page.click("header nav >> text=表彰评选")
        page.click("text=开始推荐表彰人选")
        expect(page.locator("main")).to_contain_text("可推荐的对象")
        for _ in range(2):  # the two best eligible members
            page.locator("form.inline-form:has(input[name=subject_id]) button").first.click()
            expect(page.locator(".flashes")).to_contain_text("已加入推荐名单")
        page.click("text=提交本单位推荐人选")
        expect(page.locator(".flashes")).to_contain_text("推荐人选已提交")
        page.click("text=推荐截止，开始领导小组考核")
        expect(page.locator(".flashes")).to_contain_text("领导小组开始考核")

        for select in page.locator("select[name^=decision-]").all():
            select.select_option("APPROVED")
        page.fill("textarea[name=conclusion]", "经从严考核,两名人选均通过")
        page.click("text=保存考核结论")
        expect(page.locator(".flashes")).to_contain_text("考核结论已保存")
        page.select_option("select[name=body]", "常委会议")
        page.fill("input[name=meeting_name]", "政协第十届常委会第五次会议")
        page.fill("input[name=decided_on]", "2025-12-20")
        page.fill("input[name=document_number]", "政协发〔2025〕9号")
        page.click("text=记录审定结果并冻结名单")
        expect(page.locator(".flashes")).to_contain_text("名单已冻结")
        page.screenshot(path=str(shots / "approved.png"), full_page=True)
        browser.close()

    award_list = db.session.scalar(sa.select(AwardList))
    assert award_list.state == AwardListState.APPROVED and award_list.document_number == "政协发〔2025〕9号"
    assert [c.state for c in award_list.candidates] == [CandidateState.APPROVED] * 2
    assert db.session.scalar(sa.select(Review.state)) == ReviewState.FROZEN
    for shot in ("ranking.png", "explanation.png", "approved.png"):
        assert (shots / shot).stat().st_size > 20_000  # a real page, not a blank one
