"""Putting the system into service from an empty database: the admin's set-up checklist turns green step by step,
the organisation page, and who may reach the set-up pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ROOT, text_of

from app.extensions import db
from app.models import AuditLog, Role, Setting, Unit, UnitKind

STEPS = ("organisation", "term", "year", "units", "rules", "roster", "accounts")


def done(client) -> dict[str, bool]:
    """Each step of the home page's checklist: green or not."""
    html = client.get("/").get_data(as_text=True)
    found = dict((key, flag == "done") for flag, key in re.findall(r'<li class="(done)?" id="setup-([a-z]+)">', html))
    assert tuple(found) == STEPS, html
    return found


def green(client, *keys: str) -> None:
    state = done(client)
    assert {k for k, v in state.items() if v} == set(keys), state


def add_unit(client, code: str, name: str, kind: UnitKind, parent: str | None = None, **extra: str) -> Unit:
    parent_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == parent)) if parent else 0
    response = client.post("/admin/units/new", data={"code": code, "name": name, "kind": kind.name,
                                                     "parent_id": parent_id, "sort_order": "1", "active": "y",
                                                     "branch_form": "", **extra})
    assert response.status_code == 302, text_of(response)
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def first_admin(app, client) -> None:
    """What a production install does first: `users create-admin`, then the admin signs in and changes the password."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create-admin", "root", "--password", "Strong-pass-1"]).exit_code == 0
    assert client.post("/auth/login", data={"username": "root", "password": "Strong-pass-1"}).location.endswith(
        "/auth/password")
    assert client.post("/auth/password", data={"current": "Strong-pass-1", "new": "Stronger-pass-2",
                                               "confirm": "Stronger-pass-2"}).status_code == 302


def test_a_county_sets_itself_up_from_an_empty_database_step_by_step(app, client, clock):
    first_admin(app, client)
    page = text_of(client.get("/"))
    assert "正式启用前的设置" in page and "已完成 0 / 7 项" in page
    assert "还没有填写：政协全称（证书落款）、公众访问地址" in page and "还没有当前届次" in page
    green(client)

    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会",
                                             "party_committee": "中共大源镇委员会",
                                             "public_url": "https://zx.qingshan.example.gov.cn/"})
    green(client, "organisation")
    assert "https://zx.qingshan.example.gov.cn" in text_of(client.get("/"))

    response = client.post("/setup/terms/new", data={"name": "第十届", "number": "", "starts_on": "2022-01-01",
                                                     "ends_on": "2026-12-31"})
    assert response.status_code == 302
    green(client, "organisation", "term")

    assert "先开放考评年度" in text_of(client.get("/"))
    client.post("/setup/years/open", data={"year": "2025"})
    green(client, "organisation", "term", "year", "rules")  # the shipped rule files are 2025's
    assert "本年度（2026）尚未开放录入" in text_of(client.get("/"))

    # naming the 政协 and the 镇党委 made the root of each tree; the county runs 双比双争, so a branch is asked for
    roots = dict(db.session.execute(sa.select(Unit.kind, Unit.name).where(Unit.parent_id.is_(None))).all())
    assert roots == {UnitKind.CPPCC: "青山县政协", UnitKind.PARTY_COMMITTEE: "中共大源镇委员会"}
    cppcc = db.session.scalar(sa.select(Unit.code).where(Unit.kind == UnitKind.CPPCC))
    party = db.session.scalar(sa.select(Unit.code).where(Unit.kind == UnitKind.PARTY_COMMITTEE))
    add_unit(client, "ZW01", "提案委员会", UnitKind.COMMITTEE, cppcc)
    sector = add_unit(client, "JB01", "经济界", UnitKind.SECTOR_GROUP, cppcc)
    add_unit(client, "LL01", "城关镇联络处", UnitKind.LIAISON_OFFICE, cppcc)
    page = text_of(client.get("/"))
    assert "还没有党支部。" in page and "还没有镇党委。" not in page
    add_unit(client, "ZB01", "宏达纸业党支部", UnitKind.BRANCH, party, branch_form="SINGLE")
    green(client, "organisation", "term", "year", "rules", "units")

    term_id = db.session.scalar(sa.text("SELECT id FROM term"))
    response = client.post("/members/new", data={
        "code": "W001", "name": "张三", "gender": "MALE", "party": "", "sector_id": sector.id, "committee_id": 0,
        "liaison_id": 0, "term_id": term_id, "employer": "", "position": "", "phone": "", "active": "y"})
    assert response.status_code == 302, text_of(response)
    green(client, "organisation", "term", "year", "rules", "units", "roster")
    page = text_of(client.get("/"))
    assert "第十届委员 1 人" in page and "还没有办公室" in page and "1 名委员还没有账号" in page
    assert "1 个有委员的单位还没有录入员账号：经济界" in page and "1 个党支部还没有党建工作联络员：宏达纸业党支部" in page

    response = client.post("/admin/users/new", data={"username": "office1", "display_name": "办公室", "role": "OFFICE",
                                                      "member_id": 0, "active": "y", "password": "Office-pass-1",
                                                      "confirm": "Office-pass-1"})
    assert response.status_code == 302, text_of(response)
    issued = client.post("/setup/accounts", data={"member": "y", "clerk": "y", "liaison": "y"})
    assert issued.status_code == 200 and "zhangsan" in text_of(issued)
    page = text_of(client.get("/"))
    assert all(done(client).values()) and "已完成设置" in page and "正式启用前的设置" not in page


def test_a_county_without_a_township_party_committee_runs_only_four_ones(app, client, make_unit, tmp_path, clock):
    """No 镇党委 and no 双比双争 rule file: the units, rule files and accounts ask nothing of 双比双争."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "2025-四个一-委员.yaml").write_bytes((ROOT / "scoring_rules" / "2025-四个一-委员.yaml").read_bytes())
    app.config["SCORING_RULES_DIR"] = rules
    cppcc = make_unit("县政协", UnitKind.CPPCC)
    for kind in (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE):
        make_unit(kind.label, kind, cppcc)
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["years", "open", "2025"]).exit_code == 0
    first_admin(app, client)
    state = done(client)
    assert state["units"] and state["rules"] and not state["organisation"]
    assert "没有镇党委：不开展“双比双争”" in text_of(client.get("/"))
    # the organisation asks for no 镇党委 name either
    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会",
                                             "public_url": "https://zx.example.gov.cn"})
    assert done(client)["organisation"]


def test_the_shipped_party_templates_ask_nothing_until_the_county_adopts_a_party_rule_file(app, client):
    """Every county gets the 双比双争 templates: they alone never make a 四个一-only county name a 镇党委; adopting a
    双比双争 rule file of its own does."""
    from app import rulefiles
    from app.models import SubjectKind
    first_admin(app, client)
    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会",
                                             "public_url": "https://zx.example.gov.cn"})
    app.test_cli_runner().invoke(args=["years", "open", "2025"])
    assert done(client)["organisation"] and "镇党委全称" not in text_of(client.get("/"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(
        Unit.kind == UnitKind.PARTY_COMMITTEE)) == 0
    content = (ROOT / "scoring_rules" / "2025-双比双争-党支部.yaml").read_bytes()
    rulefiles.adopt(rulefiles.save_version(2025, SubjectKind.BRANCHES, "2025-双比双争-党支部.yaml", content, None),
                    None)
    db.session.commit()
    assert not done(client)["organisation"]
    assert "镇党委全称（“双比双争”证书落款）" in text_of(client.get("/"))


def test_the_demo_county_shows_what_a_real_county_would_still_lack(client, as_user, demo):
    as_user("admin")
    state = done(client)
    assert state["organisation"] and state["term"] and state["units"] and state["roster"]
    assert not state["accounts"]  # 259 members have no account yet
    assert "名委员还没有账号" in text_of(client.get("/"))


def test_the_office_sees_only_the_steps_it_can_take(client, login, make_user):
    """The county fixture has its units and 届: the organisation and the accounts are left to the admin."""
    make_user("office1", Role.OFFICE)
    login("office1")
    page = client.get("/").get_data(as_text=True)
    keys = re.findall(r'<li class="(?:done)?" id="setup-([a-z]+)"', page)
    assert keys == ["year", "rules", "roster"]
    assert "系统管理员还需完成：组织信息、用户账号" in text_of(client.get("/"))
    assert 'href="/setup/organisation"' not in page


def test_clerks_members_and_leaders_see_no_checklist(client, login, make_user, make_member):
    make_user("clerk1", Role.CLERK, units=("sector_a",))
    make_user("leader1", Role.LEADER)
    make_user("m1", Role.MEMBER, member_id=make_member().id)
    for name in ("clerk1", "leader1", "m1"):
        login(name)
        assert "正式启用" not in text_of(client.get("/"))
        client.post("/auth/logout")


ADMIN_ONLY = ("/setup/organisation", "/setup/terms/new", "/setup/accounts")


@pytest.mark.parametrize("role", [Role.CLERK, Role.OFFICE, Role.MEMBER, Role.LEADER, Role.LIAISON])
def test_only_the_admin_reaches_the_set_up_pages(client, login, make_user, make_member, county, role):
    units = {Role.CLERK: ("sector_a",), Role.LIAISON: ("branch_a",)}.get(role, ())
    fields = {"member_id": make_member().id} if role == Role.MEMBER else {}
    make_user("someone", role, units=units, **fields)
    login("someone")
    for url in ADMIN_ONLY:
        assert client.get(url).status_code == 403, url
    assert client.post("/setup/organisation", data={"full_name": "假冒"}).status_code == 403
    assert client.post("/setup/accounts", data={"member": "y"}).status_code == 403
    assert client.post("/setup/accounts/reissue", data={"kind": "member", "reason": "x", "confirm": "y"}
                       ).status_code == 403
    assert client.post("/setup/years/2025/reopen", data={"reason": "x"}).status_code == 403
    for url in ("/setup/years", "/setup/terms"):  # the office reads the years and the 届 (it opens years, runs 换届)
        assert client.get(url).status_code == (200 if role == Role.OFFICE else 403), url
    assert db.session.scalar(sa.select(Setting.value).where(Setting.key == "org.full_name")) is None


# --- the organisation --------------------------------------------------------------------------------------------

def test_the_organisation_page_saves_each_fact_once_with_defaults_and_an_audit_trail(client, login, make_user):
    make_user("root", Role.ADMIN)
    login("root")
    bad = client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会",
                                                   "public_url": "zx.example.gov.cn"})
    assert bad.status_code == 200 and "请填写以 http:// 或 https:// 开头的地址" in text_of(bad)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Setting)) == 0  # nothing saved on an error
    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会",
                                             "public_url": "https://zx.example.gov.cn/"})
    page = text_of(client.get("/setup/organisation"))
    assert "不填则为：青山县政协" in page and "不填则为：中共青山县委组织部" in page  # derived from the full name
    stored = dict(db.session.execute(sa.select(Setting.key, Setting.value)).all())
    assert stored == {"org.full_name": "中国人民政治协商会议青山县委员会", "org.short_name": "",
                      "org.party_committee": "", "org.hr_department": "", "org.public_url": "https://zx.example.gov.cn"}
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "setting")).all()
    assert {(r.field, r.after) for r in rows} == {("org.full_name", "中国人民政治协商会议青山县委员会"),
                                                  ("org.public_url", "https://zx.example.gov.cn")}
    assert "政协全称" in page and "中国人民政治协商会议青山县委员会" in page  # the change history, in words
    # the office's print settings show the facts and keep only what is about printing
    make_user("office1", Role.OFFICE)
    client.post("/auth/logout")
    login("office1")
    printing = text_of(client.get("/documents/settings"))
    assert "中国人民政治协商会议青山县委员会" in printing and "中共青山县委组织部" in printing
    assert "如需修改，请联系系统管理员" in printing


def test_org_commands_set_and_show_the_organisation(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["org", "set", "--full-name", "中国人民政治协商会议青山县委员会",
                                 "--party-committee", "中共大源镇委员会", "--public-url", "https://zx.example.gov.cn"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(args=["org", "show"]).output
    assert "中国人民政治协商会议青山县委员会" in shown and "（默认：青山县政协）" in shown
    assert "（默认：中共青山县委组织部）" in shown and "https://zx.example.gov.cn" in shown
    bad = runner.invoke(args=["org", "set", "--public-url", "ftp://x"])
    assert bad.exit_code == 1 and "http://" in bad.output
    assert runner.invoke(args=["org", "set"]).exit_code == 2
    cleared = runner.invoke(args=["org", "set", "--party-committee", ""])
    assert cleared.exit_code == 0
    assert db.session.scalar(sa.select(Setting.value).where(Setting.key == "org.party_committee")) == ""


def test_the_checklist_command_lists_what_is_missing_and_fails_until_done(app):
    result = app.test_cli_runner().invoke(args=["checklist"])
    assert result.exit_code == 1
    assert "[未完成] 组织信息" in result.output and "共 7 项，已完成 0 项" in result.output


def test_the_readme_points_to_the_set_up_commands():
    readme = (Path(ROOT) / "README.md").read_text(encoding="utf-8")
    for command in ("users create-admin", "org set", "terms add", "years open", "users create-accounts", "checklist"):
        assert command in readme, command
