"""A ranking reads without a key: what 考评等次 and 评优资格 mean and why one is 不具备, how equal scores were
ordered, the 一票否决 after all others, a branch ranking in a branch's words; and the 通报 reasons in plain words."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from app.awards import services as awards
from app.extensions import db
from app.models import Review, SubjectKind, Unit
from conftest import text_of

YEAR_START, YEAR_END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


def review_of(kind: SubjectKind) -> Review:
    return db.session.scalar(sa.select(Review).where(Review.subject_kind == kind))


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_eligibility_says_what_it_means_and_why_not(annual_review, client, as_user):
    as_user("office")
    page = text_of(client.get(f"/reviews/{annual_review.id}"))
    assert "考评等次" in page and "评优资格 能否参评表彰" in page
    assert "参评资格" not in page
    # 陈长林 85 分、合格, but no 解一难: the page says he may not stand for an award and why
    page = text_of(client.get(f"/reviews/{annual_review.id}?q=陈长林"))
    row = page[page.index("陈长林"):][:200]
    assert "合格" in row and "不具备" in row and "未完成“解一难”" in row
    exported = rows_of(client.get(f"/reviews/{annual_review.id}?export=csv"))
    assert exported[0][4:6] == ["考评等次", "评优资格（能否参评表彰）"]
    line = next(r for r in exported if r[1] == "陈长林")
    assert line[5] == "不具备 — 未完成“解一难”"


def test_the_vetoed_come_after_everyone_else(annual_review, client, as_user):
    as_user("office")
    page = client.get(f"/reviews/{annual_review.id}").get_data(as_text=True)
    text = text_of(client.get(f"/reviews/{annual_review.id}"))
    # 彭松 (82.33, 受到党纪政务处分) sits in a block of its own below the ranking, not among the ranked
    assert text.index("一票否决 以下对象被一票否决") < text.index("彭松")
    ranked = page[:page.index('id="vetoed"')]
    assert "彭松" not in ranked
    assert "一票否决：受到党纪政务处分或有违法犯罪行为" in text
    exported = rows_of(client.get(f"/reviews/{annual_review.id}?export=csv"))
    assert exported[-1][0] == "一票否决" and exported[-1][1] == "彭松"


def test_equal_scores_at_different_places_say_the_tie_break(annual_review, client, as_user):
    as_user("office")
    text = text_of(client.get(f"/reviews/{annual_review.id}"))
    assert "同分按“献一智”得分排先后" in text
    exported = rows_of(client.get(f"/reviews/{annual_review.id}?export=csv"))
    by_score: dict[str, set[str]] = {}
    for r in exported[1:]:
        by_score.setdefault(r[3], set()).add(r[0])
    noted = [r for r in exported[1:] if r[6] == "同分按“献一智”得分排先后"]
    assert noted
    # exactly the rows whose score another row has at another place
    assert {r[1] for r in noted} == {r[1] for r in exported[1:] if len(by_score[r[3]]) > 1 and r[0] != "一票否决"}


def test_a_branch_ranking_speaks_of_branches(finished_year, client, as_user):
    as_user("office")
    branches = review_of(SubjectKind.BRANCHES)
    text = text_of(client.get(f"/reviews/{branches.id}"))
    assert "党支部 组建形式" in text and "本组共 19 个" in text
    assert "姓名" not in text.replace("党支部或拼音首字母", "")
    exported = rows_of(client.get(f"/reviews/{branches.id}?export=csv"))
    assert exported[0][1:3] == ["党支部", "组建形式"]
    # 三元纸业党支部: 一票否决 (重大安全生产事故), last
    assert exported[-1][1] == "三元纸业党支部" and exported[-1][0] == "一票否决"


def test_the_ranking_pdf_reads_as_the_page(finished_year):
    from app.documents.content import ranking_tables
    branches = ranking_tables(review_of(SubjectKind.BRANCHES), "总排名")[0]
    assert (branches.name_header, branches.unit_header) == ("党支部", "组建形式")
    assert branches.rows[-1].name == "三元纸业党支部" and branches.rows[-1].vetoed
    members = ranking_tables(finished_year, "总排名")[0]
    chen = next(r for r in members.rows if r.name == "陈长林")
    assert not chen.eligible and "未完成“解一难”" in chen.note
    assert members.rows[-1].name == "彭松"
    assert any("同分按“献一智”得分排先后" in r.note for r in members.rows)
    from reports.ranking import ranking_table
    assert ranking_table(members).startswith(b"%PDF-")


def test_notices_give_reasons_in_plain_words(finished_year, client, as_user):
    party = review_of(SubjectKind.PARTY_MEMBERS)
    reasons = {n.name: n.reasons for n in awards.notices(party)}
    assert reasons["吴小波"] == ("考评等次为“不合格”", "一票否决：受到党纪处分")
    members = {n.name: n.reasons for n in awards.notices(finished_year)}
    assert "未完成“献一智”“引一企”“联一户”“解一难”" in members["邓强"]
    assert not any(":" in why or "(未达到)" in why for whys in members.values() for why in whys)
    as_user("office")
    page = text_of(client.get(f"/awards/notices/{party.id}"))
    assert "一票否决：受到党纪处分" in page and "(一票否决)" not in page


# --- a review warns before it freezes ---------------------------------------------------------------------------

def pending_now(period: str = "2025") -> list[dict]:
    from app.reviews import pending
    return pending.snapshot(period, SubjectKind.MEMBERS)


@pytest.mark.commits  # the review runs as a job, whose progress is written on a connection of its own
def test_a_review_lists_what_is_pending_and_waits_for_the_office(annual_review, client, as_user):
    import json

    from app.models import Activity, RecordState, Unit
    from app.reviews.pending import PARTY_UNIT_KINDS
    waiting = pending_now()
    submitted = db.session.scalar(sa.select(sa.func.count()).select_from(Activity).join(
        Unit, Unit.id == Activity.unit_id).where(
        Activity.state == RecordState.SUBMITTED, Activity.occurred_on.between(YEAR_START, YEAR_END),
        Unit.kind.not_in(PARTY_UNIT_KINDS)))  # the party side's records are not the members' review's
    assert submitted and sum(p["count"] for p in waiting if p["what"] == "records") == submitted
    as_user("office")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Review))
    tag = re.search(r'<input[^>]*name="request_token"[^>]*>', client.get("/reviews/").get_data(as_text=True))
    token = re.search(r'value="([^"]+)"', tag.group(0)).group(1)
    response = client.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025",
                                              "request_token": token})
    assert response.status_code == 200
    text = text_of(response)
    assert "运行考评前请确认" in text and "已提交、待核实的履职记录" in text and "仍然运行并冻结" in text
    units = len({p["unit_id"] for p in waiting})
    assert f"已提交、待核实的履职记录 {submitted} 项 涉及 {units} 个单位" in text
    first = next(p for p in waiting if p["what"] == "records")
    assert f"{first['unit']} 已提交、待核实的履职记录 {first['count']}" in text
    html = response.get_data(as_text=True)
    assert f"/activities/queue?unit={first['unit_id']}&amp;start=2025-01-01&amp;end=2025-12-31" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == before  # nothing ran
    # the office confirms: the review freezes, and keeps what was pending then
    assert f'value="{token}"' in html  # the same form, posted once more: one review
    response = client.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025",
                                              "confirmed": "1", "request_token": token})
    assert response.status_code == 302
    review = db.session.scalar(sa.select(Review).order_by(Review.id.desc()).limit(1))
    assert review.version == 2 and json.loads(review.pending) == waiting
    page = text_of(client.get(f"/reviews/{review.id}"))
    total = sum(p["count"] for p in waiting)
    assert f"冻结时仍有 {total} 项待处理，未计入本次结果" in page and first["unit"] in page


@pytest.mark.commits  # the review runs as a job, whose progress is written on a connection of its own
def test_nothing_pending_runs_without_an_extra_step(annual_review, client, as_user):
    from app.models import Activity, Meeting, RecordState
    db.session.execute(sa.update(Activity).where(Activity.state == RecordState.SUBMITTED)
                       .values(state=RecordState.VERIFIED))
    db.session.execute(sa.update(Meeting).values(state=RecordState.VERIFIED))
    db.session.commit()
    assert pending_now() == []
    as_user("office")
    response = client.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025"})
    assert response.status_code == 302
    review = db.session.scalar(sa.select(Review).order_by(Review.id.desc()).limit(1))
    assert review.pending == "[]"
    assert "冻结时" not in text_of(client.get(f"/reviews/{review.id}"))


def test_meetings_and_branch_results_count_as_pending_for_their_reviews(annual_review, app):
    from app.models import BranchResult, Meeting, RecordState
    from app.reviews import pending
    from app.reviews.routes import pending_link
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.held_on.between(YEAR_START, YEAR_END))
                                .order_by(Meeting.id).limit(1))
    meeting.state = RecordState.SUBMITTED
    result = db.session.scalar(sa.select(BranchResult).where(BranchResult.period == "2025H1")
                               .order_by(BranchResult.id).limit(1))
    result.state = RecordState.RETURNED
    db.session.commit()
    members = pending.snapshot("2025", SubjectKind.MEMBERS)
    line = next(p for p in members if p["what"] == "meetings" and p["unit_id"] == meeting.unit_id)
    assert line["count"] >= 1 and not any(p["what"].startswith("results") for p in members)
    branches = pending.snapshot("2025", SubjectKind.BRANCHES)
    returned = next(p for p in branches if p["what"] == "results_returned" and p["unit_id"] == result.branch_id)
    assert not any(p["what"] == "meetings" and
                                                               p["unit_id"] == meeting.unit_id for p in branches)
    later = sum(p["count"] for p in pending.snapshot("2025H2", SubjectKind.BRANCHES)
                if p["what"] == "results_returned" and p["unit_id"] == result.branch_id)
    assert later == returned["count"] - 1  # a half-year review counts its own half only
    with app.test_request_context():
        assert pending_link(line, "2025") == f"/meetings/?unit={meeting.unit_id}&start=2025-01-01&end=2025-12-31"
        assert pending_link(returned, "2025H1") == f"/branches/results?branch={result.branch_id}&state=RETURNED" \
                                                   "&period=2025H1"


def test_the_pending_list_kept_by_a_review_shows_a_clerk_only_their_units(annual_review, client, as_user):
    import json

    from app.auth import scope
    from conftest import user_named
    waiting = [{"what": "records", "unit_id": unit_id, "unit": name, "count": 2} for unit_id, name in
               db.session.execute(sa.select(Unit.id, Unit.name).order_by(Unit.id))]
    annual_review.pending = json.dumps(waiting, ensure_ascii=False)
    db.session.commit()
    own = scope.unit_ids(user_named("clerk"))
    mine = [p for p in waiting if p["unit_id"] in own]
    others = [p["unit"] for p in waiting if p["unit_id"] not in own]
    as_user("clerk")
    html = client.get(f"/reviews/{annual_review.id}").get_data(as_text=True)
    assert mine and f"冻结时仍有 {2 * len(mine)} 项待处理" in html
    kept = html[html.index('class="list pending"'):html.index("</table>", html.index('class="list pending"'))]
    assert all(f"<td>{p['unit']}</td>" in kept for p in mine)
    assert others and not any(f"<td>{name}</td>" in kept for name in others)
