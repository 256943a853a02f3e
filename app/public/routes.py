"""Public pages, no sign-in: the lists in 公示 (with the objection form), 委员风采, its Atom feed and embed page.

Nothing beyond what the office chose to publish: app.public.services decides what is public.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.addresses import external_url
from app.awards import services as awards
from app.awards.services import AwardError
from app.extensions import db
from app.models import Activity, AwardList
from app.public import services
from app.public.forms import ObjectionForm
from app.security import limit_posts
from app.web import page_args

bp = Blueprint("public", __name__)

FEED_SIZE = 20
EMBED_SIZE = 8


def _publicity_or_404(list_id: int) -> AwardList:
    """:raises 404: no such list, or not in 公示 now."""
    found = services.list_in_publicity(list_id)
    if found is None:
        abort(404)
    return found


@bp.route("/publicity")
def publicity_index() -> str:
    return render_template("public/publicity_index.html", lists=services.lists_in_publicity(),
                           ends_on=awards.publicity_ends_on)


@bp.route("/publicity/<int:list_id>", methods=["GET", "POST"])
@limit_posts("OBJECTION_RATE_LIMIT")
def publicity(list_id: int) -> str | Response:
    award_list = _publicity_or_404(list_id)
    names = services.public_names(award_list)
    period = services.period(award_list, services.beijing_today())
    form = ObjectionForm(names)
    if form.is_submitted() and period != services.Period.OPEN:
        flash(_("该名单不在公示期内，不再受理异议。"), "error")
        return redirect(url_for("public.publicity", list_id=list_id))
    if form.validate_on_submit():
        try:
            awards.lodge_objection(award_list, form.candidate_id, form.name.data or "", form.contact.data,
                                   form.text.data, services.beijing_today())
        except AwardError as error:
            db.session.rollback()
            form.text.errors.append(str(error))  # type: ignore[attr-defined]
        else:
            db.session.commit()
            flash(_("您的异议已收到，谢谢！我们将认真核实，并通过您留下的联系方式反馈。"), "success")
            return redirect(url_for("public.publicity", list_id=list_id))
    return render_template("public/publicity.html", award_list=award_list, names=names, form=form,
                           period=period.value, ends_on=awards.publicity_ends_on(award_list))


@bp.route("/highlights")
def highlights() -> str:
    pagination = db.paginate(services.highlights_query(), **page_args())
    return render_template("public/highlights.html", pagination=pagination, who=services.subject_name)


@bp.route("/highlights/<int:activity_id>")
def highlight(activity_id: int) -> str:
    activity = services.highlight(activity_id)
    if activity is None:
        abort(404)
    return render_template("public/highlight.html", activity=activity, who=services.subject_name)


@bp.route("/highlights.xml")
def highlights_feed() -> Response:
    rows = db.session.scalars(services.highlights_query().limit(FEED_SIZE)).all()
    entries = [services.FeedEntry(
        url=external_url("public.highlight", activity_id=a.id), title=a.title,
        author=services.subject_name(a), category=_(a.category.label), summary=a.description or a.title,
        occurred_on=a.occurred_on, updated=a.verified_at or a.updated_at) for a in rows]
    body = services.atom_feed(_("委员风采"), external_url("public.highlights_feed"),
                              external_url("public.highlights"), _("县政协“四个一”活动领导小组办公室"),
                              entries)
    return current_app.response_class(body, mimetype="application/atom+xml")


@bp.route("/highlights/embed")
def highlights_embed() -> Response:
    rows: list[Activity] = list(db.session.scalars(services.highlights_query().limit(EMBED_SIZE)))
    response = current_app.make_response(render_template("public/embed.html", rows=rows, who=services.subject_name))
    # Meant to be framed by the county's websites, whatever their address; other pages may forbid framing.
    response.headers["Content-Security-Policy"] = "frame-ancestors *"
    return response
