"""The demo county's 四联系: four 县政协领导 each keep in touch with some 常委, every active 委员 has a 常委 to contact
them, each 专委会 contacts some 界别 and 联络处; and a year of contacts, most 委员 reached in the first half, fewer
in the second, some never. Drawn from a generator of its own, so the rest of the demo is as before."""
from __future__ import annotations

import datetime as dt
import random

from app.demo.county import County, random_day, stamp
from app.demo.vocabulary import YEAR, YEAR_ENDS, YEAR_STARTS
from app.extensions import db
from app.models import Contact, ContactForm, ContactLink, ContactLinkKind, Member

LEADERS = ("主席 周建国", "副主席 陈立新", "副主席 李秀兰", "副主席 王志刚")
TOPICS = ("了解履职情况，交流提案选题", "听取对本界别工作的意见建议", "通报县政协近期重点工作", "了解企业生产经营困难",
          "商量社情民意信息的报送", "走访了解家庭和工作近况")
ASSIGNED_AT = dt.datetime(YEAR, 1, 10, 9, 0)  # the office set the assignments early in the year
FORMS = (ContactForm.VISIT, ContactForm.PHONE, ContactForm.FORUM, ContactForm.WECHAT)


def build_contacts(county: County, members: list[Member], seed: int) -> None:
    rng = random.Random(seed + 4)  # made-up demo data  # nosec B311
    office = county.users["office"]
    standing = [m for m in members if m.active and m.is_standing]
    others = [m for m in members if m.active and not m.is_standing]
    for i, person in enumerate(standing):
        db.session.add(ContactLink(kind=ContactLinkKind.LEADER_STANDING, leader=LEADERS[i % len(LEADERS)],
                                   to_member=person, created_by_id=office.id, created_at=ASSIGNED_AT))
    mine: dict[int, list[Member]] = {p.id: [] for p in standing}
    for i, person in enumerate(others):
        owner = standing[i % len(standing)]
        mine[owner.id].append(person)
        db.session.add(ContactLink(kind=ContactLinkKind.STANDING_MEMBER, from_member=owner, to_member=person,
                                   created_by_id=office.id, created_at=ASSIGNED_AT))
    for i, unit in enumerate([*county.sectors, *county.liaisons]):
        db.session.add(ContactLink(kind=ContactLinkKind.COMMITTEE_UNIT, from_unit=county.committees[i % 4],
                                   to_unit=unit, created_by_id=office.id, created_at=ASSIGNED_AT))
    halves = ((YEAR_STARTS, dt.date(YEAR, 6, 30), 0.8), (dt.date(YEAR, 7, 1), YEAR_ENDS, 0.55))
    diligence = {p.id: rng.choice((0.4, 0.8, 1.0, 1.0)) for p in standing}  # a few 常委 fall behind
    for owner in standing:
        for start, end, share in halves:
            for person in mine[owner.id]:
                if rng.random() < share * diligence[owner.id]:
                    day = random_day(rng, start, end)
                    db.session.add(Contact(occurred_on=day, form=rng.choice(FORMS), content=rng.choice(TOPICS),
                                           member=person, by_member=owner, created_by_id=office.id,
                                           created_at=stamp(rng, day, 3)))
    for i, owner in enumerate(standing[:12]):  # the leaders' own contacts with their 常委
        day = random_day(rng, YEAR_STARTS, YEAR_ENDS)
        db.session.add(Contact(occurred_on=day, form=ContactForm.FORUM, content="座谈了解常委联系委员情况",
                               member=owner, by_leader=LEADERS[i % len(LEADERS)], created_by_id=office.id,
                               created_at=stamp(rng, day, 1)))
    db.session.flush()
