"""Exports of filtered lists, written in the import format (.xlsx or .csv), so an exported file can be edited and
imported again: 记录编号 carries the system's number, 对象编号 the member's, unit's or party member's code.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from app.imports import DATASETS
from app.models import Activity, BranchResult, Meeting, Member, PartyMember, RecordState, Unit
from app.spreadsheets.columns import NO, YES, Sheet
from app.spreadsheets.template import build_template

FORMATS = ("xlsx", "csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wanted() -> str | None:
    """The export format asked for by `?export=xlsx|csv`, or None for the page itself."""
    fmt = request.args.get("export", "")
    return fmt if fmt in FORMATS else None


def send(dataset: str, rows: Iterable[Sequence[Any]], fmt: str, title: str) -> Response:
    """The rows as a download in the import format of `dataset`."""
    spec = DATASETS[dataset]
    sheet = spec.sheets[0]
    if fmt == "csv":
        return _send_csv(sheet, rows, title)
    data = build_template(spec.sheets, title=title, choices=spec.choices(current_user),
                          rows={sheet.name: rows}, instructions=spec.instructions)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{title}.xlsx")


def _send_csv(sheet: Sheet, rows: Iterable[Sequence[Any]], title: str) -> Response:
    """UTF-8 with a byte-order mark: Excel in China opens it without garbling the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in sheet.columns])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    data = out.getvalue().encode("utf-8-sig")
    return send_file(io.BytesIO(data), mimetype="text/csv", as_attachment=True, download_name=f"{title}.csv")


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


# --- one list each -------------------------------------------------------------------------------------------

def member_rows(members: Iterable[Member]) -> Iterable[list[Any]]:
    sheet = DATASETS["members"].sheets[0]
    for m in members:
        yield _ordered(sheet, {
            "code": m.code, "name": m.name, "gender": m.gender.label, "sector": m.sector.name, "party": m.party,
            "committee": m.committee.name if m.committee else None, "liaison": m.liaison.name if m.liaison else None,
            "standing": m.is_standing, "chair_council": m.is_chair_council,
            "resident_standing": m.is_resident_standing, "active": m.active, "employer": m.employer,
            "position": m.position, "phone": m.phone})


def record_rows(activities: Iterable[Activity]) -> Iterable[list[Any]]:
    sheet = DATASETS["records"].sheets[0]
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
            "support": a.support, "state": a.state.label if a.state != RecordState.RETURNED else RecordState.DRAFT.label})


def attendance_rows(meetings: Iterable[Meeting]) -> Iterable[list[Any]]:
    sheet = DATASETS["attendance"].sheets[0]
    for meeting in meetings:
        for item in sorted(meeting.attendance, key=lambda x: (x.member or x.party_member).code):
            person = item.member or item.party_member
            yield _ordered(sheet, {
                "meeting_title": meeting.title, "meeting": meeting.kind.label, "occurred_on": meeting.held_on,
                "subject": person.code, "name": person.name, "status": item.status.label,
                "organiser": meeting.unit.name})


def party_member_rows(people: Iterable[PartyMember]) -> Iterable[list[Any]]:
    sheet = DATASETS["party-members"].sheets[0]
    for p in people:
        yield _ordered(sheet, {
            "code": p.code, "name": p.name, "gender": p.gender.label, "branch": p.branch.name,
            "party_status": p.status.label, "active": p.active, "joined_on": p.joined_on,
            "enterprise": p.enterprise.name if p.enterprise else None, "post": p.post, "phone": p.phone})


def branch_rows(branches: Iterable[Unit]) -> Iterable[list[Any]]:
    sheet = DATASETS["branches"].sheets[0]
    for b in branches:
        yield _ordered(sheet, {
            "code": b.code, "name": b.name, "branch_form": b.branch_form.label if b.branch_form else None,
            "parent": b.parent.name if b.parent else None, "enterprises": tuple(e.name for e in b.enterprises)})


def branch_result_rows(results: Iterable[BranchResult]) -> Iterable[list[Any]]:
    sheet = DATASETS["branch-results"].sheets[0]
    for r in results:
        for i in r.indicators:
            flag = i.value is None and not i.choice
            yield _ordered(sheet, {
                "subject": r.branch.code, "name": r.branch.name, "period": r.period, "kind": i.key,
                "number": i.value, "grade": i.choice or (YES if flag else None),
                "state": r.state.label if r.state != RecordState.RETURNED else RecordState.DRAFT.label})


def export_title(label: str) -> str:
    return _("%(label)s导出", label=label)

