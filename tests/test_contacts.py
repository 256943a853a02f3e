"""四联系: assignments edited and imported, the contact log within scope, the coverage view and its export, contacts
counted by the rules through the records they file, and the printed report."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import sqlalchemy as sa

from app.contacts import coverage, services
from app.extensions import db
from app.models import (Activity, AuditLog, Contact, ContactLink, ContactLinkKind, Member, RecordState,
                        Unit, UnitKind)
from conftest import text_of


def _standing_with_members() -> tuple[Member, list[Member]]:
    """The first 常委 of the demo and the members assigned to them the whole of 2025."""
    owner_id = db.session.scalar(sa.select(ContactLink.from_member_id).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER).order_by(ContactLink.id).limit(1))
    owner = db.session.get(Member, owner_id)
    theirs = list(db.session.scalars(sa.select(Member).join(ContactLink, ContactLink.to_member_id == Member.id).where(
        ContactLink.from_member_id == owner_id, ContactLink.ends_on.is_(None),
        ContactLink.starts_on == dt.date(2025, 1, 1)).order_by(Member.code)))
    return owner, theirs


def test_the_demo_county_has_assignments_and_contacts(client, demo, as_user):
    as_user("office")
    page = text_of(client.get("/contacts/?year=2025&half=H1"))
    assert "四联系覆盖情况" in page and "尚未联系的委员" in page
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) > 100
    for kind in ContactLinkKind:
        assert db.session.scalar(sa.select(sa.func.count(ContactLink.id)).where(ContactLink.kind == kind)) > 0


def test_without_a_year_the_pages_open_on_the_newest_appraisal_year(client, demo, as_user):
    """The demo's newest year is 2025 (its contacts are there), whatever today's calendar year is."""
    as_user("office")
    for url in ("/contacts/", "/contacts/log"):
        page = client.get(url).get_data(as_text=True)
        assert '<option value="2025" selected>' in page, url


def _office_logs(client, by: Member, member: Member, day: str = "2025-03-05", form: str = "VISIT"):
    return client.post("/contacts/log", data={"occurred_on": day, "form": form, "member_id": member.id,
                                              "by_member_id": by.id, "content": "了解提案选题"})


def test_the_office_adds_an_assignment_and_a_wrong_one_is_refused_beside_its_field(client, demo, as_user):
    as_user("office")
    standing = db.session.scalar(sa.select(Member).where(Member.is_standing, Member.active).order_by(Member.id))
    plain = db.session.scalar(sa.select(Member).where(~Member.is_standing, Member.active).order_by(Member.id))
    db.session.execute(sa.delete(ContactLink).where(ContactLink.to_member_id == plain.id))
    db.session.commit()
    bad = client.post("/contacts/links", data={"kind": "LEADER_STANDING", "leader": "主席 周建国",
                                              "to_member_id": plain.id})
    assert bad.status_code == 200 and f"{plain.name}不是常委。" in text_of(bad) and "请填写开始日期。" in text_of(bad)
    good = client.post("/contacts/links", data={"kind": "STANDING_MEMBER", "from_member_id": standing.id,
                                               "to_member_id": plain.id, "starts_on": "2025-01-01"})
    assert good.status_code == 302
    link = db.session.scalar(sa.select(ContactLink).where(ContactLink.to_member_id == plain.id))
    assert link.from_member_id == standing.id
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "contact_link",
                                                       AuditLog.entity_id == link.id)) is not None
    again = client.post("/contacts/links", data={"kind": "STANDING_MEMBER", "from_member_id": standing.id,
                                                "to_member_id": plain.id, "starts_on": "2025-03-01"})
    assert f"{plain.name}已由{standing.name}联系（2025年1月1日 起）。" in text_of(again)
    assert client.post(f"/contacts/links/{link.id}/delete").status_code == 302
    assert db.session.get(ContactLink, link.id) is None


def test_a_contact_counts_toward_coverage_and_the_uncontacted_list(client, demo, as_user):
    owner, theirs = _standing_with_members()
    db.session.execute(sa.delete(Contact).where(Contact.member_id.in_([m.id for m in theirs])))
    db.session.commit()
    as_user("office")
    page = text_of(client.get("/contacts/?year=2025&half=H1&show=uncontacted&per_page=100"))
    assert theirs[0].name in page
    assert _office_logs(client, owner, theirs[0]).status_code == 302
    (row,) = coverage.coverage([owner], 2025, "H1")
    assert (row.assigned, row.contacted) == (len(theirs), 1) and theirs[0].name not in row.missing
    assert theirs[1].name in row.missing
    assert coverage.coverage([owner], 2025, "H2")[0].contacted == 0  # a March contact is not the second half's
    people = set(db.session.scalars(coverage.uncontacted_query(2025, "H1", None)))
    assert theirs[0] not in people and theirs[1] in people
    book = openpyxl.load_workbook(io.BytesIO(client.get("/contacts/?year=2025&half=H1&export=xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "常委", "界别") and any(r[1] == owner.name for r in rows[1:])


def test_a_bad_contact_shows_its_errors_beside_the_fields(client, demo, as_user):
    owner, theirs = _standing_with_members()
    as_user("office")
    response = client.post("/contacts/log", data={"occurred_on": "2099-01-01", "form": "PHONE",
                                                  "member_id": theirs[0].id})
    page = text_of(response)
    assert response.status_code == 200 and "日期不能晚于今天。" in page and "请选择联系人（委员），或填写联系的县政协领导。" in page
    assert _office_logs(client, theirs[0], theirs[0]).status_code == 200  # nobody contacts themselves


def test_a_clerk_logs_only_their_own_units_standing_members_contacts(client, demo, as_user):
    from app.models import User
    clerk = db.session.scalar(sa.select(User).where(User.username == "clerk"))
    from app.auth.scope import scoped
    mine = list(db.session.scalars(scoped(Member, clerk).where(Member.active).order_by(Member.id)))
    outsider = db.session.scalar(sa.select(Member).where(Member.is_standing, Member.active,
                                                         Member.id.notin_([m.id for m in mine])))
    as_user("clerk")
    before = db.session.scalar(sa.select(sa.func.count(Contact.id)))
    response = _office_logs(client, outsider, mine[0])
    assert response.status_code == 200 and b"has-error" in response.data  # another unit's 常委: not to choose
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == before
    page = text_of(client.get("/contacts/log?year=2025&per_page=100"))
    assert outsider.name not in page
    assert client.post("/contacts/links", data={"kind": "LEADER_STANDING", "leader": "主席 某",
                                               "to_member_id": mine[0].id}).status_code == 403


def _contacts_filed(member_id: int, start: dt.date, end: dt.date) -> int:
    return db.session.scalar(sa.select(sa.func.count(Activity.id)).where(
        Activity.member_id == member_id, Activity.kind == services.CONTACT_KIND,
        Activity.state == RecordState.VERIFIED, Activity.occurred_on.between(start, end))) or 0


def test_the_shipped_rules_hold_each_standing_member_to_two_contacts_every_half_year(client, demo, as_user):
    """2025-四个一-委员.yaml: 常委联系委员 is a gate of the 常委 only (`when: {standing: true}`), counted each half on
    its own (`window: half`): the 半年小结 checks the first half, the 全年总结 both halves; 委员 are not held to it."""
    from app.activities.services import ruleset_for
    from app.reviews.scoring import score_period
    ruleset = ruleset_for(2025, "members")
    gate = next(g for g in ruleset.gates if g.name == "常委联系委员")
    assert gate.window == "half" and gate.requires[0].min_count == 2
    first, second = (dt.date(2025, 1, 1), dt.date(2025, 6, 30)), (dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    half = {c.subject_id: c for c in score_period(ruleset, "2025H1").cards}
    year = {c.subject_id: c for c in score_period(ruleset, "2025").cards}
    standing = list(db.session.scalars(sa.select(Member).where(Member.is_standing, Member.active)))
    behind = 0
    for person in standing:
        h1, h2 = _contacts_filed(person.id, *first), _contacts_filed(person.id, *second)
        (in_half,) = [g for g in half[person.id].gates if g.name == "常委联系委员"]
        (in_year,) = [g for g in year[person.id].gates if g.name == "常委联系委员"]
        assert in_half.met == (h1 >= 2) and in_half.detail.startswith(f"联系委员:上半年 {h1} 件")
        assert in_year.met == (h1 >= 2 and h2 >= 2) and f"下半年 {h2} 件" in in_year.detail
        if not in_year.met:
            assert year[person.id].grade in ("合格", "不合格")  # at most 合格: never 优秀, so no award
        behind += not in_year.met
    assert 0 < behind < len(standing)  # the demo shows the gate working on some 常委, not on all
    plain = db.session.scalar(sa.select(Member).where(~Member.is_standing, Member.active).order_by(Member.id))
    assert all(g.name != "常委联系委员" for g in year[plain.id].gates)


def test_a_standing_members_contact_files_a_record_that_goes_with_it(client, demo, as_user):
    owner, theirs = _standing_with_members()
    as_user("office")
    before = _contacts_filed(owner.id, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    for member in theirs[:2]:
        assert _office_logs(client, owner, member).status_code == 302
    assert _contacts_filed(owner.id, dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == before + 2
    contact = db.session.scalar(sa.select(Contact).where(Contact.by_member_id == owner.id).order_by(
        Contact.id.desc()).limit(1))
    record = contact.activity
    assert record.kind == services.CONTACT_KIND and record.member_id == owner.id and record.title.startswith("联系委员")
    assert client.post(f"/contacts/log/{contact.id}/delete").status_code == 302
    assert db.session.get(Activity, record.id) is None  # the record goes with its contact


def test_a_year_whose_rule_file_has_not_the_kind_files_no_record(client, demo, as_user):
    from app.models import AppraisalYear
    db.session.add(AppraisalYear(year=2026, name="2026年度", recording_closed_at=None))
    db.session.commit()
    owner, theirs = _standing_with_members()
    as_user("office")
    assert _office_logs(client, owner, theirs[0], day="2026-03-05").status_code == 302
    contact = db.session.scalar(sa.select(Contact).where(Contact.occurred_on == dt.date(2026, 3, 5)))
    assert contact is not None and contact.activity is None


def test_assignments_import_with_a_dry_run_and_every_bad_row_at_its_cell(app, demo):
    from app.imports.base import run_import
    from app.imports.datasets import DATASETS
    from conftest import xlsx
    owner = db.session.scalar(sa.select(Member).where(Member.is_standing, Member.active).order_by(Member.id))
    fresh = db.session.scalar(sa.select(Member).where(~Member.is_standing, Member.active).order_by(Member.id.desc()))
    db.session.execute(sa.delete(ContactLink).where(ContactLink.to_member_id == fresh.id))
    committee = db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.COMMITTEE))
    headers = ["联系类型", "联系人编号", "联系人", "被联系人编号", "被联系人", "开始日期", "结束日期"]
    bad = xlsx("四联系分工", headers, [["常委联系委员", fresh.code, "", owner.code, ""],
                                     ["常委联系委员", "", "没有这个人", fresh.code, ""],
                                     ["专委会联系界别和联络处", "", committee.name, "", committee.name]])
    outcome = run_import(DATASETS["contact-links"], bad, "分工.xlsx", None, dry_run=False)
    assert not outcome.written and len(outcome.errors) == 3
    assert any(":四联系分工:2:联系人" in e and "不是常委" in e for e in outcome.errors)
    assert any(":四联系分工:3:联系人" in e and "没有名为“没有这个人”" in e for e in outcome.errors)
    assert any(":四联系分工:4:被联系人" in e for e in outcome.errors)
    good = xlsx("四联系分工", headers, [["常委联系委员", owner.code, "", fresh.code, fresh.name]])
    dry = run_import(DATASETS["contact-links"], good, "分工.xlsx", None, dry_run=True)
    assert dry.ok and dry.counts["新增"] == 1 and not dry.written
    assert db.session.scalar(sa.select(ContactLink).where(ContactLink.to_member_id == fresh.id)) is None
    done = run_import(DATASETS["contact-links"], good, "分工.xlsx", None, dry_run=False)
    assert done.written
    assert db.session.scalar(sa.select(ContactLink.from_member_id).where(ContactLink.to_member_id == fresh.id)) \
        == owner.id
    again = run_import(DATASETS["contact-links"], good, "分工.xlsx", None, dry_run=True)
    assert again.counts["不变"] == 1


def test_the_report_command_prints_pdf_and_xlsx(app, demo, tmp_path):
    from conftest import flat
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "contacts", "--year", "2025", "--half", "H1", "-o",
                                 str(tmp_path / "c.pdf")])
    assert result.exit_code == 0, result.output
    data = (tmp_path / "c.pdf").read_bytes()
    owner, _theirs = _standing_with_members()
    assert data.startswith(b"%PDF-") and "2025年上半年四联系情况" in flat(data) and owner.name in flat(data)
    assert runner.invoke(args=["report", "contacts", "--year", "2025", "--half", "H1", "-o",
                               str(tmp_path / "d.pdf")]).exit_code == 0
    assert (tmp_path / "d.pdf").read_bytes() == data  # the same data, the same bytes
    result = runner.invoke(args=["report", "contacts", "--year", "2025", "-o", str(tmp_path / "c.xlsx")])
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["常委联系委员", "无人联系的委员", "专委会联系界别和联络处", "委员联系界别群众"]
    assert runner.invoke(args=["report", "contacts", "-o", str(tmp_path / "e.pdf")]).exit_code != 0
