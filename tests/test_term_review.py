"""届末综合评价: each year's official result in the 届, attendance and records across it, the mean and its rank,
scope, the .xlsx, the PDFs from the command line."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import signed_in, text_of, user_named

from app.auth.scope import clause
from app.extensions import db
from app.models import (Attendance, AttendanceStatus, HistoricalResult, Meeting, Member, RecordState, ReviewEntry,
                        SubjectKind, Term)
from app.reviews.term import term_report
from reports.term import TermMember, YearResult, ranked


@pytest.fixture(autouse=True)
def demo_accounts(app):
    app.config["DEMO_MODE"] = True  # the demo accounts sign in only in demo mode


def _member(i: int, *scores: str) -> TermMember:
    return TermMember(i, f"委员{i}", "经济界", tuple(YearResult(2022 + n, Decimal(s), "", None)
                                                   for n, s in enumerate(scores)), 0, 0, 0, ())


def test_the_term_score_is_the_mean_of_the_years_present_and_equal_scores_share_a_place():
    members = ranked([_member(1, "80", "90"), _member(2, "85"), _member(3, "90", "80"), _member(4),
                      _member(5, "70", "70.5", "71")])
    assert [(m.member_id, m.place, m.score) for m in members] == [
        (1, 1, Decimal("85.00")), (2, 1, Decimal("85.00")), (3, 1, Decimal("85.00")), (5, 4, Decimal("70.50")),
        (4, None, None)]  # no result in any year: listed last, unplaced
    assert ranked([_member(1, "80", "80", "81")])[0].score == Decimal("80.33")


def _term() -> Term:
    return db.session.scalar(sa.select(Term).order_by(Term.starts_on.desc()))


def _entered(member_id: int, year: int, score: str, grade: str) -> None:
    db.session.add(HistoricalResult(subject_kind=SubjectKind.MEMBERS, subject_id=member_id, year=year,
                                    score=Decimal(score), grade=grade))
    db.session.flush()


def test_each_years_official_result_is_gathered_averaged_and_ranked(finished_year):
    entries = {e.subject_id: e for e in finished_year.entries}
    first, second = sorted(entries, key=lambda i: entries[i].rank)[:2]
    _entered(first, 2024, "60", "合格")
    _entered(second, 2025, "1", "不合格")  # a frozen annual review of the year takes precedence
    report = term_report(_term())
    assert report.years == (2022, 2023, 2024, 2025, 2026)
    rows = {m.member_id: m for m in report.members}
    one = rows[first]
    assert [(r.year, r.score, r.grade, r.rank, r.entered) for r in one.results] == [
        (2024, Decimal("60"), "合格", None, True),
        (2025, Decimal(entries[first].score), entries[first].grade, entries[first].rank, False)]
    assert one.score == ((Decimal(entries[first].score) + 60) / 2).quantize(Decimal("0.01"))
    assert rows[second].score == Decimal(entries[second].score).quantize(Decimal("0.01"))
    assert len(rows[second].results) == 1
    placed = [m for m in report.members if m.place is not None]
    assert [m.place for m in placed] == sorted(m.place for m in placed)
    assert all(a.score >= b.score for a, b in zip(placed, placed[1:]))
    assert rows[second].place < one.place  # the weaker earlier year pulls the first one down


def test_attendance_counts_the_terms_verified_meetings_only(finished_year):
    member_id = finished_year.entries[0].subject_id
    before = {m.member_id: m for m in term_report(_term()).members}[member_id]
    model = db.session.scalar(sa.select(Meeting).limit(1))
    statuses = [(dt.date(2023, 3, 1), RecordState.VERIFIED, AttendanceStatus.PRESENT),
                (dt.date(2023, 4, 1), RecordState.VERIFIED, AttendanceStatus.LATE),
                (dt.date(2023, 5, 1), RecordState.VERIFIED, AttendanceStatus.LEAVE),
                (dt.date(2023, 6, 1), RecordState.VERIFIED, AttendanceStatus.ABSENT),
                (dt.date(2023, 7, 1), RecordState.SUBMITTED, AttendanceStatus.ABSENT),  # not verified
                (dt.date(2021, 7, 1), RecordState.VERIFIED, AttendanceStatus.ABSENT)]  # before the 届
    for held_on, state, status in statuses:
        meeting = Meeting(kind=model.kind, title="届末测试会议", held_on=held_on, unit_id=model.unit_id, state=state)
        meeting.attendance.append(Attendance(member_id=member_id, status=status))
        db.session.add(meeting)
    db.session.flush()
    after = {m.member_id: m for m in term_report(_term()).members}[member_id]
    assert (after.present - before.present, after.leave - before.leave, after.absent - before.absent) == (2, 1, 1)
    assert after.rate == (Decimal(100) * after.present / after.invited).quantize(Decimal("0.1"))


def test_the_page_ranks_the_term_and_explains_each_member(app, finished_year):
    term = _term()
    entry = min(finished_year.entries, key=lambda e: e.rank)
    _entered(entry.subject_id, 2024, "60", "合格")
    db.session.commit()
    office = signed_in(app, "office")
    report = term_report(term)
    place = next(m.place for m in report.members if m.member_id == entry.subject_id)
    page = office.get(f"/reviews/term/{term.id}?sort=years&dir=desc&per_page=20")
    assert page.status_code == 200
    text = text_of(page)
    assert "届末综合评价" in text and "2024年" in text and "60 合格" in text
    assert entry.subject_name in text  # the only member with two years counted comes first
    assert place > 1
    explained = text_of(office.get(f"/reviews/term/{term.id}/members/{entry.subject_id}"))
    assert "历年考评结果（录入）" in explained and "全年总结（已冻结）" in explained and "没有正式结果" in explained
    assert "出席率" in explained and "献一智" in explained
    pdf = office.get(f"/reviews/term/{term.id}/members/{entry.subject_id}?format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    book = openpyxl.load_workbook(io.BytesIO(office.get(f"/reviews/term/{term.id}?format=xlsx").data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert "届末得分" in header and "2024年得分" in header and "出席率（%）" in header
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == entry.subject_name)
    assert row[header.index("2024年得分")] == 60
    assert row[header.index("计入年数")] == 2


def test_a_clerk_sees_their_units_members_only(app, finished_year):
    term = _term()
    clerk = user_named("clerk")
    own = set(db.session.scalars(sa.select(Member.id).where(clause(Member, clerk))))
    names = dict(db.session.execute(sa.select(ReviewEntry.subject_id, ReviewEntry.subject_name)
                                    .where(ReviewEntry.review_id == finished_year.id)).all())
    outside = next(i for i in names if i not in own)
    inside = next(i for i in names if i in own)
    client = signed_in(app, "clerk")
    text = text_of(client.get(f"/reviews/term/{term.id}?per_page=100"))
    assert names[inside] in text and names[outside] not in text
    assert client.get(f"/reviews/term/{term.id}/members/{outside}").status_code == 404
    assert client.get(f"/reviews/term/{term.id}/members/{inside}").status_code == 200
    assert signed_in(app, "member").get(f"/reviews/term/{term.id}").status_code == 403
    assert signed_in(app, "office").get("/reviews/term/999999").status_code == 404


def test_the_command_line_prints_the_nomination_list_and_a_members_report(app, finished_year, tmp_path):
    term = _term()
    runner = app.test_cli_runner()
    pdf, again, xlsx, one = (tmp_path / n for n in ("term.pdf", "again.pdf", "term.xlsx", "one.pdf"))
    result = runner.invoke(args=["report", "term", "--term", str(term.id), "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    assert runner.invoke(args=["report", "term", "--term", str(term.id), "-o", str(again)]).exit_code == 0
    assert pdf.read_bytes() == again.read_bytes()  # same data, same bytes
    assert runner.invoke(args=["report", "term", "--term", str(term.id), "-o", str(xlsx)]).exit_code == 0
    names = [r[1] for r in openpyxl.load_workbook(xlsx).active.iter_rows(min_row=2, values_only=True) if r[1]]
    assert finished_year.entries[0].subject_name in names
    member_id = finished_year.entries[0].subject_id
    result = runner.invoke(args=["report", "term", "--term", str(term.id), "--member", str(member_id), "-o", str(one)])
    assert result.exit_code == 0, result.output
    assert one.read_bytes().startswith(b"%PDF")
    result = runner.invoke(args=["report", "term", "-o", str(one)])
    assert result.exit_code != 0 and "--term" in result.output


@pytest.mark.commits
def test_the_pages_fit_a_phone(app, finished_year, tmp_path):
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM, CHROMIUM_ARGS, demo_page, served
    term_id = _term().id
    member_id = finished_year.entries[0].subject_id
    db.session.commit()
    with served(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in (1280, 360):
            page = demo_page(browser, url, width)
            for name, path in (("list", f"/reviews/term/{term_id}"),
                               ("member", f"/reviews/term/{term_id}/members/{member_id}")):
                page.goto(url + path)
                assert "届末综合评价" in page.inner_text("h1")
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
                page.screenshot(path=str(tmp_path / f"term-{name}-{width}.png"), full_page=True)
        browser.close()
