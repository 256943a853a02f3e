"""Coverage statistics on the web and the command line, enterprise figures per year, and liaisons' visits: each
within the data scope, audited, errors beside the field."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from conftest import flat, text_of

from app.extensions import db
from app.models import AuditLog, BranchVisit, Enterprise, EnterpriseFigures, Role


def blanks(response: object) -> str:
    """The page's 空白点 paragraph."""
    return text_of(response).split("空白点（有党员、未建党支部的企业）")[1].split("人以上未建党支部")[0]


@pytest.fixture
def township(county, make_party_member):
    """宏达纸业 (320 staff, branch_a since 2019); the park's two firms (branch_b, new in 2025); 顺丰竹木 with party
    members and no branch (a 空白点)."""
    county["branch_a"].founded_on = dt.date(2019, 5, 1)
    county["branch_b"].founded_on = dt.date(2025, 3, 8)
    mill = Enterprise(name="宏达纸业有限公司", branch_id=county["branch_a"].id, employees=320)
    park = Enterprise(name="园区甲公司", branch_id=county["branch_b"].id, employees=60)
    blank = Enterprise(name="顺丰竹木制品厂", employees=64)
    db.session.add_all([mill, park, blank])
    db.session.flush()
    db.session.add(EnterpriseFigures(enterprise_id=blank.id, year=2024, employees=64, party_members=2))
    db.session.add(EnterpriseFigures(enterprise_id=mill.id, year=2025, employees=330, party_members=9,
                                     output=Decimal("12000.50"), tax=Decimal("600")))
    make_party_member("张三").enterprise_id = mill.id
    make_party_member("王五", branch="branch_b")
    db.session.commit()
    return {"mill": mill, "park": park, "blank": blank}


def test_office_sees_the_years_coverage_with_its_gaps(client, township, make_user, login):
    make_user("office", Role.OFFICE)
    login("office")
    text = text_of(client.get("/coverage/?year=2025"))
    assert "2 个（单独组建 1 个，联合支部 1 个）" in text
    assert "本年新增 1 个：园区联合党支部" in text
    assert "顺丰竹木制品厂" in blanks(client.get("/coverage/?year=2025"))
    assert "沿用 2024" in text  # 顺丰竹木's 2024 figures carried into 2025
    text = text_of(client.get("/coverage/?year=2024"))
    assert "1 个（单独组建 1 个，联合支部 0 个）" in text  # the park's branch came in 2025
    pdf = client.get("/coverage/?year=2025&format=pdf")
    assert pdf.mimetype == "application/pdf" and "顺丰竹木制品厂" in flat(pdf.data)
    assert client.get("/coverage/?year=2025&format=xlsx").data[:2] == b"PK"
    assert client.get("/coverage/?year=99999").status_code == 404


def test_a_liaison_sees_only_their_branches_enterprises(client, county, township, make_user, login):
    make_user("liaison", Role.LIAISON, ("branch_a",))
    login("liaison")
    text = text_of(client.get("/coverage/?year=2025"))
    assert "宏达纸业有限公司" in text
    assert "园区甲公司" not in text and "园区联合党支部" not in text and "顺丰竹木制品厂" not in text
    assert client.get(f"/coverage/enterprises/{township['park'].id}/2025").status_code == 404
    assert client.get(f"/coverage/enterprises/{township['mill'].id}/2025").status_code == 200
    assert client.get("/coverage/enterprises/new").status_code == 403


def test_figures_are_saved_per_year_audited_and_checked_beside_the_field(client, township, make_user, login):
    make_user("office", Role.OFFICE)
    login("office")
    blank = township["blank"]
    url = f"/coverage/enterprises/{blank.id}/2025"
    assert "本年尚未填报，以下为 2024 年的数据" in text_of(client.get(url))
    response = client.post(url, data={"employees": "64", "party_members": "1", "tax": "x"})
    assert response.status_code == 200 and "请输入数字。" in text_of(response)
    text = text_of(client.post(url, data={"employees": "64", "party_members": "70", "output": "1.234"}))
    assert "党员人数（70）不能多于职工人数（64）。" in text and "金额以万元为单位，至多两位小数。" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseFigures)
                             .where(EnterpriseFigures.enterprise_id == blank.id)) == 1
    response = client.post(url, data={"employees": "70", "party_members": "0", "output": "3200.5", "tax": "96"})
    assert response.status_code == 302
    db.session.expire_all()
    rows = {f.year: f for f in db.session.get(Enterprise, blank.id).figures}
    assert (rows[2024].party_members, rows[2025].party_members, rows[2025].output) == (2, 0, Decimal("3200.5"))
    assert db.session.scalar(sa.select(AuditLog.after).where(AuditLog.entity == "enterprise_figures",
                                                              AuditLog.field == "output")) == "3200.5"
    assert "顺丰竹木制品厂" not in blanks(client.get("/coverage/?year=2025"))
    assert "顺丰竹木制品厂" in blanks(client.get("/coverage/?year=2024"))
    again = client.get(url)  # the form again, with its 变更记录 beneath (once a 500: the words were missing)
    assert again.status_code == 200 and "变更记录" in text_of(again) and "产值（万元） 3200.5" in text_of(again)


def test_office_registers_an_enterprise_with_no_branch(client, township, make_user, login):
    make_user("office", Role.OFFICE)
    login("office")
    response = client.post("/coverage/enterprises/new", data={"name": "宏达纸业有限公司", "employees": "5"})
    assert "企业“宏达纸业有限公司”已经登记过了。" in text_of(response)
    response = client.post("/coverage/enterprises/new", data={"name": "大源恒达包装材料有限公司", "employees": "132"})
    assert response.status_code == 302
    made = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == "大源恒达包装材料有限公司"))
    assert made.branch_id is None and made.employees == 132
    assert "大源恒达包装材料有限公司" in text_of(client.get("/coverage/?year=2025")).split("人以上尚无党员")[0]


def test_a_liaison_logs_a_visit_that_shows_on_the_branch_page(client, county, township, make_user, login, today):
    make_user("liaison", Role.LIAISON, ("branch_a",), display_name="刘联络")
    login("liaison")
    branch = county["branch_a"]
    form = client.get(f"/branches/{branch.id}/visits/new")
    assert "刘联络" in text_of(form)
    late = today + dt.timedelta(days=1)
    response = client.post(f"/branches/{branch.id}/visits/new", data={
        "visited_on": late.isoformat(), "form": "GUIDANCE", "content": "指导发展党员", "visitor": "刘联络"})
    assert "走访日期不能晚于今天。" in text_of(response)
    response = client.post(f"/branches/{branch.id}/visits/new", data={
        "visited_on": today.isoformat(), "form": "GUIDANCE", "content": "", "visitor": "刘联络"})
    assert "请填写走访或指导的内容。" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BranchVisit)) == 0
    response = client.post(f"/branches/{branch.id}/visits/new", data={
        "visited_on": today.isoformat(), "form": "GUIDANCE", "content": "指导支部做好发展党员工作", "visitor": "刘联络"})
    assert response.status_code == 302
    text = text_of(client.get(f"/branches/{branch.id}"))
    assert "业务指导 指导支部做好发展党员工作 刘联络" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.entity == "branch_visit")) >= 1
    assert client.get(f"/branches/{county['branch_b'].id}/visits/new").status_code == 404
    assert client.post(f"/branches/{county['branch_b'].id}/visits/new", data={
        "visited_on": today.isoformat(), "form": "VISIT", "content": "x", "visitor": "y"}).status_code == 404


def test_the_command_line_writes_the_county_report(app, township, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "coverage.pdf"
    result = runner.invoke(args=["report", "coverage", "--year", "2025", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "党支部 2 个，企业 3 家" in result.output and "顺丰竹木制品厂" in flat(out.read_bytes())
    out = tmp_path / "coverage.xlsx"
    assert runner.invoke(args=["report", "coverage", "--year", "2025", "-o", str(out)]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"
    result = runner.invoke(args=["report", "coverage", "-o", str(out)])
    assert result.exit_code != 0 and "--year" in result.output
    result = runner.invoke(args=["report", "awards", "-o", str(out)])
    assert result.exit_code != 0 and "--review" in result.output
