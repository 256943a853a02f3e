"""The states a recorded fact passes through — 草稿 → 已提交 → 已核实, or 退回 — and the time stamps that go with them.

Records (Activity) and branch half-year results (BranchResult) move alike; the callers check who may move them and
write the audit rows.
"""
from __future__ import annotations

from typing import Any

from app.models import RecordState, User
from app.timeutil import utcnow


def move(row: Any, state: RecordState, user: User | None, reason: str = "") -> RecordState:
    """Put `row` in `state` with its stamps (submitted, verified by whom, the reason it went back); the old state.

    A row sent back (退回) is no longer verified: its verification stamps are cleared.
    """
    before = row.state
    row.state = state
    if state == RecordState.SUBMITTED:
        row.submitted_at = utcnow()
    elif state == RecordState.VERIFIED:
        row.verified_at = utcnow()
        row.verified_by_id = user.id if user is not None else None
        row.return_reason = ""
    elif state == RecordState.RETURNED:
        row.return_reason = reason
        row.verified_at = None
        row.verified_by_id = None
    return before
