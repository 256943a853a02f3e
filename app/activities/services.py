"""Record queries: what the signed-in user may see, filtered. Flush, never commit."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth.scope import scoped
from app.models import Activity, Category, Member, PartyMember, RecordState
from app.web import name_search


def activity_query(q: str = "", unit_id: int | None = None, category: str = "", state: str = "",
                   start: dt.date | None = None, end: dt.date | None = None) -> sa.Select[tuple[Activity]]:
    """Records in the user's scope, newest first; `q` matches the title or the subject's name or pinyin."""
    stmt = scoped(Activity).options(selectinload(Activity.member), selectinload(Activity.party_member),
                                    selectinload(Activity.unit))
    if q:
        members = sa.select(Member.id).where(name_search(Member.name, Member.search_key, q))
        party_members = sa.select(PartyMember.id).where(name_search(PartyMember.name, PartyMember.search_key, q))
        stmt = stmt.where(sa.or_(Activity.title.contains(q.strip()[:40], autoescape=True),
                                 Activity.member_id.in_(members), Activity.party_member_id.in_(party_members)))
    if unit_id:
        stmt = stmt.where(Activity.unit_id == unit_id)
    if category in Category.__members__:
        stmt = stmt.where(Activity.category == Category[category])
    if state in RecordState.__members__:
        stmt = stmt.where(Activity.state == RecordState[state])
    if start:
        stmt = stmt.where(Activity.occurred_on >= start)
    if end:
        stmt = stmt.where(Activity.occurred_on <= end)
    return stmt.order_by(Activity.occurred_on.desc(), Activity.id.desc())
