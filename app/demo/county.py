"""The demo county itself: its units and enterprises, the term and appraisal year, the demo accounts, the members and
the party members; and the small seeded helpers every part of the demo draws with."""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from app.demo.vocabulary import (ACTIVE_MOBILE_PREFIXES, BOSS_POSITIONS, BRANDS, COMMITTEES, COMPANY_SUFFIX,
                                 DEMOCRATIC_PARTIES, EMPLOYERS, FARM_EMPLOYERS, GIVEN_FEMALE, GIVEN_FIRST, GIVEN_MALE,
                                 JOINT_GROUPS, LAST_STAMP, OTHER_POSTS, PAPER_INDUSTRIES, PAPER_POSTS, SECTORS,
                                 SHORT_SUFFIX, SHOWCASE_SURNAMES, SINGLE_INDUSTRIES, SURNAMES, TOWNS, TOWN_WEIGHTS,
                                 VILLAGES, YEAR)
from app import organisation
from app.extensions import db
from app.models import (AppraisalYear, BranchForm, Enterprise, Gender, Member, PartyMember, PartyStatus, Role,
                        Setting, Term, Unit, UnitKind, User)
from app.pinyin import search_key

T = TypeVar("T")


@dataclass
class County:
    """The county being built: the seeded random generator everything draws from, the units, the accounts, and
    the phone numbers and employers already taken."""

    rng: random.Random
    cppcc: Unit
    committees: list[Unit]
    sectors: list[Unit]
    liaisons: list[Unit]
    branches: list[Unit]
    enterprises: list[Enterprise]
    users: dict[str, User] = field(default_factory=dict)
    creators: dict[str, User] = field(default_factory=dict)  # unit code -> the demo user who records for it
    phones: set[str] = field(default_factory=set)
    employers: set[str] = field(default_factory=set)  # firms that already have a member at the top

    def unit_named(self, name: str) -> Unit:
        return next(u for u in [*self.committees, *self.sectors, *self.liaisons] if u.name == name)


# ---------------------------------------------------------------------------------------------------------------
# Small seeded helpers
# ---------------------------------------------------------------------------------------------------------------

def pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    return rng.choices([item for item, _ in weighted], [weight for _, weight in weighted])[0]


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def stamp(rng: random.Random, day: dt.date, later_days: int = 0) -> dt.datetime:
    """A working-hours moment `later_days` after `day`, never after the demo year ends."""
    moment = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)))
    return min(moment + dt.timedelta(days=later_days), LAST_STAMP)


def phone(county: County) -> str:
    while True:
        number = county.rng.choice(ACTIVE_MOBILE_PREFIXES) + f"{county.rng.randint(0, 99999999):08d}"
        if number not in county.phones:
            county.phones.add(number)
            return number


def money(rng: random.Random, low: int, high: int, step: int) -> Decimal:
    return Decimal(rng.randint(low // step, high // step) * step)


class Names:
    """Believable, mostly unique Chinese names; at most `duplicates` names are shared by two people."""

    def __init__(self, rng: random.Random, duplicates: int = 2) -> None:
        self.rng = rng
        self.seen: dict[str, int] = {}
        self.duplicates_left = duplicates

    def make(self, gender: Gender, surname: str | None = None) -> str:
        while True:
            name = (surname or pick(self.rng, SURNAMES)) + self._given(gender)
            count = self.seen.get(name, 0)
            if count == 0 or (count == 1 and self.duplicates_left > 0 and self.rng.random() < 0.5):
                if count == 1:
                    self.duplicates_left -= 1
                self.seen[name] = count + 1
                return name

    def _given(self, gender: Gender) -> str:
        last = GIVEN_MALE if gender == Gender.MALE else GIVEN_FEMALE
        if self.rng.random() < 0.25:
            return self.rng.choice(last)
        return self.rng.choice(GIVEN_FIRST) + self.rng.choice(last)


# ---------------------------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------------------------

def _unit(code: str, name: str, kind: UnitKind, parent: Unit | None, sort_order: int,
          branch_form: BranchForm | None = None) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent=parent, sort_order=sort_order, branch_form=branch_form)
    db.session.add(unit)
    return unit


def build_units(rng: random.Random) -> County:
    cppcc = _unit("ZX", "县政协", UnitKind.CPPCC, None, 1)
    committees = [_unit(f"ZW{i:02d}", name, UnitKind.COMMITTEE, cppcc, i) for i, name in enumerate(COMMITTEES, 1)]
    sectors = [_unit(f"JB{i:02d}", spec[0], UnitKind.SECTOR_GROUP, cppcc, i) for i, spec in enumerate(SECTORS, 1)]
    liaisons = [_unit(f"LL{i:02d}", f"{town}联络处", UnitKind.LIAISON_OFFICE, cppcc, i)
                for i, town in enumerate(TOWNS, 1)]
    party = _unit("DW", "大源镇党委", UnitKind.PARTY_COMMITTEE, None, 2)
    zone = _unit("DZZ", "大源工业功能区党总支", UnitKind.GENERAL_BRANCH, party, 1)

    brands = list(BRANDS)
    rng.shuffle(brands)
    branches: list[Unit] = []
    enterprises: list[Enterprise] = []

    def enterprise(industry: str, branch: Unit, low: int, high: int) -> Enterprise:
        name = brands.pop() + COMPANY_SUFFIX[industry]
        company = Enterprise(name=name, branch=branch, industry=industry, employees=rng.randint(low, high))
        db.session.add(company)
        enterprises.append(company)
        return company

    singles = list(SINGLE_INDUSTRIES)
    rng.shuffle(singles)
    for i, industry in enumerate(singles, 1):
        brand = brands[-1]
        branch = _unit(f"ZB{i:02d}", f"{brand}{SHORT_SUFFIX[industry]}党支部", UnitKind.BRANCH, zone, i,
                       BranchForm.SINGLE)
        big = industry == "造纸"
        enterprise(industry, branch, 120 if big else 50, 650 if big else 220)
        branches.append(branch)
    for j, (name, industries) in enumerate(JOINT_GROUPS, len(singles) + 1):
        branch = _unit(f"ZB{j:02d}", name, UnitKind.BRANCH, zone, j, BranchForm.JOINT)
        for industry in industries[:rng.randint(2, len(industries))]:
            enterprise(industry, branch, 12, 95)
        branches.append(branch)
    return County(rng, cppcc, committees, sectors, liaisons, branches, enterprises)


# The demo county's organisation (app.organisation), so its certificates print as a set-up county's would; the public
# address is where `make run` serves the demo.
ORGANISATION = {"full_name": "中国人民政治协商会议演示县委员会", "party_committee": "中共大源镇委员会",
                "hr_department": "中共演示县委组织部", "public_url": "http://127.0.0.1:5000"}


def build_organisation() -> None:
    db.session.add_all(Setting(key=organisation.KEYS[name], value=value) for name, value in ORGANISATION.items())


def build_calendar() -> Term:
    term = Term(number=10, name="第十届", starts_on=dt.date(2022, 1, 10), ends_on=dt.date(2026, 12, 31))
    db.session.add_all([
        term,
        AppraisalYear(year=YEAR - 1, name=f"{YEAR - 1}年度", recording_closed_at=dt.datetime(YEAR, 1, 20, 9, 0)),
        # the timetable (app.timetable): only 录入开始 and 公示天数. The year is still being recorded (录入截止 open,
        # so that the demo's clerks can enter it), and its later steps, dated in YEAR, would all read 已逾期 on
        # every home page; `flask demo --year-end` sets them as the year is finished (app.documents.yearend)
        AppraisalYear(year=YEAR, name=f"{YEAR}年度", recording_closed_at=None, entry_opens_on=dt.date(YEAR, 1, 1),
                      publicity_days=7),
    ])
    return term


def build_users(county: County, password_hash: str) -> None:
    """The demo accounts (all but the member's, which needs its member first)."""
    clerk_units = [county.unit_named("提案委员会"), county.unit_named("大源镇联络处")]
    clerk2_units = [county.unit_named("经济界")]
    liaison_units = [county.branches[0], county.branches[1], county.branches[13], county.branches[14]]
    specs = (("admin", "演示管理员", Role.ADMIN, []), ("office", "演示办公室", Role.OFFICE, []),
             ("leader", "演示领导小组成员", Role.LEADER, []), ("clerk", "演示录入员", Role.CLERK, clerk_units),
             ("clerk2", "演示录入员（经济界）", Role.CLERK, clerk2_units),
             ("liaison", "演示党建联络员", Role.LIAISON, liaison_units))
    for minute, (username, display, role, units) in enumerate(specs):
        user = demo_user(username, display, role, password_hash, minute, units=units)
        county.users[username] = user
        for unit in units:
            county.creators[unit.code] = user


def demo_user(username: str, display: str, role: Role, password_hash: str, minute: int, **fields: Any) -> User:
    at = dt.datetime(YEAR, 1, 2, 9, minute)
    user = User(username=username, display_name=display, role=role, password_hash=password_hash, is_demo=True,
                must_change_password=False, password_changed_at=at, created_at=at, **fields)
    db.session.add(user)
    return user


def _party_of(rng: random.Random, sector: str) -> str:
    if sector == "中共":
        return "中共"
    if sector == "民主党派":
        return pick(rng, DEMOCRATIC_PARTIES)
    if sector == "无党派人士":
        return "无党派人士"
    kind = pick(rng, (("中共", 45), ("群众", 33), ("民主党派", 15), ("无党派人士", 7)))
    return pick(rng, DEMOCRATIC_PARTIES) if kind == "民主党派" else kind


def _job(county: County, pool: str) -> tuple[str, str]:
    rng = county.rng
    if pool == "biz" or (pool == "eco" and rng.random() < 0.4):
        free = [e.name for e in county.enterprises if e.name not in county.employers]
        if free and rng.random() < 0.6:
            employer = rng.choice(free)
            county.employers.add(employer)  # one boss per firm
        else:
            employer = rng.choice(BRANDS) + rng.choice(("房地产开发有限公司", "商贸有限公司", "建筑工程有限公司",
                                                        "农业开发有限公司", "酒店管理有限公司"))
        return employer, rng.choice(BOSS_POSITIONS)
    if pool == "agr" and rng.random() < 0.6:
        template = rng.choice(FARM_EMPLOYERS)
        return template.format(town=rng.choice(TOWNS), brand=rng.choice(BRANDS)), rng.choice(("理事长", "场主"))
    if pool == "agr" and rng.random() < 0.5:
        return f"{rng.choice(TOWNS)}{rng.choice(VILLAGES)}村村民委员会", "党支部书记、村委会主任"
    employer, positions = rng.choice(EMPLOYERS[pool])
    return employer, rng.choice(positions)


def build_members(county: County, names: Names, term: Term) -> list[Member]:
    rng = county.rng
    committees = {u.name: u for u in county.committees}
    places = rng.sample(range(sum(s[1] for s in SECTORS)), len(SHOWCASE_SURNAMES))
    showcase = dict(zip(places, SHOWCASE_SURNAMES, strict=True))
    members: list[Member] = []
    for sector_unit, (sector, size, leaning, pool) in zip(county.sectors, SECTORS, strict=True):
        female_share = 0.45 if pool in ("edu", "med", "art", "soc") else 0.25
        for _ in range(size):
            gender = Gender.FEMALE if rng.random() < female_share else Gender.MALE
            name = names.make(gender, showcase.get(len(members)))
            committee = None
            if rng.random() < 0.9:
                committee = pick(rng, [(u, 4 if u.name == leaning else 1) for u in committees.values()])
            liaison = pick(rng, list(zip(county.liaisons, TOWN_WEIGHTS, strict=True))) if rng.random() < 0.85 else None
            employer, position = _job(county, pool)
            member = Member(code=f"W{len(members) + 1:04d}", name=name, search_key=search_key(name), gender=gender,
                            party=_party_of(rng, sector), sector=sector_unit, committee=committee, liaison=liaison,
                            term=term, employer=employer, position=position, phone=phone(county),
                            is_standing=False, is_chair_council=False, is_resident_standing=False,
                            active=True)  # explicit: column defaults arrive only at flush
            db.session.add(member)
            members.append(member)
    weights = {"中共": 3.0, "民主党派": 3.0, "工商联": 2.5}
    pool_left = list(members)
    standing: list[Member] = []
    for _ in range(30):  # 常委
        chosen = rng.choices(pool_left, [weights.get(m.sector.name, 1.0) for m in pool_left])[0]
        chosen.is_standing = True
        pool_left.remove(chosen)
        standing.append(chosen)
    # 主席会议成员 (主席, 副主席, 秘书长) and 驻会常委 work at the 县政协 itself; rule files exclude them from awards.
    chair = rng.choice([m for m in standing if m.party == "中共"])
    council = [chair, *rng.sample([m for m in standing if m is not chair], 3)]
    for member, position in zip(council, ("主席", "副主席", "副主席", "秘书长"), strict=True):
        member.is_chair_council, member.employer, member.position = True, "县政协", position
    resident = rng.sample([m for m in standing if not m.is_chair_council], 2)
    for member, position in zip(resident, ("提案委员会主任", "经济科技委员会主任"), strict=True):
        member.is_resident_standing, member.employer, member.position = True, "县政协", position
        member.committee = committees[position.removesuffix("主任")]
    for member in rng.sample(pool_left, 5):
        member.active = False
    return members


def build_party_members(county: County, names: Names) -> list[PartyMember]:
    rng = county.rng
    people: list[PartyMember] = []
    for branch in county.branches:
        companies = [e for e in county.enterprises if e.branch is branch]
        size = rng.randint(5, 12) if branch.branch_form == BranchForm.SINGLE else rng.randint(3, 8)
        for _ in range(size):
            gender = Gender.FEMALE if rng.random() < 0.3 else Gender.MALE
            name = names.make(gender)
            probationary = rng.random() < 0.1
            if probationary:  # 预备期 is one year
                joined = random_day(rng, dt.date(YEAR - 1, 7, 1), dt.date(YEAR, 6, 30))
            else:
                joined = random_day(rng, dt.date(1985, 7, 1), dt.date(YEAR - 2, 12, 31))
            company = rng.choice(companies)
            posts = PAPER_POSTS if company.industry in PAPER_INDUSTRIES else OTHER_POSTS
            person = PartyMember(code=f"P{len(people) + 1:04d}", name=name, search_key=search_key(name),
                                 gender=gender, branch=branch, enterprise=company,
                                 status=PartyStatus.PROBATIONARY if probationary else PartyStatus.FULL,
                                 joined_on=joined, post=rng.choice(posts), phone=phone(county),
                                 active=rng.random() > 0.02)
            db.session.add(person)
            people.append(person)
    return people
