"""The demo's enterprise party branches through the year: their half-year 比实绩 reports and their 组织生活 with the
party members' attendance."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from app.demo.county import County, pick, stamp
from app.demo.vocabulary import YEAR
from app.extensions import db
from app.models import (Attendance, AttendanceStatus, BranchForm, BranchIndicator, BranchResult, Enterprise, Meeting,
                        MeetingKind, PartyMember, RecordState)


# The 比实绩 indicators, keyed exactly as 2025-双比双争-党支部.yaml declares them; one report per half-year.
INDICATOR_NOTES = {
    "组织建设": "联络员按“三会一课”、阵地、制度评分（0–20）", "党员发展": "本期发展党员及确定入党积极分子人数",
    "活动开展": "本期主题党日等组织活动次数", "党员示范岗": "党员示范岗、先锋岗、责任区个数",
    "产值增长": "产值比上年同期增长，%", "税收": "本期纳税额，万元", "就业人数": "期末在岗职工人数",
    "劳资关系": "劳资关系评价", "重大事故": "重大安全生产、环境污染事故或群体性事件",
}
Indicator = tuple[Decimal | None, str]  # (value, choice): 劳资关系 is a choice, the rest numbers


def _indicators(rng: random.Random, companies: list[Enterprise], people: int,
                single: bool) -> tuple[dict[str, Indicator], ...]:
    """A branch's 比实绩 reports for the first and the second half-year.

    `strength` (0–1) is how well the branch and its firms do: it moves party work and growth together, so the
    township has a few model branches, many ordinary ones and a few weak ones.
    """
    strength = rng.random() ** 0.6 if single else 0.25 + rng.random() * 0.65
    employees = sum(c.employees for c in companies)
    output = sum((Decimal(c.employees) * Decimal(rng.randint(35, 90)) for c in companies), Decimal(0))  # 万元/年
    tax_rate = Decimal(rng.randint(30, 75)) / 1000
    quality = 24 + round(strength * 15)  # how well it keeps its 三会一课, in half points out of 40
    growth = -50 + round(strength * 170) + rng.randint(-20, 20)  # the firms' trend, ‰ of last year's output
    posts = max(1, round(people * (0.2 + 0.5 * strength)))  # 示范岗, 先锋岗 and 责任区 together
    mood = pick(rng, (("和谐", 70 + 25 * strength), ("一般", 16), ("有纠纷", 5)))
    first = Decimal(rng.randint(42, 50)) / 100  # the first half's share of the year's output
    reports = []
    for share in (first, 1 - first):
        posts = min(posts + rng.randint(0, 1), max(1, people))
        events = (4 if single else 2) + round(strength * 7) + rng.randint(-1, 2)
        recruits = rng.choice((0, 1, 1, 2) if strength > 0.5 else (0, 0, 1, 1))
        staff = max(5, employees + rng.randint(-employees // 20 - 1, employees // 15 + 1))
        labour = mood if rng.random() < 0.85 else pick(rng, (("和谐", 70), ("一般", 25), ("有纠纷", 5)))
        reports.append({
            "组织建设": (Decimal(min(40, max(10, quality + rng.randint(-3, 3)))) / 2, ""),
            "党员发展": (Decimal(recruits), ""),
            "活动开展": (Decimal(max(1, events)), ""),
            "党员示范岗": (Decimal(posts), ""),
            "产值增长": (Decimal(growth + rng.randint(-25, 25)) / 10, ""),
            "税收": ((output * share * tax_rate).quantize(Decimal("0.01")), ""),
            "就业人数": (Decimal(staff), ""),
            "劳资关系": (None, labour),
        })
    return tuple(reports)


def build_branch_results(county: County, people: list[PartyMember]) -> None:
    """Two 比实绩 reports per branch, "2025H1" (verified in July) and "2025H2" (mostly verified by year end)."""
    rng = county.rng
    polluters = [b for b in county.branches if b.branch_form == BranchForm.SINGLE
                 and any(e.industry in ("造纸", "化工") for e in county.enterprises if e.branch is b)]
    accident = rng.choice(polluters)  # the one branch with a 重大事故 this year (一票否决)
    # At year end two second-half reports are still with the office: one waiting, one sent back.
    late = dict(zip(rng.sample([b for b in county.branches if b is not accident], 2),
                    (RecordState.SUBMITTED, RecordState.RETURNED), strict=True))
    for branch in county.branches:
        companies = [e for e in county.enterprises if e.branch is branch]
        size = sum(1 for p in people if p.branch is branch)
        creator = county.creators.get(branch.code)
        reports = _indicators(rng, companies, size, branch.branch_form == BranchForm.SINGLE)
        for (period, half), facts in zip(((f"{YEAR}H1", True), (f"{YEAR}H2", False)), reports, strict=True):
            if half:
                state, updated = RecordState.VERIFIED, stamp(rng, dt.date(YEAR, 7, 3), rng.randint(0, 10))
            else:
                state = late.get(branch, RecordState.VERIFIED)
                updated = stamp(rng, dt.date(YEAR, 12, 15), rng.randint(0, 14))
            if branch is accident and not half:
                facts["重大事故"] = (Decimal(1), "")
            reason = "产值数据与企业报表不一致，请核对。" if state == RecordState.RETURNED else ""
            verified = state == RecordState.VERIFIED
            result = BranchResult(branch_id=branch.id, period=period, state=state, updated_at=updated,
                                  created_by_id=creator.id if creator else None, return_reason=reason,
                                  submitted_at=None if state == RecordState.DRAFT else updated,
                                  verified_by_id=county.users["office"].id if verified else None,
                                  verified_at=updated + dt.timedelta(days=1) if verified else None)
            notes = dict(INDICATOR_NOTES)
            if "重大事故" in facts:
                notes["重大事故"] = f"9月{rng.randint(3, 26)}日发生废水超标排放环境污染事件，被县生态环境局立案查处"
            result.indicators = [BranchIndicator(key=key, value=value, choice=choice, note=notes[key])
                                 for key, (value, choice) in facts.items()]
            db.session.add(result)


PARTY_LIFE = (("党员大会", 1, 16), ("主题党日", 3, 20), ("党课", 5, 18), ("党员大会", 7, 15),
              ("主题党日", 9, 19), ("党课", 11, 14))


def build_party_life(county: County, people: list[PartyMember]) -> None:
    """Each branch's 组织生活 (党员大会, 主题党日, 党课) every other month, with its party members' attendance."""
    rng = county.rng
    office = county.users["office"]
    for branch in county.branches:
        members = [p for p in people if p.branch_id == branch.id and p.active]
        habit = {p.id: rng.choice((0.97, 0.93, 0.8)) for p in members}
        creator = county.creators.get(branch.code, office)
        for title, month, day in PARTY_LIFE:
            held_on = dt.date(YEAR, month, day)
            created_at = stamp(rng, held_on, 1)
            meeting = Meeting(kind=MeetingKind.PARTY_LIFE, title=f"{branch.name}{month}月{title}", held_on=held_on,
                              unit=branch, location=f"{branch.enterprises[0].name}会议室",
                              state=RecordState.VERIFIED, checkin_nonce="", created_by_id=creator.id,
                              created_at=created_at,
                              submitted_at=created_at, verified_by_id=office.id,
                              verified_at=created_at + dt.timedelta(days=2))
            for person in members:
                roll = rng.random()
                present = habit[person.id]
                status = (AttendanceStatus.PRESENT if roll < present else AttendanceStatus.LEAVE
                          if roll < present + (1 - present) / 2 else
                          rng.choice((AttendanceStatus.ABSENT, AttendanceStatus.LATE, AttendanceStatus.EARLY)))
                meeting.attendance.append(Attendance(party_member_id=person.id, status=status))
            db.session.add(meeting)
