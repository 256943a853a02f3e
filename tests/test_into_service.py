"""Into service, as docs/setup.md walks it: a county starts from an empty database (migrations only, no demo) with
the commands and pages a county office has, brings its own roster (title rows, 序号, merged 界别 cells, no member
codes), makes accounts, records and verifies, runs the first half-year review; enters last year's official results
so "连续两年低于60分" fires in the first year; rolls over into the next year with the rules carried forward, where the
trigger fires again from the system's own result; and starts the next 届. On SQLite and on PostgreSQL."""
from __future__ import annotations

import json
from collections.abc import Iterator

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import TEST_CONFIG, scratch_database, text_of, xlsx
from roster_files import roster_table
from roster_files import xlsx as roster_xlsx

from app import create_app
from app.extensions import db
from app.models import Activity, Member, RecordState, Review, ReviewEntry, RuleFile, Term, User

pytestmark = [pytest.mark.commits, pytest.mark.slow]
ADMIN_PASSWORD = "Qingxi-Admin-2025"
CLERK_PASSWORD = "Qingxi-Clerk-2025"
TRIGGER = "连续两年考评低于 60 分"


@pytest.fixture
def empty_url(tmp_path) -> Iterator[str]:
    """An empty database of the engine under test, as a county's server has after installation."""
    with scratch_database(tmp_path, "county") as url:
        yield url


def flags_of(review_id: int, name: str) -> list[str]:
    card = db.session.scalar(sa.select(ReviewEntry.card).join(Member, Member.id == ReviewEntry.subject_id).where(
        ReviewEntry.review_id == review_id, Member.name == name))
    return [f["label"] for f in json.loads(card)["flags"]]


def test_a_county_goes_into_service_and_carries_on_to_the_next_year_and_term(empty_url, tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_url, "IMPORT_DIR": str(tmp_path / "imports"),
                      "EVIDENCE_DIR": str(tmp_path / "evidence")})
    runner = app.test_cli_runner()

    def run(*args: str, expect: int = 0) -> str:
        with app.app_context():  # as `flask` gives every command (the test runner gives AppGroup commands only)
            result = runner.invoke(args=list(args))
        assert result.exit_code == expect, (args, result.output, result.exception)
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
        return result.output

    def sign_in(username: str, password: str, new_password: str):
        """A browser of its own: signs in and changes the one-time password, as the first sign-in demands."""
        browser = app.test_client()
        assert browser.post("/auth/login", data={"username": username, "password": password}
                            ).location.endswith("/auth/password")
        assert browser.post("/auth/password", data={"current": password, "new": new_password,
                                                    "confirm": new_password}).status_code == 302
        with app.app_context():
            shown = db.session.scalar(sa.select(User.display_name).where(User.username == username))
        assert f">{shown}</span>" in browser.get("/").get_data(as_text=True)  # the top bar names who signed in
        return browser

    # Every request below runs in a context of its own, as on a server: the database is read between requests,
    # in short contexts, never around them (a context held open would make every browser the same signed-in user).
    query = app.app_context

    # 1. install: the schema by migrations, the first administrator
    run("db", "upgrade")
    run("users", "create-admin", "root", "--password", ADMIN_PASSWORD)
    client = sign_in("root", ADMIN_PASSWORD, ADMIN_PASSWORD + "!")
    home = text_of(client.get("/"))
    assert "组织信息" in home and "当前届次" in home and "委员名册" in home
    assert "共 7 项，已完成 0 项" in run("checklist", expect=1)  # every step still to do

    # 2. the organisation (which makes the 政协's root unit), the 届, the year; the shipped files as drafts
    assert "已新建单位：青溪县政协" in run("org", "set", "--full-name", "中国人民政治协商会议青溪县委员会",
                                   "--public-url", "https://zx.qingxi.example.gov.cn")
    run("terms", "add", "第十届", "--start", "2022-01-01", "--end", "2026-12-31")
    assert "已转入为 2025 年度第 1 版（草稿）" not in run("years", "open", "2025")  # nothing before 2025 to carry

    # 3. the office's own roster: title rows, 序号, merged 界别, no codes; unknown units made on consent
    roster = tmp_path / "青溪县政协委员名单.xlsx"
    roster.write_bytes(roster_xlsx(roster_table()))
    refused = run("import", "roster", str(roster), expect=1)
    assert "--create-units" in refused
    with query():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0
    run("import", "roster", str(roster), "--create-units")
    with query():
        members = {m.name: (m.id, m.code, m.is_standing, m.sector.name) for m in db.session.scalars(sa.select(Member))}
    assert len(members) == 8 and members["柯望舒"][1:3] == ("W0001", True)
    assert members["蓝启明"][3] == "经济界" and members["童嘉树"][3] == "经济界"  # merged cells
    lan_id, lan_code = members["蓝启明"][:2]
    tong_id, tong_code = members["童嘉树"][:2]

    # 4. the rule files in force (the shipped 2025 files), the accounts
    assert "2025\t政协委员\t内置细则" in run("rules", "list", "--year", "2025")
    run("users", "create-accounts", "--role", "clerk", "-o", str(tmp_path / "clerks.pdf"),
        "--xlsx", str(tmp_path / "clerks.xlsx"))
    run("users", "create-accounts", "--role", "member", "-o", str(tmp_path / "members.pdf"))
    response = client.post("/admin/users/new", data={
        "username": "office", "display_name": "活动领导小组办公室", "role": "OFFICE", "member_id": 0,
        "active": "y", "password": "Qingxi-Office-2025", "confirm": "Qingxi-Office-2025"})
    assert response.status_code == 302, text_of(response)
    assert "共 7 项，已完成 7 项" in run("checklist")  # exits 0: every step done

    # 5. a clerk signs in with the one-time password from the slips and records; the office verifies
    office = sign_in("office", "Qingxi-Office-2025", "Qingxi-Office-2025!")
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(tmp_path / "clerks.xlsx").active.iter_rows()]
    header = rows[0]
    slip = next(r for r in rows[1:] if r[header.index("单位")] == "经济委员会")
    clerk_name = slip[header.index("用户名")]
    clerk = sign_in(clerk_name, slip[header.index("初始密码")], CLERK_PASSWORD)
    for title, day in (("关于扶持本地造纸企业技术改造的提案", "2025-03-02"), ("关于完善园区道路的提案", "2025-04-10")):
        response = clerk.post("/activities/new/IDEA", data={
            "subject": f"m:{lan_id}", "kind": "提案", "occurred_on": day, "title": title, "description": "",
            "signers": "", "outcome": "立案", "level": "", "instruction_level": "", "amount": "",
            "people_helped": "", "counterpart": "", "support": "", "send": "提交核实"})
        assert response.status_code == 302, text_of(response)
    assert "我已知道其中 2 条没有附件" in text_of(office.post("/activities/queue/verify", data={"scope": "all"}))
    assert office.post("/activities/queue/verify", data={"scope": "all", "confirm": "1", "expect": "2:2",
                                                         "ack": "1"}).status_code == 302
    with query():
        made = db.session.execute(sa.select(Activity.state, User.username).join(
            User, User.id == Activity.created_by_id)).all()
    assert made == [(RecordState.VERIFIED, clerk_name)] * 2

    # 6. the first half-year review, by the office
    response = office.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025H1"})
    assert response.status_code == 302, text_of(response)
    ranking = text_of(office.get(response.headers["Location"]))
    assert "蓝启明" in ranking and "童嘉树" in ranking

    # 7. last year's official results, so the two-year trigger fires in the first year
    history = tmp_path / "2024年度考核结果.xlsx"
    history.write_bytes(xlsx("历年考评结果", ["考评对象", "编号", "姓名", "年度", "得分", "等次"], [
        ["委员", tong_code, "童嘉树", 2024, 52, "不合格"], ["委员", lan_code, "蓝启明", 2024, 91, "优秀"]]))
    run("import", "history", str(history))
    assert "2024 52 不合格 办公室录入" in text_of(office.get(f"/members/{tong_id}"))
    office.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025"})
    with query():
        annual = db.session.scalar(sa.select(Review.id).where(Review.period == "2025"))
        assert flags_of(annual, "童嘉树") == [TRIGGER] and TRIGGER not in flags_of(annual, "蓝启明")

    # 8. the next year: 2025 closed, 2026 opened with the rules carried forward, adopted after a look
    run("years", "close", "2025")
    carried = run("years", "open", "2026")
    assert "已转入为 2026 年度第 1 版（草稿）" in carried and "rules adopt-drafts 2026" in carried
    with query():
        draft_id, draft_name = db.session.execute(sa.select(RuleFile.id, RuleFile.filename).where(
            RuleFile.year == 2026, RuleFile.filename.contains("委员"))).one()
    assert "比较" in text_of(office.get(f"/rules/{draft_id}/compare?period=2026"))
    assert office.post(f"/rules/{draft_id}/adopt").status_code == 302
    assert f"2026\t政协委员\t本县第 1 版\t{draft_name}" in run("rules", "list", "--year", "2026")
    response = office.post("/reviews/", data={"rule_file": draft_name, "period": "2026"})
    assert response.status_code == 302, text_of(response)
    with query():
        following = db.session.scalar(sa.select(Review.id).where(Review.period == "2026"))
        assert flags_of(following, "童嘉树") == [TRIGGER]  # 2025 from the system's own review, 2026 again below 60

    # 9. 换届: most re-appointed, one leaves; newcomers come with the roster import later
    leaving = tmp_path / "离任名单.txt"
    leaving.write_text(tong_code + "\n", encoding="utf-8")
    run("terms", "rollover", "第十一届", "--leaving", str(leaving))
    with query():
        current = db.session.scalar(sa.select(Term).where(Term.closed_at.is_(None)))
        assert current.name == "第十一届" and db.session.get(Member, lan_id).term_id == current.id
        left = db.session.get(Member, tong_id)
        assert not left.active and str(left.left_on) == "2026-12-31"
    with query():
        db.session.remove()
        db.engine.dispose(close=True)
