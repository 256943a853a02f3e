"""A review sees each subject's official results of the years before (the newest frozen annual review of each year),
so the rule file's trigger "below 60 two years running" puts a member on the 通报 list in the second year."""
from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.awards import services as awards
from app.extensions import db
from app.models import AppraisalYear, ReviewEntry
from app.reviews import services as reviews

RULES = "2025-四个一-委员.yaml"


@pytest.fixture
def two_years(app, year, tmp_path):
    """The members' rule file of 2025, and the same for 2024 (as an office would keep last year's)."""
    source = app.config["SCORING_RULES_DIR"] / RULES
    shutil.copy(source, tmp_path / RULES)
    (tmp_path / "2024-四个一-委员.yaml").write_text(
        source.read_text(encoding="utf-8").replace("year: 2025", "year: 2024").replace("2025年度", "2024年度"),
        encoding="utf-8")
    app.config["SCORING_RULES_DIR"] = tmp_path
    db.session.add(AppraisalYear(year=2024, name="2024年度"))
    db.session.commit()


def flags(review, subject_id: int) -> list[str]:
    import json
    card = db.session.scalar(sa.select(ReviewEntry.card).where(ReviewEntry.review_id == review.id,
                                                               ReviewEntry.subject_id == subject_id))
    return [f["label"] for f in json.loads(card)["flags"]]


def test_below_the_pass_line_two_years_running_is_flagged_and_noticed(two_years, make_member):
    idle = make_member("闲散", code="W001")
    db.session.commit()
    first = reviews.run_review(reviews.rule_file(RULES), "2025", None)
    assert flags(first, idle.id) == []  # no 2024 review yet: nothing to compare with
    last_year = reviews.run_review(reviews.rule_file("2024-四个一-委员.yaml"), "2024", None)
    assert float(db.session.scalar(sa.select(ReviewEntry.score).where(ReviewEntry.review_id == last_year.id))) < 60
    second = reviews.run_review(reviews.rule_file(RULES), "2025", None)
    assert flags(second, idle.id) == ["连续两年考评低于 60 分"]
    assert any("连续两年" in why for n in awards.notices(second) if n.subject_id == idle.id for why in n.reasons)
    # in plain words, each year's score: not the rule's “连续 2 年低于 60 分”
    said = [why for n in awards.notices(second) if n.subject_id == idle.id for why in n.reasons if "连续" in why]
    last, this = (format(Decimal(db.session.scalar(sa.select(ReviewEntry.score).where(
        ReviewEntry.review_id == r.id, ReviewEntry.subject_id == idle.id))).normalize(), "f")
                  for r in (last_year, second))
    assert said == [f"连续两年考评低于 60 分（2024 年 {last} 分，2025 年 {this} 分）"]
    assert first.content_hash != second.content_hash  # the history is part of what the rules saw
