"""四联系: assignments edited and imported, the contact log within scope, the coverage view and its export, contacts
counted by the rules through the records they file, and the printed report."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from app.contacts import services
from app.extensions import db
from app.models import (Activity, AuditLog, Contact, ContactForm, ContactLink, ContactLinkKind, Member, RecordState,
                        Unit, UnitKind)
from conftest import text_of


def _standing_with_members() -> tuple[Member, list[Member]]:
    owner_id = db.session.scalar(sa.select(ContactLink.from_member_id).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER).order_by(ContactLink.id).limit(1))
    owner = db.session.get(Member, owner_id)
    theirs = list(db.session.scalars(sa.select(Member).join(ContactLink, ContactLink.to_member_id == Member.id).where(
        ContactLink.from_member_id == owner_id).order_by(Member.code)))
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
    assert bad.status_code == 200 and f"{plain.name}不是常委。" in text_of(bad)
    good = client.post("/contacts/links", data={"kind": "STANDING_MEMBER", "from_member_id": standing.id,
                                               "to_member_id": plain.id})
    assert good.status_code == 302
    link = db.session.scalar(sa.select(ContactLink).where(ContactLink.to_member_id == plain.id))
    assert link.from_member_id == standing.id
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "contact_link",
                                                       AuditLog.entity_id == link.id)) is not None
    again = client.post("/contacts/links", data={"kind": "STANDING_MEMBER", "from_member_id": standing.id,
                                                "to_member_id": plain.id})
    assert f"{plain.name}已由{standing.name}联系。" in text_of(again)
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
    (row,) = services.coverage([owner], 2025, "H1")
    assert (row.assigned, row.contacted) == (len(theirs), 1) and theirs[0].name not in row.missing
    assert theirs[1].name in row.missing
    assert services.coverage([owner], 2025, "H2")[0].contacted == 0  # a March contact is not the second half's
    people = set(db.session.scalars(services.uncontacted_query(2025, "H1", None)))
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


RULE_KIND = "  违纪违法:\n    label: 受到党纪政务处分或违法犯罪\n    category: 否决\n"
RULE_GATE = "    effect: {max_grade: 合格, eligible: false}\n"


def _rules_counting_contacts(app) -> None:
    """The shipped 2025 members' file with the kind 联系委员 and a 常委 gate “每半年联系委员不少于 2 次”, in force."""
    from app import rulefiles
    from app.models import SubjectKind
    text = (app.config["SCORING_RULES_DIR"] / "2025-四个一-委员.yaml").read_text(encoding="utf-8")
    assert RULE_KIND in text and RULE_GATE in text
    text = text.replace(RULE_KIND, RULE_KIND + "  联系委员: {label: 常委联系委员, category: 四联系}\n", 1)
    text = text.replace(RULE_GATE, RULE_GATE + (
        "  联系委员:\n    label: 常委每半年联系委员不少于 2 次\n    when: {standing: true}\n"
        "    requires:\n      - {label: 联系委员, match: {kind: 联系委员}, min_count: 2}\n"
        "    effect: {max_grade: 合格, eligible: false}\n"), 1)
    version = rulefiles.save_version(2025, SubjectKind.MEMBERS, "2025-四个一-委员-四联系.yaml", text.encode(), None)
    rulefiles.adopt(version, None)
    db.session.commit()


def test_a_standing_members_contacts_are_records_the_rules_count(app, client, demo, as_user):
    from app.activities.services import ruleset_for
    from app.reviews.scoring import score_period
    _rules_counting_contacts(app)
    owner, theirs = _standing_with_members()
    as_user("office")
    for member in theirs[:2]:
        assert _office_logs(client, owner, member).status_code == 302
    filed = list(db.session.scalars(sa.select(Activity).where(Activity.kind == services.CONTACT_KIND)))
    assert len(filed) == 2 and {a.member_id for a in filed} == {owner.id}
    assert all(a.state == RecordState.VERIFIED for a in filed)
    scored = score_period(ruleset_for(2025, "members"), "2025H1")
    gates = {c.subject_id: {g.name: g.met for g in c.gates} for c in scored.cards}
    assert gates[owner.id]["联系委员"] is True
    other = next(m for m in db.session.scalars(sa.select(Member).where(Member.is_standing, Member.active))
                 if m.id != owner.id and m.id in gates)
    assert gates[other.id]["联系委员"] is False
    plain = next(m for m in theirs if m.id in gates)
    assert "联系委员" not in gates[plain.id]  # the gate is the 常委's only
    contact = db.session.scalar(sa.select(Contact).where(Contact.activity_id == filed[0].id))
    assert client.post(f"/contacts/log/{contact.id}/delete").status_code == 302
    assert db.session.get(Activity, filed[0].id) is None  # the record goes with its contact


def test_without_the_kind_in_the_rule_file_a_contact_files_no_record(client, demo, as_user):
    owner, theirs = _standing_with_members()
    as_user("office")
    assert _office_logs(client, owner, theirs[0]).status_code == 302
    assert db.session.scalar(sa.select(Activity).where(Activity.kind == services.CONTACT_KIND)) is None


def test_assignments_import_with_a_dry_run_and_every_bad_row_at_its_cell(app, demo):
    from app.imports.base import run_import
    from app.imports.datasets import DATASETS
    from conftest import xlsx
    owner = db.session.scalar(sa.select(Member).where(Member.is_standing, Member.active).order_by(Member.id))
    fresh = db.session.scalar(sa.select(Member).where(~Member.is_standing, Member.active).order_by(Member.id.desc()))
    db.session.execute(sa.delete(ContactLink).where(ContactLink.to_member_id == fresh.id))
    committee = db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.COMMITTEE))
    headers = ["联系类型", "联系人编号", "联系人", "被联系人编号", "被联系人"]
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
    assert data.startswith(b"%PDF-") and "2025年上半年四联系覆盖情况" in flat(data) and owner.name in flat(data)
    assert runner.invoke(args=["report", "contacts", "--year", "2025", "--half", "H1", "-o",
                               str(tmp_path / "d.pdf")]).exit_code == 0
    assert (tmp_path / "d.pdf").read_bytes() == data  # the same data, the same bytes
    result = runner.invoke(args=["report", "contacts", "--year", "2025", "-o", str(tmp_path / "c.xlsx")])
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["常委联系委员", "无人联系的委员"]
    assert runner.invoke(args=["report", "contacts", "-o", str(tmp_path / "e.pdf")]).exit_code != 0
