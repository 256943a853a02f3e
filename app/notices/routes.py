"""The notices page (通知), marking notices read, and the unread count the top bar shows."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.decorators import roles_required
from app.auth.scope import get_or_404
from app.extensions import db
from app.forms import attach_errors
from app.jobs.services import clean_token, new_token
from app.models import Announcement, AnnouncementKind, Meeting, Notice, Reply, Role
from app.notices import announcements, services
from app.notices.forms import ComposeForm, ReplyForm
from app.web import commit_or_stale, db_id, page_args, safe_next

bp = Blueprint("notices", __name__)


@bp.app_context_processor
def unread() -> dict[str, object]:
    def unread_notices() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0
    return {"unread_notices": unread_notices}


@bp.route("/")
@login_required
def index() -> str:
    return render_template("notices/index.html", notices=services.recent(current_user))


@bp.route("/<int:notice_id>/open", methods=["POST"])
@login_required
def open_notice(notice_id: int) -> Response:
    """Mark the notice read and go where it points (the notices page when it points nowhere).

    :raises 404: not one of the user's notices.
    """
    notice = _mark_read_or_404(notice_id)
    if notice.announcement_id is not None:
        return redirect(url_for("notices.show", notice_id=notice.id))
    return redirect(safe_next(notice.link) if notice.link else url_for("notices.index"))


@bp.route("/<int:notice_id>/read", methods=["POST"])
@login_required
def read(notice_id: int) -> Response:
    """:raises 404: not one of the user's notices."""
    _mark_read_or_404(notice_id)
    return redirect(url_for("notices.index"))


def _mark_read_or_404(notice_id: int) -> Notice:
    notice = services.mark_read(current_user, notice_id)
    if notice is None:
        abort(404)
    db.session.commit()
    return notice


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    services.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("notices.index"))


# --- 通知公告: a member opens and answers; the office or a unit writes and follows them ---------------------------

def _own_or_404(notice_id: int) -> Notice:
    notice = announcements.own_notice(current_user, notice_id)
    if notice is None:
        abort(404)
    return notice


def _show(notice: Notice, form: ReplyForm | None = None, errors: dict[str, list[str]] | None = None,
          status: int = 200) -> tuple[str, int]:
    announcement = notice.announcement
    meeting = announcement.meeting if announcement is not None else None
    asks = announcement is not None and announcement.kind == AnnouncementKind.MEETING and meeting is not None
    row = announcements.attendance_row(notice) if asks else None
    closed = announcements.reply_closed(meeting) if asks else None
    if asks and closed is None and row is None:  # taken off the invitees since the notice was sent
        closed = str(announcements.NOT_INVITED)
    return render_template("notices/show.html", notice=notice, announcement=announcement, meeting=meeting,
                           asks=asks, closed=closed, row=row,
                           form=form or ReplyForm(formdata=None), errors=errors or {},
                           deadline=announcements.reply_deadline(meeting) if meeting is not None else None), status


@bp.route("/<int:notice_id>")
@login_required
def show(notice_id: int) -> str | Response | tuple[str, int]:
    """An announcement in full (opening it marks it read); another notice goes where it points.

    :raises 404: not one of the user's notices.
    """
    notice = _own_or_404(notice_id)
    if notice.announcement_id is None:
        return redirect(url_for("notices.index"))
    if notice.read_at is None:
        services.mark_read(current_user, notice.id)
        db.session.commit()
    return _show(notice)


@bp.route("/<int:notice_id>/reply", methods=["POST"])
@login_required
def reply(notice_id: int) -> Response | tuple[str, int]:
    """参加 or 请假 (with a reason) to a meeting notice, until the meeting starts.

    :raises 404: not one of the user's notices.
    """
    notice = _own_or_404(notice_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        abort(400)
    answer = request.form.get("reply", "")
    if answer not in Reply.__members__:
        abort(400)
    from app.meetings.services import StaleMeeting

    outcome: list[str] = []

    def step() -> dict[str, list[str]]:
        errors, said = announcements.answer(notice, Reply[answer], form.reason.data or "", current_user,
                                            ip=request.remote_addr or "")
        outcome.append(said)
        return errors

    errors = commit_or_stale(step, {"reply": [_("组织单位刚刚更新了出席情况，请再提交一次。")]},
                             StaleMeeting)
    if errors:
        db.session.expire_all()
        notice = _own_or_404(notice_id)
        return _show(notice, form, errors, 400)
    flash(outcome[0] or _("已回复。"), "success")
    return redirect(url_for("notices.show", notice_id=notice_id))


def _compose_form(meeting_id: int | None = None) -> ComposeForm:
    """The form, offering the meetings whose replies are open and the one asked for (from its page) if the user
    organises it."""
    meetings = announcements.meeting_choices(current_user)
    asked = db.session.get(Meeting, meeting_id) if meeting_id is not None else None
    if asked is not None and asked not in meetings and announcements.organises(asked, current_user):
        meetings.append(asked)
    return ComposeForm(announcements.targets_for(current_user), announcements.unit_choices(current_user),
                       announcements.member_choices(current_user), meetings)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*announcements.SENDERS)
def compose() -> str | Response:
    """写通知: 预览 shows whom it reaches (and who has no account); 确认发送 sends it, once."""
    if request.method == "GET":
        meeting_id = request.args.get("meeting", None, type=db_id)
    else:
        meeting_id = request.form.get("meeting", None, type=db_id)
    form = _compose_form(meeting_id)
    found = None
    meeting = None
    if request.method == "GET":
        form.request_token.data = new_token()
        if meeting_id is not None:
            meeting = get_or_404(Meeting, meeting_id)
            if not announcements.organises(meeting, current_user):
                abort(403)
            form.kind.data, form.target.data, form.meeting.data = AnnouncementKind.MEETING.name, "meeting", meeting.id
            form.title.data = _("关于参加“%(title)s”的通知", title=meeting.title)[:100]
            when = format_date(meeting.held_on, "yyyy年M月d日") + (
                " " + meeting.starts_at.strftime("%H:%M") if meeting.starts_at else "")
            form.body.data = _("各位委员：\n定于%(when)s在%(place)s召开“%(title)s”，请准时参加。\n"
                               "如不能参加，请在本通知中点“请假”并写明原因。",
                               when=when, place=meeting.location or _("（地点另行通知）"), title=meeting.title)
        elif current_user.role != Role.OFFICE:
            form.target.data = "units"
        return render_template("notices/compose.html", form=form, found=None)
    valid = form.validate_on_submit()
    if "csrf_token" in form.errors:
        abort(400)
    if not form.target.errors:  # whom it reaches is checked beside the other fields
        if form.meeting.data is not None and form.target.data == "meeting":
            meeting = db.session.get(Meeting, form.meeting.data)
        found, errors = announcements.audience(current_user, form.target.data, form.units.data or [],
                                               form.members.data or [], meeting)
        if found is not None and not found.accounts:
            errors = {"target": [_("所选委员都没有可用的账号，通知无法送达。")]}
            found = None
        attach_errors(form, errors)
        if not valid:
            found = None
        elif found is not None and request.form.get("action") == "send":
            kind = AnnouncementKind[form.kind.data]
            token = clean_token(form.request_token.data)
            announcement, made = announcements.send(current_user, kind, form.title.data, form.body.data or "", found,
                                                    meeting, token, ip=request.remote_addr or "")
            db.session.commit()
            if made:
                flash(_("已发送给 %(n)s 名委员。", n=len(found.accounts)) + (
                    _("另有 %(n)s 名委员没有账号，未能送达。", n=len(found.unreached)) if found.unreached else ""),
                    "success")
            else:
                flash(_("这份通知已经发送过了。"), "info")
            return redirect(url_for("notices.sent_detail", announcement_id=announcement.id))
    if not form.request_token.data:
        form.request_token.data = new_token()
    return render_template("notices/compose.html", form=form, found=found)


@bp.route("/sent")
@roles_required(*announcements.SENDERS)
def sent() -> str:
    pagination = db.paginate(announcements.sent_query(current_user), **page_args())
    return render_template("notices/sent.html", pagination=pagination,
                           tallies=announcements.tallies([a.id for a in pagination.items], current_user))


@bp.route("/sent/<int:announcement_id>")
@roles_required(*announcements.SENDERS)
def sent_detail(announcement_id: int) -> str:
    """:raises 404: an announcement another unit sent (for a clerk)."""
    announcement = db.session.scalar(announcements.sent_query(current_user).where(
        Announcement.id == announcement_id))
    if announcement is None:
        abort(404)
    return render_template("notices/sent_detail.html", announcement=announcement,
                           tally=announcements.tallies([announcement.id], current_user)[announcement.id],
                           notices=announcements.recipients(announcement, current_user),
                           unreached=announcements.unreached_names(announcement, current_user))
