"""The audit log helper: values as text, differences, and passwords never stored."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app import audit
from app.extensions import db
from app.models import AuditLog, Role, UnitKind


def test_values_read_as_text():
    assert audit.as_text(None) == ""
    assert audit.as_text(True) == "是" and audit.as_text(False) == "否"
    assert audit.as_text(UnitKind.BRANCH) == "党支部"
    assert audit.as_text(dt.date(2012, 7, 1)) == "2012-07-01"
    assert audit.as_text(dt.datetime(2012, 7, 1, 8, 30)) == "2012-07-01 08:30:00"
    assert audit.as_text(["乙", "甲"]) == "乙、甲" and audit.as_text({"乙", "甲"}) == "乙、甲"
    assert audit.as_text(0) == "0"


def test_diff_keeps_only_what_changed():
    before = {"name": "张三", "active": True, "units": ["甲"]}
    after = {"name": "张三", "active": False, "units": ["甲", "乙"], "role": Role.CLERK}
    assert audit.diff(before, after) == {"active": (True, False), "units": (["甲"], ["甲", "乙"]),
                                         "role": (None, Role.CLERK)}
    assert audit.diff({"n": 0}, {"n": 0}) == {}


def test_record_writes_one_row_per_field_and_never_a_password(app, make_user):
    user = make_user("root", Role.ADMIN)
    rows = audit.record(user, "update", "user", 7, {"display_name": ("甲", "乙"), "password": ("old", "new"),
                                                    "password_hash": ("$argon2id$a", "$argon2id$b")},
                        reason="测试", ip="10.0.0.1")
    db.session.commit()
    stored = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
    assert [r.id for r in rows] == [r.id for r in stored]
    assert [(r.field, r.before, r.after) for r in stored] == [
        ("display_name", "甲", "乙"), ("password", "", ""), ("password_hash", "", "")]
    assert all(r.user_id == user.id and r.entity == "user" and r.entity_id == 7 and r.reason == "测试"
               and r.ip == "10.0.0.1" for r in stored)


def test_record_without_changes_writes_one_row(app):
    rows = audit.record(None, "unlock", "user", 3)
    assert len(rows) == 1 and rows[0].field == "" and rows[0].user_id is None
