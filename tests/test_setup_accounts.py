"""Accounts in bulk: one-time passwords on printable slips, forced to change at first sign-in, never stored in plain
text; re-running makes only what is missing; a lost slip is re-issued. From the command line and the page."""
from __future__ import annotations

import base64
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import pdf_text, text_of

from app.auth import policy as account_policy
from app.auth.passwords import policy_errors
from app.extensions import db
from app.models import AuditLog, Member, PasswordHistory, Role, Setting, User
from app.setup import accounts

LOOK_ALIKES = set("0O1lIio")


def slips_of(pdf: bytes) -> list[str]:
    pages = pdf_text(pdf)
    assert all(page.count("账号通知单") <= 3 for page in pages)
    return pages


def credentials(pages: list[str]) -> dict[str, str]:
    """user name → one-time password, as a person reads them off the slips."""
    text = "\n".join(pages)
    names = re.findall(r"用 户 名：\s*(\S+)", text)
    passwords = re.findall(r"初始密码：\s*(\S+)", text)
    assert len(names) == len(passwords)
    return dict(zip(names, passwords, strict=True))


@pytest.fixture
def public_url(app):
    db.session.add(Setting(key="org.public_url", value="https://zx.example.gov.cn"))
    db.session.commit()


def sign_in(client, username: str, password: str):
    client.post("/auth/logout")
    return client.post("/auth/login", data={"username": username, "password": password})


def test_member_accounts_on_slips_from_the_command_line(app, client, make_member, public_url, tmp_path):
    people = [make_member("张三"), make_member("王伟"), make_member("王伟", sector="sector_b"),
              make_member("欧阳娜娜", committee=None, liaison="liaison_b")]
    db.session.add(User(username="wangwei", display_name="别人", role=Role.OFFICE, password_hash="x"))
    db.session.commit()
    slips, table = tmp_path / "slips.pdf", tmp_path / "accounts.xlsx"
    result = app.test_cli_runner().invoke(args=["users", "create-accounts", "--role", "member", "-o", str(slips),
                                                "--xlsx", str(table)])
    assert result.exit_code == 0, result.output
    assert "已创建 4 个委员账号" in result.output

    pages = slips_of(slips.read_bytes())
    assert len(pages) == 2  # three slips to a page
    found = credentials(pages)
    assert sorted(found) == ["ouyangnana", "wangwei2", "wangwei3", "zhangsan"]  # pinyin, numbered on a clash
    text = "".join(pages)
    assert all(p.name in text for p in people) and "https://zx.example.gov.cn/auth/login" in text
    assert "首次登录后须立即设置自己的新密码" in text and "经济界 · 提案委员会 · 城关镇联络处" in text
    for password in found.values():
        assert not set(password) & LOOK_ALIKES and not policy_errors(password)

    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.role == Role.MEMBER))}
    assert {u.member.name for u in users.values()} == {"张三", "王伟", "欧阳娜娜"}
    assert all(u.must_change_password for u in users.values())
    stored = " ".join(f"{u.password_hash}" for u in users.values())
    logged = " ".join(f"{r.before} {r.after}" for r in db.session.scalars(sa.select(AuditLog)))
    assert not any(p in stored or p in logged for p in found.values())  # hashes only; the log names the field
    created = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "create", AuditLog.field == "password"))
    assert len(created.all()) == 4

    book = openpyxl.load_workbook(io.BytesIO(table.read_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "单位", "角色", "用户名", "初始密码")
    assert {(r[3], r[4]) for r in rows[1:]} == set(found.items())

    # the slip's password signs in once, and must be changed at once
    response = sign_in(client, "zhangsan", found["zhangsan"])
    assert response.location.endswith("/auth/password")
    assert client.get("/members/mine").location.endswith("/auth/password")
    client.post("/auth/password", data={"current": found["zhangsan"], "new": "Zhang-San-2026",
                                        "confirm": "Zhang-San-2026"})
    assert client.get("/members/mine").location.endswith(f"/members/{people[0].id}")  # in: their own dossier
    assert sign_in(client, "zhangsan", found["zhangsan"]).status_code == 200  # the one-time password is gone

    again = app.test_cli_runner().invoke(args=["users", "create-accounts", "--role", "member", "-o",
                                               str(tmp_path / "again.pdf")])
    assert again.exit_code == 0 and "没有需要创建的委员账号" in again.output
    assert not (tmp_path / "again.pdf").exists()


def test_a_new_member_later_gets_only_their_own_account(app, make_member, public_url, tmp_path):
    make_member("张三")
    db.session.commit()
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create-accounts", "--role", "member", "-o", str(tmp_path / "a.pdf")])
    make_member("李红")
    make_member("赵六", active=False)  # not serving: no account
    db.session.commit()
    result = runner.invoke(args=["users", "create-accounts", "--role", "member", "-o", str(tmp_path / "b.pdf")])
    assert "已创建 1 个委员账号" in result.output
    assert list(credentials(slips_of((tmp_path / "b.pdf").read_bytes()))) == ["lihong"]


def test_clerk_and_liaison_accounts_cover_each_unit_once(app, county, make_user, public_url, tmp_path):
    make_user("clerk-a", Role.CLERK, units=("sector_a",))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-accounts", "--role", "clerk", "-o", str(tmp_path / "c.pdf")])
    assert result.exit_code == 0 and "已创建 5 个单位录入员账号" in result.output  # 6 units, one has a clerk
    clerks = {u.username: u for u in db.session.scalars(sa.select(User).where(User.role == Role.CLERK))}
    made = clerks["clerk-" + county["committee_a"].code.lower()]
    assert made.display_name == "提案委员会录入员" and [u.name for u in made.units] == ["提案委员会"]
    assert "提案委员会录入员" in "".join(pdf_text((tmp_path / "c.pdf").read_bytes()))

    result = runner.invoke(args=["users", "create-accounts", "--role", "liaison", "-o", str(tmp_path / "l.pdf")])
    assert "已创建 1 个党建工作联络员账号" in result.output
    liaison = db.session.scalar(sa.select(User).where(User.role == Role.LIAISON))
    assert liaison.username == "liaison-" + county["zone"].code.lower()
    assert sorted(u.name for u in liaison.units) == ["园区联合党支部", "宏达纸业党支部"]
    for role in ("clerk", "liaison"):
        again = runner.invoke(args=["users", "create-accounts", "--role", role, "-o", str(tmp_path / "x.pdf")])
        assert "没有需要创建" in again.output


def test_slips_need_a_sign_in_address(app, make_member, tmp_path):
    make_member()
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-accounts", "--role", "member", "-o", str(tmp_path / "s.pdf")])
    assert result.exit_code == 1 and "公众访问地址" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    result = runner.invoke(args=["users", "create-accounts", "--role", "member", "-o", str(tmp_path / "s.pdf"),
                                 "--address", "http://10.0.0.8:8000/"])
    assert result.exit_code == 0 and "http://10.0.0.8:8000/auth/login" in "".join(
        pdf_text((tmp_path / "s.pdf").read_bytes()))


def test_an_unwritable_slip_leaves_no_account(app, make_member, public_url, tmp_path):
    make_member()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "create-accounts", "--role", "member",
                                                "-o", str(tmp_path / "missing" / "s.pdf")])
    assert result.exit_code == 2 and "不存在" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_formula_in_a_name_stays_text_in_the_office_table(app, make_member, public_url, tmp_path):
    make_member('=HYPERLINK("http://evil.example","点我")')
    db.session.commit()
    table = tmp_path / "t.xlsx"
    app.test_cli_runner().invoke(args=["users", "create-accounts", "--role", "member", "-o", str(tmp_path / "s.pdf"),
                                       "--xlsx", str(table)])
    cell = openpyxl.load_workbook(io.BytesIO(table.read_bytes())).active["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.mark.parametrize(("length", "classes"), [(8, 2), (12, 3), (20, 4), (64, 4)])
def test_one_time_passwords_meet_the_account_policy(app, length, classes):
    policy = account_policy.Policy(length, classes, 3, 90, 5, 15, 30)
    for _ in range(50):
        password = accounts.one_time_password(policy)
        assert not policy_errors(password, policy) and not set(password) & LOOK_ALIKES
        assert len(password) >= length and re.fullmatch(r"[A-Za-z2-9]{4}(-[A-Za-z2-9]{4})+", password)
    assert len({accounts.one_time_password(policy) for _ in range(200)}) == 200


def test_the_demo_county_gets_every_member_account_in_one_step(app, client, as_user, demo, tmp_path):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    serving = db.session.scalar(accounts.serving_members().with_only_columns(sa.func.count()))
    out = tmp_path / "slips.pdf"
    result = app.test_cli_runner().invoke(args=["users", "create-accounts", "--role", "member", "-o", str(out)])
    assert result.exit_code == 0, result.output
    made = db.session.scalar(sa.select(sa.func.count()).select_from(User)) - before
    assert made == serving - 2  # the demo member and the demo 常委 (standing) already had one
    pages = slips_of(out.read_bytes())
    assert len(pages) == (made + 2) // 3
    found = credentials(pages)
    assert len(found) == made == len(set(found))
    names = set(db.session.scalars(sa.select(Member.name).join(User, User.member_id == Member.id)
                                   .where(~User.is_demo)))
    assert all(name in "".join(pages) for name in names)
    username, password = next(iter(found.items()))
    assert sign_in(client, username, password).location.endswith("/auth/password")


# --- the page ---------------------------------------------------------------------------------------------------

def data_link(html: str, kind: str) -> bytes:
    found = re.search(rf'href="data:{re.escape(kind)};base64,([A-Za-z0-9+/=]+)"', html)
    assert found, html[:2000]
    return base64.b64decode(found.group(1))


def test_the_admin_makes_accounts_on_the_page_and_downloads_the_slips_once(client, login, make_user, make_member,
                                                                          public_url):
    make_member("张三")
    make_member("李红", sector="sector_b")
    db.session.commit()
    make_user("root", Role.ADMIN)
    login("root")
    page = text_of(client.get("/setup/accounts"))
    assert "委员账号 2" in page and "单位录入员账号 6" in page and "党建工作联络员账号 1" in page
    assert "只提供这一次" in page and "重新发放" in page

    response = client.post("/setup/accounts", data={"member": "y"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    found = credentials(pdf_text(data_link(html, "application/pdf")))
    assert sorted(found) == ["lihong", "zhangsan"]
    book = openpyxl.load_workbook(io.BytesIO(data_link(
        html, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))
    assert {row[3] for row in book.active.iter_rows(min_row=2, values_only=True)} == set(found)
    assert "系统没有保存" in text_of(response) and not any(p in text_of(response) for p in found.values())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.MEMBER)) == 2

    assert "委员账号 0" in text_of(client.get("/setup/accounts"))
    again = client.post("/setup/accounts", data={"member": "y"}, follow_redirects=True)
    assert "没有需要创建的账号" in text_of(again)
    none = client.post("/setup/accounts", data={"clerk": ""})  # every box unticked
    assert none.status_code == 422 and "请至少选择一类账号" in text_of(none)

    # the page was closed before the download: a re-issue resets those still unused, audited
    refused = client.post("/setup/accounts/reissue", data={"kind": "member", "reason": "未下载"})
    assert refused.status_code == 422 and "请勾选确认" in text_of(refused)
    reissued = client.post("/setup/accounts/reissue", data={"kind": "member", "reason": "通知单未下载",
                                                             "confirm": "y"})
    assert reissued.status_code == 200 and reissued.headers["Cache-Control"] == "no-store"
    fresh = credentials(pdf_text(data_link(reissued.get_data(as_text=True), "application/pdf")))
    assert sorted(fresh) == sorted(found) and all(fresh[u] != found[u] for u in found)
    resets = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "reset_password",
                                                          AuditLog.field == "password")).all()
    assert len(resets) == 2 and {r.reason for r in resets} == {"通知单未下载"}
    assert sign_in(client, "zhangsan", found["zhangsan"]).status_code == 200  # the old slip no longer works
    assert sign_in(client, "zhangsan", fresh["zhangsan"]).location.endswith("/auth/password")


def test_reissue_leaves_accounts_that_were_used_alone(app, make_member, public_url, tmp_path, client):
    make_member("张三")
    make_member("李红")
    db.session.commit()
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create-accounts", "--role", "member", "-o", str(tmp_path / "a.pdf")])
    first = credentials(pdf_text((tmp_path / "a.pdf").read_bytes()))
    sign_in(client, "zhangsan", first["zhangsan"])  # 张三 has signed in: his account is in use
    history = db.session.scalar(sa.select(sa.func.count()).select_from(PasswordHistory))
    result = runner.invoke(args=["users", "reissue", "--role", "member", "-o", str(tmp_path / "b.pdf")])
    assert result.exit_code == 0 and "已重新发放 1 个账号" in result.output
    assert list(credentials(pdf_text((tmp_path / "b.pdf").read_bytes()))) == ["lihong"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordHistory)) == history + 1
    named = runner.invoke(args=["users", "reissue", "zhangsan", "-o", str(tmp_path / "c.pdf")])
    assert named.exit_code == 0 and list(credentials(pdf_text((tmp_path / "c.pdf").read_bytes()))) == ["zhangsan"]
    assert runner.invoke(args=["users", "reissue", "nobody", "-o", str(tmp_path / "d.pdf")]).exit_code == 1
    assert runner.invoke(args=["users", "reissue", "-o", str(tmp_path / "d.pdf")]).exit_code == 2


def test_the_demo_admin_makes_the_missing_clerk_and_liaison_accounts_on_the_page(client, as_user, demo):
    as_user("admin")
    response = client.post("/setup/accounts", data={"clerk": "y", "liaison": "y"})
    assert response.status_code == 200
    found = credentials(pdf_text(data_link(response.get_data(as_text=True), "application/pdf")))
    clerks = [u for u in found if u.startswith("clerk-")]
    liaisons = [u for u in found if u.startswith("liaison-")]
    assert clerks and liaisons
    # the demo's own clerks keep their units: no second clerk for 提案委员会, 大源镇联络处 or 经济界
    covered = {u.name for name in ("clerk", "clerk2") for u in db.session.scalar(
        sa.select(User).where(User.username == name)).units}
    made = db.session.scalars(sa.select(User).where(User.username.in_(clerks))).all()
    assert not covered & {u.name for user in made for u in user.units}
    assert "单位录入员账号 0" in text_of(client.get("/setup/accounts"))


def test_a_big_batch_is_made_in_parts_and_says_so(app, client, login, make_user, make_member, public_url,
                                                 monkeypatch):
    from app.setup import routes
    monkeypatch.setattr(routes, "BATCH", 2)
    for name in ("张三", "李红", "王五"):
        make_member(name)
    db.session.commit()
    make_user("root", Role.ADMIN)
    login("root")
    first = client.post("/setup/accounts", data={"member": "y"})
    assert "还有 1 个账号没有创建" in text_of(first)
    second = client.post("/setup/accounts", data={"member": "y"})
    assert len(credentials(pdf_text(data_link(second.get_data(as_text=True), "application/pdf")))) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.MEMBER)) == 3
