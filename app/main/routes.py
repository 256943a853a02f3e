"""Home page by role, language switch, health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import timetable
from app.auth.scope import clause
from app.extensions import db
from app.main import inbox
from app.members import myyear
from app.models import Activity, Member, PartyMember, RecordState, Role, Unit, UnitKind
from app.setup import checklist
from app.timeutil import beijing_today
from app.web import safe_next

bp = Blueprint("main", __name__)

NAV = {
    Role.ADMIN: [("members.index", _l("委员名册")), ("activities.index", _l("履职记录")),
                 ("pairings.index", _l("联一户结对")), ("projects.index", _l("引一企项目")),
                 ("meetings.index", _l("会议与活动")), ("contacts.index", _l("四联系")),
                 ("branches.index", _l("党支部与党员")), ("branches.result_list", _l("比实绩核实")),
                 ("imports.index", _l("导入导出")), ("rules.index", _l("评分细则")), ("reviews.index", _l("考评排名")),
                 ("awards.index", _l("表彰评选")), ("followup.index", _l("通报处理")),
                 ("documents.index", _l("打印文件")), ("dashboard.index", _l("数据看板")),
                 ("jobs.index", _l("后台任务")), ("admin.units", _l("组织单位")), ("admin.users", _l("用户")),
                 ("admin.login_log", _l("登录日志"))],
    Role.OFFICE: [("members.index", _l("委员名册")), ("activities.index", _l("履职记录")),
                  ("pairings.index", _l("联一户结对")), ("projects.index", _l("引一企项目")),
                  ("meetings.index", _l("会议与活动")), ("contacts.index", _l("四联系")),
                  ("branches.index", _l("党支部与党员")), ("branches.result_list", _l("比实绩核实")),
                  ("imports.index", _l("导入导出")), ("rules.index", _l("评分细则")), ("reviews.index", _l("考评排名")),
                  ("awards.index", _l("表彰评选")), ("followup.index", _l("通报处理")),
                  ("documents.index", _l("打印文件")), ("dashboard.index", _l("数据看板")),
                  ("jobs.index", _l("后台任务")), ("setup.year_list", _l("考评年度"))],
    Role.LEADER: [("members.index", _l("委员名册")), ("activities.index", _l("履职记录")),
                  ("pairings.index", _l("联一户结对")), ("projects.index", _l("引一企项目")),
                  ("meetings.index", _l("会议与活动")), ("contacts.index", _l("四联系")),
                  ("branches.index", _l("党支部与党员")), ("reviews.index", _l("考评排名")),
                  ("awards.index", _l("表彰评选")), ("followup.index", _l("通报处理")),
                  ("dashboard.index", _l("数据看板"))],
    Role.CLERK: [("members.index", _l("本单位委员")), ("activities.index", _l("履职记录")),
                 ("pairings.index", _l("联一户结对")), ("projects.index", _l("引一企项目")),
                 ("meetings.index", _l("会议与活动")), ("contacts.index", _l("四联系")),
                 ("imports.index", _l("导入导出")), ("dashboard.warnings", _l("预警名单")), ("reviews.index", _l("考评排名")),
                 ("awards.index", _l("表彰推荐"))],
    Role.LIAISON: [("branches.index", _l("联系的党支部")), ("branches.result_list", _l("比实绩")),
                   ("activities.index", _l("比贡献记录")), ("meetings.index", _l("组织生活")),
                   ("imports.index", _l("导入导出")), ("awards.index", _l("表彰推荐"))],
    Role.MEMBER: [("members.my_year", _l("我的本年")), ("members.mine", _l("我的履职档案")),
                  ("activities.index", _l("我的履职记录")),
                  ("pairings.index", _l("我的结对")), ("projects.index", _l("我的引一企项目")),
                  ("contacts.mine", _l("我的四联系")), ("activities.report", _l("报告履职情况"))],
}


@bp.app_context_processor
def navigation() -> dict[str, object]:
    def nav_items() -> list[tuple[str, str, bool]]:
        """(endpoint, label, active): the exact page wins, else the first entry of the same blueprint."""
        items = NAV.get(current_user.role, []) if current_user.is_authenticated else []
        here = request.endpoint or ""
        active = next((e for e, _ in items if e == here), None) or next(
            (e for e, _ in items if here != "main.index" and e.split(".")[0] == here.split(".")[0]), None)
        return [(endpoint, label, endpoint == active) for endpoint, label in items]

    def nav_badges() -> dict[str, int]:
        """Menu endpoint → things waiting there (the 待办 counts)."""
        return inbox.badges(current_user) if current_user.is_authenticated else {}
    return {"nav_items": nav_items, "nav_badges": nav_badges}


@bp.route("/")
@login_required
def index() -> str:
    def count(model: type, *where: sa.ColumnElement[bool]) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(clause(model), *where)) or 0

    stats: list[tuple[str, int]] = []
    if current_user.role in (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK):
        stats.append((_l("委员"), count(Member, Member.active)))
        stats.append((_l("常委"), count(Member, Member.active, Member.is_standing)))
        by_state = dict(db.session.execute(sa.select(Activity.state, sa.func.count()).where(clause(Activity))
                                           .group_by(Activity.state)).all())
        for state in (RecordState.SUBMITTED, RecordState.VERIFIED, RecordState.RETURNED):
            stats.append((_l("履职记录·%(state)s", state=_l(state.label)), by_state.get(state, 0)))
    if current_user.role in (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.LIAISON):
        stats.append((_l("党支部"), count(Unit, Unit.kind == UnitKind.BRANCH)))
        stats.append((_l("党员"), count(PartyMember, PartyMember.active)))
    if current_user.role == Role.MEMBER:  # the member's home is 我的本年
        return render_template("members/my_year.html", **myyear.page(current_user))
    return render_template("main/index.html", stats=stats, inbox=inbox.items(current_user),
                           meetings=inbox.upcoming_meetings(current_user), **_setup(), **_timetable())


def _timetable() -> dict[str, object]:
    """The office's (and admin's) home shows this year's timetable and its 政情通报会."""
    if current_user.role not in (Role.ADMIN, Role.OFFICE):
        return {}
    today = beijing_today()
    found = timetable.shown_year(today)
    if found is None:
        return {}
    return {"timetable_year": found, "timetable_steps": timetable.steps(found, today),
            "timetable_briefings": timetable.briefings(found.year, today)}


def _setup() -> dict[str, object]:
    """The set-up checklist for the admin; for the office the steps it can take, and the admin's steps not done."""
    if current_user.role not in (Role.ADMIN, Role.OFFICE):
        return {}
    steps = checklist.steps()
    if current_user.role == Role.ADMIN:
        return {"setup_steps": steps, "setup_others": []}
    mine = [s for s in steps if Role.OFFICE in s.roles]
    others = [str(s.title) for s in steps if Role.OFFICE not in s.roles and not s.done]
    if not others and all(s.done for s in mine):
        return {}  # all done: the office's home needs no reminder
    return {"setup_steps": mine, "setup_others": others}


@bp.route("/lang/<code>")
def set_language(code: str) -> Response:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.args.get("next")))


@bp.route("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain"}
