"""引一企 as a register of leads and projects: a project keeps the date of each stage it reached and its 跟踪服务; a
stage reported for verification becomes the 引一企 record the rules score, and one project scores once a period
however many of its stages were reported; scoped like the records; out and back in as a spreadsheet."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of
from test_pairings import errors_beside, record_form, sign_in

from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import Activity, AuditLog, Category, Project, ProjectProgress, ProjectStage, RecordState, Role, User
from app.reviews import services as reviews


@pytest.fixture
def people(year, make_member, make_user):
    zhang = make_member("张三", code="W001")
    li = make_member("李四", code="W003", sector="sector_b", committee="committee_b", liaison="liaison_b")
    db.session.commit()
    make_user("clerk_a", Role.CLERK, units=("committee_a",))
    make_user("clerk_b", Role.CLERK, units=("committee_b",))
    make_user("office", Role.OFFICE)
    make_user("zhang", Role.MEMBER, member_id=zhang.id)
    return {"zhang": zhang, "li": li, "county": year}


def new_project(member, **changes):
    data = {"subject": f"m:{member.id}", "name": "新材料产业园项目", "investor": "华中新材料有限公司",
            "industry": "造纸产业", "amount": "1200", "others": "", "note": ""}
    data.update(changes)
    return data


@pytest.fixture
def project(client, login, people):
    sign_in(client, login, "clerk_a")
    response = client.post("/projects/new", data=new_project(people["zhang"]))
    assert response.status_code == 302, text_of(response)
    return db.session.scalars(sa.select(Project)).one()


def reach(client, project, stage, on, note=""):
    return client.post(f"/projects/{project.id}/stages", data={"stage": stage, "reached_on": on, "note": note})


def test_a_project_is_registered_with_errors_beside_fields_and_audited(client, login, people):
    sign_in(client, login, "clerk_a")
    bad = client.post("/projects/new", data=new_project(people["zhang"], name="", amount="-5"))
    assert "请填写项目名称" in errors_beside(bad, "name") and "不能为负数" in errors_beside(bad, "amount")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 0
    assert client.post("/projects/new", data=new_project(people["zhang"])).status_code == 302
    project = db.session.scalars(sa.select(Project)).one()
    assert (project.code, project.amount, project.member_id) == ("YQ0001", 1200, people["zhang"].id)
    assert db.session.scalar(sa.select(AuditLog.id).where(AuditLog.entity == "project")) is not None


def test_stages_and_services_are_logged_with_errors_beside_fields(client, project):
    assert "请选择阶段" in errors_beside(reach(client, project, "", "2025-03-01"), "stage")
    assert "不能晚于今天" in errors_beside(reach(client, project, "SIGNED", "2999-01-01"), "reached_on")
    assert reach(client, project, "INFO", "2025-02-01").status_code == 302
    assert reach(client, project, "SIGNED", "2025-05-01", "签订投资协议").status_code == 302
    assert reach(client, project, "SIGNED", "2025-05-08", "改正日期").status_code == 302  # the same stage: corrected
    bad = client.post(f"/projects/{project.id}/services", data={"occurred_on": "2025-06-01", "content": ""})
    assert "请填写服务内容" in errors_beside(bad, "content")
    client.post(f"/projects/{project.id}/services", data={"occurred_on": "2025-06-01", "content": "协调用电"})
    page = text_of(client.get(f"/projects/{project.id}"))
    assert "2025年5月8日" in page and "签订投资协议" not in page and "协调用电" in page
    assert [s.stage for s in db.session.get(Project, project.id).stages] == [ProjectStage.INFO, ProjectStage.SIGNED]
    listed = text_of(client.get("/projects/?stage=SIGNED&year=2025"))
    assert "新材料产业园项目" in listed and "签约" in listed
    assert "新材料产业园项目" not in text_of(client.get("/projects/?stage=LANDED"))


def test_another_units_clerk_gets_404_and_the_member_reads_only(client, login, project):
    sign_in(client, login, "clerk_b")
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert reach(client, project, "INFO", "2025-02-01").status_code == 404
    assert "新材料产业园项目" not in text_of(client.get("/projects/"))
    sign_in(client, login, "zhang")
    assert "新材料产业园项目" in text_of(client.get(f"/projects/{project.id}"))
    assert client.get(f"/projects/{project.id}/edit").status_code == 403
    assert reach(client, project, "INFO", "2025-02-01").status_code == 403


def test_a_projects_stages_reported_in_one_year_score_once(client, login, people, project):
    """Signed, then landed, then the landing entered twice over in records: one project, one score (the best)."""
    reach(client, project, "SIGNED", "2025-04-01")
    reach(client, project, "LANDED", "2025-09-01")
    for progress in db.session.scalars(sa.select(ProjectProgress)).all():
        response = client.post(f"/projects/{project.id}/stages/{progress.id}/record")
        assert response.status_code == 302 and "/activities/" in response.location
    again = db.session.scalars(sa.select(ProjectProgress)).first()
    assert "已报送" in text_of(client.post(f"/projects/{project.id}/stages/{again.id}/record", follow_redirects=True))
    records = db.session.scalars(sa.select(Activity).order_by(Activity.occurred_on)).all()
    assert [(a.kind, a.outcome, a.project_id, a.category) for a in records] == [
        ("引进企业", "签约", project.id, Category.ENTERPRISE), ("引进企业", "落地", project.id, Category.ENTERPRISE)]
    assert records[1].amount == 1200 and records[1].state == RecordState.SUBMITTED
    sign_in(client, login, "office")
    for activity in records:
        client.post(f"/activities/{activity.id}/verify", data={"version": str(activity.version)})
    review = reviews.run_review(reviews.rule_file("2025-四个一-委员.yaml"), "2025", None)
    db.session.commit()
    zhang = people["zhang"]
    page = text_of(client.get(f"/reviews/{review.id}/subjects/{zhang.id}"))
    assert "新材料产业园项目：落地" in page
    assert "引一企(20分) 0 20 20" in page  # 落地 ≥ 1000 万元: 20; the signing of the same project adds nothing
    assert "不重复计分" in page


def test_the_export_imports_back_unchanged_and_a_new_stage_date_is_a_change(client, login, people, project):
    reach(client, project, "INFO", "2025-02-01")
    sign_in(client, login, "office")
    data = client.get("/projects/?export=xlsx").get_data()
    office = db.session.scalar(sa.select(User).where(User.username == "office"))
    outcome = run_import(DATASETS["projects"], data, "项目.xlsx", office, dry_run=True)
    assert outcome.ok and outcome.counts == {"新增": 0, "修改": 0, "不变": 1}, outcome.errors
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["引一企项目"]
    headers = [str(c.value).rstrip("*") for c in sheet[1]]
    sheet.cell(2, headers.index("签约日期") + 1, dt.date(2025, 4, 1))
    new = [c.value for c in sheet[2]]
    new[0], new[1], new[headers.index("引进方编号")], new[headers.index("引进方名称")] = "YQ0050", "物流园", "W003", "李四"
    sheet.append(new)
    out = io.BytesIO()
    book.save(out)
    outcome = run_import(DATASETS["projects"], out.getvalue(), "项目.xlsx", office, dry_run=False)
    db.session.commit()
    assert outcome.counts == {"新增": 1, "修改": 1, "不变": 0}, outcome.errors
    stages = {s.stage: s.reached_on for s in db.session.get(Project, project.id).stages}
    assert stages == {ProjectStage.INFO: dt.date(2025, 2, 1), ProjectStage.SIGNED: dt.date(2025, 4, 1)}
    assert db.session.scalar(sa.select(Project).where(Project.code == "YQ0050")).member_id == people["li"].id


def test_the_record_form_names_the_subjects_project_only(client, login, people, project):
    base = record_form(kind="引进企业", occurred_on="2025-03-01", title="引进华中新材料落地", outcome="落地",
                       amount="1200")
    form = client.get(f"/activities/new/ENTERPRISE?project={project.id}").get_data(as_text=True)
    assert f'<option selected value="{project.id}">张三 — 新材料产业园项目（YQ0001）' in form
    sign_in(client, login, "office")  # sees both members: the project is 张三's, not 李四's
    wrong = client.post("/activities/new/ENTERPRISE", data={**base, "subject": f"m:{people['li'].id}",
                                                            "project": str(project.id)})
    assert "所选结对或项目不是该对象的" in errors_beside(wrong, "project")
    assert client.post("/activities/new/ENTERPRISE", data={**base, "subject": f"m:{people['zhang'].id}",
                                                           "project": str(project.id)}).status_code == 302
    record = db.session.scalars(sa.select(Activity)).one()
    assert record.project_id == project.id and record.counterpart == "华中新材料有限公司"


def test_a_project_a_record_names_keeps_its_member(client, login, people, project):
    reach(client, project, "INFO", "2025-02-01")
    progress = db.session.scalars(sa.select(ProjectProgress)).one()
    client.post(f"/projects/{project.id}/stages/{progress.id}/record")
    sign_in(client, login, "office")
    moved = client.post(f"/projects/{project.id}/edit", data=new_project(people["li"]))
    assert "不能更换委员或单位" in errors_beside(moved, "subject")
    assert db.session.get(Project, project.id).member_id == people["zhang"].id
