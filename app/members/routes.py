"""政协委员: list with search, a member's page, create and edit (admin and office)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.decorators import roles_required
from app.auth.scope import get_or_404
from app.contacts import coverage as contact_coverage
from app.contacts import masses
from app.contacts import services as contact_services
from app.reviews.reading import review_label
from app.extensions import db
from app.followup import services as followup
from app.forms import commit_or_attach
from app.imports import export
from app import unit_history
from app.members import myyear, services
from app.members.forms import MemberForm
from app.models import Member, Role, SubjectKind, UnitKind
from app.reviews.facts import yearly_results
from app.scoring.exact import plain
from app.timeutil import beijing_today
from app.listing import remembered, sorted_by
from app.web import db_id, page_args

bp = Blueprint("members", __name__)
CREATORS = (Role.ADMIN, Role.OFFICE)
EDITORS = (Role.ADMIN, Role.OFFICE, Role.CLERK)  # a clerk edits members of their own units only


@bp.route("/")
@roles_required(Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK)
def index() -> str | Response:
    if back := remembered():
        return back
    q = request.args.get("q", "")
    unit_id = request.args.get("unit", 0, type=db_id)
    standing = request.args.get("standing", "")
    include_inactive = request.args.get("inactive") == "1"
    stmt = services.member_query(q, unit_id, standing, include_inactive)
    fmt = export.wanted()
    if fmt:
        return export.send("members", export.member_rows(db.session.scalars(stmt)), fmt,
                           export.export_title(_("委员名册")))
    pagination = db.paginate(sorted_by(stmt, services.member_sorts(), Member.id), **page_args())
    units = services.filter_units()
    filters = {"q": q, "unit": unit_id or "", "standing": standing, "inactive": "1" if include_inactive else ""}
    return render_template("members/index.html", pagination=pagination, units=units, filters=filters,
                           can_create=current_user.role in CREATORS, can_edit=current_user.role in EDITORS,
                           today=beijing_today())


@bp.route("/<int:member_id>")
@login_required
def detail(member_id: int) -> str:
    member = get_or_404(Member, member_id)
    activities = db.session.scalars(services.member_activities(member.id)).all()
    done = services.four_ones_done(activities)
    results = [(year, plain(score), grade, entered) for year, score, grade, entered
               in yearly_results(SubjectKind.MEMBERS, member.id)]
    # the years a 履职档案 has something to show: reviewed or recorded; the newest reviewed one first chosen
    years = services.dossier_years(member.id, (r[0] for r in results), activities)
    chosen = max((int(r[0]) for r in results), default=years[0])
    # 通报 cases are the office's internal work: the member's own page does not show them (docs/followup.md)
    cases = [] if current_user.role == Role.MEMBER else followup.member_cases(member.id)
    shown = [(c, review_label(c.review), followup.reasons(c), [followup.step_line(s) for s in c.steps]) for c in cases]
    year, half = contact_coverage.half_in_view(beijing_today())
    contacts = {"keepers": contact_coverage.keepers_of(member, beijing_today()),
                "mine": contact_coverage.own_members(member, year, half, current_user) if member.is_standing else [],
                "period": contact_services.period_label(year, half), "masses": masses.of_member(member.id)}
    return render_template("members/detail.html", member=member, activities=activities, cases=shown,
                           contacts=contacts,
                           attendance=services.member_attendance(member.id), done=done, results=results,
                           dossier_years=years, dossier_year=chosen,
                           unit_changes=unit_history.history(member.id), unit_fields=unit_history.FIELD_LABELS,
                           can_edit=current_user.role in EDITORS, today=beijing_today())


@bp.route("/me/year")
@roles_required(Role.MEMBER)
def my_year() -> str:
    """我的本年: the member's own year so far (also their home page). Only their own: no member id in the address."""
    return render_template("members/my_year.html", **myyear.page(current_user))


@bp.route("/mine")
@roles_required(Role.MEMBER)
def mine() -> Response:
    if current_user.member_id is None:
        abort(404)
    return redirect(url_for("members.detail", member_id=current_user.member_id))


def _form(member: Member | None = None) -> MemberForm:
    return MemberForm(services.unit_choices(UnitKind.SECTOR_GROUP), services.unit_choices(UnitKind.COMMITTEE),
                      services.unit_choices(UnitKind.LIAISON_OFFICE), services.term_choices(), obj=member)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CREATORS)
def create() -> str | Response:
    form = _form()
    if form.validate_on_submit():
        member = Member()
        if commit_or_attach(form, services.save_member(member, form.data)):
            flash(_("已添加委员 %(name)s。", name=member.name), "success")
            return redirect(url_for("members.detail", member_id=member.id))
    return render_template("members/form.html", form=form, member=None)


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(member_id: int) -> str | Response:
    member = get_or_404(Member, member_id)
    form = _form(member)
    if request.method == "GET":
        form.gender.data = member.gender.name
        form.committee_id.data = member.committee_id or 0
        form.liaison_id.data = member.liaison_id or 0
    if form.validate_on_submit() and commit_or_attach(form, services.save_member(member, form.data)):
        flash(_("已保存 %(name)s 的信息。", name=member.name), "success")
        return redirect(url_for("members.detail", member_id=member.id))
    return render_template("members/form.html", form=form, member=member)
