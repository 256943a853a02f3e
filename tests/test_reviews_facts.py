"""The seam between the database and the scoring engine (app/reviews/facts.py, app/reviews/scoring.py): the demo
county scores under every shipped 2025 rule file, only verified facts count, record ids lead back to their rows, the
hash is stable, joint work credits its signers; and a small hand-made county gives exact points.

Building the demo takes a second or two, so the demo tests each build it once and check many things.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import (Activity, ActivityParticipant, Attendance, AttendanceStatus, BranchIndicator, BranchResult,
                        Category, Meeting, MeetingKind, Member, PartyMember, RecordState, SubjectKind, User)
from app.reviews.facts import gather, origin
from app.reviews.scoring import ANNUAL_KEYS, score_period, subject_kind
from app.scoring import ScoreCard, load_ruleset
from app.scoring.types import ATTENDANCE_KIND

RULES_DIR = Path(__file__).resolve().parents[1] / "scoring_rules"
RULE_FILES = sorted(RULES_DIR.glob("2025-*.yaml"))
MEMBER_RULES = RULES_DIR / "2025-四个一-委员.yaml"


def periods(ruleset) -> list[str]:
    """The periods a rule file declares, as score_period is asked for them: "2025", "2025H1", "2025H2"."""
    return [("2025" if key in ANNUAL_KEYS else f"2025{key}") for key in ruleset.periods]


def by_subject(scored) -> dict[int, ScoreCard]:
    return {card.subject_id: card for card in scored.cards}


def line_ids(card: ScoreCard) -> set[int]:
    return {rid for line in card.lines for rid in line.record_ids}


def gate(card: ScoreCard, name: str):
    return next(g for g in card.gates if g.name == name)


def test_every_shipped_rule_file_scores_the_demo_for_every_period_with_sensible_results(demo):
    assert len(RULE_FILES) == 4
    annual = {}
    for path in RULE_FILES:
        ruleset = load_ruleset(path)
        grade_names = {g.name for g in ruleset.grades}
        for period in periods(ruleset):
            scored = score_period(ruleset, period)  # a RuleError here means the demo and the rules disagree
            cards = scored.cards
            assert len(cards) == len(scored.facts.subjects) > 0, (path.name, period)
            assert {c.grade for c in cards if c.appraised} <= grade_names, (path.name, period)
            assert all(c.grade is None and not c.places for c in cards if not c.appraised), (path.name, period)
            assert any(c.total > 0 for c in cards), (path.name, period)
            assert len({c.total for c in cards}) >= 5, (path.name, period)  # varied, not all alike
            if period == "2025":
                annual[path.name] = scored
    assert {p.name for p in RULE_FILES} == set(annual)

    # 委员: some good, some held back by the four-一 gate; the gate is exactly "a verified record of each 一"
    members = annual[MEMBER_RULES.name]
    listed = by_subject(members)
    cards = {i: c for i, c in listed.items() if c.appraised}
    grades = Counter(c.grade for c in cards.values())
    assert grades["优秀"] + grades["良好"] > 0 and grades["合格"] + grades["不合格"] > 0
    assert any(not gate(c, "四个一").met and c.grade in ("合格", "不合格") for c in cards.values())
    assert any(c.total >= 80 and not gate(c, "四个一").met and c.grade == "合格" for c in cards.values())
    with_idea = set(db.session.scalars(sa.select(Activity.member_id).where(
        Activity.state == RecordState.VERIFIED, Activity.category == Category.IDEA, Activity.member_id.isnot(None))))
    with_idea |= set(db.session.scalars(sa.select(ActivityParticipant.member_id).join(Activity).where(
        Activity.state == RecordState.VERIFIED, Activity.category == Category.IDEA)))
    without = [m for m in cards if m not in with_idea]
    assert without, "some members have no verified 献一智"
    for member_id, card in cards.items():
        four = gate(card, "四个一")
        assert ("献一智:0 件" in four.detail) == (member_id not in with_idea), (member_id, four.detail)
        if member_id in without:
            assert not four.met and not card.eligible and card.grade in ("合格", "不合格")
    demo_member = db.session.scalar(sa.select(User).where(User.username == "member")).member
    mine = cards[demo_member.id]
    assert gate(mine, "四个一").met and "未达到" not in gate(mine, "四个一").detail
    assert mine.grade in ("优秀", "良好")
    disciplined = db.session.scalar(sa.select(Activity.member_id).where(Activity.kind == "违纪违法"))
    assert cards[disciplined].grade == "不合格" and not cards[disciplined].eligible  # 一票否决, whatever the points
    assert cards[disciplined].total >= 60
    assert any(c.places for c in cards.values())
    # members set inactive (no 离任日期) are kept, shown as 已离任, and not appraised by default
    inactive = set(db.session.scalars(sa.select(Member.id).where(~Member.active)))
    assert inactive and inactive == set(listed) - set(cards)
    for member_id in inactive:
        assert listed[member_id].left and not listed[member_id].appraised and not listed[member_id].places
        assert listed[member_id].membership == "已离任(未填离任日期),不参加本期考评(得分仅供参考)"

    # 组织单位: a unit's 集体提案 is on the unit's own card
    units = by_subject(annual["2025-四个一-单位.yaml"])
    collective = db.session.scalars(sa.select(Activity).where(
        Activity.kind == "集体提案", Activity.state == RecordState.VERIFIED, Activity.outcome != "提交")).all()
    assert collective
    for record in collective:
        assert record.id in line_ids(units[record.unit_id])
    assert Counter(c.grade for c in units.values())["不满意"] < len(units)

    # 党员: some 优秀; the one 违纪 is 不合格
    party = by_subject(annual["2025-双比双争-党员.yaml"])
    assert Counter(c.grade for c in party.values())["优秀"] > 0
    offender = db.session.scalar(sa.select(Activity.party_member_id).where(Activity.kind == "违纪"))
    assert party[offender].grade == "不合格" and not party[offender].eligible

    # 党支部: the year is 0.4 × H1 + 0.6 × H2 of the half-year reports; an unverified H2 report counts nothing
    branches = by_subject(annual["2025-双比双争-党支部.yaml"])
    for card in branches.values():
        assert [p.period for p in card.parts] == ["H1", "H2"]
    late = db.session.scalars(sa.select(BranchResult.branch_id).where(
        BranchResult.period == "2025H2", BranchResult.state != RecordState.VERIFIED)).all()
    assert late
    for branch_id in late:
        assert {p.period: p.total for p in branches[branch_id].parts}["H2"] == 0
    assert Counter(c.grade for c in branches.values())["一星"] < len(branches)
    accident = db.session.scalars(sa.select(BranchResult.branch_id).join(BranchIndicator).where(
        BranchIndicator.key == "重大事故", BranchResult.state == RecordState.VERIFIED)).all()
    assert accident
    for branch_id in accident:  # 一票否决: 一星 and no award, whatever the points
        card = branches[branch_id]
        assert card.grade == "一星" and not card.eligible and card.total >= 60
        assert not gate(card, "重大事故").met


def test_the_seam_counts_only_verified_facts_keeps_their_origin_and_hashes_them(demo):
    unverified = set(db.session.scalars(sa.select(Activity.id).where(Activity.state != RecordState.VERIFIED)))
    submitted = set(db.session.scalars(sa.select(Activity.id).where(Activity.state == RecordState.SUBMITTED)))
    assert submitted and submitted <= unverified
    unverified_indicators = set(db.session.scalars(sa.select(BranchIndicator.id).join(BranchResult).where(
        BranchResult.state != RecordState.VERIFIED)))
    assert unverified_indicators
    scored = {path.name: score_period(load_ruleset(path), "2025") for path in RULE_FILES}
    for name, result in scored.items():
        kind = subject_kind(result.ruleset)
        shown = set().union(*(line_ids(c) for c in result.cards))
        fed = {r.id for r in result.facts.records}
        assert shown and shown <= fed, name
        if kind == SubjectKind.BRANCHES:
            assert not fed & unverified_indicators, name
        else:
            assert not fed & unverified and not shown & submitted, name

    # attendance: negative ids that origin() maps back to the attendance row they came from
    members = scored[MEMBER_RULES.name]
    attendance = [r for r in members.facts.records if r.kind == ATTENDANCE_KIND]
    assert attendance and all(r.id < 0 for r in attendance)
    assert all(r.id > 0 for r in members.facts.records if r.kind != ATTENDANCE_KIND)
    for record in attendance[:50]:
        table, row_id = origin(record.id, SubjectKind.MEMBERS)
        row = db.session.get(Attendance, row_id)
        assert table == "attendance" and row is not None
        assert (row.member_id, row.status.label, row.meeting.kind.label) == (
            record.subject_id, record.fields["status"], record.fields["meeting"])
    deducted = [rid for c in members.cards for line in c.lines if line.section == "考勤" for rid in line.record_ids]
    assert deducted and all(rid < 0 for rid in deducted)
    for rid in deducted:
        row = db.session.get(Attendance, origin(rid, SubjectKind.MEMBERS)[1])
        assert row.status in (AttendanceStatus.ABSENT, AttendanceStatus.LATE, AttendanceStatus.EARLY)
    assert origin(7, SubjectKind.MEMBERS) == ("activity", 7)
    assert origin(7, SubjectKind.BRANCHES) == ("indicator", 7)

    # joint work: a co-signer's card lists the joint proposal; a 集体提案 credits its named members
    cards = by_subject(members)
    joint = db.session.scalars(sa.select(Activity).join(ActivityParticipant).where(
        Activity.state == RecordState.VERIFIED, Activity.kind == "提案", ActivityParticipant.position == 2)).all()
    assert joint
    for record in joint:
        for signer in record.participants[1:]:
            if signer.member.active:
                assert record.id in line_ids(cards[signer.member_id]), (record.id, signer.member_id)
    collective = db.session.scalars(sa.select(Activity).where(
        Activity.kind == "集体提案", Activity.state == RecordState.VERIFIED, Activity.outcome != "提交")).all()
    assert collective
    for record in collective:
        for signer in record.participants:
            card = cards[signer.member_id]
            assert record.id in line_ids(card)
            assert any(line.item == "集体提案" and record.id in line.record_ids for line in card.lines)
    # one piece of work recorded twice (提案, later 社情民意) counts once
    twice = db.session.scalars(sa.select(Activity).where(Activity.work_key != "", Activity.kind == "社情民意")).all()
    assert twice
    for record in twice:
        assert any(n.record_id == record.id and "不重复计分" in n.reason for n in cards[record.member_id].notes)

    # the hash: the same facts gathered twice give the same hash; one verified record changed, another hash
    ruleset = members.ruleset
    first = score_period(ruleset, "2025")
    assert first.hash == members.hash == score_period(ruleset, "2025", gather(SubjectKind.MEMBERS, 2025)).hash
    waiting = db.session.scalar(sa.select(Activity).where(Activity.state == RecordState.SUBMITTED,
                                                          Activity.member_id.isnot(None)).order_by(Activity.id))
    waiting.title += "(补充材料)"
    waiting.amount = Decimal(123)
    db.session.commit()
    assert score_period(ruleset, "2025").hash == first.hash  # unverified work is not an input
    verified = db.session.scalar(sa.select(Activity).where(
        Activity.state == RecordState.VERIFIED, Activity.kind == "提案", Activity.outcome == "立案")
        .order_by(Activity.id))
    verified.outcome = "重点"
    db.session.commit()
    again = score_period(ruleset, "2025")
    assert again.hash != first.hash
    assert score_period(ruleset, "2025").hash == again.hash


def test_exact_points_for_a_small_county(app, county, make_member):
    """Hand-made: a 立案 proposal alone → 献一智 20; a joint one shares ½ + ½; a plenary absence → 考勤 8.5 (常委 8)."""
    alone, lead, second, third = (make_member(n) for n in ("张一", "王二", "李三", "赵四"))
    standing = make_member("周常委", is_standing=True)
    on = dt.date(2025, 3, 2)

    def record(member, kind, state=RecordState.VERIFIED, **fields):
        activity = Activity(unit_id=county["committee_a"].id, member_id=member.id, category=Category.IDEA,
                            kind=kind, title=f"{member.name}的{kind}", occurred_on=on, state=state, **fields)
        db.session.add(activity)
        return activity

    record(alone, "提案", outcome="立案")
    record(alone, "提案", state=RecordState.SUBMITTED, outcome="立案")  # waiting: not counted
    joint = record(lead, "提案", outcome="立案")
    joint.participants = [ActivityParticipant(position=i, member_id=m.id)
                          for i, m in enumerate((lead, second, third), 1)]
    plenary = Meeting(kind=MeetingKind.PLENARY, title="全体会议", held_on=dt.date(2025, 1, 8),
                      unit_id=county["cppcc"].id, state=RecordState.VERIFIED)
    plenary.attendance = [Attendance(member_id=alone.id, status=AttendanceStatus.ABSENT),
                          Attendance(member_id=standing.id, status=AttendanceStatus.ABSENT),
                          Attendance(member_id=lead.id, status=AttendanceStatus.PRESENT)]
    draft = Meeting(kind=MeetingKind.BRIEFING, title="未核实的政情通报会", held_on=dt.date(2025, 4, 10),
                    unit_id=county["cppcc"].id, state=RecordState.SUBMITTED)
    draft.attendance = [Attendance(member_id=lead.id, status=AttendanceStatus.ABSENT)]
    db.session.add_all([plenary, draft])
    db.session.commit()

    ruleset = load_ruleset(MEMBER_RULES)
    for period in ("2025", "2025H1"):
        cards = by_subject(score_period(ruleset, period))
        assert cards[alone.id].section_points("献一智") == 20
        assert cards[alone.id].section_points("考勤") == Decimal("8.5")
        assert cards[alone.id].total == Decimal("28.5")
        assert cards[alone.id].grade == "不合格" and not gate(cards[alone.id], "四个一").met
        assert cards[lead.id].section_points("献一智") == 10          # first proposer: ½ of 20
        assert cards[second.id].section_points("献一智") == 5         # the others share the other ½
        assert cards[third.id].section_points("献一智") == 5
        assert cards[lead.id].section_points("考勤") == 10            # the unverified meeting is not counted
        assert cards[standing.id].section_points("考勤") == 8         # 常委: a plenary absence costs 2
        assert cards[standing.id].total == 8
        assert joint.id in line_ids(cards[third.id])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PartyMember)) == 0
