"""评分细则 in the web and on the command line: the shipped files as templates, a new year's draft with only the year
changed, mistakes shown at their line and column, every version kept, the comparison before adopting, adopting (one
version in force per year and subject, audited), and what adopting changes: entry forms and new reviews follow it,
frozen reviews do not. On an empty database as on the demo county."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import text_of, user_named

from app import rulefiles
from app.activities.services import ruleset_for
from app.extensions import db
from app.models import AppraisalYear, AuditLog, Role, RuleFile, RuleFileState, RuleSet, SubjectKind
from app.reviews import services as reviews

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = "2025-四个一-委员.yaml"
SHIPPED = (ROOT / "scoring_rules" / MEMBERS).read_text(encoding="utf-8")
LADDER = "steps: {提交: 10, 立案: 20}"


@pytest.fixture
def office(app, county, make_user, login):
    """An empty county's office signed in, with 2025 and 2026 open."""
    db.session.add_all([AppraisalYear(year=2025, name="2025年度"), AppraisalYear(year=2026, name="2026年度")])
    db.session.commit()
    user = make_user("office1", Role.OFFICE)
    login("office1")
    return user


def versions(year: int = 2026) -> list[RuleFile]:
    return list(db.session.scalars(sa.select(RuleFile).where(RuleFile.year == year).order_by(RuleFile.version)))


def new_draft(client, year: int = 2026, name: str = MEMBERS) -> RuleFile:
    response = client.post(f"/rules/templates/{name}", data={"year": str(year)})
    assert response.status_code == 302, text_of(response)
    return db.session.get(RuleFile, int(response.headers["Location"].rsplit("/", 1)[1]))


def test_the_shipped_files_are_in_force_until_the_county_adopts_its_own(client, office):
    page = text_of(client.get("/rules/"))
    assert "2025 年度" in page and "内置细则" in page and "2025年度政协委员“四个一”活动考评细则" in page
    assert "2026 年度" in page and "本年度还没有任何细则" in page
    assert ruleset_for(2025, "members").source_name == MEMBERS and ruleset_for(2026, "members") is None


def test_a_new_years_draft_from_a_template_changes_the_year_and_nothing_else(client, office):
    draft = new_draft(client)
    assert (draft.year, draft.subject_kind, draft.version, draft.state) == (2026, SubjectKind.MEMBERS, 1,
                                                                            RuleFileState.DRAFT)
    assert draft.filename == "2026-四个一-委员.yaml" and "内置细则" in draft.based_on
    changed = [(a, b) for a, b in zip(SHIPPED.split("\n"), draft.text.split("\n"), strict=True) if a != b]
    assert changed == [
        ("name: 2025年度政协委员“四个一”活动考评细则", "name: 2026年度政协委员“四个一”活动考评细则"),
        ("year: 2025", "year: 2026"),
        ("published_on: 2025-01-10     # 细则公示日期", "published_on: 2026-01-10     # 细则公示日期"),
        ("effective_from: 2025-01-01   # 施行日期", "effective_from: 2026-01-01   # 施行日期")]
    assert ruleset_for(2026, "members") is None  # a draft is not in force
    page = text_of(client.get(f"/rules/{draft.id}"))
    assert "检查通过" in page and "第 1 版" in page and "草稿" in page


def test_mistakes_are_shown_at_their_line_and_column_and_a_version_with_mistakes_cannot_be_adopted(client, office):
    draft = new_draft(client)
    broken = draft.text.replace(LADDER, "steps: {提交: 十分, 立案: 20}")
    line = next(i for i, text in enumerate(broken.split("\n"), start=1) if "十分" in text)
    column = broken.split("\n")[line - 1].index("十分") + 1
    page = text_of(client.post(f"/rules/{draft.id}", data={"text": broken, "check": "检查"}))
    assert "检查发现 1 处错误" in page and f"第 {line} 行第 {column} 列" in page and "尚未保存" in page
    assert len(versions()) == 1  # 检查 saves nothing

    response = client.post(f"/rules/{draft.id}", data={"text": broken, "save": "保存", "note": "改错了"})
    second = versions()[-1]
    assert response.status_code == 302 and second.version == 2 and "十分" in second.text
    assert db.session.get(RuleFile, draft.id).text == draft.text  # the version edited stays as it was
    assert f"第 {line} 行第 {column} 列" in text_of(client.get(f"/rules/{second.id}"))
    refused = client.post(f"/rules/{second.id}/adopt", follow_redirects=True)
    assert "有 1 处错误，改正后才能启用" in text_of(refused)
    assert db.session.get(RuleFile, second.id).state == RuleFileState.DRAFT
    assert client.get(f"/rules/{second.id}/compare", follow_redirects=True).status_code == 200


def test_adopting_puts_a_version_in_force_replaces_the_last_one_and_is_audited(client, office, make_member):
    make_member("张三")
    first = new_draft(client)
    page = text_of(client.get(f"/rules/{first.id}/compare?period=2026"))
    assert "还没有施行中的细则" in page and "张三" in page
    assert client.post(f"/rules/{first.id}/adopt").status_code == 302
    assert ruleset_for(2026, "members").name == "2026年度政协委员“四个一”活动考评细则"
    assert rulefiles.version_in_force(ruleset_for(2026, "members")).id == first.id

    client.post(f"/rules/{first.id}", data={"text": first.text.replace(LADDER, "steps: {提交: 12, 立案: 20}"),
                                            "save": "保存", "note": "提交提案 12 分"})
    second = versions()[-1]
    assert "比较 2026" in text_of(client.get(f"/rules/{second.id}"))
    assert client.post(f"/rules/{second.id}/adopt").status_code == 302
    states = {v.version: v.state for v in versions()}
    assert states == {1: RuleFileState.SUPERSEDED, 2: RuleFileState.ACTIVE}
    assert rulefiles.version_in_force(ruleset_for(2026, "members")).id == second.id
    log = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "rule_file", AuditLog.field == "in_force")
                             .order_by(AuditLog.id)).all()
    assert [(e.before, e.after) for e in log] == [("内置细则", "2026 政协委员 第1版"),
                                                  ("第1版", "2026 政协委员 第2版")]
    listing = text_of(client.get("/rules/"))
    assert "本县第 2 版" in listing


def test_the_database_keeps_one_version_in_force(office):
    first = rulefiles.save_version(2026, SubjectKind.MEMBERS, "a.yaml", b"x", None)
    second = rulefiles.save_version(2026, SubjectKind.MEMBERS, "a.yaml", b"y", None)
    first.state = second.state = RuleFileState.ACTIVE
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_on_the_demo_the_comparison_names_who_moves_and_reviews_freeze_the_bytes_they_used(client, as_user, demo):
    as_user("office")
    before = reviews.run_review(reviews.rule_file(MEMBERS), "2025", user_named("office"))
    draft = new_draft(client, 2025)
    client.post(f"/rules/{draft.id}", data={"text": draft.text.replace(LADDER, "steps: {提交: 10, 立案: 40}"),
                                            "save": "保存"})
    mine = versions(2025)[-1]
    page = text_of(client.get(f"/rules/{mine.id}/compare?period=2025"))
    changed = int(re.search(r"其中 (\d+) 个的得分", page)[1])
    assert changed > 0 and "→" in page and "内置细则" in page
    assert client.post(f"/rules/{mine.id}/adopt").status_code == 302
    after = reviews.run_review(reviews.rule_file(MEMBERS), "2025", user_named("office"))
    db.session.commit()
    assert "立案: 40}" in mine.text and "立案: 40}" not in SHIPPED
    assert db.session.get(RuleSet, after.rule_set_id).content == mine.content
    assert db.session.get(RuleSet, before.rule_set_id).content.decode() == SHIPPED  # frozen on what it used
    assert after.content_hash != before.content_hash


def test_an_upload_with_mistakes_is_kept_as_a_draft_and_one_that_says_nothing_is_refused(client, office):
    broken = SHIPPED.replace("year: 2025", "year: 2025\nyear: 2026")
    response = client.post("/rules/upload", data={"file": (io.BytesIO(broken.encode()), "本县.yaml"),
                                                  "year": "2026", "subject_kind": "MEMBERS"},
                           content_type="multipart/form-data")
    kept = versions()[-1]
    assert response.status_code == 302 and kept.filename == "本县.yaml" and kept.state == RuleFileState.DRAFT
    assert "重复的键" in text_of(client.get(f"/rules/{kept.id}"))
    response = client.post("/rules/upload", data={"file": (io.BytesIO(b"{{{"), "x.yaml")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "请在上传时选择年度和考评对象" in text_of(response) and len(versions()) == 1


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.MEMBER, Role.LIAISON])
def test_only_the_office_and_the_admin_keep_the_rules(client, county, make_user, login, role):
    draft = rulefiles.save_version(2025, SubjectKind.MEMBERS, "a.yaml", SHIPPED.encode(), None)
    db.session.commit()
    make_user("someone", role, units=("committee_a",) if role == Role.CLERK else ())
    login("someone")
    for url in ("/rules/", f"/rules/{draft.id}", f"/rules/{draft.id}/compare", f"/rules/{draft.id}/download"):
        assert client.get(url).status_code == 403, url
    for url in (f"/rules/{draft.id}/adopt", f"/rules/{draft.id}/copy", f"/rules/templates/{MEMBERS}"):
        assert client.post(url).status_code == 403, url
    assert db.session.get(RuleFile, draft.id).state == RuleFileState.DRAFT


def test_a_template_name_is_never_a_path(client, office):
    assert client.post("/rules/templates/..%2Fconfig.py", data={"year": "2026"}).status_code == 404
    assert client.post("/rules/templates/nothing.yaml", data={"year": "2026"}).status_code == 404


def test_the_command_line_adopts_lists_and_carries_forward(app, tmp_path):
    runner = app.test_cli_runner()
    mine = tmp_path / "本县2025.yaml"
    mine.write_text(SHIPPED.replace(LADDER, "steps: {提交: 11, 立案: 20}"), encoding="utf-8")
    result = runner.invoke(args=["rules", "adopt", str(mine)])
    assert result.exit_code == 0 and "2025 年度“政协委员”第 1 版已启用（替换内置细则）" in result.output
    listing = runner.invoke(args=["rules", "list", "--year", "2025"]).output
    assert "政协委员\t本县第 1 版\t本县2025.yaml" in listing and "组织单位\t内置细则" in listing
    carried = runner.invoke(args=["rules", "carry-forward", "2025", "2026", "--adopt"])
    assert carried.exit_code == 0 and carried.output.count("（已启用）") == 4
    carried_text = rulefiles.version_in_force(ruleset_for(2026, "members")).text
    assert "steps: {提交: 11, 立案: 20}" in carried_text and "year: 2026" in carried_text  # the county's version
    again = runner.invoke(args=["rules", "carry-forward", "2025", "2026"])
    assert "已有各考评对象的细则" in again.output

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nyear: 2027\nsubject: members\nkinds: [\n", encoding="utf-8")
    result = runner.invoke(args=["rules", "adopt", str(bad)])
    assert result.exit_code == 1 and re.search(r"bad\.yaml:\d+:\d+: ", result.output) and "未启用任何细则" in result.output
    assert not versions(2027)


def test_the_year_change_leaves_comments_and_month_day_periods_alone():
    text = "# 2025 年度 细则\nname: 2025年度细则  # 2025\nyear: 2025\nperiods:\n  H1: {from: 01-01, to: 06-30}\n"
    assert rulefiles.with_year(text.encode(), 2025, 2026).decode() == (
        "# 2025 年度 细则\nname: 2026年度细则  # 2025\nyear: 2026\nperiods:\n  H1: {from: 01-01, to: 06-30}\n")


def test_opening_a_year_carries_last_years_rules_forward_as_drafts(app, county, make_user, login, client):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    db.session.commit()
    make_user("admin1", Role.ADMIN)
    login("admin1")
    page = text_of(client.post("/setup/years/open", data={"year": "2026", "carry": "y"}, follow_redirects=True))
    assert "已把 2025 年度的 4 份评分细则转入为 2026 年度的草稿" in page
    drafts = versions()
    assert {d.subject_kind for d in drafts} == set(SubjectKind) and all(d.state == RuleFileState.DRAFT for d in drafts)
    assert ruleset_for(2026, "members") is None  # drafts until the office adopts them
    page = text_of(client.post("/setup/years/open", data={"year": "2027"}, follow_redirects=True))
    assert "已开放 2027 年度的录入" in page and not versions(2027)  # the box left unticked


def test_the_years_command_carries_forward_unless_told_not_to(app, county):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["years", "open", "2026"])
    assert result.exit_code == 0 and result.output.count("已转入为 2026 年度第 1 版（草稿）") == 4
    result = runner.invoke(args=["years", "open", "2027", "--no-carry"])
    assert result.exit_code == 0 and not versions(2027)


def test_the_drafts_a_year_opened_with_are_listed_and_adopted_from_the_command_line(app, county):
    """years open 2026 carried four drafts: `rules list` shows them as not yet adopted, `rules adopt-drafts 2026
    --subject members` adopts the members' one only, and a second run adopts the rest."""
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    db.session.commit()
    runner = app.test_cli_runner()
    assert "rules adopt-drafts 2026" in runner.invoke(args=["years", "open", "2026"]).output
    listing = runner.invoke(args=["rules", "list", "--year", "2026"]).output
    assert "没有施行中的细则" in listing and listing.count("草稿第 1 版（未启用）") == 4
    result = runner.invoke(args=["rules", "adopt-drafts", "2026", "--subject", "members"])
    assert result.exit_code == 0 and result.output.strip() == "2026 年度“政协委员”第 1 版已启用：2026-四个一-委员.yaml"
    assert ruleset_for(2026, "members") is not None and ruleset_for(2026, "units") is None
    listing = runner.invoke(args=["rules", "list", "--year", "2026"]).output
    assert "2026\t政协委员\t本县第 1 版" in listing and listing.count("（未启用）") == 3
    assert runner.invoke(args=["rules", "adopt-drafts", "2026"]).output.count("已启用") == 3
    assert "2026 年度没有待启用的草稿" in runner.invoke(args=["rules", "adopt-drafts", "2026"]).output


def test_adopt_drafts_adopts_none_when_one_draft_has_a_mistake(app, county):
    db.session.add(AppraisalYear(year=2025, name="2025年度"))
    db.session.commit()
    runner = app.test_cli_runner()
    runner.invoke(args=["years", "open", "2026"])
    members = next(v for v in versions(2026) if v.subject_kind == SubjectKind.MEMBERS)
    rulefiles.save_version(2026, SubjectKind.MEMBERS, members.filename, members.content + b"\nkinds: [\n", None)
    db.session.commit()
    result = runner.invoke(args=["rules", "adopt-drafts", "2026"])
    assert result.exit_code == 1 and "未启用任何细则" in result.output
    assert all(v.state == RuleFileState.DRAFT for v in versions(2026))
