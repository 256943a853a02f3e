"""Counting across a 届 (`window: term`): "一届内无故缺席全体会议一次的,书面通报批评;两次的,撤销委员资格" scored from
the database (the 届 the period ends in, its earlier years' verified records of the kinds counted) and from a
multi-year workbook (`score --records` with `--term-start/--term-end`) alike, and frozen so a review stays
re-derivable (its `input_records` keep the 届 and those records).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from app import scoring
from app.extensions import db
from app.models import (Activity, Attendance, AttendanceStatus, Category, Meeting, MeetingKind, RecordState,
                        ReviewEntry, Term)
from app.reviews import services
from app.reviews.scoring import score_period
from app.scoring.hashing import record_from_json, subject_from_json, term_from_json

SHIPPED = Path(__file__).resolve().parents[1] / "scoring_rules" / "2025-四个一-委员.yaml"
LEVELS = """triggers:
  无故缺席全会:
    label: 一届内无故缺席全体会议
    match: {kind: 会议出勤, meeting: 全体会议, status: 缺席}
    window: term
    levels:
      - {min_count: 1, label: 书面通报批评}
      - {min_count: 2, label: 撤销委员资格, effect: {grade: 不合格, eligible: false}}

"""


def term_rules(tmp_path: Path) -> Path:
    """The shipped members' rules with the 届 sanction in place of its triggers."""
    text = SHIPPED.read_text(encoding="utf-8")
    start, end = text.index("triggers:\n"), text.index("# 等次")
    path = tmp_path / "2025-届内缺席.yaml"
    path.write_text(text[:start] + LEVELS + text[end:], encoding="utf-8")
    return path


@pytest.fixture
def absences(county, make_member):
    """第四届 runs 2022–2026. 甲: absent in 2024 and 2025 (撤销); 乙: in 2024 only (通报); 丙: in 2021, before the 届,
    and at a 2024 plenary never verified (nothing); 丁: a 2024 proposal (a kind no count needs: not read)."""
    people = {name: make_member(name) for name in ("甲", "乙", "丙", "丁")}
    for member in people.values():
        member.code = str(member.id)
    cppcc = county["cppcc"]

    def plenary(on, state=RecordState.VERIFIED, **statuses):
        meeting = Meeting(kind=MeetingKind.PLENARY, title=f"{on.year}年全体会议", held_on=on, unit_id=cppcc.id,
                          state=state)
        meeting.attendance = [Attendance(member_id=people[name].id, status=status)
                              for name, status in statuses.items()]
        db.session.add(meeting)
    A, P = AttendanceStatus.ABSENT, AttendanceStatus.PRESENT
    plenary(dt.date(2021, 1, 6), 甲=P, 乙=P, 丙=A)
    plenary(dt.date(2024, 1, 8), 甲=A, 乙=A, 丙=P, 丁=P)
    plenary(dt.date(2024, 6, 8), RecordState.SUBMITTED, 丙=A)
    plenary(dt.date(2025, 1, 8), 甲=A, 乙=P, 丙=P, 丁=P)
    db.session.add(Activity(unit_id=county["committee_a"].id, member_id=people["丁"].id, category=Category.IDEA,
                            kind="提案", title="2024 年的提案", outcome="立案", occurred_on=dt.date(2024, 3, 1),
                            state=RecordState.VERIFIED))
    db.session.commit()
    return people


def flags(scored, people) -> dict[str, list[tuple[str, str]]]:
    cards = {c.subject_id: c for c in scored.cards}
    return {name: [(f.level, f.detail) for f in cards[m.id].flags] for name, m in people.items()}


def test_the_database_gives_a_term_count_the_terms_earlier_years(absences, tmp_path):
    ruleset = scoring.load_ruleset(term_rules(tmp_path))
    scored = score_period(ruleset, "2025")
    assert scored.term == scoring.TermSpan(dt.date(2022, 1, 1), dt.date(2026, 12, 31), "第四届")
    assert flags(scored, absences) == {
        "甲": [("撤销委员资格", "本届累计 2 件,达到“撤销委员资格”(2 件起),不再另作“书面通报批评”")],
        "乙": [("书面通报批评", "本届累计 1 件,达到“书面通报批评”(1 件起)")], "丙": [], "丁": []}
    cards = {c.subject_id: c for c in scored.cards}
    assert cards[absences["甲"].id].grade == "不合格" and not cards[absences["甲"].id].eligible
    # only the counted kind is read from the 届's earlier years: the 2024 attendance, not the 2024 proposal
    earlier = {r.kind for r in scored.facts.records if r.occurred_on.year < 2025}
    assert earlier == {"会议出勤"} and all(r.occurred_on.year >= 2022 for r in scored.facts.records)
    # points still come from the period alone: the 2024 absence costs 甲 nothing in 2025's 考勤 (one absence: −1.5)
    assert cards[absences["甲"].id].section_points("考勤") == Decimal("8.5")
    # the half-year sees the 届 up to 30 June 2025: 甲's January absence is in it
    assert flags(score_period(ruleset, "2025H1"), absences)["甲"][0][0] == "撤销委员资格"


def test_a_frozen_review_keeps_the_term_and_its_records_and_is_re_derivable(absences, tmp_path):
    ruleset = scoring.load_ruleset(term_rules(tmp_path))
    review = services.run_review(ruleset, "2025", None)
    db.session.commit()
    frozen = json.loads(review.input_records)
    assert frozen["term"] == {"name": "第四届", "starts_on": "2022-01-01", "ends_on": "2026-12-31"}
    assert {r["on"][:4] for r in frozen["records"]} == {"2024", "2025"}
    again = scoring.content_hash(review.rule_set.content, [subject_from_json(s) for s in frozen["subjects"]],
                                 [record_from_json(r) for r in frozen["records"]], "全年",
                                 term_from_json(frozen["term"]))
    assert again == review.content_hash == score_period(ruleset, "2025").hash
    entry = db.session.scalar(sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id,
                                                           ReviewEntry.subject_id == absences["甲"].id))
    assert json.loads(entry.flags) == ["一届内无故缺席全体会议:撤销委员资格"]
    # the shipped rule files count nothing over the 届: their reviews keep no 届 and no earlier year
    plain = services.run_review(services.rule_file(SHIPPED.name), "2025", None)
    assert "term" not in json.loads(plain.input_records)
    assert {r["on"][:4] for r in json.loads(plain.input_records)["records"]} == {"2025"}


def test_without_a_term_containing_the_period_the_office_is_told_what_to_set(absences, tmp_path):
    db.session.execute(sa.update(Term).values(ends_on=dt.date(2024, 12, 31)))
    db.session.commit()
    with pytest.raises(scoring.RuleError, match="系统中没有包含 2025年12月31日的届"):
        score_period(scoring.load_ruleset(term_rules(tmp_path)), "2025")


def _workbook(path: Path, county, people) -> Path:
    """The database's facts as a multi-year workbook (编号 are the system's ids, so the hash is the system's)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    units = book.create_sheet("单位")
    units.append(["单位编号", "名称", "类型"])
    for key in ("committee_a", "sector_a", "liaison_a"):
        unit = county[key]
        units.append([str(unit.id), unit.name, unit.kind.label])
    members = book.create_sheet("委员")
    members.append(["委员编号", "姓名", "界别", "专委会", "联络处", "党派"])
    for m in people.values():
        members.append([str(m.id), m.name, m.sector.name, m.committee.name, m.liaison.name, m.party])
    records = book.create_sheet("履职记录")
    records.append(["记录编号", "对象编号", "类型", "日期", "结果", "状态"])
    for a in db.session.scalars(sa.select(Activity)):
        records.append([str(a.id), str(a.member_id), a.kind, a.occurred_on, a.outcome, a.state.label])
    attendance = book.create_sheet("出勤")
    attendance.append(["记录编号", "会议类型", "日期", "对象编号", "出席情况"])
    for meeting in db.session.scalars(sa.select(Meeting).where(Meeting.state == RecordState.VERIFIED)):
        for att in meeting.attendance:
            attendance.append([str(att.id), meeting.kind.label, meeting.held_on, str(att.member_id),
                               att.status.label])
    book.save(path)
    return path


def test_a_multi_year_workbook_with_the_terms_dates_scores_as_the_database(app, county, absences, tmp_path):
    rules = term_rules(tmp_path)
    path = _workbook(tmp_path / "本届.xlsx", county, absences)
    runner = app.test_cli_runner()
    args = ["score", "--rules", str(rules), "--period", "2025", "--format", "json"]
    from_db = runner.invoke(args=args)
    term = ["--term-start", "2022-01-01", "--term-end", "2026-12-31"]
    from_file = runner.invoke(args=[*args, "--records", str(path), *term])
    assert from_db.exit_code == 0 and from_file.exit_code == 0, from_db.output + from_file.output
    assert json.loads(from_file.stdout)["hash"] == json.loads(from_db.stdout)["hash"]
    assert from_file.stdout.replace('"name": ""', '"name": "第四届"') == from_db.stdout
    assert "1 行不在 2025 年、也不是按届统计要用的本届记录" in from_file.stderr      # 丁's 2024 proposal
    table = runner.invoke(args=["score", "--rules", str(rules), "--period", "2025", "--records", str(path), *term])
    assert "按届统计：届自 2022-01-01 起" in table.stdout
    missing = runner.invoke(args=[*args, "--records", str(path)])
    assert missing.exit_code == 1 and "请用 --term-start 和 --term-end 写明所在届的起止日期" in missing.stderr
    half = runner.invoke(args=[*args, "--records", str(path), "--term-start", "2022-01-01"])
    assert half.exit_code == 1 and "请同时写 --term-start 和 --term-end" in half.stderr
    alone = runner.invoke(args=[*args, *term])
    assert alone.exit_code == 1 and "只与 --records 一起使用" in alone.stderr
    later = runner.invoke(args=[*args, "--records", str(path), "--term-start", "2026-01-01", "--term-end",
                                "2030-12-31"])
    assert later.exit_code == 1 and "不包含考评周期" in later.stderr
