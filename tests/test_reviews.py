"""Reviews (考评): running one freezes scores and ranks with a version and a hash; the ranking table, its filters,
groups and export; the explanation of one score; two versions compared; who may see and run what.

A small county under the shipped 2025 members' rule file: 张三 does all four 一 (70 points, eligible),
王五 has one adopted 社情民意 (30), 李四 is a 常委 of another unit with one proposal (20).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of

from app.extensions import db
from app.models import Activity, Category, RecordState, Review, ReviewEntry, ReviewState, Role, RuleSet
from app.reviews import services
from app.reviews.scoring import score_period

RULES = "2025-四个一-委员.yaml"
CATEGORIES = {"提案": Category.IDEA, "社情民意": Category.IDEA, "引进企业": Category.ENTERPRISE,
              "结对困难户": Category.PAIRING, "捐资助学": Category.RELIEF}


def record(member, kind, state=RecordState.VERIFIED, on=dt.date(2025, 3, 1), **fields):
    activity = Activity(unit_id=member.committee_id, member_id=member.id, category=CATEGORIES[kind], kind=kind,
                        title=f"{member.name}的{kind}{fields.pop('n', '')}", occurred_on=on, state=state, **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


@pytest.fixture
def people(year, make_member):
    zhang = make_member("张三")
    wang = make_member("王五")
    li = make_member("李四", sector="sector_b", committee="committee_b", liaison="liaison_b", is_standing=True)
    record(zhang, "提案", outcome="立案")
    record(zhang, "引进企业", outcome="落地", amount=Decimal(600))
    record(zhang, "结对困难户")
    record(zhang, "捐资助学", amount=Decimal(5000))
    record(wang, "社情民意", outcome="采用")
    record(li, "提案", outcome="提交")
    record(li, "社情民意", outcome="采用", state=RecordState.SUBMITTED)  # not verified: never counts
    db.session.commit()
    return {"zhang": zhang, "wang": wang, "li": li}


@pytest.fixture
def rules(app):
    ruleset = services.rule_file(RULES)
    assert ruleset is not None
    return ruleset


def run(rules, period="2025", user=None):
    review = services.run_review(rules, period, user)
    db.session.commit()
    return review


def entry(review, member):
    return db.session.scalar(sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id,
                                                          ReviewEntry.subject_id == member.id))


def names_on(response):
    """The names in the ranking table, in the order shown (each links to its explanation)."""
    return re.findall(r'/subjects/\d+">([^<]+)</a>', response.get_data(as_text=True))


def lift_wang(people):
    """Newly verified records that take 王五 from 30 to 80, above 张三."""
    wang = people["wang"]
    added = [record(wang, "引进企业", outcome="落地", amount=Decimal(1000)), record(wang, "结对困难户"),
             record(wang, "捐资助学", amount=Decimal(10000))]
    db.session.commit()
    return added


# --- the service layer ------------------------------------------------------------------------------------------------

def test_running_twice_makes_version_two_and_supersedes_the_first(people, rules):
    first = run(rules)
    assert (first.version, first.state) == (1, ReviewState.FROZEN)
    assert entry(first, people["zhang"]).score == "70"
    assert entry(first, people["zhang"]).eligible and not entry(first, people["li"]).eligible
    second = run(rules)
    db.session.refresh(first)
    assert (second.version, second.state) == (2, ReviewState.FROZEN)
    assert first.state == ReviewState.SUPERSEDED
    assert services.previous(second).id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSet)) == 1  # same bytes, kept once


def test_the_hash_is_the_scoring_hash_of_the_same_data(people, rules):
    review = run(rules)
    assert review.content_hash == score_period(rules, "2025").hash
    record(people["wang"], "结对困难户")
    db.session.commit()
    assert review.content_hash != score_period(rules, "2025").hash


def test_a_record_verified_after_the_review_leaves_the_frozen_review_alone(people, rules):
    review = run(rules)
    before = services.card(review, people["wang"].id)
    added = lift_wang(people)
    db.session.expire_all()
    assert entry(review, people["wang"]).score == "30"
    assert services.card(review, people["wang"].id) == before
    assert all(a.id not in services.facts_of(review) for a in added)
    assert entry(run(rules), people["wang"]).score == "80"


def test_compare_names_who_moved_the_rule_items_and_the_new_records(people, rules):
    old = run(rules)
    added = lift_wang(people)
    new = run(rules)
    moves = {m.name: m for m in services.compare(old, new)}
    assert set(moves) == {"王五", "张三"}  # 李四 did not change
    wang = moves["王五"]
    assert (wang.before[0], wang.after[0], wang.moved) == (2, 1, 1)
    assert (wang.before[1], wang.after[1]) == (Decimal(30), Decimal(80))
    assert set(wang.added) == {a.id for a in added} and wang.removed == ()
    changed = {label.split(",")[0]: (was, now) for label, was, now in wang.items}
    assert changed["引进企业落地"] == (Decimal(0), Decimal(20))
    assert moves["张三"].moved == -1 and moves["张三"].items == () and moves["张三"].added == ()


# --- the pages: running a review ------------------------------------------------------------------------------------

@pytest.mark.commits  # the review runs as a job, whose progress is written on a connection of its own
def test_office_runs_a_review_through_the_form_and_lands_on_its_ranking(client, login, make_user, people):
    make_user("office", Role.OFFICE, display_name="办公室小刘")
    login("office")
    page = client.get("/reviews/")
    assert "2025年度政协委员“四个一”活动考评细则" in text_of(page)
    response = client.post("/reviews/", data={"rule_file": RULES, "period": "2025"})
    # 李四's record is still 已提交: the office sees it first, and runs on its confirmation
    assert response.status_code == 200 and "运行考评前请确认" in text_of(response)
    assert db.session.scalar(sa.select(Review)) is None
    response = client.post("/reviews/", data={"rule_file": RULES, "period": "2025", "confirmed": "1"})
    review = db.session.scalar(sa.select(Review))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reviews/{review.id}")
    page = client.get(response.headers["Location"])
    assert names_on(page) == ["张三", "王五", "李四"]
    text = text_of(page)
    assert "第 1 版" in text and "已冻结" in text and "办公室小刘" in text and review.content_hash[:12] in text
    listing = client.get("/reviews/").get_data(as_text=True)
    assert f'title="{review.content_hash}"' in listing and "全年总结" in listing and "已冻结" in listing


def test_a_period_the_rule_file_lacks_is_shown_beside_the_field_and_nothing_is_written(client, login, make_user,
                                                                                       people):
    make_user("office", Role.OFFICE)
    login("office")
    response = client.post("/reviews/", data={"rule_file": RULES, "period": "2025H2"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    field = re.search(r'<div class="field[^"]*has-error[^"]*">(.*?)</div>', html, re.S)
    assert field and 'name="period"' in field.group(1) and "没有这个考评周期" in field.group(1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSet)) == 0
    response = client.post("/reviews/", data={"rule_file": "没有这个文件.yaml", "period": "2025"})
    assert "没有这个评分细则文件" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_a_leader_views_but_may_not_run_and_members_see_nothing(client, login, make_user, people, rules):
    review = run(rules)
    make_user("leader", Role.LEADER)
    make_user("member", Role.MEMBER)
    login("leader")
    page = client.get("/reviews/")
    assert page.status_code == 200 and 'name="rule_file"' not in page.get_data(as_text=True)
    assert client.post("/reviews/", data={"rule_file": RULES, "period": "2025"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1
    assert names_on(client.get(f"/reviews/{review.id}")) == ["张三", "王五", "李四"]
    client.post("/auth/logout")
    login("member")
    assert client.get("/reviews/").status_code == 403
    assert client.get(f"/reviews/{review.id}").status_code == 403


def test_a_clerk_sees_only_the_members_of_their_unit(client, login, make_user, people, rules):
    review = run(rules)
    make_user("clerk", Role.CLERK, ("committee_a",))
    login("clerk")
    assert names_on(client.get(f"/reviews/{review.id}")) == ["张三", "王五"]
    assert client.get(f"/reviews/{review.id}/subjects/{people['li'].id}").status_code == 404
    assert client.get(f"/reviews/{review.id}/subjects/{people['zhang'].id}").status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/reviews/{review.id}?export=xlsx").data))
    assert [r[1] for r in book.active.iter_rows(min_row=2, values_only=True)] == ["张三", "王五"]
    grouped = client.get(f"/reviews/{review.id}?ranking=常委与委员&group=是")
    assert names_on(grouped) == ["张三", "王五"]  # no 常委 group: 李四, the 常委, is not in the clerk's unit
    assert '<option value="是"' not in grouped.get_data(as_text=True)


# --- the pages: the ranking table ---------------------------------------------------------------------------------

def test_the_export_holds_the_rows_the_filters_show(client, login, make_user, people, rules):
    review = run(rules)
    make_user("office", Role.OFFICE)
    login("office")
    query = f"/reviews/{review.id}?ranking=总排名&eligible=no&sort=name"
    page = client.get(query)
    shown = names_on(page)
    assert shown == ["李四", "王五"]  # 张三 is eligible; by name: li before wang
    assert "显示 2 人，本组共 3 人" in text_of(page)
    response = client.get(query + "&export=xlsx")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("名次", "姓名", "单位", "得分", "考评等次", "评优资格（能否参评表彰）")
    assert [r[1] for r in rows[1:]] == shown
    assert [(r[0], r[3], r[5][:3]) for r in rows[1:]] == [(3, 20, "不具备"), (2, 30, "不具备")]
    csv = client.get(query + "&export=csv").data.decode("utf-8-sig")
    assert [line.split(",")[1] for line in csv.splitlines()[1:]] == shown


def test_a_ranking_by_standing_shows_its_groups_as_standing_committee_and_members(client, login, make_user, people,
                                                                                  rules):
    review = run(rules)
    make_user("office", Role.OFFICE)
    login("office")
    page = client.get(f"/reviews/{review.id}?ranking=常委与委员")
    html = page.get_data(as_text=True)
    assert re.search(r'<option value="是" selected>常委</option>', html)
    assert re.search(r'<option value="否"\s*>委员</option>', html)
    assert names_on(page) == ["李四"]
    assert names_on(client.get(f"/reviews/{review.id}?ranking=常委与委员&group=否")) == ["张三", "王五"]


def test_equal_scores_share_a_place_and_the_table_filters_by_grade_and_name(client, login, make_user, people,
                                                                             rules):
    record(people["li"], "社情民意", outcome="报送", n="二")  # 李四: 10 + 10 + 10 = 30, level with 王五
    db.session.commit()
    review = run(rules)
    make_user("office", Role.OFFICE)
    login("office")
    text = text_of(client.get(f"/reviews/{review.id}"))
    assert re.search(r"2 并列 王五 .*2 并列 李四", text)
    assert names_on(client.get(f"/reviews/{review.id}?grade=合格")) == ["张三"]
    assert names_on(client.get(f"/reviews/{review.id}?q=ww")) == ["王五"]
    assert names_on(client.get(f"/reviews/{review.id}?sort=score&q=李")) == ["李四"]


# --- the pages: one explanation and a comparison ------------------------------------------------------------------

def test_the_explanation_shows_items_points_before_and_after_caps_and_the_records(client, login, make_user, people,
                                                                                 rules):
    zhang = people["zhang"]
    idea = record(zhang, "社情民意", outcome="采用")  # 献一智: 20 + 20 = 40 before its cap of 20
    db.session.commit()
    review = run(rules)
    make_user("office", Role.OFFICE)
    login("office")
    page = client.get(f"/reviews/{review.id}/subjects/{zhang.id}")
    text = text_of(page)
    assert "献一智(20分) 0 40 20" in text
    assert "提案:提交 10 分,立案 20 分" in text and "社情民意:报送 10 分,被采用 20 分" in text
    assert "“四个一”每项至少完成一次 已达到" in text
    assert f'href="/activities/{idea.id}">张三的社情民意</a>' in page.get_data(as_text=True)
    assert "结果：采用" in text and "金额：600" in text
    assert "第 1 名 / 共 3 人" in text
    assert client.get(f"/reviews/{review.id}/subjects/999999").status_code == 404


def test_the_comparison_page_shows_who_moved_and_why(client, login, make_user, people, rules):
    old = run(rules)
    added = lift_wang(people)
    new = run(rules)
    h1 = run(rules, "2025H1")
    make_user("office", Role.OFFICE)
    login("office")
    link = f"/reviews/{new.id}/compare?with={old.id}"
    assert link in client.get(f"/reviews/{new.id}").get_data(as_text=True).replace("&amp;", "&")
    text = text_of(client.get(link))
    assert "第 1 版 → 第 2 版" in text
    assert re.search(r"王五 经济界 2 → 1 ↑1 30 → 80", text)
    assert "引进企业落地" in text and "新计入的记录" in text
    assert all(a.title in text for a in added)
    assert client.get(f"/reviews/{new.id}/compare?with={h1.id}").status_code == 404
    assert client.get(f"/reviews/{new.id}/compare").status_code == 404


def test_a_clerk_sees_an_empty_table_for_branches_and_a_liaison_sees_only_branch_reviews(client, login, make_user,
                                                                                       people, rules):
    members = run(rules)
    branches = run(services.rule_file("2025-双比双争-党支部.yaml"))
    make_user("clerk", Role.CLERK, ("committee_a",))
    make_user("liaison", Role.LIAISON, ("branch_a",))
    login("clerk")
    page = client.get(f"/reviews/{branches.id}")
    assert page.status_code == 200 and names_on(page) == []
    assert "宏达纸业党支部" not in text_of(page)
    client.post("/auth/logout")
    login("liaison")
    listing = text_of(client.get("/reviews/"))
    assert "党支部“双比双争”比实绩考评细则" in listing and "政协委员“四个一”活动考评细则" not in listing
    assert names_on(client.get(f"/reviews/{branches.id}")) == ["宏达纸业党支部"]
    assert client.get(f"/reviews/{members.id}").status_code == 403
