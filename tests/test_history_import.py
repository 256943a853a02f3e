"""历年考评结果: last years' official results entered by the office (web and `flask import history`), so the rule
file's "连续两年低于60分" fires in the county's first year in the system; shown on the member's page; every bad row
reported at its cell and nothing written; a year the system reviewed itself is not overwritten."""
from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
import sqlalchemy as sa
from conftest import text_of, xlsx
from test_imports import confirm

from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import HistoricalResult, ReviewEntry, Role, SubjectKind
from app.reviews import services as reviews

HEADERS = ["考评对象", "编号", "姓名", "年度", "得分", "等次", "备注"]
RULES = "2025-四个一-委员.yaml"


@pytest.fixture
def people(year, make_member):
    """An empty county's 2025, with three members (two of them named alike)."""
    found = {"idle": make_member("闲散", code="W001"), "busy": make_member("勤勉", code="W002"),
             "twin1": make_member("王伟", code="W003"), "twin2": make_member("王伟", code="W004")}
    db.session.commit()
    return found


def flags(review, subject_id: int) -> list[str]:
    card = db.session.scalar(sa.select(ReviewEntry.card).where(ReviewEntry.review_id == review.id,
                                                               ReviewEntry.subject_id == subject_id))
    return [f["label"] for f in json.loads(card)["flags"]]


def importing(rows, dry_run=False):
    outcome = run_import(DATASETS["history"], xlsx("历年考评结果", HEADERS, rows), "history.xlsx", None, dry_run)
    if outcome.ok and not dry_run:
        db.session.commit()
    else:
        db.session.rollback()
    return outcome


def test_last_years_result_makes_below_60_two_years_running_fire_in_the_first_year(people):
    outcome = importing([["委员", "W001", "闲散", 2024, "52.5", "不合格", "2024年度考核通报"],
                         [None, "W002", None, 2024, 88, "良好", None]])
    assert outcome.ok and outcome.counts == {"新增": 2, "修改": 0, "不变": 0}
    review = reviews.run_review(reviews.rule_file(RULES), "2025", None)
    assert flags(review, people["idle"].id) == ["连续两年考评低于 60 分"]  # no 2025 records: below 60 again
    assert flags(review, people["busy"].id) == []  # 2024 was 88


def test_without_last_year_nothing_fires(people):
    review = reviews.run_review(reviews.rule_file(RULES), "2025", None)
    assert flags(review, people["idle"].id) == []


def test_every_bad_row_is_reported_at_its_cell_and_nothing_is_written(people):
    outcome = importing([
        ["委员", "W009", None, 2024, 70, None, None],          # no such member
        ["委员", None, "王伟", 2024, 70, None, None],           # two of them
        ["委员", "W001", "勤勉", 2024, 70, None, None],         # code and name disagree
        ["委员", "W002", None, 1980, 70, None, None],          # too early
        ["委员", "W002", None, 2024, "1001", None, None],      # out of range
        ["委员", "W002", None, 2023, "七十", None, None],        # not a number
        ["委员", "W003", None, 2024, 70, None, None],
        ["委员", "W003", None, 2024, 71, None, None],          # the same member and year twice
        ["领导", "W002", None, 2024, 70, None, None],          # not a kind
        ["委员", "W002", None, 2022, None, None, None],        # no score
    ])
    assert not outcome.ok and outcome.counts["新增"] <= 1
    errors = outcome.errors
    assert "history.xlsx:历年考评结果:2:编号: 找不到编号为“W009”的政协委员" in errors
    assert "history.xlsx:历年考评结果:3:姓名: 有 2 个名为“王伟”的政协委员，请填写编号" in errors
    assert "history.xlsx:历年考评结果:4:姓名: W001 是闲散，不是勤勉" in errors
    assert any(e.startswith("history.xlsx:历年考评结果:5:年度: 年度 1980 不在 1990–") for e in errors)
    assert "history.xlsx:历年考评结果:6:得分: 得分 1001 应在 0–1000 之间，至多四位小数" in errors
    assert any(e.startswith("history.xlsx:历年考评结果:7:得分:") for e in errors)
    assert "history.xlsx:历年考评结果:9: 与第 8 行是同一对象同一年度" in errors
    assert any(e.startswith("history.xlsx:历年考评结果:10:考评对象:") for e in errors)
    assert any(e.startswith("history.xlsx:历年考评结果:11:得分:") for e in errors)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HistoricalResult)) == 0


def test_importing_again_updates_and_a_year_the_system_reviewed_is_refused(people):
    importing([["委员", "W001", None, 2024, 52, "不合格", None]])
    outcome = importing([["委员", "W001", None, 2024, 58, "不合格", "更正"], ["委员", "W002", None, 2024, 90, "优秀", None]])
    assert outcome.counts == {"新增": 1, "修改": 1, "不变": 0}
    stored = db.session.scalar(sa.select(HistoricalResult).where(HistoricalResult.subject_id == people["idle"].id))
    assert (stored.score, stored.note) == (Decimal("58"), "更正")
    reviews.run_review(reviews.rule_file(RULES), "2025", None)
    db.session.commit()
    refused = importing([["委员", "W001", None, 2025, 80, None, None]])
    assert refused.errors == ["history.xlsx:历年考评结果:2:年度: 2025 年度的政协委员全年总结已在系统内完成，以系统结果为准，不必录入"]


def test_units_and_branches_by_name(year, county):
    outcome = importing([["单位", None, "提案委员会", 2024, 81, None, None],
                         ["党支部", None, "宏达纸业党支部", 2024, 77, None, None]])
    assert outcome.ok
    kinds = set(db.session.scalars(sa.select(HistoricalResult.subject_kind)))
    assert kinds == {SubjectKind.UNITS, SubjectKind.BRANCHES}


def test_the_office_imports_on_the_web_and_the_member_page_shows_the_years(client, people, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    page = text_of(client.get("/imports/"))
    assert "历年考评结果" in page
    data = xlsx("历年考评结果", HEADERS, [["委员", "W001", "闲散", 2024, "52.5", "不合格", None]])
    response = client.post("/imports/history/check", data={"file": (io.BytesIO(data), "h.xlsx")},
                           content_type="multipart/form-data")
    assert "新增 1 行" in text_of(response)
    confirmed = confirm(client, response, "history")
    assert "已导入" in text_of(confirmed)
    detail = text_of(client.get(f"/members/{people['idle'].id}"))
    assert "历年考评结果" in detail and "2024 52.5 不合格 办公室录入" in detail


def test_a_clerk_cannot_import_history(client, people, make_user, login):
    make_user("clerk1", Role.CLERK, units=("committee_a",))
    login("clerk1")
    data = xlsx("历年考评结果", HEADERS, [["委员", "W001", None, 2024, 50, None, None]])
    response = client.post("/imports/history/check", data={"file": (io.BytesIO(data), "h.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HistoricalResult)) == 0


def test_the_command_imports_and_reports(app, people, tmp_path):
    good = tmp_path / "h.xlsx"
    good.write_bytes(xlsx("历年考评结果", HEADERS, [["委员", "W001", None, 2024, 50, None, None]]))
    result = app.test_cli_runner().invoke(args=["import", "history", str(good)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(HistoricalResult.score)) == Decimal(50)
