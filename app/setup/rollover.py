"""换届: the next 届 started from the current one. Flush, never commit.

The office says who is re-appointed (连任): they are carried into the new 届 as they are, with their code, records,
account and results of earlier years. Everyone else of the old 届 leaves (离任) on its last day: kept with their
records and past reviews, shown as 已离任, and no longer offered for new records. The old 届 is closed and the new one
becomes the current 届; newcomers come with the roster import. Frozen reviews keep everyone as they were.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.models import Member, Term, User
from app.setup import terms
from app.setup.terms import Errors


@dataclass(frozen=True)
class Rollover:
    """What 换届 did: the new 届, and the members carried over and those who left."""

    term: Term
    carried: int
    left: int


def proposal(old: Term) -> dict[str, Any]:
    """The next 届's name, number and dates as the office will most likely want them: 第N+1届, from the day after
    the old 届 ends, as long as the old one."""
    years = max(1, old.ends_on.year - old.starts_on.year + 1)
    starts_on = old.ends_on + dt.timedelta(days=1)
    number = old.number + 1
    return {"name": f"第{_chinese(number)}届", "number": number, "starts_on": starts_on,
            "ends_on": dt.date(starts_on.year + years - 1, 12, 31)}


def _chinese(n: int) -> str:
    digits = "〇一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


def serving(old: Term) -> list[Member]:
    """The members of `old` still serving (not left): those the office chooses among."""
    return list(db.session.scalars(sa.select(Member).where(
        Member.term_id == old.id, Member.active, Member.left_on.is_(None)).order_by(Member.code)))


def start_next_term(old: Term, data: Mapping[str, Any], carried_ids: Collection[int], user: User | None,
                    ip: str = "") -> Rollover | Errors:
    """Start the next 届 after `old` with `data` (name, number, starts_on, ends_on) and carry the members in
    `carried_ids` into it; the other serving members of `old` leave on its last day. Returns the errors by field
    (nothing written) when the new 届 cannot be made.

    :raises terms.TermError: `old` is closed already, or is not the current 届, or `carried_ids` names someone
        who is not a serving member of it."""
    if old.closed_at is not None:
        raise terms.TermError(_("%(term)s已经关闭，不能再从它换届。", term=old.name))
    if terms.current_term() is not old:
        raise terms.TermError(_("只能从当前届次换届。"))
    members = serving(old)
    chosen = set(carried_ids)
    unknown = chosen - {m.id for m in members}
    if unknown:
        raise terms.TermError(_("所选的 %(n)s 人不是%(term)s在任的委员。", n=len(unknown), term=old.name))
    starts_on = data.get("starts_on")
    if starts_on is not None and starts_on <= old.ends_on:
        return {"starts_on": [_("新一届应在%(term)s结束（%(date)s）之后开始。", term=old.name,
                                date=old.ends_on.isoformat())]}
    new = Term()
    errors = terms.save_term(new, data, user, ip)
    if errors:
        return errors
    left = 0
    for member in members:
        if member.id in chosen:
            member.term_id = new.id
            changes: dict[str, tuple[Any, Any]] = {"term": (old.name, new.name)}
            if member.joined_on is None:  # served since the old 届 began: its years still count them
                member.joined_on = old.starts_on
                changes["joined_on"] = (None, old.starts_on)
            audit.record(user, "update", "member", member.id, changes, reason="换届连任", ip=ip)
        else:
            member.left_on = old.ends_on
            member.active = False
            audit.record(user, "update", "member", member.id,
                         {"left_on": (None, old.ends_on), "active": (True, False)}, reason="换届离任", ip=ip)
            left += 1
    db.session.flush()
    terms.close_term(old, user, ip)
    audit.record(user, "rollover", "term", new.id, {"carried": (None, len(chosen)), "left": (None, left)},
                 reason=f"{old.name} → {new.name}", ip=ip)
    return Rollover(new, len(chosen), left)
