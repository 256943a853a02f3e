"""会议与活动 and branches' 组织生活: list, create, invitees, the one-screen attendance sheet, verify and return."""
from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.activities.services import open_years
from app.auth.decorators import roles_required
from app.addresses import external_url
from app.auth.scope import get_or_404, scoped, unit_ids
from app.extensions import db
from app.forms import attach_errors
from app.imports import export
from app.meetings import checkin, services
from app.meetings.forms import (CheckinTimesForm, MeetingForm, MeetingTypeEditForm, MeetingTypeForm, ReturnForm,
                                 VersionForm, kind_label, version_of)
from app.models import AttendanceStatus, Invitees, Meeting, RecordState, Role, Unit, UnitKind
from app.listing import remembered, sorted_by
from app.timeutil import BEIJING
from app.web import commit_or_stale, date_arg, db_id, page_args

bp = Blueprint("meetings", __name__)
READERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.LIAISON)
CREATORS = (Role.OFFICE, Role.CLERK, Role.LIAISON)


TYPE_KEEPERS = (Role.ADMIN, Role.OFFICE)


@bp.app_template_filter("meeting_kind")
def meeting_kind(name: str) -> str:
    """A meeting's type as shown: built-in names translated, the office's own as written."""
    return str(kind_label(name))


@bp.app_template_test("started")
def meeting_started(meeting: Meeting) -> bool:
    """`meeting is started`: its day has come and its start time passed (Beijing time); until then its rows are only
    what is expected (出席 by default, leave asked)."""
    return services.started(meeting)


def _stale() -> Response:
    flash(str(services.StaleMeeting()), "error")
    return redirect(request.path)


@bp.route("/")
@roles_required(*READERS)
def index() -> str | Response:
    if back := remembered():
        return back
    filters = {"kind": request.args.get("kind", ""), "unit": request.args.get("unit", 0, type=db_id) or "",
               "start": request.args.get("start", ""), "end": request.args.get("end", "")}
    stmt = services.meeting_query(filters["kind"], date_arg("start"), date_arg("end"), filters["unit"] or None)
    if fmt := export.wanted():  # every attendance row, in scope, of every meeting the filters select
        meetings = db.session.scalars(stmt.options(*export.ATTENDANCE_LOADS))
        return export.send("attendance", export.attendance_rows(meetings, services.visible_attendance(current_user)),
                           fmt, export.export_title(_("会议出席情况")))
    unit_name = sa.select(Unit.name).where(Unit.id == Meeting.unit_id).scalar_subquery()
    stmt = sorted_by(stmt, {"date": Meeting.held_on, "kind": Meeting.kind, "title": Meeting.title, "unit": unit_name,
                            "state": Meeting.state}, Meeting.id.desc())
    pagination = db.paginate(stmt, **page_args())
    counts = services.status_counts([m.id for m in pagination.items])
    editable = {m.id for m in pagination.items if services.can_edit(m, current_user)}
    inviting = {m.id for m in pagination.items if m.id in editable and services.can_manage_invitees(m, current_user)}
    unit_kinds = services.ORGANISER_KINDS.get(current_user.role, (*services.CPPCC_KINDS, UnitKind.BRANCH))
    units = db.session.scalars(scoped(Unit).where(Unit.kind.in_(unit_kinds))
                               .order_by(Unit.kind, Unit.sort_order, Unit.id)).all()
    return render_template("meetings/index.html", pagination=pagination, counts=counts, filters=filters,
                           units=units, kinds=services.kinds_for(current_user, active_only=False),
                           statuses=AttendanceStatus, editable=editable, inviting=inviting,
                           can_verify=current_user.role == Role.OFFICE,
                           can_create=current_user.role in CREATORS, can_keep_types=current_user.role in TYPE_KEEPERS)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CREATORS)
def create() -> str | Response:
    form = MeetingForm(services.organisers(current_user), services.kinds_for(current_user))
    if form.validate_on_submit():
        meeting, errors = services.create_meeting(form.data, current_user, ip=request.remote_addr or "")
        if meeting is not None:
            db.session.commit()
            if services.party_life(meeting):
                flash(_("已创建组织生活，已邀请本支部 %(n)s 名党员，默认出席。", n=len(meeting.attendance)), "success")
            else:
                flash(_("已创建会议，已按会议类型邀请 %(n)s 名委员，默认出席。", n=len(meeting.attendance)), "success")
            return redirect(url_for("meetings.attendance", meeting_id=meeting.id))
        db.session.rollback()
        attach_errors(form, errors)
    return render_template("meetings/form.html", form=form)


def _marks(prefix: str = "") -> tuple[dict[int, tuple[str, str]], bool]:
    """The posted {member id: (status, note)}, and whether every key was well formed; with `prefix` "was-", what
    the sheet showed of each row when it was opened."""
    marks: dict[int, tuple[str, str]] = {}
    ok = True
    for key, value in request.form.items():
        if key.startswith(f"{prefix}status-"):
            try:
                member_id = int(key.removeprefix(f"{prefix}status-"))
            except ValueError:
                ok = False
                continue
            marks[member_id] = (value, request.form.get(f"{prefix}note-{member_id}", ""))
    return marks, ok


@bp.route("/<int:meeting_id>/attendance", methods=["GET", "POST"])
@roles_required(*READERS)
def attendance(meeting_id: int) -> str | Response:
    meeting = get_or_404(Meeting, meeting_id)
    editable = services.can_edit(meeting, current_user)
    form = VersionForm(version=meeting.version) if request.method == "GET" else VersionForm()
    rows, others = services.visible_rows(meeting, current_user)
    party = services.party_life(meeting)
    shown = {services.attendee_id(meeting, a): a.status.name for a in rows}
    notes = {services.attendee_id(meeting, a): a.note for a in rows}
    errors: list[str] = []
    if request.method == "POST":
        if not editable:
            abort(403)
        if not form.validate_on_submit():
            abort(400)
        marks, well_formed = _marks()
        action = request.form.get("action", "draft")
        if action == "all_present":  # the no-JS path of the 全部出席 button: show, do not save
            shown = dict.fromkeys(shown, AttendanceStatus.PRESENT.name)
            notes.update({i: note for i, (_s, note) in marks.items() if i in notes})
            flash(_("已将全部党员设为出席，请检查后保存。") if party else _("已将全部委员设为出席，请检查后保存。"),
                  "info")
        else:
            seen, _seen_ok = _marks("was-")
            kept: list[str] = []

            def save() -> list[str]:
                if not well_formed:
                    return [_("提交的数据格式有误，未保存。")]
                return services.save_attendance(meeting, version_of(form), marks, current_user,
                                                submit=action == "submit", ip=request.remote_addr or "",
                                                seen=seen, kept=kept)

            saved = commit_or_stale(save, None, services.StaleMeeting)
            if saved is None:
                return _stale()
            if not saved:
                flash(_("已提交，等待办公室核实。") if action == "submit" else _("已保存草稿。"), "success")
                if kept:
                    flash(_("您打开本页后，%(names)s 的出席情况有了新的登记（扫码签到或请假），已保留新的登记。",
                            names="、".join(kept)), "info")
                return redirect(url_for("meetings.attendance", meeting_id=meeting.id))
            errors = saved
    return _attendance_page(meeting, rows, others, shown, notes, errors, form, editable)


def _attendance_page(meeting: Meeting, rows: list, others: int, shown: dict, notes: dict, errors: list[str],
                     form: VersionForm, editable: bool, times_form: CheckinTimesForm | None = None) -> str:
    from app.notices import announcements  # here: the notices import the meetings' services

    may_time = _may_time(meeting)
    may_notify = announcements.organises(meeting, current_user)
    if times_form is None and may_time:
        times_form = CheckinTimesForm(formdata=None, version=meeting.version, starts_at=meeting.starts_at,
                                      ends_at=meeting.ends_at, grace_minutes=meeting.grace_minutes)
    return render_template("meetings/attendance.html", meeting=meeting, rows=rows, others=others, shown=shown,
                           party=services.party_life(meeting), attendee_id=services.attendee_id,
                           notes=notes, errors=errors, form=form, editable=editable,
                           statuses=list(AttendanceStatus), return_form=ReturnForm(version=meeting.version),
                           can_invite=services.can_manage_invitees(meeting, current_user),
                           can_host=_may_host(meeting), times_form=times_form if may_time else None,
                           unscanned=len(checkin.unscanned(rows)) if _may_mark_absent(meeting) else None,
                           cntime=cntime,
                           can_verify=current_user.role == Role.OFFICE and meeting.state == RecordState.SUBMITTED,
                           counts=services.status_counts([meeting.id]).get(meeting.id, {}),
                           pending=announcements.pending_rows(meeting, rows) if may_notify else [],
                           may_decide=may_notify and editable, may_notify=may_notify)


@bp.route("/<int:meeting_id>/invitees", methods=["GET", "POST"])
@roles_required(*CREATORS)
def invitees(meeting_id: int) -> str | Response:
    meeting = get_or_404(Meeting, meeting_id)
    if not services.can_manage_invitees(meeting, current_user):
        abort(403)
    form = VersionForm(version=meeting.version) if request.method == "GET" else VersionForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            wanted = {db_id(v) for v in request.form.getlist("member_id")}  # no id PostgreSQL cannot hold
        except ValueError:
            abort(400)
        saved = commit_or_stale(lambda: services.set_invitees(meeting, version_of(form), wanted, current_user,
                                                              ip=request.remote_addr or ""),
                                None, services.StaleMeeting)
        if saved is None:
            return _stale()
        if not saved:
            flash(_("已更新参会人员。"), "success")
            return redirect(url_for("meetings.attendance", meeting_id=meeting.id))
        errors = saved
    invited = {services.attendee_id(meeting, a) for a in meeting.attendance}
    return render_template("meetings/invitees.html", meeting=meeting, form=form, errors=errors, invited=invited,
                           members=services.invitable_members(current_user, meeting),
                           party=services.party_life(meeting))


@bp.route("/<int:meeting_id>/leave", methods=["POST"])
@roles_required(Role.OFFICE, Role.CLERK)
def decide_leave(meeting_id: int) -> Response:
    """批准 / 不批准 a member's 请假 (their reply to the meeting notice): the organiser's unit, or the office."""
    from app.notices import announcements

    meeting = get_or_404(Meeting, meeting_id)
    if not announcements.organises(meeting, current_user) or not services.can_edit(meeting, current_user):
        abort(403)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    row_id = request.form.get("attendance_id", "")
    row = next((a for a in services.visible_rows(meeting, current_user)[0] if str(a.id) == row_id), None)
    action = request.form.get("action", "")
    if row is None or action not in ("approve", "decline"):
        abort(404)
    name = row.member.name if row.member else ""
    error = commit_or_stale(lambda: announcements.decide(meeting, row, action == "approve", current_user,
                                                         ip=request.remote_addr or ""),
                            str(services.StaleMeeting()), services.StaleMeeting)
    if error:
        flash(error, "error")
    else:
        flash(_("已批准%(name)s请假。", name=name) if action == "approve" else
              _("未批准%(name)s请假，已登记为缺席；如其到会签到，将改为出席。", name=name), "success")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id) + "#leave-requests")


def _review(meeting_id: int, action: str) -> Response:
    meeting = get_or_404(Meeting, meeting_id)
    form = ReturnForm() if action == "return" else VersionForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("meetings.attendance", meeting_id=meeting.id))

    def decide() -> list[str]:
        ip = request.remote_addr or ""
        if action == "return":
            reason = form.reason.data  # type: ignore[attr-defined]
            return services.send_back(meeting, version_of(form), reason, current_user, ip=ip)
        return services.verify(meeting, version_of(form), current_user, ip=ip)

    errors = commit_or_stale(decide, [str(services.StaleMeeting())], services.StaleMeeting)
    if errors:
        for message in errors:
            flash(message, "error")
    else:
        flash(_("已退回。") if action == "return" else _("已核实，该会议的出席情况将计入考评。"), "success")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/verify", methods=["POST"])
@roles_required(Role.OFFICE)
def verify(meeting_id: int) -> Response:
    return _review(meeting_id, "verify")


@bp.route("/<int:meeting_id>/return", methods=["POST"])
@roles_required(Role.OFFICE)
def send_back(meeting_id: int) -> Response:
    return _review(meeting_id, "return")



# --- meeting types ----------------------------------------------------------------------------------------------

def _types_page(add_form: MeetingTypeForm | None = None, errors: dict[str, list[str]] | None = None) -> str:
    types = services.meeting_types()
    years = open_years()
    declared = {year: services.declared_meetings(year) for year in years}
    names = {t.name for t in types}
    missing = sorted({name for values in declared.values() if values for name in values if name not in names})
    rows = []
    for t in types:
        form = MeetingTypeEditForm(formdata=None, data={"name": t.name, "invitees": t.invitees.name,
                                                        "sort_order": t.sort_order, "active": t.active,
                                                        "briefing": t.briefing})
        allowed = (Invitees.BRANCH,) if t.party_life else services.MEMBER_INVITEES
        form.invitees.choices = [c for c in form.invitees.choices if c.value in {i.name for i in allowed}]
        rows.append((t, form, (errors or {}).get(t.name, [])))
    return render_template("meetings/types.html", rows=rows, add_form=add_form or MeetingTypeForm(formdata=None),
                           declared=declared, missing=missing)


@bp.route("/types", methods=["GET", "POST"])
@roles_required(*TYPE_KEEPERS)
def types() -> str | Response:
    """会议类型: the built-in types and those the office added, whom each invites by default, which the year's rule
    files score. POST adds a type."""
    form = MeetingTypeForm()
    if request.method == "POST" and form.validate_on_submit():
        error = services.add_type(form.name.data or "", Invitees[form.invitees.data], current_user,
                                  ip=request.remote_addr or "")
        if error is None:
            db.session.commit()
            flash(_("已添加会议类型“%(name)s”。", name=form.name.data.strip()), "success")
            return redirect(url_for("meetings.types"))
        db.session.rollback()
        form.name.errors = [*form.name.errors, error]
    return _types_page(form if request.method == "POST" else None)


@bp.route("/types/edit", methods=["POST"])
@roles_required(*TYPE_KEEPERS)
def edit_type() -> str | Response:
    """One type's default invitees, order and whether new meetings may use it."""
    form = MeetingTypeEditForm()
    name = form.name.data or ""
    if form.validate_on_submit() and form.invitees.data in Invitees.__members__:
        error = services.update_type(name, Invitees[form.invitees.data], form.sort_order.data, bool(form.active.data),
                                     bool(form.briefing.data), current_user, ip=request.remote_addr or "")
        if error is None:
            db.session.commit()
            flash(_("已保存会议类型“%(name)s”。", name=name), "success")
            return redirect(url_for("meetings.types"))
        db.session.rollback()
        problems = [error]
    else:
        problems = [e for errors in form.errors.values() for e in errors] or [_("请检查填写的内容。")]
    return _types_page(errors={name: problems})


# --- 扫码签到 ---------------------------------------------------------------------------------------------------

CHECKIN_HOSTS = (Role.OFFICE, Role.CLERK)


def _may_host(meeting: Meeting) -> bool:
    """Whether the user may open the meeting's 签到 screen (a CPPCC meeting: 组织生活's party members have no
    accounts)."""
    if current_user.role not in CHECKIN_HOSTS or services.party_life(meeting):
        return False
    ids = unit_ids(current_user)
    return ids is None or meeting.unit_id in ids


def _hosted(meeting_id: int) -> Meeting:
    """A meeting whose 签到 screen the user may open: the office, or a clerk of the organising unit."""
    meeting = get_or_404(Meeting, meeting_id)
    if not _may_host(meeting):
        abort(403)
    return meeting


def _checkin_url(token: str) -> str:
    return external_url("meetings.check_in", token=token)


@bp.route("/<int:meeting_id>/checkin")
@roles_required(*CHECKIN_HOSTS)
def checkin_screen(meeting_id: int) -> str:
    meeting = _hosted(meeting_id)
    return render_template("meetings/checkin_screen.html", meeting=meeting, window=checkin.window(meeting),
                           state=_screen_state(meeting))


def _screen_state(meeting: Meeting) -> dict[str, object]:
    rows, _others = services.visible_rows(meeting, current_user)
    arrived = checkin.arrivals(list(meeting.attendance))
    shown = {a.id for a in rows}
    closed = checkin.closed_reason(meeting)
    state: dict[str, object] = {
        "closed": closed or "", "signed": len(arrived), "invited": len(meeting.attendance),
        "names": [{"name": a.member.name if a.member else "", "late": a.status == AttendanceStatus.LATE,
                   "time": cntime(a.checked_in_at)} for a in arrived if a.id in shown][:60],
        "refresh": checkin.SLOT_SECONDS - int(time.time()) % checkin.SLOT_SECONDS}
    if not closed:
        state["svg"] = checkin.qr_svg(_checkin_url(checkin.token(meeting)))
    return state


@bp.route("/<int:meeting_id>/checkin/state.json")
@roles_required(*CHECKIN_HOSTS)
def checkin_state(meeting_id: int) -> Response:
    response = jsonify(_screen_state(_hosted(meeting_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:meeting_id>/checkin/printed")
@roles_required(*CHECKIN_HOSTS)
def checkin_printed(meeting_id: int) -> str:
    meeting = _hosted(meeting_id)
    svg = checkin.qr_svg(_checkin_url(checkin.printed_token(meeting))) if checkin.window(meeting) else ""
    return render_template("meetings/checkin_printed.html", meeting=meeting, window=checkin.window(meeting), svg=svg,
                           form=VersionForm())


@bp.route("/<int:meeting_id>/checkin/renew", methods=["POST"])
@roles_required(*CHECKIN_HOSTS)
def checkin_renew(meeting_id: int) -> Response:
    meeting = _hosted(meeting_id)
    if not VersionForm().validate_on_submit():
        abort(400)
    checkin.renew(meeting, current_user, ip=request.remote_addr or "")
    db.session.commit()
    flash(_("已重新生成签到码，此前打印或显示的签到码已作废。"), "success")
    return redirect(url_for("meetings.checkin_printed", meeting_id=meeting.id))


def _may_time(meeting: Meeting) -> bool:
    """Whether the user may set the meeting's 签到时间: a host, while the meeting is in the organiser's hands."""
    return _may_host(meeting) and checkin.in_organisers_hands(meeting)


def _may_mark_absent(meeting: Meeting) -> bool:
    """Whether “未签到的标为缺席” is offered: as `_may_time`, once the check-in window has closed."""
    return _may_time(meeting) and checkin.window_closed(meeting)


@bp.route("/<int:meeting_id>/checkin/times", methods=["POST"])
@roles_required(*CHECKIN_HOSTS)
def checkin_times(meeting_id: int) -> str | Response | tuple[str, int]:
    """签到时间: set or change a draft meeting's start, end and grace (the create form's rule)."""
    meeting = _hosted(meeting_id)
    if not checkin.in_organisers_hands(meeting):
        abort(403)
    form = CheckinTimesForm()
    if form.validate_on_submit():
        saved = commit_or_stale(lambda: checkin.set_times(meeting, version_of(form), form.starts_at.data,
                                                          form.ends_at.data, form.grace_minutes.data, current_user,
                                                          ip=request.remote_addr or ""),
                                False, services.StaleMeeting)
        if saved is False:
            flash(str(services.StaleMeeting()), "error")
        else:
            flash(_("已保存签到时间。已打印的签到码仍然有效，按新的签到时间使用。"), "success")
        return redirect(url_for("meetings.attendance", meeting_id=meeting.id))
    if "csrf_token" in form.errors:
        abort(400)
    rows, others = services.visible_rows(meeting, current_user)
    shown = {services.attendee_id(meeting, a): a.status.name for a in rows}
    notes = {services.attendee_id(meeting, a): a.note for a in rows}
    return _attendance_page(meeting, rows, others, shown, notes, [], VersionForm(version=meeting.version),
                            services.can_edit(meeting, current_user), times_form=form), 400


@bp.route("/<int:meeting_id>/checkin/absent", methods=["POST"])
@roles_required(*CHECKIN_HOSTS)
def checkin_absent(meeting_id: int) -> Response:
    """“未签到的标为缺席”: after the window, the user's invitees still 出席 without a check-in time become 缺席."""
    meeting = _hosted(meeting_id)
    if not _may_mark_absent(meeting):
        abort(403)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    rows, _others = services.visible_rows(meeting, current_user)
    changed: list[int] = []

    def mark() -> None:  # commit_or_stale commits a step that returns nothing
        changed.append(checkin.mark_unscanned_absent(meeting, version_of(form), rows, current_user,
                                                     ip=request.remote_addr or ""))

    if commit_or_stale(mark, False, services.StaleMeeting) is False:
        flash(str(services.StaleMeeting()), "error")
    else:
        flash(_("已将 %(n)s 名未签到的委员标为缺席。", n=changed[0]), "success")
    return redirect(url_for("meetings.attendance", meeting_id=meeting.id))


def _answer(message: str, ok: bool, status: int = 200, **extra: object) -> tuple[str, int]:
    return render_template("meetings/checkin_member.html", message=message, ok=ok, **extra), status


@bp.route("/checkin/<token>")
def check_in(token: str) -> Response | tuple[str, int]:
    """The member's page a scanned code opens: checks in once, and says so in big letters."""
    parsed = checkin.parse(token[:80])
    if not current_user.is_authenticated:
        target = url_for("meetings.check_in", token=token)
        if not isinstance(parsed, str) and checkin.check_fresh(parsed, token) is None and not parsed.printed:
            seen = int(time.time())  # the code was good now: it stays good while the member signs in
            target = url_for("meetings.check_in", token=token, seen=seen,
                             v=checkin.voucher(token, seen, parsed.meeting))
        flash(_("请先登录，登录后将自动完成签到。"), "info")
        return redirect(url_for("auth.login", next=target))
    if current_user.role != Role.MEMBER:
        return _answer(_("只有委员账号可以签到。"), False, 403)
    if isinstance(parsed, str):
        return _answer(parsed, False, 403)
    if stale := checkin.check_fresh(parsed, token, request.args.get("seen"), request.args.get("v")):
        return _answer(stale, False, 403)
    result = checkin.check_in(parsed.meeting, current_user, ip=request.remote_addr or "")
    if result.ok:
        db.session.commit()
    else:
        db.session.rollback()
    row = result.row
    return _answer(result.message, result.ok, 200 if result.ok else 403, meeting=parsed.meeting, already=result.already,
                   late=row is not None and row.status == AttendanceStatus.LATE,
                   at=cntime(row.checked_in_at) if row is not None else "")


def cntime(at: dt.datetime | None) -> str:
    """A stored UTC time as Beijing's HH:MM."""
    if at is None:
        return ""
    return at.replace(tzinfo=dt.UTC).astimezone(BEIJING).strftime("%H:%M")
