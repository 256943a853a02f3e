"""Member use cases: list with search and filters, save. Flush, never commit."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.auth.scope import scoped
from app.extensions import db
from app import unit_history
from app.models import (Activity, ActivityParticipant, Attendance, Category, Gender, Member, Meeting, RecordState,
                        Term, Unit, UnitKind)
from app.pinyin import search_key
from app.timeutil import beijing_today
from app.web import name_search


def unit_choices(kind: UnitKind) -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in db.session.scalars(
        sa.select(Unit).where(Unit.kind == kind, Unit.active).order_by(Unit.sort_order, Unit.id))]


def term_choices() -> list[tuple[int, str]]:
    return [(t.id, t.name) for t in db.session.scalars(sa.select(Term).order_by(Term.number.desc()))]


def filter_units() -> list[Unit]:
    """The units in scope a member list can be narrowed to: 专委会, 界别活动组, 联络处."""
    return list(db.session.scalars(scoped(Unit).where(
        Unit.kind.in_([UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE]))
        .order_by(Unit.kind, Unit.sort_order, Unit.id)))


def member_query(q: str = "", unit_id: int | None = None, standing: str = "",
                 include_inactive: bool = False) -> sa.Select[tuple[Member]]:
    """Members the signed-in user may see, filtered; ordered by pinyin-free stable keys (code)."""
    stmt = scoped(Member).options(selectinload(Member.sector), selectinload(Member.committee),
                                  selectinload(Member.liaison))
    if q:
        stmt = stmt.where(name_search(Member.name, Member.search_key, q))
    if unit_id:
        stmt = stmt.where(sa.or_(Member.sector_id == unit_id, Member.committee_id == unit_id,
                                 Member.liaison_id == unit_id))
    if standing == "1":
        stmt = stmt.where(Member.is_standing)
    elif standing == "0":
        stmt = stmt.where(~Member.is_standing)
    if not include_inactive:
        stmt = stmt.where(Member.active)
    return stmt.order_by(Member.code)


def member_sorts() -> dict[str, sa.ColumnElement[object]]:
    """The member list's sortable columns (`?sort=`): a whitelist, so nothing else reaches ORDER BY."""
    def unit_name(column: sa.ColumnElement[object]) -> sa.ColumnElement[object]:
        return sa.select(Unit.name).where(Unit.id == column).scalar_subquery()
    return {"code": Member.code, "name": Member.search_key, "gender": Member.gender, "party": Member.party,
            "sector": unit_name(Member.sector_id), "committee": unit_name(Member.committee_id),
            "liaison": unit_name(Member.liaison_id), "employer": Member.employer}


def save_member(member: Member, data: dict[str, Any]) -> dict[str, list[str]]:
    """Copy form data onto `member` (new or existing); returns errors by field, empty on success."""
    code = data["code"].strip()
    clash = db.session.scalar(sa.select(Member.id).where(Member.code == code, Member.id != (member.id or 0)))
    if clash:
        return {"code": [_("编号 %(code)s 已被其他委员使用。", code=code)]}
    before = unit_history.units_of(member) if member.id is not None else None
    member.code = code
    member.name = data["name"].strip()
    member.search_key = search_key(member.name)
    member.gender = Gender[data["gender"]]
    member.party = (data.get("party") or "").strip()
    member.sector_id = data["sector_id"]
    member.committee_id = data["committee_id"] or None
    member.liaison_id = data["liaison_id"] or None
    member.term_id = data["term_id"]
    member.is_standing = bool(data["is_standing"])
    member.employer = (data.get("employer") or "").strip()
    member.position = (data.get("position") or "").strip()
    member.phone = (data.get("phone") or "").strip()
    member.ethnicity = (data.get("ethnicity") or "").strip()
    member.birth_month = (data.get("birth_month") or "").strip()
    member.joined_on = data.get("joined_on")
    member.left_on = data.get("left_on")
    member.note = (data.get("note") or "").strip()
    member.active = bool(data["active"])
    db.session.add(member)
    db.session.flush()
    if before is not None:
        unit_history.record(member, before, data.get("units_changed_on") or beijing_today(),
                            current_user if current_user.is_authenticated else None)
    if db.session.scalar(scoped(Member).where(Member.id == member.id)) is None:
        return {"sector_id": [_("保存后该委员将不属于您负责的任何单位，请保留至少一个您负责的单位。")]}
    return {}


FOUR_ONES = (Category.IDEA, Category.ENTERPRISE, Category.PAIRING, Category.RELIEF)


def member_activities(member_id: int) -> sa.Select[tuple[Activity]]:
    """A member's records in the user's scope, joint work they co-signed included, newest first."""
    cosigned = sa.select(ActivityParticipant.activity_id).where(ActivityParticipant.member_id == member_id)
    return (scoped(Activity).where(sa.or_(Activity.member_id == member_id, Activity.id.in_(cosigned)))
            .order_by(Activity.occurred_on.desc(), Activity.id.desc()))


def dossier_years(member_id: int, result_years: Iterable[int], activities: Iterable[Activity] | None = None,
                  ) -> list[int]:
    """The years a member's 履职档案 has something to show, newest first: the years with a result (`result_years`),
    the years of their records in the user's scope (`activities`, else read), and this year."""
    if activities is None:
        days = db.session.scalars(member_activities(member_id).order_by(None).with_only_columns(
            Activity.occurred_on).distinct())
    else:
        days = (a.occurred_on for a in activities)
    return sorted({int(y) for y in result_years} | {d.year for d in days} | {beijing_today().year}, reverse=True)


def member_attendance(member_id: int, limit: int = 50) -> list[Attendance]:
    """A member's latest meeting attendance, newest meeting first."""
    return list(db.session.scalars(sa.select(Attendance).where(Attendance.member_id == member_id)
                                   .join(Attendance.meeting).order_by(Meeting.held_on.desc()).limit(limit)))


def four_ones_done(activities: list[Activity]) -> list[tuple[Category, int]]:
    """For each of the four 一, how many verified records there are (0 means not yet done)."""
    return [(category, sum(1 for a in activities if a.category == category and a.state == RecordState.VERIFIED))
            for category in FOUR_ONES]
