"""四联系分工 with dates: a 常委 reassigned mid-year (the old assignment ends, the new starts), overlaps refused beside
their field, the dates edited, the coverage of a half counting only the assignments in force in it (and a contact
only under the assignment it was made under), the import and export with dates, and the migration's default start
for the assignments there before."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from app import create_app
from app.contacts import coverage
from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import AuditLog, Contact, ContactForm, ContactLink, ContactLinkKind, Member
from conftest import TEST_CONFIG, text_of, xlsx

MIGRATION = "70ee19810338"
HEADERS = ["联系类型", "联系人编号", "联系人", "被联系人编号", "被联系人", "开始日期", "结束日期"]


def _fresh() -> tuple[Member, Member, Member, Member]:
    """A member with no assignment and no contact yet, and three 常委."""
    member = db.session.scalar(sa.select(Member).where(~Member.is_standing, Member.active).order_by(Member.id.desc()))
    db.session.execute(sa.delete(ContactLink).where(ContactLink.to_member_id == member.id))
    db.session.execute(sa.delete(Contact).where(Contact.member_id == member.id))
    db.session.commit()
    one, two, three = db.session.scalars(sa.select(Member).where(Member.is_standing, Member.active)
                                         .order_by(Member.id).limit(3))
    return member, one, two, three


def _assign(client, owner: Member, member: Member, starts: str, ends: str = ""):
    return client.post("/contacts/links", data={"kind": "STANDING_MEMBER", "from_member_id": owner.id,
                                               "to_member_id": member.id, "starts_on": starts, "ends_on": ends})


def _links(member: Member) -> list[ContactLink]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ContactLink).where(
        ContactLink.to_member_id == member.id, ContactLink.kind == ContactLinkKind.STANDING_MEMBER)
        .order_by(ContactLink.starts_on)))


def test_reassigning_a_member_mid_year_ends_the_old_assignment_the_day_before(client, demo, as_user):
    member, one, two, three = _fresh()
    as_user("office")
    assert _assign(client, one, member, "2025-01-01").status_code == 302
    response = _assign(client, two, member, "2025-07-01")
    assert response.status_code == 302
    page = text_of(client.get("/contacts/links"))
    assert f"{member.name}原由{one.name}联系的分工已于 2025年6月30日 结束。" in page
    old, new = _links(member)
    assert (old.from_member_id, old.starts_on, old.ends_on) == (one.id, dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert (new.from_member_id, new.starts_on, new.ends_on) == (two.id, dt.date(2025, 7, 1), None)
    ended = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "contact_link", AuditLog.entity_id == old.id,
                                                        AuditLog.field == "ends_on", AuditLog.action == "update"))
    assert ended is not None and ended.after == "2025-06-30"
    # a third 常委 for days the others already cover: refused beside the date, nothing stored
    clash = _assign(client, three, member, "2025-05-01", "2025-08-31")
    assert clash.status_code == 200 and "与这项分工的日期重叠" in text_of(clash) and b"has-error" in clash.data
    backwards = _assign(client, three, member, "2026-05-01", "2026-04-30")
    assert "结束日期不能早于开始日期。" in text_of(backwards)
    assert len(_links(member)) == 2


def test_a_half_counts_only_the_assignments_in_force_in_it(client, demo, as_user):
    member, one, two, _three = _fresh()
    as_user("office")
    _assign(client, one, member, "2025-01-01")
    _assign(client, two, member, "2025-07-01")

    def theirs(owner: Member, half: str) -> dict[int, tuple[dt.date, ...]]:
        return {m.member.id: m.days for m in coverage.own_members(owner, 2025, half)}

    assert member.id in theirs(one, "H1") and member.id not in theirs(one, "H2")
    assert member.id in theirs(two, "H2") and member.id not in theirs(two, "H1")
    (h1,), (h2,) = coverage.coverage([one], 2025, "H1"), coverage.coverage([one], 2025, "H2")
    assert h1.assigned == len(theirs(one, "H1")) and h2.assigned == len(theirs(one, "H2")) == h1.assigned - 1
    assert member.name in h1.missing and member.name not in h2.missing
    assert coverage.contacts_of([member.id], 2025, "H1") == {member.id: one.name}
    assert coverage.contacts_of([member.id], 2025, "H2") == {member.id: two.name}
    for by, day in ((one, "2025-03-03"), (two, "2025-09-09")):
        assert client.post("/contacts/log", data={"occurred_on": day, "form": "PHONE", "member_id": member.id,
                                                  "by_member_id": by.id}).status_code == 302
    assert theirs(one, "H1")[member.id] == (dt.date(2025, 3, 3),)
    assert theirs(two, "H2")[member.id] == (dt.date(2025, 9, 9),)
    assert member.id not in set(db.session.scalars(coverage.not_yet_contacted(one.id, 2025, "H1")))
    assert member.id not in set(db.session.scalars(coverage.not_yet_contacted(two.id, 2025, "H2")))
    assert coverage.coverage([one], 2025, "H1")[0].contacted == h1.contacted + 1


def test_the_stray_contacts_do_not_count_for_an_assignment_not_in_force(client, demo, as_user):
    member, one, two, _three = _fresh()
    as_user("office")
    _assign(client, one, member, "2025-01-01")
    _assign(client, two, member, "2025-07-01")
    base_two = coverage.coverage([two], 2025)[0].contacted
    base_one = coverage.coverage([one], 2025)[0].contacted
    db.session.add_all([Contact(occurred_on=dt.date(2025, 5, 10), form=ContactForm.PHONE, member=member, by_member=two,
                                by_leader=""),
                        Contact(occurred_on=dt.date(2025, 8, 10), form=ContactForm.PHONE, member=member, by_member=one,
                                by_leader="")])
    db.session.commit()
    assert coverage.coverage([two], 2025)[0].contacted == base_two  # two was not assigned to them in May
    assert coverage.coverage([one], 2025)[0].contacted == base_one  # nor one in August
    assert coverage.coverage([two], 2025)[0].contacts > 0
    standing = coverage.standing_sorts(2025, "")
    by_sql = db.session.scalar(sa.select(standing["contacted"]).where(Member.id == two.id))
    assert by_sql == base_two  # the sort column agrees with the page


def test_the_office_ends_an_assignment_and_the_list_keeps_the_ended_ones_apart(client, demo, as_user):
    member, one, two, _three = _fresh()
    as_user("office")
    _assign(client, one, member, "2025-01-01")
    _assign(client, two, member, "2025-07-01")
    old, new = _links(member)
    page = text_of(client.get(f"/contacts/links/{new.id}/edit"))
    assert "分工的起止日期" in page and two.name in page
    bad = client.post(f"/contacts/links/{new.id}/edit", data={"starts_on": "2025-06-01", "ends_on": ""})
    assert bad.status_code == 200 and "与这项分工的日期重叠" in text_of(bad)
    assert client.post(f"/contacts/links/{new.id}/edit",
                       data={"starts_on": "2025-07-01", "ends_on": "2025-11-30"}).status_code == 302
    assert _links(member)[1].ends_on == dt.date(2025, 11, 30)
    current = text_of(client.get("/contacts/links"))
    everything = text_of(client.get("/contacts/links?all=1"))
    assert "显示已结束的分工" in current and "已结束" in everything
    assert everything.count(member.name) > current.count(member.name)


def test_dates_import_reassign_change_an_end_and_round_trip_through_the_export(client, demo, as_user):
    member, one, two, three = _fresh()
    as_user("office")
    _assign(client, one, member, "2025-01-01")
    rows = [["常委联系委员", one.code, one.name, member.code, member.name, "2025-01-01", "2025-06-30"],  # 修改
            ["常委联系委员", two.code, "", member.code, "", "2025-07-01", ""]]                          # 新增
    data = xlsx("四联系分工", HEADERS, rows)
    dry = run_import(DATASETS["contact-links"], data, "分工.xlsx", None, dry_run=True)
    assert dry.ok and dry.counts == {"新增": 1, "修改": 1, "不变": 0}, dry.errors
    assert run_import(DATASETS["contact-links"], data, "分工.xlsx", None, dry_run=False).written
    db.session.commit()
    assert [(link.from_member_id, link.starts_on, link.ends_on) for link in _links(member)] == [
        (one.id, dt.date(2025, 1, 1), dt.date(2025, 6, 30)), (two.id, dt.date(2025, 7, 1), None)]
    clash = xlsx("四联系分工", HEADERS, [["常委联系委员", three.code, "", member.code, "", "2025-03-01", "2025-04-30"],
                                    ["常委联系委员", three.code, "", member.code, "", "2026-03-01", "2026-01-01"]])
    bad = run_import(DATASETS["contact-links"], clash, "分工.xlsx", None, dry_run=True)
    assert any(":四联系分工:2:开始日期" in e and "重叠" in e for e in bad.errors), bad.errors
    assert any(":四联系分工:3:结束日期" in e and "早于开始日期" in e for e in bad.errors), bad.errors
    exported = client.get("/contacts/links?all=1&export=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(exported.data))
    assert [str(c.value).rstrip("*") for c in next(book["四联系分工"].iter_rows(max_row=1))][:7] == HEADERS
    again = run_import(DATASETS["contact-links"], exported.data, "分工.xlsx", None, dry_run=True)
    assert again.ok and again.counts["新增"] == again.counts["修改"] == 0 and again.counts["不变"] > 200, again.errors


def test_the_migration_starts_existing_assignments_with_their_term(migration_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migration_url})
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        upgrade(revision=script.get_revision(MIGRATION).down_revision)
        conn = db.session.connection()
        conn.execute(sa.text("INSERT INTO term (id, number, name, starts_on, ends_on) "
                             "VALUES (1, 10, '第十届', '2022-01-10', '2026-12-31')"))
        for link_id, made in ((1, "2025-01-10 09:00:00"), (2, "2027-02-03 10:00:00")):
            conn.execute(sa.text("INSERT INTO contact_link (id, kind, leader, created_at) "
                                 "VALUES (:id, 'LEADER_STANDING', '主席 某', :made)"), {"id": link_id, "made": made})
        db.session.commit()
        upgrade(revision=MIGRATION)
        rows = db.session.execute(sa.text("SELECT id, starts_on, ends_on FROM contact_link ORDER BY id")).all()
        starts = {i: (s if isinstance(s, dt.date) else dt.date.fromisoformat(str(s))) for i, s, _e in rows}
        assert starts == {1: dt.date(2022, 1, 10), 2: dt.date(2027, 1, 1)} and all(e is None for *_r, e in rows)
        db.session.remove()
        db.engine.dispose()


def test_one_sheet_cannot_reassign_the_same_assignment_twice(client, demo, as_user):
    member, one, two, three = _fresh()
    as_user("office")
    _assign(client, one, member, "2025-01-01")
    twice = xlsx("四联系分工", HEADERS, [["常委联系委员", two.code, "", member.code, "", "2025-03-01", "2025-05-31"],
                                    ["常委联系委员", three.code, "", member.code, "", "2025-07-01", ""]])
    outcome = run_import(DATASETS["contact-links"], twice, "分工.xlsx", None, dry_run=True)
    assert any(":四联系分工:3:开始日期" in e and "与第 2 行改派的是同一项分工" in e for e in outcome.errors), outcome.errors
