"""Concurrency on PostgreSQL, with real threads each on its own connection: two clerks editing one record, two
office users verifying one record, a review running while records change, two certificate print runs at once.
Each ends with no lost update, no error page, one audit entry per change that happened, and a review whose hash
matches what it froze."""
from __future__ import annotations

import hashlib
import json
import re

import pytest
import sqlalchemy as sa
from conftest import ON_SQLITE, build_demo, signed_in, text_of, together, use_snapshot, user_named

from app.activities import services as activities
from app.extensions import db
from app.models import Activity, ActivityParticipant, AuditLog, Certificate, RecordState, Review, Role, User
from app.reviews import services as reviews
from app.reviews.scoring import period_key
from app.timeutil import utcnow

pytestmark = [pytest.mark.skipif(ON_SQLITE, reason="threads against PostgreSQL (in-memory SQLite is one connection)"),
              pytest.mark.commits]
RULES = "2025-四个一-委员.yaml"


@pytest.fixture
def county(app):
    app.config["DEMO_MODE"] = True
    use_snapshot("demo", build_demo)
    clerk = user_named("clerk")
    second = User(username="clerk3", display_name="第二录入员", role=Role.CLERK, password_hash=clerk.password_hash,
                  units=list(clerk.units), must_change_password=False, password_changed_at=utcnow())
    db.session.add(second)
    db.session.commit()
    return clerk


def editable(clerk: User, state: RecordState) -> Activity:
    """A record of the clerk's units in `state`, about one member, without co-signers."""
    joint = sa.select(ActivityParticipant.activity_id)
    return db.session.scalars(sa.select(Activity).where(
        Activity.state == state, Activity.member_id.is_not(None), Activity.unit_id.in_([u.id for u in clerk.units]),
        Activity.id.not_in(joint)).order_by(Activity.id)).first()


def form_of(activity: Activity, **changes: str) -> dict[str, str]:
    fields = {"subject": f"m:{activity.member_id}", "kind": activity.kind, "title": activity.title,
              "occurred_on": activity.occurred_on.isoformat(), "description": activity.description,
              "outcome": activity.outcome, "level": activity.level, "instruction_level": activity.instruction_level,
              "amount": "" if activity.amount is None else str(activity.amount),
              "people_helped": "" if activity.people_helped is None else str(activity.people_helped),
              "counterpart": activity.counterpart, "support": activity.support, "signers": "",
              "version": str(activity.version)}
    return fields | changes


def updates_of(activity_id: int, action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity == "activity", AuditLog.entity_id == activity_id, AuditLog.action == action)) or 0


def test_two_clerks_editing_one_record_lose_no_update(app, county):
    record = editable(county, RecordState.DRAFT)
    version = record.version
    one, two = signed_in(app, "clerk"), signed_in(app, "clerk3")
    url = f"/activities/{record.id}/edit"
    first = form_of(record, title="甲录入员的标题")
    second = form_of(record, title="乙录入员的标题")
    before = updates_of(record.id, "update")
    answers = together(app, lambda: one.post(url, data=first), lambda: two.post(url, data=second))
    assert not any(isinstance(a, Exception) for a in answers), answers
    assert sorted(a.status_code for a in answers) == [200, 302], [a.headers.get("Location") for a in answers]
    loser = next(a for a in answers if a.status_code == 200)
    assert activities.stale() in text_of(loser)  # told someone else changed it, the typing kept in the form
    db.session.expire_all()
    stored = db.session.get(Activity, record.id)
    winner = first if next(a for a in answers if a.status_code == 302) is answers[0] else second
    assert stored.title == winner["title"] and stored.version == version + 1
    assert updates_of(record.id, "update") == before + 1


def test_two_office_users_verifying_one_record_verify_it_once(app, county):
    record = editable(county, RecordState.SUBMITTED)
    office = user_named("office")
    db.session.add(User(username="office2", display_name="办公室二", role=Role.OFFICE,
                        password_hash=office.password_hash, must_change_password=False, password_changed_at=utcnow()))
    db.session.commit()
    one, two = signed_in(app, "office"), signed_in(app, "office2")
    url = f"/activities/{record.id}/verify"
    data = {"version": str(record.version)}
    answers = together(app, lambda: one.post(url, data=data), lambda: two.post(url, data=data))
    assert not any(isinstance(a, Exception) for a in answers), answers
    assert all(a.status_code in (200, 302) for a in answers), [a.status_code for a in answers]
    db.session.expire_all()
    assert db.session.get(Activity, record.id).state == RecordState.VERIFIED
    assert updates_of(record.id, "verify") == 1


def test_a_review_running_while_records_change_matches_its_hash(app, county):
    submitted = [a.id for a in db.session.scalars(sa.select(Activity).where(
        Activity.state == RecordState.SUBMITTED, Activity.member_id.is_not(None)).limit(30))]
    office_id = user_named("office").id

    def review() -> int:
        made = reviews.run_review(reviews.rule_file(RULES), "2025", db.session.get(User, office_id))
        db.session.commit()
        return made.id

    def verify_all() -> int:
        office = db.session.get(User, office_id)
        for activity_id in submitted:
            activity = db.session.get(Activity, activity_id)
            assert activities.verify(activity, office) is None
            db.session.commit()
        return len(submitted)

    answers = together(app, review, verify_all)
    assert not any(isinstance(a, Exception) for a in answers), answers
    db.session.expire_all()
    frozen = db.session.get(Review, answers[0])
    inputs = json.loads(frozen.input_records)
    key = period_key(reviews.loaded_rules(frozen), frozen.period)  # 全年
    doc = {"rules": hashlib.sha256(bytes(frozen.rule_set.content)).hexdigest(), "period": key,
           "subjects": inputs["subjects"], "records": inputs["records"]}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == frozen.content_hash
    # every record the review saw was verified when it was read; running again now sees all thirty
    seen = {r["id"] for r in inputs["records"]}
    again = reviews.run_review(reviews.rule_file(RULES), "2025", user_named("office"))
    assert set(submitted) <= {r["id"] for r in json.loads(again.input_records)["records"]}
    assert seen <= {r["id"] for r in json.loads(again.input_records)["records"]}


def test_two_print_runs_at_once_never_share_a_number(app, finished_year):
    office_id = user_named("office").id
    from app.documents import kinds as documents

    def print_run() -> int:
        review = db.session.get(Review, finished_year.id)
        made = documents.make("certificates", review, documents.Options(), db.session.get(User, office_id),
                              print_run=True)
        db.session.commit()
        return made.pages

    answers = together(app, print_run, print_run)
    assert not any(isinstance(a, Exception) for a in answers), answers
    numbers = db.session.scalars(sa.select(Certificate.number)).all()
    assert len(numbers) == len(set(numbers)) == answers[0]
    assert all(re.fullmatch(r"2025-四个一-\d{4}", n) for n in numbers)
