"""Members who served part of a year, from the database: who is in a year's review (Member.joined_on, left_on, the
届's dates, inactive members kept), how the shipped rules (membership by default: not appraised) treat them, and
what the ranking, the explanation and the 通报 list show: 已离任 members are listed, never silently dropped, and a
December newcomer is not on the 通报 list for a whole year's minimum duties."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from conftest import text_of

from app.awards import services as awards
from app.extensions import db
from app.models import Activity, Category, RecordState, ReviewEntry, Role, Term
from app.reviews import services
from app.reviews.facts import member_facts

RULES = "2025-四个一-委员.yaml"


def people(county, make_member):
    d = dt.date
    found = {
        "张三": make_member("张三"),
        "王五": make_member("王五", joined_on=d(2025, 12, 1)),                     # joins in December
        "李四": make_member("李四", left_on=d(2025, 9, 30), active=False),          # left in September
        "赵六": make_member("赵六", active=False),                                  # set inactive, no date
        "钱七": make_member("钱七", joined_on=d(2026, 1, 1)),                       # joins next year
        "孙八": make_member("孙八", left_on=d(2024, 6, 30), active=False),          # left last year
        "周九": make_member("周九"),                                                 # 届满 on 31 March
    }
    third = Term(number=3, name="第三届", starts_on=d(2017, 1, 1), ends_on=d(2025, 3, 31))
    db.session.add(third)
    db.session.flush()
    found["周九"].term_id = third.id
    for name in ("张三", "王五"):
        db.session.add(Activity(unit_id=county["committee_a"].id, member_id=found[name].id, category=Category.IDEA,
                                kind="提案", title=f"{name}的提案", outcome="立案", state=RecordState.VERIFIED,
                                occurred_on=d(2025, 12, 10)))
    db.session.commit()
    return found


def test_a_years_review_keeps_who_served_and_says_how(year, make_member, client, login, make_user):
    who = people(year, make_member)
    facts = member_facts(2025)
    assert {s.name for s in facts.subjects} == {"张三", "王五", "李四", "赵六", "周九"}
    zhou = next(s for s in facts.subjects if s.name == "周九")
    assert (zhou.left_on, zhou.left) == (dt.date(2025, 3, 31), True)        # the 届 ended: so did the service

    review = services.run_review(services.rule_file(RULES), "2025", None)
    db.session.commit()
    cards = {e.subject_name: json.loads(e.card) for e in db.session.scalars(
        sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id))}
    assert set(cards) == {"张三", "王五", "李四", "赵六", "周九"}
    assert cards["张三"].get("appraised", True) and "membership" not in cards["张三"]
    assert cards["王五"]["membership"].startswith("任职 2025年12月1日起,在任 31/365 天,任职不满全期")
    assert cards["李四"]["left"] and cards["李四"]["membership"].startswith("2025年9月30日离任")
    assert cards["周九"]["membership"].startswith("2025年3月31日离任")
    for name in ("王五", "李四", "赵六", "周九"):
        assert cards[name]["appraised"] is False and cards[name]["gates"] == [] and cards[name]["grade"] is None

    # the 通报 list: 张三 (the four 一 not done) is on it; the December newcomer is not, nor those who left
    notices = {n.name for n in awards.notices(review)}
    assert notices == {"张三"}

    make_user("office", Role.OFFICE)
    login("office")
    page = client.get(f"/reviews/{review.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "未参加本期排名" in text and "任职 2025年12月1日起" in text and "已离任(未填离任日期)" in text
    html = page.get_data(as_text=True)
    unranked = html[html.index('id="unranked"'):]
    assert all(name in unranked for name in ("王五", "李四", "赵六", "周九")) and "张三" not in unranked
    assert unranked.count(">已离任<") == 3
    searched = client.get(f"/reviews/{review.id}?q=王五").get_data(as_text=True)
    assert 'id="unranked"' in searched and "李四" not in searched.split('id="unranked"')[1]
    assert 'id="unranked"' not in client.get(f"/reviews/{review.id}?q=张三").get_data(as_text=True)
    explain = client.get(f"/reviews/{review.id}/subjects/{who['王五'].id}")
    assert "任职情况：任职 2025年12月1日起" in text_of(explain) and "不参评" in text_of(explain)
    assert db.session.scalar(sa.select(ReviewEntry.rank).where(
        ReviewEntry.review_id == review.id, ReviewEntry.subject_id == who["王五"].id)) > 1  # after every place


def test_score_command_lists_who_served_part_of_the_year(app, year, make_member):
    people(year, make_member)
    runner = app.test_cli_runner()
    table = runner.invoke(args=["score", "--rules", f"scoring_rules/{RULES}", "--period", "2025"]).output
    header = table.splitlines()[2].split()
    assert header[-1] == "任职" and header[-2] == "表彰"
    line = next(x for x in table.splitlines() if " 王五 " in x)
    assert line.split()[0] == "—" and " 不参评 " in line and "任职 2025年12月1日起" in line
    explained = runner.invoke(args=["score", "--rules", f"scoring_rules/{RULES}", "--period", "2025",
                                    "--explain"]).output
    assert "不参加排名  王五" in explained and "  任职：任职 2025年12月1日起" in explained
    doc = json.loads(runner.invoke(args=["score", "--rules", f"scoring_rules/{RULES}", "--period", "2025",
                                         "--format", "json"]).output)
    assert [r["subject"]["name"] for r in doc["results"]][0] == "张三"      # the ranked first, then the others
    assert {r["subject"]["name"] for r in doc["results"] if not r["appraised"]} == {"王五", "李四", "赵六", "周九"}
