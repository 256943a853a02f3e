"""我的本年: a member's home — their year so far scored as a full review would score them (provisional), the gates
still missing, their records by state with the clerk's reasons, their meetings, past 履职档案; only their own. And
拍照上传 on the self-report form: a photo posted through the camera input is kept, a disguised file refused."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from conftest import text_of
from PIL import Image

from app import evidence
from app.activities.services import evidence_dir
from app.extensions import db
from app.members import myyear
from app.models import (Activity, AppraisalYear, Category, Evidence, Member, RecordState, ReviewEntry, Role,
                        User)
from app.reviews import services as reviews
from app.reviews.scoring import score_period
from app.timeutil import beijing_today


def shown_score(html: str) -> str:
    found = re.search(r'<span class="score">([^<]+)</span>', html)
    assert found, "no provisional score on the page"
    return found.group(1).strip()


def members_ruleset(year: int):
    return next(r for r in reviews.rule_files(year) if r.subject == "members")


# --- against a full review ------------------------------------------------------------------------------------------

def test_the_provisional_total_is_what_the_annual_review_gives_the_member(client, as_user, demo):
    member_id = db.session.scalar(sa.select(User.member_id).where(User.username == "member"))
    year = myyear.year_in_view(beijing_today())
    ruleset = members_ruleset(year)
    period = myyear.period_of(ruleset, beijing_today())
    office = db.session.scalar(sa.select(User).where(User.username == "office"))
    review = reviews.run_review(ruleset, period, office)  # the office's own path: every member at once
    db.session.commit()
    official = dict(db.session.execute(sa.select(ReviewEntry.subject_id, ReviewEntry.score)
                                       .where(ReviewEntry.review_id == review.id)).all())
    as_user("member")
    html = client.get("/").get_data(as_text=True)
    assert shown_score(html) == official[member_id]
    assert "暂计，以年终考评为准" in html and ruleset.name in html
    assert shown_score(client.get("/members/me/year").get_data(as_text=True)) == official[member_id]


def test_every_demo_member_alone_scores_and_gates_as_among_everyone(demo):
    """The member's facts alone (facts.member_facts `only`) give each member the total and gates they get when
    everybody is scored together."""
    today = beijing_today()
    year = myyear.year_in_view(today)
    ruleset = members_ruleset(year)
    period = myyear.period_of(ruleset, today)
    everyone = score_period(ruleset, period)
    assert len(everyone.cards) > 20
    for card in everyone.cards:
        mine = myyear.standing(card.subject_id, today)
        assert mine.total == card.total, card.subject_id
        gates = {g.label: g.met for g in card.gates if not g.veto}
        for label, met in gates.items():
            steps = [s for s in mine.steps if s.gate == label]
            assert steps and all(s.missing == 0 for s in steps) == met, (card.subject_id, label)


def test_the_demo_members_home_has_everything_in_order(client, as_user, demo):
    """(How quick it is: bench/phone_pages.py, not a timed test.)"""
    as_user("member")
    response = client.get("/")
    text = text_of(response)
    order = ["暂计得分", "看得分明细", "还差什么", "我的记录", "近期会议", "往年履职档案"]
    assert [text.index(t) for t in order] == sorted(text.index(t) for t in order)
    assert "/notices/" in response.get_data(as_text=True)


# --- a member of a small county ----------------------------------------------------------------------------------

@pytest.fixture
def county_year(year, make_member, make_user):
    zhang = make_member("张三")
    db.session.commit()
    make_user("zhang", Role.MEMBER, member_id=zhang.id)
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("office1", Role.OFFICE)
    return {"zhang": zhang, "county": year}


def record(member: Member, unit, category: Category, kind: str, title: str, state: RecordState, **fields) -> Activity:
    a = Activity(member_id=member.id, unit_id=unit.id, category=category, kind=kind, title=title,
                 occurred_on=dt.date(2025, 3, 1), state=state, **fields)
    db.session.add(a)
    db.session.commit()
    return a


def test_missing_gates_and_returned_reasons_are_shown_with_links(client, login, county_year):
    zhang, unit = county_year["zhang"], county_year["county"]["liaison_a"]
    record(zhang, unit, Category.IDEA, "提案", "关于乡村道路的提案", RecordState.VERIFIED, outcome="提交")
    record(zhang, unit, Category.RELIEF, "义诊义演", "义诊", RecordState.SUBMITTED)
    returned = record(zhang, unit, Category.PAIRING, "结对困难户", "结对帮扶王家", RecordState.RETURNED,
                      return_reason="请补充帮扶照片", self_reported=True)
    login("zhang")
    html = client.get("/members/me/year").get_data(as_text=True)
    text = text_of(client.get("/members/me/year"))
    assert "献一智 已完成" in text
    for missing in ("引一企", "联一户", "解一难"):
        assert f"{missing} 还差 1 次" in text
    assert 'href="/activities/report/ENTERPRISE"' in html and 'href="/activities/report/RELIEF"' in html
    assert 'href="/activities/report/IDEA"' not in html.split('id="my-steps"')[1].split("</section>")[0]
    assert "退回原因：请补充帮扶照片" in text and f'href="/activities/{returned.id}"' in html
    assert re.search(r"1\s*已核实", text) and re.search(r"1\s*等待核实", text) and re.search(r"1\s*被退回", text)
    ruleset = members_ruleset(2025)
    full = score_period(ruleset, "2025")
    assert str(next(c.total for c in full.cards if c.subject_id == zhang.id)) == shown_score(html)


def test_the_member_menu_starts_with_my_year(client, login, county_year):
    login("zhang")
    html = client.get("/").get_data(as_text=True)
    nav = html.split("<nav>")[1].split("</nav>")[0]
    assert nav.strip().startswith('<a href="/members/me/year"') and "我的本年" in nav


def test_without_a_rule_file_in_force_the_member_reads_it_plainly(client, login, county, make_member, make_user):
    db.session.add(AppraisalYear(year=2024, name="2024年度"))
    member = make_member("李四")
    db.session.commit()
    make_user("li", Role.MEMBER, member_id=member.id)
    login("li")
    text = text_of(client.get("/"))
    assert "2024年度的评分细则还没有施行，暂时算不出得分" in text and "暂计得分" not in text


def test_a_member_not_serving_in_the_year_is_told_so(client, login, year, make_member, make_user):
    member = make_member("新委员", joined_on=dt.date(2026, 1, 10))
    db.session.commit()
    make_user("xin", Role.MEMBER, member_id=member.id)
    login("xin")
    assert "您不在2025年度的考评范围内" in text_of(client.get("/members/me/year"))


def test_only_members_open_it_and_only_their_own(client, login, county_year, make_member, make_user):
    other = make_member("王五")
    db.session.commit()
    record(other, county_year["county"]["liaison_a"], Category.IDEA, "提案", "王五的提案", RecordState.RETURNED,
           return_reason="王五的退回原因")
    for who in ("clerk1", "office1"):
        login(who)
        assert client.get("/members/me/year").status_code == 403
        assert client.get(f"/members/me/year?member={other.id}").status_code == 403
        assert "暂计得分" not in text_of(client.get("/"))
        client.post("/auth/logout")
    login("zhang")
    text = text_of(client.get(f"/members/me/year?member={other.id}"))
    assert "张三委员" in text and "王五" not in text


def test_an_empty_database_member_account_renders(client, app):
    from conftest import PASSWORD
    from app.auth.passwords import hash_password
    from app.models import Gender, Term, Unit, UnitKind
    unit = Unit(code="U1", name="县政协", kind=UnitKind.SECTOR_GROUP)
    term = Term(number=1, name="第一届", starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2028, 12, 31))
    db.session.add_all([unit, term])
    db.session.flush()
    member = Member(code="W1", name="孤委员", search_key="gwy", gender=Gender.FEMALE, sector_id=unit.id,
                    term_id=term.id)
    db.session.add(member)
    db.session.flush()
    db.session.add(User(username="solo", display_name="孤委员", role=Role.MEMBER, member_id=member.id,
                        password_hash=hash_password(PASSWORD, app.config), must_change_password=False))
    db.session.commit()
    client.post("/auth/login", data={"username": "solo", "password": PASSWORD})
    response = client.get("/")
    text = text_of(response)
    assert response.status_code == 200, response.headers.get("Location")
    assert "还没有记录" in text and "近期没有要参加的会议" in text and "还没有往年的档案" in text


def test_past_years_dossiers_are_offered(client, login, county_year):
    zhang, unit = county_year["zhang"], county_year["county"]["liaison_a"]
    a = record(zhang, unit, Category.IDEA, "提案", "旧提案", RecordState.VERIFIED, outcome="提交")
    a.occurred_on = dt.date(2023, 5, 1)
    db.session.commit()
    login("zhang")
    html = client.get("/members/me/year").get_data(as_text=True)
    assert f'/documents/dossier/{zhang.id}.pdf?year=2023' in html
    assert "year=2025" not in html.split('id="my-dossiers"')[1]


# --- 拍照上传 ------------------------------------------------------------------------------------------------------

def jpeg(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 30)).save(out, "JPEG", quality=85)
    return out.getvalue()


def report_form(**changes):
    data = {"kind": "提案", "occurred_on": "2025-03-01", "title": "关于加快乡村道路建设的提案", "description": "",
            "outcome": "提交", "level": "", "instruction_level": "", "amount": "", "people_helped": "",
            "counterpart": "", "support": "", "send": "提交"}
    data.update(changes)
    return data


def test_the_report_form_has_a_camera_input_of_the_same_name(client, login, county_year):
    login("zhang")
    html = client.get("/activities/report/IDEA").get_data(as_text=True)
    camera = re.search(r'<input type="file" id="files-camera"[^>]*>', html).group(0)
    assert 'name="files"' in camera and 'accept="image/*"' in camera and 'capture="environment"' in camera
    assert "multiple" in camera and "拍照上传" in html and "js/photo_resize.js" in html
    assert "<script>" not in html  # CSP: no inline script


def test_a_photo_from_the_camera_input_is_kept_as_evidence(client, login, county_year):
    login("zhang")
    photo = jpeg()
    data = report_form(files=[(io.BytesIO(b""), ""), (io.BytesIO(photo), "IMG_0001.jpg")])
    assert client.post("/activities/report/IDEA", data=data, content_type="multipart/form-data").status_code == 302
    kept = db.session.scalars(sa.select(Evidence)).one()
    assert kept.content_type == "image/jpeg" and kept.size == len(photo)
    assert evidence.path_for(evidence_dir(), kept.sha256).read_bytes() == photo


def test_a_file_disguised_as_a_photo_is_refused_beside_the_field(client, login, county_year):
    login("zhang")
    data = report_form(files=[(io.BytesIO(b"MZ\x90\x00 not a photo at all" * 20), "IMG_0002.jpg")])
    response = client.post("/activities/report/IDEA", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    field = re.search(r'<div class="field[^"]*has-error">(.*?)</div>', html, re.S).group(1)
    assert "IMG_0002.jpg" in field and "只接受 PDF、JPEG、PNG" in field
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Evidence.id))) == 0


def test_the_period_is_the_half_year_summary_in_the_first_half_else_the_year(app):
    ruleset = members_ruleset(2025)
    assert "H1" in ruleset.periods
    assert myyear.period_of(ruleset, dt.date(2025, 3, 1)) == "2025H1"
    assert myyear.period_of(ruleset, dt.date(2025, 6, 30)) == "2025H1"
    assert myyear.period_of(ruleset, dt.date(2025, 7, 1)) == "2025"
    assert myyear.period_of(ruleset, dt.date(2026, 2, 1)) == "2025"  # a year still being recorded after it ended
