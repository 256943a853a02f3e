"""The same records and rules give the same review on SQLite and on PostgreSQL, byte for byte: the demo county's
reviews (every subject kind, the half-year and the year) must match what tests/golden/demo_reviews.json recorded.
CI runs this file on both databases against the one golden file, so a difference between them fails one of them.

The golden file is written by the code, not by hand: after a deliberate change to the demo county, a rule file or
the engine, regenerate it with `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_reviews_golden.py` and
review the diff."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import ReviewEntry
from app.reviews import services as reviews

GOLDEN = Path(__file__).parent / "golden" / "demo_reviews.json"
RUNS = [("2025-四个一-委员.yaml", "2025H1"), ("2025-四个一-委员.yaml", "2025"), ("2025-四个一-单位.yaml", "2025"),
        ("2025-双比双争-党支部.yaml", "2025"), ("2025-双比双争-党员.yaml", "2025")]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_demo_countys_reviews_are_the_same_on_every_database(demo):
    found = {}
    for rules, period in RUNS:
        review = reviews.run_review(reviews.rule_file(rules), period, None)
        entries = db.session.execute(sa.select(
            ReviewEntry.subject_id, ReviewEntry.subject_name, ReviewEntry.score, ReviewEntry.grade, ReviewEntry.rank,
            ReviewEntry.group, ReviewEntry.group_rank, ReviewEntry.eligible, ReviewEntry.places, ReviewEntry.flags,
            ReviewEntry.card).where(ReviewEntry.review_id == review.id).order_by(ReviewEntry.subject_id)).all()
        found[f"{rules} {period}"] = {
            "content_hash": review.content_hash, "input_records": digest(review.input_records),
            "subjects": len(entries), "entries": digest(json.dumps([list(e) for e in entries], ensure_ascii=False))}
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(found, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert found == expected, "the demo county's reviews differ from tests/golden/demo_reviews.json (see its docstring)"
    assert all(run["subjects"] > 0 for run in found.values())
