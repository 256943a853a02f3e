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
from conftest import DATABASE_URL, ON_SQLITE, TEST_CONFIG, text_of, xlsx
from roster_files import roster_table
from roster_files import xlsx as roster_xlsx

from app import create_app
from app.extensions import db
from app.models import Activity, Member, RecordState, Review, ReviewEntry, RuleFile, RuleFileState, Term

pytestmark = [pytest.mark.commits, pytest.mark.slow]
ADMIN_PASSWORD = "Qingxi-Admin-2025"
CLERK_PASSWORD = "Qingxi-Clerk-2025"
TRIGGER = "连续两年考评低于 60 分"


@pytest.fixture
def empty_url(tmp_path) -> Iterator[str]:
    """An empty database of the engine under test, as a county's server has after installation."""
    if ON_SQLITE:
        yield f"sqlite:///{tmp_path / 'county.db'}"
        return
    url = sa.make_url(DATABASE_URL)
    scratch = f"{url.database}_county"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
    yield url.set(database=scratch).render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    server.dispose()


def flags_of(review_id: int, name: str) -> list[str]:
    card = db.session.scalar(sa.select(ReviewEntry.card).join(Member, Member.id == ReviewEntry.subject_id).where(
        ReviewEntry.review_id == review_id, Member.name == name))
    return [f["label"] for f in json.loads(card)["flags"]]


def test_a_county_goes_into_service_and_carries_on_to_the_next_year_and_term(empty_url, tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_url, "IMPORT_DIR": str(tmp_path / "imports"),
                      "EVIDENCE_DIR": str(tmp_path / "evidence")})
    runner = app.test_cli_runner()

    def run(*args: str, expect: int = 0) -> str:
        result = runner.invoke(args=list(args))
        assert result.exit_code == expect, (args, result.output, result.exception)
        return result.output

    with app.app_context():
        # 1. install: the schema by migrations, the first administrator
        run("db", "upgrade")
        run("users", "create-admin", "root", "--password", ADMIN_PASSWORD)
        client = app.test_client()
        client.post("/auth/login", data={"username": "root", "password": ADMIN_PASSWORD})
        client.post("/auth/password", data={"current": ADMIN_PASSWORD, "new": ADMIN_PASSWORD + "!",
                                            "confirm": ADMIN_PASSWORD + "!"})
        home = text_of(client.get("/"))
        assert "组织信息" in home and "当前届次" in home and "委员名册" in home
        assert "共 7 项，已完成 0 项" in run("checklist", expect=1)  # every step still to do

        # 2. the organisation, the 届, the year
        run("org", "set", "--full-name", "中国人民政治协商会议青溪县委员会",
            "--public-url", "https://zx.qingxi.example.gov.cn")
        run("terms", "add", "第十届", "--start", "2022-01-01", "--end", "2026-12-31")
        run("years", "open", "2025")

        # 3. the office's own roster: title rows, 序号, merged 界别, no codes; unknown units made on consent
        roster = tmp_path / "青溪县政协委员名单.xlsx"
        roster.write_bytes(roster_xlsx(roster_table()))
        refused = run("import", "roster", str(roster), expect=1)
        assert "--create-units" in refused
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0
        run("import", "roster", str(roster), "--create-units")
        members = {m.name: m for m in db.session.scalars(sa.select(Member))}
        assert len(members) == 8 and members["柯望舒"].code == "W0001" and members["柯望舒"].is_standing
        assert members["蓝启明"].sector.name == "经济界" and members["童嘉树"].sector.name == "经济界"  # merged cells

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
        sheet = openpyxl.load_workbook(tmp_path / "clerks.xlsx").active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        header = rows[0]
        slip = next(r for r in rows[1:] if r[header.index("单位")] == "经济委员会")
        clerk = app.test_client()
        clerk.post("/auth/login", data={"username": slip[header.index("用户名")],
                                        "password": slip[header.index("初始密码")]})
        clerk.post("/auth/password", data={"current": slip[header.index("初始密码")], "new": CLERK_PASSWORD,
                                           "confirm": CLERK_PASSWORD})
        lan = members["蓝启明"]
        for title, day in (("关于扶持本地造纸企业技术改造的提案", "2025-03-02"), ("关于完善园区道路的提案", "2025-04-10")):
            response = clerk.post("/activities/new/IDEA", data={
                "subject": f"m:{lan.id}", "kind": "提案", "occurred_on": day, "title": title, "description": "",
                "signers": "", "outcome": "立案", "level": "", "instruction_level": "", "amount": "",
                "people_helped": "", "counterpart": "", "support": "", "send": "提交核实"})
            assert response.status_code == 302, text_of(response)
        assert client.post("/activities/queue/verify", data={"scope": "all"}).status_code == 302
        assert set(db.session.scalars(sa.select(Activity.state))) == {RecordState.VERIFIED}

        # 6. the first half-year review
        response = client.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025H1"})
        assert response.status_code == 302, text_of(response)
        ranking = text_of(client.get(response.headers["Location"]))
        assert "蓝启明" in ranking and "童嘉树" in ranking

        # 7. last year's official results, so the two-year trigger fires in the first year
        history = tmp_path / "2024年度考核结果.xlsx"
        history.write_bytes(xlsx("历年考评结果", ["考评对象", "编号", "姓名", "年度", "得分", "等次"], [
            ["委员", members["童嘉树"].code, "童嘉树", 2024, 52, "不合格"],
            ["委员", lan.code, "蓝启明", 2024, 91, "优秀"]]))
        run("import", "history", str(history))
        assert "2024 52 不合格 办公室录入" in text_of(client.get(f"/members/{members['童嘉树'].id}"))
        client.post("/reviews/", data={"rule_file": "2025-四个一-委员.yaml", "period": "2025"})
        annual = db.session.scalar(sa.select(Review.id).where(Review.period == "2025"))
        assert flags_of(annual, "童嘉树") == [TRIGGER] and TRIGGER not in flags_of(annual, "蓝启明")

        # 8. the next year: 2025 closed, 2026 opened with the rules carried forward, adopted after a look
        run("years", "close", "2025")
        carried = run("years", "open", "2026")
        assert "已转入为 2026 年度第 1 版(草稿)" in carried
        draft = db.session.scalar(sa.select(RuleFile).where(RuleFile.year == 2026, RuleFile.filename.contains("委员")))
        assert "比较" in text_of(client.get(f"/rules/{draft.id}/compare?period=2026"))
        assert client.post(f"/rules/{draft.id}/adopt").status_code == 302
        assert db.session.get(RuleFile, draft.id).state == RuleFileState.ACTIVE
        response = client.post("/reviews/", data={"rule_file": draft.filename, "period": "2026"})
        assert response.status_code == 302, text_of(response)
        following = db.session.scalar(sa.select(Review.id).where(Review.period == "2026"))
        assert flags_of(following, "童嘉树") == [TRIGGER]  # 2025 from the system's own review, 2026 again below 60

        # 9. 换届: most re-appointed, one leaves; newcomers come with the roster import later
        leaving = tmp_path / "离任名单.txt"
        leaving.write_text(members["童嘉树"].code + "\n", encoding="utf-8")
        run("terms", "rollover", "第十一届", "--leaving", str(leaving))
        db.session.expire_all()
        current = db.session.scalar(sa.select(Term).where(Term.closed_at.is_(None)))
        assert current.name == "第十一届" and db.session.get(Member, lan.id).term_id == current.id
        left = db.session.get(Member, members["童嘉树"].id)
        assert not left.active and str(left.left_on) == "2026-12-31"
        db.session.remove()
        db.engine.dispose()
