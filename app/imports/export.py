"""Exports of filtered lists, written in the import format (.xlsx or .csv), so an exported file can be edited and
imported again: 记录编号 carries the system's number, 对象编号 the member's, unit's or party member's code.
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import selectinload

from app import kindfields
from app.imports import datasets  # the module, read when called: loading it loads app.activities, which loads this
from app.models import (Activity, ActivityParticipant, Attendance, BranchResult, Meeting, Member, PartyMember,
                        RecordState, Unit)
from app.spreadsheets import columns
from app.spreadsheets.columns import NO, YES, Sheet
from app.spreadsheets.declared import FIELD_KEY
from app.spreadsheets.template import build_template
from app.web import send_download
from reports import cells

FORMATS = ("xlsx", "csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wanted() -> str | None:
    """The export format asked for by `?export=xlsx|csv`, or None for the page itself."""
    fmt = request.args.get("export", "")
    return fmt if fmt in FORMATS else None


def send(dataset: str, rows: Iterable[Sequence[Any]], fmt: str, title: str, without: Sequence[str] = ()) -> Response:
    """The rows as a download in the import format of `dataset`; `without`: the keys of columns left out (what the
    user may not read; the rows leave them out too, and the import keeps what a missing column would say)."""
    spec = datasets.DATASETS[dataset]
    sheets = spec.export_sheets()
    sheets = (columns.without(sheets[0], *without), *sheets[1:]) if without else sheets
    sheet = sheets[0]
    if fmt == "csv":
        return _send_csv(sheet, rows, title)
    data = build_template(sheets, title=title, choices=spec.choices(current_user),
                          rows={sheet.name: rows}, instructions=spec.instructions)
    return send_download(data, XLSX, f"{title}.xlsx")


def _send_csv(sheet: Sheet, rows: Iterable[Sequence[Any]], title: str) -> Response:
    return _csv_response([c.written for c in sheet.columns], rows, title)


def _csv_response(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> Response:
    """UTF-8 with a byte-order mark: Excel in China opens it without garbling the Chinese. A title a member typed
    as =HYPERLINK(…) gets a leading ' and does not run in Excel (numbers, -3.5 too, stay numbers); the import
    drops the ' again."""
    out = io.StringIO()
    cells.write_csv(out, itertools.chain([headers], ([_csv_text(v) for v in row] for row in rows)))
    data = out.getvalue().encode("utf-8-sig")
    return send_download(data, "text/csv", f"{title}.csv")


def send_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str, title: str) -> Response:
    """A plain table (no import format) as .xlsx or .csv: for lists nobody imports, such as the logs."""
    if fmt == "csv":
        return _csv_response(headers, rows, title)
    return send_download(table_xlsx(headers, rows, title), XLSX, f"{title}.xlsx")


def table_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    """A plain table as .xlsx bytes: a bold header row frozen at the top, columns as wide as their text; text stays
    text (never a formula: log tables hold what strangers typed, a username at the sign-in form), numbers and dates
    stay numbers and dates."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])  # Excel refuses longer sheet names
    sheet.freeze_panes = "A2"
    widths = [_width(h) for h in headers]
    body: list[list[Any]] = []
    for row in rows:  # widths are set before the first row is written, so the rows are held once
        values = [_value(v) for v in row]
        body.append(values)
        widths = [max(w, _width(c)) for w, c in zip(widths, values, strict=False)]
    widths = [min(width + 2, 60) for width in widths]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    cells.print_setup(sheet, widths)
    bold = Font(bold=True)
    cells.append(sheet, [cells.cell(sheet, h, font=bold) for h in headers])
    for values in body:
        cells.append(sheet, values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _value(value: Any) -> Any:
    """What a cell holds: numbers, text and dates stay themselves; yes/no, lists and the rest become text."""
    if value is None or isinstance(value, (int, Decimal, str, dt.date)) and not isinstance(value, bool):
        return value
    return _csv_text(value)


def _width(value: Any) -> int:
    """Display width: a Chinese character takes two columns."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _ordered(sheet: Sheet, values: dict[str, Any]) -> list[Any]:
    return [values.get(c.key) for c in sheet.columns]


# --- what each list loads up front, so an export of thousands of rows issues a handful of queries ---------------

RECORD_LOADS = (selectinload(Activity.member), selectinload(Activity.party_member), selectinload(Activity.unit),
                selectinload(Activity.participants).selectinload(ActivityParticipant.member))
ATTENDANCE_LOADS = (selectinload(Meeting.unit),
                    selectinload(Meeting.attendance).options(selectinload(Attendance.member),
                                                             selectinload(Attendance.party_member)))
PARTY_MEMBER_LOADS = (selectinload(PartyMember.branch), selectinload(PartyMember.enterprise))
BRANCH_LOADS = (selectinload(Unit.parent), selectinload(Unit.enterprises))
BRANCH_RESULT_LOADS = (selectinload(BranchResult.branch), selectinload(BranchResult.indicators))


# --- one list each -------------------------------------------------------------------------------------------

def member_rows(members: Iterable[Member]) -> Iterable[list[Any]]:
    sheet = datasets.DATASETS["members"].sheets[0]
    for m in members:
        yield _ordered(sheet, {
            "code": m.code, "name": m.name, "gender": m.gender.label, "sector": m.sector.name, "party": m.party,
            "committee": m.committee.name if m.committee else None, "liaison": m.liaison.name if m.liaison else None,
            "standing": m.is_standing, "chair_council": m.is_chair_council,
            "resident_standing": m.is_resident_standing, "active": m.active, "employer": m.employer,
            "position": m.position, "phone": m.phone, "ethnicity": m.ethnicity, "birth_month": m.birth_month,
            "joined_on": m.joined_on, "left_on": m.left_on, "note": m.note})


def record_rows(activities: Iterable[Activity]) -> Iterable[list[Any]]:
    """The records in the import format, each declared field (培训天数 …) in its column."""
    sheet = datasets.DATASETS["records"].export_sheets()[0]
    for a in activities:
        if a.member is not None:
            code, name, kind = a.member.code, a.member.name, "委员"
        elif a.party_member is not None:
            code, name, kind = a.party_member.code, a.party_member.name, "党员"
        else:
            code, name, kind = a.unit.code, a.unit.name, "单位"
        signers = tuple(p.member.code for p in a.participants[1:]) if a.participants else ()
        yield _ordered(sheet, {
            "record_no": str(a.id), "subject": code, "name": name, "kind": a.kind, "occurred_on": a.occurred_on,
            "title": a.title, "outcome": a.outcome, "level": a.level, "instruction_level": a.instruction_level,
            "amount": a.amount, "people_helped": a.people_helped, "signers": signers, "work_key": a.work_key,
            "subject_type": kind, "description": a.description, "counterpart": a.counterpart,
            "support": a.support, "state": _exported_state(a.state),
            **{FIELD_KEY + name: kindfields.cell(value) for name, value in (a.details or {}).items()}})


def _exported_state(state: RecordState) -> str:
    """退回 is exported as 草稿: what the import accepts for a record its clerk is still correcting."""
    return (RecordState.DRAFT if state == RecordState.RETURNED else state).label


def attendance_rows(meetings: Iterable[Meeting],
                    visible: Callable[[Attendance], bool] | None = None) -> Iterable[list[Any]]:
    """Every invitee of every meeting, or those `visible` lets through (the user's scope)."""
    sheet = datasets.DATASETS["attendance"].sheets[0]
    for meeting in meetings:
        shown = meeting.attendance if visible is None else [a for a in meeting.attendance if visible(a)]
        for item in sorted(shown, key=lambda x: (x.member or x.party_member).code):
            person = item.member or item.party_member
            yield _ordered(sheet, {
                "meeting_title": meeting.title, "meeting": str(meeting.kind), "occurred_on": meeting.held_on,
                "subject": person.code, "name": person.name, "status": item.status.label,
                "organiser": meeting.unit.name})


def party_member_rows(people: Iterable[PartyMember]) -> Iterable[list[Any]]:
    sheet = datasets.DATASETS["party-members"].sheets[0]
    for p in people:
        yield _ordered(sheet, {
            "code": p.code, "name": p.name, "gender": p.gender.label, "branch": p.branch.name,
            "party_status": p.status.label, "active": p.active, "joined_on": p.joined_on,
            "enterprise": p.enterprise.name if p.enterprise else None, "post": p.post, "phone": p.phone})


def branch_rows(branches: Iterable[Unit]) -> Iterable[list[Any]]:
    sheet = datasets.DATASETS["branches"].sheets[0]
    for b in branches:
        yield _ordered(sheet, {
            "code": b.code, "name": b.name, "branch_form": b.branch_form.label if b.branch_form else None,
            "parent": b.parent.name if b.parent else None, "enterprises": tuple(e.name for e in b.enterprises)})


def branch_result_rows(results: Iterable[BranchResult]) -> Iterable[list[Any]]:
    sheet = datasets.DATASETS["branch-results"].sheets[0]
    for r in results:
        for i in r.indicators:
            flag = i.value is None and not i.choice
            yield _ordered(sheet, {
                "subject": r.branch.code, "name": r.branch.name, "period": r.period, "kind": i.key,
                "number": i.value, "grade": i.choice or (YES if flag else None),
                "state": _exported_state(r.state)})


def export_title(label: str) -> str:
    return _("%(label)s导出", label=label)

