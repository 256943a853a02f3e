"""A record belongs to the unit that entered it (录入单位): only that unit's clerks edit, submit or delete it, by the
form, by URL or by an import; clerks of the member's other units see it read-only; the office keeps full rights.
The form asks for the 录入单位 when a clerk acts for several units that cover the member, and never guesses."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from conftest import TEST_CONFIG, text_of, xlsx
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import (Activity, AppraisalYear, AuditLog, Category, Evidence, RecordState, Role, Unit, UnitKind,
                        User, user_unit)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HEADERS = ["对象编号", "姓名", "类型", "日期", "标题", "结果", "级别", "金额", "联名"]
MIGRATION = "b8b368939b50"  # activity.entered_by_unit_id


@pytest.fixture
def setup(app, tmp_path, county, make_unit, make_member, make_user):
    """张三 is in 文化艺术界 and in 提案委员会. clerk_a keeps 文化艺术界, clerk_b 提案委员会; clerk_c keeps both and
    大源镇联络处 (where 张三 is not)."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    county["culture"] = make_unit("文化艺术界", UnitKind.SECTOR_GROUP, county["cppcc"])
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    zhang = make_member("张三", code="W001", sector="culture", committee="committee_a", liaison=None)
    db.session.commit()
    make_user("clerk_a", Role.CLERK, units=("culture",), display_name="文化艺术界录入员")
    make_user("clerk_b", Role.CLERK, units=("committee_a",), display_name="提案委员会录入员")
    make_user("clerk_c", Role.CLERK, units=("culture", "committee_a", "liaison_b"))
    make_user("office", Role.OFFICE)
    return {"zhang": zhang, "county": county}


def idea(member, **changes):
    data = {"subject": f"m:{member.id}", "kind": "提案", "occurred_on": "2025-03-01", "title": "关于繁荣乡村文化的提案",
            "description": "", "signers": "", "outcome": "提交", "level": "", "instruction_level": "",
            "amount": "", "people_helped": "", "counterpart": "", "support": "", "save": "保存草稿"}
    data.update(changes)
    return data


def sign_in(client, login, username):
    client.post("/auth/logout")
    assert login(username).status_code == 302


def only_record() -> Activity:
    db.session.expire_all()
    return db.session.scalars(sa.select(Activity)).one()


def audit_by(username: str) -> int:
    user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.user_id == user_id))


@pytest.fixture
def a_draft(client, login, setup):
    """A draft 文化艺术界's clerk entered about 张三, through the form."""
    sign_in(client, login, "clerk_a")
    assert client.post("/activities/new/IDEA", data=idea(setup["zhang"])).status_code == 302
    record = only_record()
    assert record.entered_by_unit_id == setup["county"]["culture"].id and record.state == RecordState.DRAFT
    return record


# --- the record belongs to the unit that entered it -------------------------------------------------------------------

def test_another_units_clerk_sees_the_draft_read_only_and_cannot_change_it_by_url(client, login, setup, a_draft):
    sign_in(client, login, "clerk_b")
    page = client.get(f"/activities/{a_draft.id}")
    text = text_of(page)
    assert page.status_code == 200 and a_draft.title in text  # 张三 is in clerk_b's 提案委员会: visible
    assert "录入单位 文化艺术界（录入人：文化艺术界录入员）" in text
    assert "只有该单位的录入员可以修改、提交或删除；您只能查看" in text
    html = page.get_data(as_text=True)
    for action in ("edit", "submit", "delete", "evidence"):
        assert f"/activities/{a_draft.id}/{action}" not in html
    version = str(a_draft.version)
    assert client.get(f"/activities/{a_draft.id}/edit").status_code == 403
    assert client.post(f"/activities/{a_draft.id}/edit",
                       data=idea(setup["zhang"], title="乙改的标题", version=version)).status_code == 403
    assert client.post(f"/activities/{a_draft.id}/submit", data={"version": version}).status_code == 403
    assert client.get(f"/activities/{a_draft.id}/delete").status_code == 403
    assert client.post(f"/activities/{a_draft.id}/delete", data={"version": version}).status_code == 403
    assert client.post(f"/activities/{a_draft.id}/evidence", data={"file": (io.BytesIO(PDF_BYTES), "a.pdf")},
                       content_type="multipart/form-data").status_code == 403
    record = only_record()
    assert (record.title, record.state, record.version) == ("关于繁荣乡村文化的提案", RecordState.DRAFT, a_draft.version)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert audit_by("clerk_b") == 0


def test_the_entering_units_clerk_and_the_office_keep_their_rights(client, login, setup, a_draft):
    sign_in(client, login, "clerk_a")
    assert f"/activities/{a_draft.id}/edit" in client.get(f"/activities/{a_draft.id}").get_data(as_text=True)
    assert client.post(f"/activities/{a_draft.id}/edit", data=idea(
        setup["zhang"], title="甲改的标题", version=str(a_draft.version))).status_code == 302
    sign_in(client, login, "office")
    record = only_record()
    assert client.post(f"/activities/{record.id}/edit", data=idea(
        setup["zhang"], title="办公室改的标题", version=str(record.version))).status_code == 302
    record = only_record()
    assert record.title == "办公室改的标题" and record.entered_by_unit_id == setup["county"]["culture"].id
    assert client.post(f"/activities/{record.id}/submit", data={"version": record.version}).status_code == 302
    assert only_record().state == RecordState.SUBMITTED


def test_a_clerk_acting_for_both_units_may_change_it(client, login, setup, a_draft):
    sign_in(client, login, "clerk_c")
    assert client.post(f"/activities/{a_draft.id}/submit", data={"version": a_draft.version}).status_code == 302
    assert only_record().state == RecordState.SUBMITTED


def test_the_offices_record_is_read_only_for_every_clerk(client, login, setup):
    sign_in(client, login, "office")
    page = text_of(client.get("/activities/new/IDEA"))
    assert "录入单位 活动领导小组办公室" in page
    assert client.post("/activities/new/IDEA", data=idea(setup["zhang"])).status_code == 302
    record = only_record()
    assert record.entered_by_unit_id is None
    for clerk in ("clerk_a", "clerk_b", "clerk_c"):
        sign_in(client, login, clerk)
        assert "录入单位 活动领导小组办公室" in text_of(client.get(f"/activities/{record.id}"))
        assert client.post(f"/activities/{record.id}/submit", data={"version": record.version}).status_code == 403
    assert only_record().state == RecordState.DRAFT


# --- the 录入单位 on the form ---------------------------------------------------------------------------------------

def test_a_clerk_of_one_unit_finds_it_chosen(client, login, setup):
    sign_in(client, login, "clerk_b")
    html = client.get("/activities/new/IDEA").get_data(as_text=True)
    select = html.split('name="entered_by"', 1)[1].split("</select>", 1)[0]
    assert f'<option selected value="{setup["county"]["committee_a"].id}">提案委员会</option>' in select
    assert "文化艺术界" not in select and "请选择" not in select


def test_a_clerk_of_several_units_must_choose_and_only_among_those_covering_the_member(client, login, setup):
    county = setup["county"]
    sign_in(client, login, "clerk_c")
    html = client.get("/activities/new/IDEA").get_data(as_text=True)
    select = html.split('name="entered_by"', 1)[1].split("</select>", 1)[0]
    assert '<option selected value="">请选择</option>' in select and select.count("selected") == 1  # none guessed
    assert "文化艺术界" in select and "提案委员会" in select
    unchosen = client.post("/activities/new/IDEA", data=idea(setup["zhang"]))
    assert unchosen.status_code == 200
    assert "该对象同时属于您负责的提案委员会、文化艺术界，请选择录入单位" in text_of(unchosen)
    shown = unchosen.get_data(as_text=True).split('name="entered_by"', 1)[1].split("</select>", 1)[0]
    assert "大源镇联络处" not in shown  # 张三 is not in it: not offered once the member is chosen
    wrong = client.post("/activities/new/IDEA", data=idea(setup["zhang"], entered_by=str(county["liaison_b"].id)))
    assert "所选录入单位不负责该对象，请在以下单位中选择：提案委员会、文化艺术界" in text_of(wrong)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0
    chosen = client.post("/activities/new/IDEA", data=idea(setup["zhang"], entered_by=str(county["committee_a"].id)))
    assert chosen.status_code == 302
    record = only_record()
    assert (record.entered_by_unit_id, record.unit_id) == (county["committee_a"].id, county["committee_a"].id)
    sign_in(client, login, "clerk_a")  # 文化艺术界's clerk: not theirs
    assert client.post(f"/activities/{record.id}/submit", data={"version": record.version}).status_code == 403
    sign_in(client, login, "clerk_b")  # 提案委员会's clerk: theirs
    edit = client.get(f"/activities/{record.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{county["committee_a"].id}">提案委员会</option>' in edit
    assert client.post(f"/activities/{record.id}/submit", data={"version": record.version}).status_code == 302


# --- the import ----------------------------------------------------------------------------------------------------

def import_as(username: str, rows: list[list[object]], dry_run: bool = False):
    user = db.session.scalar(sa.select(User).where(User.username == username))
    outcome = run_import(DATASETS["records"], xlsx("履职记录", HEADERS, rows), "records.xlsx", user, dry_run)
    if outcome.ok and not dry_run:
        db.session.commit()
    else:
        db.session.rollback()
    return outcome


def test_an_import_files_new_records_under_the_importers_unit(setup):
    outcome = import_as("clerk_b", [["W001", "张三", "提案", "2025-03-02", "关于文化下乡的提案", "立案", None, None, None]])
    assert outcome.ok and outcome.notes == []
    assert only_record().entered_by_unit_id == setup["county"]["committee_a"].id


def test_an_import_names_the_unit_it_chose_when_the_importer_had_several(setup):
    row = ["W001", "张三", "提案", "2025-03-02", "关于文化下乡的提案", "立案", None, None, None]
    checked = import_as("clerk_c", [row], dry_run=True)
    assert checked.ok and any("1 个对象同时属于您负责的几个单位" in n and "张三（提案委员会）" in n for n in checked.notes)
    assert import_as("clerk_c", [row]).ok
    assert only_record().entered_by_unit_id == setup["county"]["committee_a"].id  # 专委会 before 界别


def test_an_import_cannot_change_another_units_draft(setup, client, login, a_draft):
    row = ["W001", "张三", "提案", "2025-03-01", a_draft.title, "立案", None, None, None]  # its natural key
    outcome = import_as("clerk_b", [row])
    assert not outcome.ok
    assert any(f"编号 {a_draft.id} 的记录由“文化艺术界”录入，只有该单位的录入员可以修改" in e for e in outcome.errors)
    assert (only_record().outcome, only_record().version) == ("提交", a_draft.version)
    assert import_as("clerk_a", [row]).ok and only_record().outcome == "立案"  # its own clerk may


def test_the_import_command_with_a_clerk_sets_the_entering_unit(app, setup, tmp_path):
    path = tmp_path / "records.xlsx"
    path.write_bytes(xlsx("履职记录", HEADERS, [["W001", "张三", "提案", "2025-03-02", "命令行导入的提案", "立案",
                                                None, None, None]]))
    result = app.test_cli_runner().invoke(args=["import", "records", str(path), "--user", "clerk_a"])
    assert result.exit_code == 0, result.output
    assert only_record().entered_by_unit_id == setup["county"]["culture"].id


# --- the migration fills the records there are ---------------------------------------------------------------------

def test_the_migration_gives_existing_records_the_creators_unit(migration_url):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": migration_url})
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        upgrade(revision=script.get_revision(MIGRATION).down_revision)
        ids = _old_records()
        upgrade(revision=MIGRATION)
        found = dict(db.session.execute(sa.text("SELECT title, entered_by_unit_id FROM activity")).all())
        assert found == {"甲录的": ids["culture"], "乙录的": ids["liaison"], "丙录的": ids["cppcc"],
                         "丁录的": ids["liaison_b"], "办公室录的": None, "自报的": None, "无人录的": None}
        db.session.remove()
        db.engine.dispose()


def _old_records() -> dict[str, int]:
    """Units, accounts and records as the database before the migration holds them (Core inserts of the models'
    tables write only the columns given or defaulted: never entered_by_unit_id)."""
    conn = db.session.connection()
    ids: dict[str, int] = {}
    units = (("cppcc", UnitKind.CPPCC, None), ("culture", UnitKind.SECTOR_GROUP, "cppcc"),
             ("committee", UnitKind.COMMITTEE, "cppcc"), ("liaison", UnitKind.LIAISON_OFFICE, "cppcc"),
             ("liaison_b", UnitKind.LIAISON_OFFICE, "cppcc"))
    for n, (key, kind, parent) in enumerate(units, start=1):
        conn.execute(sa.insert(Unit.__table__).values(id=n, code=f"U{n}", name=key, kind=kind,
                                                      parent_id=ids.get(parent)))
        ids[key] = n
    accounts = {"甲": (Role.CLERK, ["culture"]), "乙": (Role.CLERK, ["committee", "liaison"]),
                "丙": (Role.CLERK, ["cppcc"]), "丁": (Role.CLERK, ["liaison_b"]), "办公室": (Role.OFFICE, []),
                "委员": (Role.MEMBER, [])}
    users: dict[str, int] = {}
    for n, (name, (role, units)) in enumerate(accounts.items(), start=1):
        conn.execute(sa.insert(User.__table__).values(id=n, username=f"u{n}", display_name=name, role=role,
                                                      password_hash="x"))
        for unit_key in units:
            conn.execute(sa.insert(user_unit).values(user_id=n, unit_id=ids[unit_key]))
        users[name] = n
    rows = (("甲录的", "culture", "甲", False), ("乙录的", "liaison", "乙", False), ("丙录的", "committee", "丙", False),
            ("丁录的", "culture", "丁", False), ("办公室录的", "culture", "办公室", False), ("自报的", "culture", "委员", True),
            ("无人录的", "culture", None, False))
    for n, (title, unit_key, creator, own) in enumerate(rows, start=1):
        conn.execute(sa.insert(Activity.__table__).values(
            id=n, unit_id=ids[unit_key], category=Category.IDEA, kind="提案", title=title,
            occurred_on=dt.date(2025, 3, 1), self_reported=own, created_by_id=users.get(creator) if creator else None))
    db.session.commit()
    return ids
