"""Meeting types the office adds (专题协商会 …), whom each invites, and how a rule file scores them; the built-in
types as before; the old codes of existing meetings become their names (migration), on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from conftest import ON_SQLITE, text_of, xlsx
from flask_migrate import downgrade, upgrade
from test_kind_fields import declaring_rules

from app import create_app
from app.activities import services as records
from app.extensions import db
from app.meetings import services
from app.models import Attendance, AttendanceStatus, AuditLog, Meeting, MeetingKind, MeetingType, RecordState, Role
from app.reviews import facts as review_facts
from app.reviews import services as reviews
from conftest import TEST_CONFIG


@pytest.fixture
def rules(app, tmp_path):
    app.config["SCORING_RULES_DIR"] = declaring_rules(tmp_path / "rules")


@pytest.fixture
def people(year, make_member, make_user, today):
    ours = make_member("张三", code="W001", liaison="liaison_a")
    standing = make_member("李常", code="W002", sector="sector_b", committee="committee_b", liaison="liaison_b",
                           is_standing=True)
    other = make_member("王五", code="W009", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    make_user("office", Role.OFFICE)
    make_user("admin", Role.ADMIN)
    return {"ours": ours, "standing": standing, "other": other}


def new_meeting(client, kind: str, unit_id: int, held_on: str, title: str = "会议"):
    return client.post("/meetings/new", data={"kind": kind, "title": title, "held_on": held_on,
                                              "unit_id": unit_id, "location": ""})


def invited(meeting_id: int) -> set[int]:
    return set(db.session.scalars(sa.select(Attendance.member_id).where(Attendance.meeting_id == meeting_id)))


def newest() -> Meeting:
    return db.session.scalars(sa.select(Meeting).order_by(Meeting.id.desc())).first()


def test_the_office_adds_a_type_that_invites_everyone_and_a_rule_file_scores_it(client, login, people, rules,
                                                                                county):
    login("office")
    page = text_of(client.get("/meetings/types"))
    assert "全体会议" in page and "组织生活" in page and "已声明" in page
    assert "评分细则中声明了、但还没有设立的会议类型" in page and "添加“专题协商会”" in page  # from the rule file
    response = client.post("/meetings/types", data={"name": "专题协商会", "invitees": "ALL"}, follow_redirects=True)
    assert "已添加会议类型“专题协商会”" in text_of(response)
    assert db.session.get(MeetingType, "专题协商会").invitees.name == "ALL"
    assert db.session.scalar(sa.select(AuditLog.after).where(AuditLog.entity == "meeting_type",
                                                             AuditLog.field == "name")) == "专题协商会"
    again = client.post("/meetings/types", data={"name": "专题协商会", "invitees": "ALL"})
    assert "已有名为“专题协商会”的会议类型" in text_of(again)

    assert new_meeting(client, "专题协商会", county["cppcc"].id, "2025-05-20", "乡村振兴专题协商会").status_code == 302
    meeting = newest()
    assert meeting.kind == "专题协商会" and invited(meeting.id) == {p.id for p in people.values()}
    assert "专题协商会" in text_of(client.get("/meetings/"))
    row = db.session.scalar(sa.select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                        Attendance.member_id == people["ours"].id))
    row.status = AttendanceStatus.ABSENT
    meeting.state = RecordState.VERIFIED
    db.session.commit()
    fact = next(r for r in review_facts.member_facts(2025).records if r.id == -row.id)
    assert dict(fact.fields) == {"meeting": "专题协商会", "status": "缺席"}
    review = reviews.run_review(records.ruleset_for(2025, "members"), "2025", None)
    card = reviews.card(review, people["ours"].id)
    line = next(line for line in card["lines"] if line["section"] == "考勤")
    assert line["points"] == "-2"  # the rule file's 专题协商会 absence


def test_a_type_the_years_rule_file_does_not_score_is_refused_beside_the_field(client, login, people, county):
    login("office")  # the shipped 2025 rule file declares the six built-in CPPCC types only
    client.post("/meetings/types", data={"name": "专家座谈会", "invitees": "ORGANISER"})
    page = text_of(client.get("/meetings/types"))
    assert "未声明" in page
    html = new_meeting(client, "专家座谈会", county["cppcc"].id, "2025-05-20").get_data(as_text=True)
    field = re.search(r'<div class="field[^"]*has-error[^"]*">\s*<label for="kind">.*?</div>', html, re.S)
    assert field is not None and "2025 年的评分细则没有为“会议出勤”声明会议类型“专家座谈会”" in field.group(0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_a_built_in_types_invitees_can_be_set_and_turned_off(client, login, people, county):
    login("office")
    assert new_meeting(client, "政情通报会", county["liaison_a"].id, "2025-03-01").status_code == 302
    assert invited(newest().id) == {people["ours"].id}  # the built-in default: the organiser's members
    response = client.post("/meetings/types/edit", data={"name": "政情通报会", "invitees": "ALL",
                                                         "sort_order": "30", "active": "y"}, follow_redirects=True)
    assert "已保存会议类型“政情通报会”" in text_of(response)
    assert new_meeting(client, "政情通报会", county["liaison_a"].id, "2025-03-02").status_code == 302
    assert invited(newest().id) == {p.id for p in people.values()}
    client.post("/meetings/types/edit", data={"name": "常委会议", "invitees": "STANDING", "sort_order": "20"})
    form = client.get("/meetings/new").get_data(as_text=True)
    assert 'value="常委会议"' not in form and 'value="全体会议"' in form  # 停用: not offered for a new meeting
    assert "常委会议" in text_of(client.get("/meetings/"))  # … still a filter for the old ones
    bad = client.post("/meetings/types/edit", data={"name": "组织生活", "invitees": "ALL", "sort_order": "70",
                                                    "active": "y"})
    assert "请选择默认邀请的人员" in text_of(bad)
    assert client.post("/meetings/new", data={"kind": "PLENARY", "title": "全会", "held_on": "2025-03-03",
                                              "unit_id": county["cppcc"].id}).status_code == 302
    assert newest().kind == MeetingKind.PLENARY  # an old code still names its type


def test_only_the_office_and_admin_keep_the_types(client, login, people):
    login("clerk1")
    assert client.get("/meetings/types").status_code == 403
    assert client.post("/meetings/types", data={"name": "随便", "invitees": "ALL"}).status_code == 403
    assert client.post("/meetings/types/edit", data={"name": "全体会议", "invitees": "STANDING",
                                                     "sort_order": "1"}).status_code == 403
    client.post("/auth/logout")
    login("admin")
    assert client.get("/meetings/types").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingType)) == 0


def test_the_attendance_sheet_takes_an_added_type_and_reports_an_unknown_one_at_its_cell(client, login, people,
                                                                                        rules):
    login("office")
    client.post("/meetings/types", data={"name": "专题协商会", "invitees": "ALL"})
    headers = ["会议名称", "会议类型", "日期", "对象编号", "出席情况"]
    data = xlsx("出勤", headers, [["乡村振兴专题协商会", "专题协商会", "2025-05-20", "W001", "出席"],
                                ["座谈会", "座谈", "2025-05-21", "W001", "出席"]])
    response = client.post("/imports/attendance/check", data={"file": (io.BytesIO(data), "出勤.xlsx")},
                           content_type="multipart/form-data")
    page = text_of(response)
    assert "出勤.xlsx:出勤:3:会议类型: “座谈”不是系统中的会议类型" in page
    data = xlsx("出勤", headers, [["乡村振兴专题协商会", "专题协商会", "2025-05-20", "W001", "出席"]])
    response = client.post("/imports/attendance/check", data={"file": (io.BytesIO(data), "出勤.xlsx")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    client.post("/imports/attendance/confirm", data={"token": token, "filename": "出勤.xlsx"})
    assert newest().kind == "专题协商会"
    exported = client.get("/meetings/?export=csv").get_data(as_text=True)
    assert "专题协商会" in exported


def test_on_the_demo_county_the_built_in_types_keep_their_meetings(demo, client, as_user):
    as_user("office")
    page = text_of(client.get("/meetings/types"))
    for name in ("全体会议", "常委会议", "政情通报会", "视察", "调研", "其他活动", "组织生活"):
        assert name in page
    assert "未声明" not in page
    kinds = set(db.session.scalars(sa.select(Meeting.kind).distinct()))
    assert kinds <= {k.value for k in MeetingKind} and MeetingKind.PLENARY in kinds
    assert [t.name for t in services.meeting_types()][:2] == ["全体会议", "常委会议"]


@pytest.mark.commits
def test_the_migration_turns_codes_into_names_and_back(migration_url):  # noqa: F811
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migration_url})
    with app.app_context():
        upgrade(revision="17773648ad64")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO unit (id, code, name, kind, sort_order, active) "
                                 "VALUES (1, 'U1', '县政协', 'CPPCC', 0, :yes)"), {"yes": True})
            for number, code in enumerate(("PLENARY", "PARTY_LIFE", "RESEARCH"), start=1):
                conn.execute(sa.text(
                    "INSERT INTO meeting (id, kind, title, held_on, unit_id, location, state, return_reason, locked, "
                    "created_at, version) VALUES (:id, :kind, 'm', '2025-01-08', 1, '', 'VERIFIED', '', :no, "
                    "'2025-01-08 00:00:00', 1)"), {"id": number, "kind": code, "no": False})
        upgrade()
        with db.engine.begin() as conn:
            assert dict(conn.execute(sa.text("SELECT id, kind FROM meeting")).all()) == {
                1: "全体会议", 2: "组织生活", 3: "调研"}
            conn.execute(sa.text("UPDATE meeting SET kind = '专题协商会' WHERE id = 3"))
            conn.execute(sa.text("INSERT INTO activity (unit_id, category, kind, title, description, occurred_on, "
                                 "outcome, level, instruction_level, counterpart, support, work_key, state, "
                                 "return_reason, self_reported, published, locked, created_at, updated_at, version) "
                                 "VALUES (1, 'IDEA', '提案', 't', '', '2025-01-08', '', '', '', '', '', '', 'DRAFT', '',"
                                 " :no, :no, :no, '2025-01-08', '2025-01-08', 1)"), {"no": False})
            assert conn.execute(sa.text("SELECT details FROM activity")).scalar() in ("{}", {})
        downgrade(revision="17773648ad64")
        with db.engine.begin() as conn:
            assert dict(conn.execute(sa.text("SELECT id, kind FROM meeting")).all()) == {
                1: "PLENARY", 2: "PARTY_LIFE", 3: "OTHER"}
        downgrade(revision="base")
        db.engine.dispose()
    assert ON_SQLITE or migration_url.startswith("postgresql")
