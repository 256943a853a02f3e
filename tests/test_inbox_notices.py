"""Nothing falls through: each role's 待办 on the home page, counted within its data scope, each item a link to the
list where it is done (with the same filters); notices when something needs a person, read and unread; and an
e-mail for them only when the server has SMTP settings."""
from __future__ import annotations

import datetime as dt
import re
import smtplib

import pytest
import sqlalchemy as sa
from conftest import text_of, user_named

from app.awards import services as awards
from app.branches import results
from app.extensions import db
from app.models import (Activity, Attendance, AttendanceStatus, BranchResult, Category, Evidence, Meeting,
                        Notice, RecordState, Role, User)
from app.timeutil import beijing_today


@pytest.fixture
def scene(app, year, make_member, make_user, make_party_member):
    """张三 is in 经济界 and 提案委员会. clerk_a keeps 经济界, clerk_b 提案委员会: both see 张三's records, but each
    has to do only what their own unit entered."""
    units = year
    zhang = make_member("张三", sector="sector_a", committee="committee_a", liaison=None)
    wang = make_party_member("王五", branch="branch_a")
    clerk_a = make_user("clerk_a", Role.CLERK, units=("sector_a",))
    clerk_b = make_user("clerk_b", Role.CLERK, units=("committee_a",))
    liaison = make_user("liaison", Role.LIAISON, units=("branch_a",))
    make_user("office", Role.OFFICE)
    make_user("leader", Role.LEADER)
    make_user("zhang", Role.MEMBER, member_id=zhang.id)

    def record(title, state, unit="sector_a", by=clerk_a, **fields):
        activity = Activity(unit_id=units[unit].id, entered_by_unit_id=fields.pop("entered_by_unit_id", units[unit].id),
                            created_by_id=by.id,
                            member_id=fields.pop("member_id", zhang.id), category=fields.pop("category", Category.IDEA),
                            kind=fields.pop("kind", "提案"), title=title, occurred_on=dt.date(2025, 3, 1), state=state,
                            **fields)
        db.session.add(activity)
        db.session.flush()
        return activity

    records = {
        "returned_a": record("经济界退回", RecordState.RETURNED, return_reason="缺少附件"),
        "draft_a": record("经济界草稿", RecordState.DRAFT),
        "draft_a_proved": record("经济界有材料的草稿", RecordState.DRAFT),
        "submitted_a": record("经济界已提交", RecordState.SUBMITTED),
        "verified_a": record("经济界已核实", RecordState.VERIFIED),
        "returned_b": record("提案委退回", RecordState.RETURNED, unit="committee_a", by=clerk_b),
        "report": record("张三自报被退回", RecordState.RETURNED, by=user_named("zhang"), self_reported=True,
                         entered_by_unit_id=None),
        "party": record("王五比贡献退回", RecordState.RETURNED, unit="branch_a", by=liaison, member_id=None,
                        party_member_id=wang.id, category=Category.CONTRIBUTION, kind="捐款"),
    }
    db.session.add(Evidence(activity_id=records["draft_a_proved"].id, original_name="a.pdf", sha256="0" * 64,
                            content_type="application/pdf", size=1))
    db.session.add(BranchResult(branch_id=units["branch_a"].id, period="2025H1", state=RecordState.RETURNED,
                                return_reason="数据不全", created_by_id=liaison.id))
    meeting = Meeting(kind="全体会议", title="全体委员会议", held_on=beijing_today() + dt.timedelta(days=3),
                      unit_id=units["cppcc"].id, state=RecordState.VERIFIED)
    past = Meeting(kind="全体会议", title="去年的会议", held_on=dt.date(2024, 12, 1), unit_id=units["cppcc"].id)
    db.session.add_all([meeting, past])
    db.session.flush()
    db.session.add_all([Attendance(meeting_id=m.id, member_id=zhang.id, status=AttendanceStatus.PRESENT)
                        for m in (meeting, past)])
    db.session.commit()
    return records


def sign_in(client, login, username):
    client.post("/auth/logout")
    assert login(username).status_code == 302


def inbox(client) -> list[tuple[str, int, str]]:
    """The home page's 待办: (text, count, link) per item."""
    html = client.get("/").get_data(as_text=True)
    section = re.search(r'<section class="card inbox".*?</section>', html, re.S).group(0)
    return [(text, int(n), link.replace("&amp;", "&")) for link, text, n in re.findall(
        r'<li><a href="([^"]+)"><span class="what">([^<]+)</span> <span class="count">(\d+)</span>', section)]


def badges(client) -> dict[str, int]:
    nav = re.search(r"<nav>.*?</nav>", client.get("/").get_data(as_text=True), re.S).group(0)
    return {label.strip(): int(n) for label, n in re.findall(r'>([^<>]+?) <span class="count"[^>]*>(\d+)<', nav)}


def listed(client, link) -> list[str]:
    """The record titles the link's list shows."""
    page = client.get(link)
    assert page.status_code == 200
    return [t for t in re.findall(r'<a href="/activities/\d+">([^<]+)</a>', page.get_data(as_text=True))
            if t not in ("查看", "修改")]  # the 操作 column's links are not titles


# --- 待办 ------------------------------------------------------------------------------------------------------------

def test_a_clerk_has_to_do_only_what_their_unit_entered_and_each_link_lists_just_that(client, login, scene):
    sign_in(client, login, "clerk_a")
    items = {text: (n, link) for text, n, link in inbox(client)}
    assert {text: n for text, (n, _) in items.items()} == {
        "被退回、待修改的记录": 1, "尚未提交的草稿": 2, "还没有证明材料的记录": 3}
    assert listed(client, items["被退回、待修改的记录"][1]) == ["经济界退回"]
    assert sorted(listed(client, items["尚未提交的草稿"][1])) == ["经济界有材料的草稿", "经济界草稿"]
    assert sorted(listed(client, items["还没有证明材料的记录"][1])) == ["经济界已提交", "经济界草稿", "经济界退回"]
    assert badges(client) == {"履职记录": 3}  # the records without evidence are among them, or in the queue
    # clerk_b sees 张三's records too (read-only), but only their own unit's are theirs to do
    sign_in(client, login, "clerk_b")
    assert "经济界退回" in listed(client, "/activities/?state=RETURNED")
    assert [(text, n) for text, n, _ in inbox(client)] == [("被退回、待修改的记录", 1), ("还没有证明材料的记录", 1)]
    assert listed(client, "/activities/?state=RETURNED&todo=mine") == ["提案委退回"]


def test_the_office_sees_the_queue_by_unit_and_the_results_to_verify(client, login, scene, year):
    sign_in(client, login, "office")
    items = inbox(client)
    assert [(text, n) for text, n, _ in items] == [("待核实的履职记录", 1)]
    page = client.get("/").get_data(as_text=True)
    by_unit = re.search(r'<p class="parts">.*?</p>', page, re.S).group(0)
    assert f'href="/activities/queue?unit={year["sector_a"].id}">经济界 1<' in by_unit
    assert listed(client, f"/activities/queue?unit={year['sector_a'].id}") == ["经济界已提交"]
    db.session.execute(sa.update(BranchResult).values(state=RecordState.SUBMITTED))
    db.session.commit()
    assert ("待核实的比实绩", 1, "/branches/results?state=SUBMITTED") in inbox(client)
    assert badges(client) == {"履职记录": 1, "比实绩核实": 1}


def test_a_liaison_and_a_member_see_what_came_back_to_them(client, login, scene):
    sign_in(client, login, "liaison")
    items = {text: (n, link) for text, n, link in inbox(client)}
    assert {text: n for text, (n, _) in items.items()} == {"被退回的比实绩": 1, "被退回的比贡献记录": 1}
    assert listed(client, items["被退回的比贡献记录"][1]) == ["王五比贡献退回"]
    assert "宏达纸业党支部" in text_of(client.get(items["被退回的比实绩"][1]))
    sign_in(client, login, "zhang")
    items = {text: (n, link) for text, n, link in inbox(client)}
    assert {text: n for text, (n, _) in items.items()} == {"被退回的履职报告": 1, "即将参加的会议和活动": 1}
    assert listed(client, items["被退回的履职报告"][1]) == ["张三自报被退回"]
    home = text_of(client.get("/"))
    assert "全体委员会议" in home and "去年的会议" not in home


def test_nothing_to_do_says_so(client, login, scene):
    sign_in(client, login, "leader")
    assert inbox(client) == [] and "目前没有需要您处理的事项" in text_of(client.get("/"))


# --- notices ---------------------------------------------------------------------------------------------------------

def notices_of(username) -> list[Notice]:
    db.session.expire_all()
    user = user_named(username)
    return list(db.session.scalars(sa.select(Notice).where(Notice.user_id == user.id).order_by(Notice.id)))


def test_returning_and_verifying_a_record_tells_its_clerk_who_reads_it_on_the_notices_page(client, login, app,
                                                                                          scene):
    submitted = scene["submitted_a"]
    sign_in(client, login, "office")
    client.post(f"/activities/{submitted.id}/return", data={"reason": "请补充立案通知书"})
    [returned] = notices_of("clerk_a")
    assert returned.kind == "returned" and "经济界已提交" in returned.text and "请补充立案通知书" in returned.text
    assert notices_of("clerk_b") == [] and notices_of("office") == []
    sign_in(client, login, "clerk_a")
    assert re.search(r'通知 <span class="count"[^>]*>1</span>', client.get("/").get_data(as_text=True))
    assert "请补充立案通知书" in text_of(client.get("/notices/"))
    # mark as read needs the form's CSRF token
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/notices/{returned.id}/open").status_code == 400
    assert notices_of("clerk_a")[0].read_at is None
    app.config["WTF_CSRF_ENABLED"] = False
    opened = client.post(f"/notices/{returned.id}/open")
    assert opened.headers["Location"] == f"/activities/{submitted.id}"
    assert notices_of("clerk_a")[0].read_at is not None
    assert 'class="count"' not in re.search(r'<a class="notices-link[^>]*>.*?</a>', client.get("/").get_data(
        as_text=True), re.S).group(0)  # the unread count beside 通知 is gone
    # resubmitted and verified: told again
    version = db.session.get(Activity, submitted.id).version
    assert client.post(f"/activities/{submitted.id}/submit", data={"version": version}).status_code == 302
    sign_in(client, login, "office")
    assert client.post(f"/activities/{submitted.id}/verify").status_code == 302
    assert [n.kind for n in notices_of("clerk_a")] == ["returned", "verified"]


def test_verifying_many_at_once_tells_each_clerk_once(client, login, scene):
    db.session.execute(sa.update(Activity).where(Activity.id.in_([scene["draft_a"].id, scene["returned_b"].id]))
                       .values(state=RecordState.SUBMITTED))
    db.session.commit()
    sign_in(client, login, "office")
    confirm = client.post("/activities/queue/verify", data={"scope": "all"}).get_data(as_text=True)
    expect = re.search(r'name="expect" value="([^"]+)"', confirm).group(1)  # bulk 核实 is confirmed first
    assert client.post("/activities/queue/verify", data={"scope": "all", "confirm": "1", "expect": expect,
                                                         "ack": "1"}).status_code == 302
    [mine] = notices_of("clerk_a")
    assert mine.text.endswith("等 2 条履职记录已核实。") and mine.link == "/activities/?state=VERIFIED"
    assert [n.text for n in notices_of("clerk_b")] == ["履职记录“提案委退回”已核实。"]


def test_a_notice_of_someone_else_cannot_be_read_or_opened(client, login, scene):
    sign_in(client, login, "office")
    client.post(f"/activities/{scene['submitted_a'].id}/return", data={"reason": "不全"})
    [notice] = notices_of("clerk_a")
    sign_in(client, login, "clerk_b")
    assert client.post(f"/notices/{notice.id}/open").status_code == 404
    assert client.post(f"/notices/{notice.id}/read").status_code == 404
    client.post("/notices/read-all")
    assert notices_of("clerk_a")[0].read_at is None


def test_a_record_whose_creator_is_gone_tells_the_clerks_of_the_unit_that_entered_it(client, login, scene):
    submitted = scene["submitted_a"]
    db.session.execute(sa.update(Activity).where(Activity.id == submitted.id).values(created_by_id=None))
    db.session.commit()
    sign_in(client, login, "office")
    client.post(f"/activities/{submitted.id}/return", data={"reason": "不全"})
    assert [n.kind for n in notices_of("clerk_a")] == ["returned"] and notices_of("clerk_b") == []


def test_a_branch_result_verified_tells_its_liaison(scene, year):
    result = db.session.scalar(sa.select(BranchResult))
    result.state = RecordState.SUBMITTED
    db.session.flush()
    assert results.verify(result, result.version, user_named("office")) is None
    [notice] = notices_of("liaison")
    assert notice.kind == "verified" and notice.text == "宏达纸业党支部 2025年上半年 比实绩已核实。"
    assert notice.link == f"/branches/{year['branch_a'].id}/results/2025H1"


def test_a_members_own_report_returned_tells_the_member(client, login, scene):
    report = scene["report"]
    db.session.execute(sa.update(Activity).where(Activity.id == report.id).values(state=RecordState.SUBMITTED))
    db.session.commit()
    sign_in(client, login, "clerk_a")  # clerks verify their members' own reports (the default)
    assert client.post(f"/activities/{report.id}/return", data={"reason": "请写明时间"}).status_code == 302
    [notice] = notices_of("zhang")
    assert notice.kind == "returned" and "请写明时间" in notice.text


def test_the_award_steps_reach_the_office_and_the_leaders(annual_review, client, as_user):
    office, clerk2 = user_named("office"), user_named("clerk2")
    award_list = awards.open_lists(annual_review, office)[0]
    picks = [s for s in awards.board(award_list).standings.values() if s.group == "经济界" and s.reason is None][:2]
    for s in picks:
        awards.recommend(award_list, s.subject_id, "", clerk2)
    awards.submit(award_list, clerk2)
    db.session.commit()
    as_user("office")
    items = {text: (n, link) for text, n, link in inbox(client)}
    assert items[f"{award_list.title}：已有单位推荐，可开始领导小组考核"] == (1, f"/awards/{award_list.id}")
    # records submitted after the review was run are not in it: the office is reminded, with the period's queue
    waiting = items["2025年全年总结之后又有待核实记录"]
    assert waiting[0] == db.session.scalar(sa.select(sa.func.count()).select_from(Activity).where(
        Activity.state == RecordState.SUBMITTED, Activity.party_member_id.is_(None),
        Activity.occurred_on.between(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))) > 0
    assert waiting[1] == "/activities/queue?start=2025-01-01&end=2025-12-31"

    awards.start_review(award_list, office)
    db.session.commit()
    told = db.session.scalars(sa.select(Notice).where(Notice.kind == "vote_opened")).all()
    assert {n.user_id for n in told} == set(db.session.scalars(sa.select(User.id).where(User.role == Role.LEADER)))
    assert {n.link for n in told} == {f"/awards/{award_list.id}"}
    as_user("leader")
    assert inbox(client) == [(f"待表决：{award_list.title}", 2, f"/awards/{award_list.id}")]
    assert badges(client) == {"表彰评选": 2}
    leader = user_named("leader")
    for c in award_list.candidates:
        awards.vote(c, leader, awards.VoteChoice.APPROVE, "")
    db.session.commit()
    assert inbox(client) == []

    awards.conclude(award_list, {c.id: awards.CandidateState.APPROVED for c in award_list.candidates}, "", office)
    awards.approve(award_list, "常委会议", "常委会", dt.date(2025, 12, 20), "政协发〔2025〕9号", office)
    db.session.commit()
    approved = {n.user_id for n in db.session.scalars(sa.select(Notice).where(Notice.kind == "list_approved"))}
    assert clerk2.id in approved and office.id not in approved  # the one who approved it knows
    as_user("office")
    assert (f"{award_list.title}：已审定，待公示", 1, f"/awards/{award_list.id}") in inbox(client)
    awards.publish(award_list, beijing_today(), 7, office)
    awards.lodge_objection(award_list, None, "群众", "13800000000", "事迹不实", beijing_today())
    db.session.commit()
    items = inbox(client)
    assert (f"公示异议待答复：{award_list.title}", 1, f"/awards/{award_list.id}") in items
    assert not any("待定稿" in text for text, _, _ in items)  # 公示 lasts: nothing to finalise yet


# --- e-mail ----------------------------------------------------------------------------------------------------------

class FakeSMTP:
    """Stands in for smtplib.SMTP: keeps what would have been sent."""

    sent: list = []
    fail = False

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        if FakeSMTP.fail:
            raise smtplib.SMTPConnectError(421, "down")
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(monkeypatch):
    FakeSMTP.sent, FakeSMTP.fail = [], False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_no_email_unless_the_server_has_smtp_settings_and_the_reader_an_address(client, login, app, scene, smtp):
    clerk = user_named("clerk_a")
    clerk.email = "clerk_a@example.cn"
    db.session.commit()
    sign_in(client, login, "office")
    client.post(f"/activities/{scene['submitted_a'].id}/return", data={"reason": "不全"})
    assert len(notices_of("clerk_a")) == 1 and smtp.sent == []  # SMTP off: the notice only
    app.config["MAIL_SMTP_HOST"] = "mail.county.example"
    db.session.execute(sa.update(Activity).where(Activity.id == scene["submitted_a"].id)
                       .values(state=RecordState.SUBMITTED))
    db.session.commit()
    client.post(f"/activities/{scene['submitted_a'].id}/verify")
    [mail] = smtp.sent
    assert mail["To"] == "clerk_a@example.cn" and "经济界已提交" in mail["Subject"]
    assert f"http://localhost/activities/{scene['submitted_a'].id}" in mail.get_content()
    # clerk_b has no address: a notice, no mail
    db.session.execute(sa.update(Activity).where(Activity.id == scene["returned_b"].id)
                       .values(state=RecordState.SUBMITTED))
    db.session.commit()
    client.post(f"/activities/{scene['returned_b'].id}/verify")
    assert [n.kind for n in notices_of("clerk_b")] == ["verified"] and len(smtp.sent) == 1


def test_a_mail_server_that_fails_never_undoes_the_action(client, login, app, scene, smtp):
    user_named("clerk_a").email = "clerk_a@example.cn"
    db.session.commit()
    app.config["MAIL_SMTP_HOST"] = "mail.county.example"
    smtp.fail = True
    sign_in(client, login, "office")
    response = client.post(f"/activities/{scene['submitted_a'].id}/verify")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, scene["submitted_a"].id).state == RecordState.VERIFIED
    assert [n.kind for n in notices_of("clerk_a")] == ["verified"] and smtp.sent == []


def test_the_admin_gives_an_account_an_optional_email_checked_beside_the_field(client, login, scene):
    root = User(username="root", display_name="管理员", role=Role.ADMIN, password_hash=user_named("office").password_hash,
                must_change_password=False)
    db.session.add(root)
    db.session.commit()
    sign_in(client, login, "root")
    clerk = user_named("clerk_a")
    data = {"display_name": "clerk_a", "role": "CLERK", "unit_ids": [u.id for u in clerk.units], "member_id": 0,
            "active": "y"}
    wrong = client.post(f"/admin/users/{clerk.id}/edit", data={**data, "email": "not an address"})
    assert "请输入正确的电子邮箱" in text_of(wrong)
    saved = client.post(f"/admin/users/{clerk.id}/edit", data={**data, "email": " a@county.cn "})
    assert saved.status_code == 302, text_of(saved)[-600:]
    assert user_named("clerk_a").email == "a@county.cn"
    assert client.post(f"/admin/users/{clerk.id}/edit", data={**data, "email": ""}).status_code == 302  # emptied
    assert user_named("clerk_a").email == ""


def test_a_notice_made_by_a_command_links_to_a_path(app):
    """Commands (flask demo --year-end runs the award steps) have no request and may have no SERVER_NAME."""
    from app.notices import services as notices
    app.config["SERVER_NAME"] = None
    with app.app_context():
        assert notices._path("awards.detail", list_id=3) == "/awards/3"
