"""What the public pages may show: lists in 公示 and the records the office chose to publish; nothing else.

Every query here filters on the state that makes a thing public (a list 公示中; a record 已核实 and published),
so a page cannot show more than these functions return. Flush, never commit.
"""
from __future__ import annotations

import datetime as dt
import enum
import re
import xml.etree.ElementTree as ET  # only writes the Atom feed, never parses input  # nosec B405
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit
from app.awards import services as awards
from app.extensions import db
from app.models import (Activity, AwardList, AwardListState, RecordState, ReviewEntry, SubjectKind, User)
from app.timeutil import beijing_today



# --- 公示 ------------------------------------------------------------------------------------------------------------

class Period(enum.Enum):
    BEFORE = "before"
    OPEN = "open"
    AFTER = "after"


@dataclass(frozen=True)
class PublicName:
    """One line of the public list: nothing beyond name, unit, 界别 and award."""

    candidate_id: int
    name: str
    unit: str
    sector: str   # 界别 of a member; "" for a unit, a branch or a party member
    award: str


def lists_in_publicity() -> list[AwardList]:
    """The award lists now in 公示 (published, and the first day come), the latest first."""
    return list(db.session.scalars(sa.select(AwardList).where(
        AwardList.state == AwardListState.PUBLISHED, AwardList.publicity_starts_on <= beijing_today())
        .order_by(AwardList.publicity_starts_on.desc(), AwardList.id.desc())))


def list_in_publicity(list_id: int) -> AwardList | None:
    """The list if it is in 公示 now (published, its first day come; it stays readable after the last day until
    the office finalises it); None for any other state (final lists included), before its first day, or no list."""
    found = db.session.get(AwardList, list_id)
    if found is None or found.state != AwardListState.PUBLISHED or found.publicity_starts_on is None \
            or found.publicity_starts_on > beijing_today():
        return None
    return found


def period(award_list: AwardList, today: dt.date) -> Period:
    ends = awards.publicity_ends_on(award_list)
    if award_list.publicity_starts_on is None or today < award_list.publicity_starts_on:
        return Period.BEFORE
    return Period.OPEN if ends is not None and today <= ends else Period.AFTER


def public_names(award_list: AwardList) -> list[PublicName]:
    """The published names, as the review froze them (a member's 界别 is the review's unit column) or as they were
    recommended (a 企业主's enterprise and 职务)."""
    candidates = awards.published_names(award_list)
    sectors: dict[int, str] = {}
    if award_list.review.subject_kind == SubjectKind.MEMBERS and candidates:
        sectors = dict(db.session.execute(
            sa.select(ReviewEntry.subject_id, ReviewEntry.unit_name).where(
                ReviewEntry.review_id == award_list.review_id,
                ReviewEntry.subject_id.in_([c.subject_id for c in candidates]))).all())
    # a 企业主's unit is their enterprise, with their 职务 (某某有限公司董事长), not the branch that put them forward
    return [PublicName(c.id, c.subject_name, c.subject_title or c.unit.name, sectors.get(c.subject_id, ""),
                       award_list.category) for c in candidates]


# --- 委员风采 -------------------------------------------------------------------------------------------------------

def highlights_query() -> sa.Select[tuple[Activity]]:
    """Verified records the office published, newest first."""
    return (sa.select(Activity).where(Activity.published.is_(True), Activity.state == RecordState.VERIFIED)
            .order_by(Activity.occurred_on.desc(), Activity.id.desc()))


def highlight(activity_id: int) -> Activity | None:
    """The record if it is public now (published and still verified), else None."""
    found = db.session.get(Activity, activity_id)
    if found is None or not found.published or found.state != RecordState.VERIFIED:
        return None
    return found


def subject_name(activity: Activity) -> str:
    """Whose record it is, as the public reads it: the member, the party member, or the unit itself."""
    if activity.member is not None:
        return activity.member.name
    if activity.party_member is not None:
        return activity.party_member.name
    return activity.unit.name


def set_published(activity: Activity, published: bool, user: User) -> str | None:
    """The office's choice to show a record on 委员风采 (or to take it down); an error message or None.

    Only a verified record can be published; taking one down is always allowed.
    """
    if published and activity.state != RecordState.VERIFIED:
        return _("只有已核实的记录才能发布到委员风采。")
    before = activity.published
    if before == published:
        return None
    activity.published = published
    db.session.flush()
    audit.record(user, "update", "activity", activity.id, {"published": (before, published)})
    return None


# --- the feed ------------------------------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry even escaped (control characters pasted from Word, for instance).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedEntry:
    url: str          # absolute: the county website shows it elsewhere
    title: str
    author: str
    category: str
    summary: str
    occurred_on: dt.date
    updated: dt.datetime  # naive UTC


def atom_feed(title: str, self_url: str, page_url: str, author: str, entries: Sequence[FeedEntry]) -> bytes:
    """An Atom 1.0 document (RFC 4287), UTF-8; text is escaped by the serializer, never pasted into markup."""
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = _NOT_XML.sub("", text)
        return element

    def stamp(value: dt.datetime) -> str:
        return value.replace(microsecond=0).isoformat() + "Z"

    feed = ET.Element(f"{{{ATOM}}}feed")
    add(feed, "title", title)
    add(feed, "id", page_url)
    add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    add(feed, "link", rel="alternate", type="text/html", href=page_url)
    add(add(feed, "author"), "name", author)
    newest = max((e.updated for e in entries), default=dt.datetime(2000, 1, 1))
    add(feed, "updated", stamp(newest))
    for e in entries:
        item = add(feed, "entry")
        add(item, "title", e.title)
        add(item, "id", e.url)
        add(item, "link", rel="alternate", type="text/html", href=e.url)
        add(item, "published", e.occurred_on.isoformat() + "T00:00:00+08:00")
        add(item, "updated", stamp(e.updated))
        add(add(item, "author"), "name", e.author)
        add(item, "category", term=e.category)
        add(item, "summary", e.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
