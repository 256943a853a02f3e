"""委员联系界别群众 and 专委会联系界别和联络处 logged: a member's contacts with the masses of their 界别, entered by the
member (their own report), their unit's clerk (for the office to verify) or the office (verified), within scope,
each filing the record the rules count (1 point each, at most 5); listed on the member's page, in the contacts
report and its own list, imported and exported; and a 专委会's contacts with its 界别 and 联络处 logged and counted
in the committees' coverage."""
from __future__ import annotations

import openpyxl
import sqlalchemy as sa

from app.auth.scope import scoped
from app.contacts import coverage, services
from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import Activity, AuditLog, Contact, MassContact, Member, RecordState, Unit, UnitKind, User
from conftest import text_of, xlsx

HEADERS = ["委员编号", "委员姓名", "日期", "联系方式", "联系的群众", "群众所属界别", "联系内容", "反映的问题"]


def _user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def _mass(client, member_id: int | None = None, people: str = "城关镇个体工商户", day: str = "2025-04-02", **more):
    data = {"occurred_on": day, "form": "VISIT", "people": people, "content": "听取对营商环境的意见",
            "issues": "办证跑多趟", **more}
    if member_id is not None:
        data["member_id"] = member_id
    return client.post("/contacts/masses", data=data)


def test_a_clerk_logs_their_members_contact_for_the_office_to_verify_and_nobody_elses(client, demo, as_user):
    clerk = _user("clerk")
    mine = db.session.scalar(scoped(Member, clerk).where(Member.active).order_by(Member.id))
    outsider = db.session.scalar(sa.select(Member).where(
        Member.active, Member.id.notin_(scoped(Member, clerk).with_only_columns(Member.id))).order_by(Member.id))
    as_user("clerk")
    before = db.session.scalar(sa.select(sa.func.count(MassContact.id)))
    refused = _mass(client, outsider.id)
    assert refused.status_code == 200 and b"has-error" in refused.data
    missing = _mass(client, mine.id, people="")
    assert "请填写联系的群众（个人或群体）。" in text_of(missing)
    assert db.session.scalar(sa.select(sa.func.count(MassContact.id))) == before
    assert _mass(client, mine.id).status_code == 302
    entry = db.session.scalar(sa.select(MassContact).order_by(MassContact.id.desc()).limit(1))
    assert (entry.member_id, entry.people, entry.issues, entry.sector_id) == (mine.id, "城关镇个体工商户", "办证跑多趟",
                                                                            mine.sector_id)
    record = entry.activity
    assert record.kind == services.MASSES_KIND and record.state == RecordState.SUBMITTED and not record.self_reported
    assert record.entered_by_unit_id in mine.unit_ids and "反映的问题：办证跑多趟" in record.description
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "mass_contact",
                                                       AuditLog.entity_id == entry.id)) is not None
    listed = text_of(client.get("/contacts/masses?year=2025&per_page=100&sort=-date"))
    assert "城关镇个体工商户" in listed and outsider.name not in listed
    assert "城关镇个体工商户" in text_of(client.get(f"/members/{mine.id}"))


def test_a_member_logs_their_own_and_removes_it_before_it_is_verified(client, demo, as_user):
    member = _user("member").member
    as_user("member")
    assert client.get("/contacts/masses").status_code == 302  # their form is on their own page
    bad = _mass(client, people="")
    assert bad.status_code == 200 and "我的四联系" in text_of(bad) and "请填写联系的群众（个人或群体）。" in text_of(bad)
    someone = db.session.scalar(sa.select(Member).where(Member.id != member.id).order_by(Member.id))
    assert _mass(client, someone.id, people="村民代表").status_code == 302  # the member field is ignored: their own
    entry = db.session.scalar(sa.select(MassContact).where(MassContact.people == "村民代表"))
    assert entry.member_id == member.id and entry.self_reported and entry.activity.self_reported
    assert entry.activity.state == RecordState.SUBMITTED
    assert "村民代表" in text_of(client.get("/contacts/mine"))
    office_entry = db.session.scalar(sa.select(MassContact).where(MassContact.member_id == member.id,
                                                                  ~MassContact.self_reported))
    client.post(f"/contacts/masses/{office_entry.id}/delete")
    assert db.session.get(MassContact, office_entry.id) is not None  # the office's entry is not theirs to remove
    record_id = entry.activity_id
    assert client.post(f"/contacts/masses/{entry.id}/delete").status_code == 302
    assert db.session.get(MassContact, entry.id) is None and db.session.get(Activity, record_id) is None


def test_the_rules_give_a_point_a_contact_and_five_at_most(client, demo, as_user):
    from app.activities.services import ruleset_for
    from app.reviews.scoring import score_period
    member = db.session.scalar(sa.select(Member).where(~Member.is_standing, Member.active).order_by(Member.id.desc()))
    db.session.execute(sa.delete(MassContact).where(MassContact.member_id == member.id))
    db.session.execute(sa.delete(Activity).where(Activity.member_id == member.id,
                                                 Activity.kind == services.MASSES_KIND))
    db.session.commit()
    as_user("office")

    def points() -> object:
        card = next(c for c in score_period(ruleset_for(2025, "members"), "2025").cards if c.subject_id == member.id)
        return next(s.points for s in card.sections if s.section == "四联系")

    assert points() == 0
    for n in range(3):
        assert _mass(client, member.id, people=f"种养大户{n}", day=f"2025-05-0{n + 1}").status_code == 302
    assert points() == 3  # the office's entries are verified at once
    for n in range(4):
        _mass(client, member.id, people=f"返乡人员{n}", day=f"2025-09-0{n + 1}")
    assert points() == 5


def test_the_report_lists_them_and_the_sheet_imports_and_exports(app, client, demo, as_user, tmp_path):
    result = app.test_cli_runner().invoke(args=["report", "contacts", "--year", "2025", "-o", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx")["委员联系界别群众"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(["日期", "委员编号", "委员", "界别", "联系方式", "联系的群众", "联系内容", "反映的问题"])
    assert len(rows) - 1 == db.session.scalar(sa.select(sa.func.count(MassContact.id)))
    clerk = _user("clerk")
    mine = db.session.scalar(scoped(Member, clerk).where(Member.active).order_by(Member.id))
    outsider = db.session.scalar(sa.select(Member).where(
        Member.id.notin_(scoped(Member, clerk).with_only_columns(Member.id))).order_by(Member.id))
    bad = xlsx("委员联系界别群众", HEADERS, [[outsider.code, "", "2025-03-01", "走访", "商户", "", "", ""],
                                        [mine.code, "", "2025-03-01", "走访", "", "", "", ""],
                                        [mine.code, "", "2025-03-01", "走访", "商户", "没有这个界别", "", ""],
                                        [mine.code, "", "2099-03-01", "走访", "商户", "", "", ""]])
    outcome = run_import(DATASETS["mass-contacts"], bad, "群众.xlsx", clerk, dry_run=False)
    assert not outcome.written and len(outcome.errors) == 4, outcome.errors
    assert any(":委员联系界别群众:2:委员编号" in e and "不是本单位的委员" in e for e in outcome.errors)
    assert any(":委员联系界别群众:3:联系的群众" in e for e in outcome.errors)
    assert any(":委员联系界别群众:4:群众所属界别" in e for e in outcome.errors)
    assert any(":委员联系界别群众:5:日期" in e for e in outcome.errors)
    good = xlsx("委员联系界别群众", HEADERS, [[mine.code, mine.name, "2025-03-01", "电话", "商户王某", "经济界",
                                           "了解用工情况", "招工难"]])
    assert run_import(DATASETS["mass-contacts"], good, "群众.xlsx", clerk, dry_run=False).written
    db.session.commit()
    entry = db.session.scalar(sa.select(MassContact).where(MassContact.people == "商户王某"))
    assert entry.sector.name == "经济界" and entry.activity.state == RecordState.SUBMITTED
    assert run_import(DATASETS["mass-contacts"], good, "群众.xlsx", clerk, dry_run=True).counts["不变"] == 1
    as_user("clerk")
    exported = client.get("/contacts/masses?year=2025&export=xlsx")
    again = run_import(DATASETS["mass-contacts"], exported.data, "群众.xlsx", clerk, dry_run=True)
    assert again.ok and again.counts["新增"] == 0 and again.counts["不变"] > 0, again.errors


def test_a_committee_logs_its_contacts_with_its_sectors_and_liaison_offices(client, demo, as_user):
    clerk = _user("clerk")
    own = next(u for u in clerk.units if u.kind == UnitKind.COMMITTEE)
    other = db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.COMMITTEE, Unit.id != own.id))
    target = db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.SECTOR_GROUP).order_by(Unit.id))
    before = {c.unit.id: c.contacts for c in coverage.committee_coverage(2025, "H1")}
    as_user("clerk")
    refused = client.post("/contacts/log/units", data={"occurred_on": "2025-05-06", "form": "FORUM",
                                                       "by_unit_id": other.id, "unit_id": target.id})
    assert refused.status_code == 200 and b"has-error" in refused.data
    wrong = client.post("/contacts/log/units", data={"occurred_on": "2025-05-06", "form": "FORUM",
                                                     "by_unit_id": own.id, "unit_id": 0})
    assert "请选择被联系的界别活动组或联络处。" in text_of(wrong)
    assert client.post("/contacts/log/units", data={"occurred_on": "2025-05-06", "form": "FORUM",
                                                    "by_unit_id": own.id, "unit_id": target.id,
                                                    "content": "座谈界别调研选题"}).status_code == 302
    contact = db.session.scalar(sa.select(Contact).where(Contact.content == "座谈界别调研选题"))
    assert (contact.by_unit_id, contact.unit_id, contact.member_id, contact.activity_id) == (own.id, target.id, None,
                                                                                            None)
    page = text_of(client.get("/contacts/log?year=2025&per_page=100&sort=-date"))
    assert "座谈界别调研选题" in page and own.name in page
    after = {c.unit.id: c.contacts for c in coverage.committee_coverage(2025, "H1")}
    assert after[own.id] == before[own.id] + 1 and after[other.id] == before[other.id]
    shown = text_of(client.get("/contacts/?year=2025&half=H1&show=committees"))
    assert own.name in shown and other.name not in shown  # a clerk: their own 专委会
    assert client.post(f"/contacts/log/{contact.id}/delete").status_code == 302
    assert db.session.get(Contact, contact.id) is None
