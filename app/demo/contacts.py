"""The demo county's 四联系: four 县政协领导 each keep in touch with some 常委, every active 委员 has a 常委 to contact
them (a few reassigned to another 常委 on 1 July), each 专委会 contacts some 界别 and 联络处; and a year of contacts,
most 委员 reached in the first half, fewer in the second, some never, a few 常委 well behind (so the rules' gate
and the 待办 show them); the 专委会's visits to their 界别 and 联络处; and the members' contacts with the masses of
their 界别. The office logged them, so their 履职记录 are 已核实 (the demo member's last one still waits). Drawn from
a generator of its own, so the rest of the demo is as before."""
from __future__ import annotations

import datetime as dt
import random

from app.demo.county import County, random_day, stamp
from app.demo.vocabulary import LAST_STAMP, YEAR, YEAR_ENDS, YEAR_STARTS
from app.extensions import db
from app.models import (Activity, Category, Contact, ContactForm, ContactLink, ContactLinkKind, MassContact, Member,
                        RecordState, User)

LEADERS = ("主席 周建国", "副主席 陈立新", "副主席 李秀兰", "副主席 王志刚")
TOPICS = ("了解履职情况，交流提案选题", "听取对本界别工作的意见建议", "通报县政协近期重点工作", "了解企业生产经营困难",
          "商量社情民意信息的报送", "走访了解家庭和工作近况")
UNIT_TOPICS = ("座谈了解界别活动组的活动安排", "听取联络处委员对专题调研的建议", "通报专委会下半年协商计划",
               "共同商定视察选题")
PEOPLE = ("个体工商户", "村（社区）干部", "种养殖大户", "中小学教师", "乡村医生", "农民专业合作社社员", "商会会员",
          "退役军人", "外出务工返乡人员", "民营企业职工")
MASS_TOPICS = ("听取对营商环境的意见", "了解春耕生产和农资供应情况", "宣传县里惠企政策", "了解就业和社保情况",
               "听取对教育医疗的意见建议", "了解村里基础设施建设需求")
ISSUES = ("", "", "", "希望简化项目审批手续", "反映农村道路养护不到位", "希望增加技能培训名额", "反映小微企业融资难",
          "希望解决学校周边交通拥堵", "反映村卫生室药品不全")
ASSIGNED_AT = dt.datetime(YEAR, 1, 10, 9, 0)  # the office set the assignments early in the year
REASSIGNED_ON = dt.date(YEAR, 7, 1)  # a few 委员 get another 常委 for the second half
FORMS = (ContactForm.VISIT, ContactForm.PHONE, ContactForm.FORUM, ContactForm.WECHAT)
CONTACT_KIND, MASSES_KIND = "联系委员", "联系界别群众"  # as the 2025 members' rule file declares them


def _record(rng: random.Random, office: User, member: Member, kind: str, title: str, day: dt.date,
            description: str, own: User | None = None) -> Activity:
    """The 履职记录 a contact files (app.contacts.services.file_record): the office's entry of the day, verified; or
    the member's own report (`own`: their account), waiting for verification."""
    created = stamp(rng, day, 1)
    verified = min(created + dt.timedelta(days=rng.randint(1, 5)), LAST_STAMP)
    done = own is None
    record = Activity(unit_id=member.sector_id, member_id=member.id, category=Category.OTHER, kind=kind, title=title,
                      description=description, occurred_on=day,
                      state=RecordState.VERIFIED if done else RecordState.SUBMITTED,
                      created_by_id=office.id if done else own.id,  # type: ignore[union-attr]
                      created_at=created, updated_at=verified if done else created, submitted_at=created,
                      verified_at=verified if done else None, verified_by_id=office.id if done else None,
                      self_reported=not done)
    db.session.add(record)
    return record


def build_contacts(county: County, members: list[Member], seed: int, model: Member) -> Member:
    """The 四联系 of the demo county; the 常委 most behind in the second half (the demo's 常委 account)."""
    rng = random.Random(seed + 4)  # made-up demo data  # nosec B311
    office = county.users["office"]
    standing = [m for m in members if m.active and m.is_standing]
    others = [m for m in members if m.active and not m.is_standing]
    for i, person in enumerate(standing):
        db.session.add(ContactLink(kind=ContactLinkKind.LEADER_STANDING, leader=LEADERS[i % len(LEADERS)],
                                   to_member=person, starts_on=YEAR_STARTS, created_by_id=office.id,
                                   created_at=ASSIGNED_AT))
    first: dict[int, list[Member]] = {p.id: [] for p in standing}
    second: dict[int, list[Member]] = {p.id: [] for p in standing}
    moved = {others[k].id for k in (5, 41, 97) if k < len(others)}  # reassigned on 1 July
    for i, person in enumerate(others):
        owner = standing[i % len(standing)]
        first[owner.id].append(person)
        if person.id in moved:
            successor = standing[(i + 1) % len(standing)]
            second[successor.id].append(person)
            db.session.add(ContactLink(kind=ContactLinkKind.STANDING_MEMBER, from_member=owner, to_member=person,
                                       starts_on=YEAR_STARTS, ends_on=REASSIGNED_ON - dt.timedelta(days=1),
                                       created_by_id=office.id, created_at=ASSIGNED_AT))
            db.session.add(ContactLink(kind=ContactLinkKind.STANDING_MEMBER, from_member=successor, to_member=person,
                                       starts_on=REASSIGNED_ON, created_by_id=office.id,
                                       created_at=dt.datetime(YEAR, 6, 28, 10, 0)))
        else:
            second[owner.id].append(person)
            db.session.add(ContactLink(kind=ContactLinkKind.STANDING_MEMBER, from_member=owner, to_member=person,
                                       starts_on=YEAR_STARTS, created_by_id=office.id, created_at=ASSIGNED_AT))
    for i, unit in enumerate([*county.sectors, *county.liaisons]):
        db.session.add(ContactLink(kind=ContactLinkKind.COMMITTEE_UNIT, from_unit=county.committees[i % 4],
                                   to_unit=unit, starts_on=YEAR_STARTS, created_by_id=office.id,
                                   created_at=ASSIGNED_AT))
    halves = ((YEAR_STARTS, dt.date(YEAR, 6, 30), 0.8, first), (REASSIGNED_ON, YEAR_ENDS, 0.55, second))
    diligence = {p.id: rng.choice((0.4, 0.8, 1.0, 1.0)) for p in standing}  # a few 常委 fall behind
    left_behind: dict[int, int] = {}
    for owner in standing:
        for start, end, share, assigned in halves:
            for person in assigned[owner.id]:
                if rng.random() < share * diligence[owner.id]:
                    day = random_day(rng, start, end)
                    form, topic = rng.choice(FORMS), rng.choice(TOPICS)
                    record = _record(rng, office, owner, CONTACT_KIND, f"联系委员{person.name}（{form.label}）", day,
                                     topic)
                    db.session.add(Contact(occurred_on=day, form=form, content=topic, member=person, by_member=owner,
                                           activity=record, created_by_id=office.id, created_at=stamp(rng, day, 3)))
                elif start == REASSIGNED_ON:
                    left_behind[owner.id] = left_behind.get(owner.id, 0) + 1
    for i, owner in enumerate(standing[:12]):  # the leaders' own contacts with their 常委
        day = random_day(rng, YEAR_STARTS, YEAR_ENDS)
        db.session.add(Contact(occurred_on=day, form=ContactForm.FORUM, content="座谈了解常委联系委员情况",
                               member=owner, by_leader=LEADERS[i % len(LEADERS)], created_by_id=office.id,
                               created_at=stamp(rng, day, 1)))
    for i, unit in enumerate([*county.sectors, *county.liaisons]):  # 专委会联系界别和联络处: most, not all
        for start, end in ((YEAR_STARTS, dt.date(YEAR, 6, 30)), (REASSIGNED_ON, YEAR_ENDS)):
            if rng.random() < 0.7:
                day = random_day(rng, start, end)
                db.session.add(Contact(occurred_on=day, form=rng.choice((ContactForm.VISIT, ContactForm.FORUM)),
                                       content=rng.choice(UNIT_TOPICS), unit=unit, by_unit=county.committees[i % 4],
                                       by_leader="", created_by_id=office.id, created_at=stamp(rng, day, 2)))
    _masses(rng, office, [*standing, *others], model, county.users["member"])
    db.session.flush()
    return max(standing, key=lambda p: (left_behind.get(p.id, 0), -p.id))


def _masses(rng: random.Random, office: User, people: list[Member], model: Member, account: User) -> None:
    """委员联系界别群众: about half the members, one to four times a year each; the demo member's last one is their
    own report, still waiting for verification."""
    for person in people:
        if person is not model and rng.random() < 0.5:
            continue
        times = 3 if person is model else rng.randint(1, 4)
        for n in range(times):
            day = random_day(rng, YEAR_STARTS, dt.date(YEAR, 12, 20))
            form, who, topic, issue = (rng.choice(FORMS), rng.choice(PEOPLE), rng.choice(MASS_TOPICS),
                                       rng.choice(ISSUES))
            own = person is model and n == times - 1
            description = topic + (f"\n反映的问题：{issue}" if issue else "")
            record = _record(rng, office, person, MASSES_KIND, f"联系界别群众：{who}（{form.label}）", day, description,
                             account if own else None)
            db.session.add(MassContact(member=person, occurred_on=day, form=form, people=who,
                                       sector_id=person.sector_id, content=topic, issues=issue, self_reported=own,
                                       activity=record, created_by_id=account.id if own else office.id,
                                       created_at=stamp(rng, day, 1)))
