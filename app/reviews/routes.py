"""Reviews: the list and the run form (office), rankings, the explanation of each score, versions compared."""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import (Blueprint, abort, current_app, flash, has_app_context, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app import audit, kindfields, pagecache
from app.auth import scope
from app.auth.decorators import roles_required
from app.evidence import XLSX
from app.extensions import db
from app.forms import select_choices
from app.imports import export
from app.jobs import services as jobs
from app.listing import page_size, sorted_items
from app.models import Job, JobState, Member, RecordState, Review, ReviewEntry, Role, SubjectKind, Term, Unit
from app.pinyin import as_pinyin_query, search_key
from app.reviews import pending, reading, services
from app.reviews import term as term_reviews
from app.reviews.forms import RunReviewForm
from app.scoring.ranking import NO_GROUP
from app.scoring.types import SUBJECT_ATTRIBUTES
from app.web import db_id, paginate_list, send_download
from reports.term import member_pdf, number, term_pdf, term_workbook

bp = Blueprint("reviews", __name__)
VIEWERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.LIAISON)
RUNNERS = (Role.ADMIN, Role.OFFICE)
LIAISON_KINDS = (SubjectKind.BRANCHES, SubjectKind.PARTY_MEMBERS)  # a liaison's branches and their party members

# How the engine's 是/否 group of a ranking by a yes/no attribute reads on the page.
BOOL_GROUPS = {"standing": (_l("常委"), _l("委员")), "resident_standing": (_l("驻会常委"), _l("非驻会")),
               "chair_council": (_l("主席会议成员"), _l("其他")), "active": (_l("在职"), _l("不在职"))}
PARTS = {"H1": _l("上半年"), "H2": _l("下半年"), "Q1": _l("第一季度"), "Q2": _l("第二季度"), "Q3": _l("第三季度"),
         "Q4": _l("第四季度")}
# What the fields of a record (as the rules saw it) are called.
FIELD_LABELS = {"outcome": _l("结果"), "level": _l("级别"), "instruction_level": _l("批示级别"), "amount": _l("金额"),
                "people_helped": _l("受益人数"), "meeting": _l("会议"), "status": _l("出勤情况"), "value": _l("数值")}
SORTS = ("place", "score", "name")


def period_label(period: str) -> str:
    """"2025H1" → 2025年上半年, "2025" → 2025年全年."""
    if period.isdigit():
        return _("%(year)s年全年", year=period)
    return _("%(year)s年%(part)s", year=period[:4], part=PARTS.get(period[4:], period[4:]))


def review_title(review: Review) -> str:
    """2025年全年总结, 2025年上半年小结: what a review is called in headings and file names."""
    if review.period.isdigit():
        return _("%(year)s年全年总结", year=review.period)
    return _("%(period)s小结", period=period_label(review.period))


def _review_or_404(review_id: int) -> Review:
    """A review the user may open. :raises 404: no such review. :raises 403: a liaison, for members or units."""
    review = db.get_or_404(Review, review_id)
    if current_user.role == Role.LIAISON and review.subject_kind not in LIAISON_KINDS:
        abort(403)
    return review


def _visible_rows(review: Review) -> list[services.Row]:
    table = services.rows(review)
    visible = services.visible_subjects(review, current_user)
    return table if visible is None else [r for r in table if r.subject_id in visible]


def _own_pending(review: Review) -> list[dict[str, Any]]:
    """What was pending when the review froze, of the units the user acts for (the county roles: all of it)."""
    found = json.loads(review.pending or "[]")
    own = scope.unit_ids(current_user)
    return found if own is None else [p for p in found if p["unit_id"] in own]


def _header(review: Review) -> dict[str, Any]:
    """What every review page shows on top: period, version, rule file, hash, who ran it and when."""
    return {"review": review, "period": period_label(review.period), "title": review_title(review),
            "pending_then": _own_pending(review), "what": pending.WHAT,
            "ran_by": audit.user_names({review.created_by_id}), "previous": services.previous(review),
            "latest": db.session.scalar(sa.select(Review).where(
                Review.period == review.period, Review.subject_kind == review.subject_kind,
                Review.version > review.version).order_by(Review.version.desc()).limit(1))}


# --- the list and the run form --------------------------------------------------------------------------------------

def _run_form() -> RunReviewForm:
    files = services.rule_files()
    choices = select_choices((r.source_name or r.name, _("%(name)s（%(year)s年，%(file)s）", name=r.name, year=r.year,
                                                         file=r.source_name or r.name)) for r in files)
    periods = dict.fromkeys(p for r in files for p in services.periods(r))
    return RunReviewForm(select_choices([("", _("请选择"))]) + choices,
                         select_choices([("", _("请选择"))] + [(p, period_label(p)) for p in periods]))


def _run(form: RunReviewForm) -> Review | Job | list[dict[str, Any]] | None:
    """Run the chosen rule file over the chosen period, as a background job (done already when jobs run inline:
    the review, or None with the error beside its field); on a bad choice, the error goes beside its field. Work
    still pending in the period, not yet confirmed by the office: that list, and nothing runs."""
    ruleset = services.rule_file(form.rule_file.data or "")
    if ruleset is None:
        form.rule_file.errors = [*form.rule_file.errors, _("没有这个评分细则文件，请重新选择。")]
        return None
    allowed = services.periods(ruleset)
    if form.period.data not in allowed:
        form.period.errors = [*form.period.errors, _("《%(name)s》没有这个考评周期；可选：%(periods)s。", name=ruleset.name,
                                                     periods="、".join(period_label(p) for p in allowed))]
        return None
    if form.confirmed.data != "1" and (waiting := pending.snapshot(form.period.data,
                                                                   services.subject_kind_of(ruleset))):
        return waiting
    params = {"rule_file": form.rule_file.data, "period": form.period.data, "user_id": current_user.id}
    job = jobs.submit("review", params, current_user, token=jobs.clean_token(form.request_token.data))
    if job.params != params:  # the page's form, posted once already with another choice
        form.period.errors = [*form.period.errors, _("这一页已经提交过一次考评（任务 #%(id)s），请刷新页面后再运行另一项考评。",
                                                     id=job.id)]
        return None
    if not jobs.is_inline() or not job.state.finished:
        return job
    if job.state != JobState.SUCCEEDED:
        form.period.errors = [*form.period.errors, job.error or job.message]
        return None
    return db.session.get(Review, job.result["review_id"])


@bp.route("/", methods=["GET", "POST"])
@roles_required(*VIEWERS)
def index() -> str | Response:
    can_run = current_user.role in RUNNERS
    if request.method == "POST" and not can_run:
        abort(403)
    form = _run_form() if can_run else None
    if form is not None and form.validate_on_submit():
        review = _run(form)
        if isinstance(review, list):
            db.session.rollback()
            form.confirmed.data = "1"
            return render_template("reviews/confirm.html", form=form, pending=review, period=period_label(
                form.period.data), link=lambda p: pending_link(p, form.period.data), what=pending.WHAT)
        if isinstance(review, Job):
            return redirect(url_for("jobs.show", job_id=review.id))
        if review is not None:
            db.session.commit()
            flash(_("已完成%(period)s考评（第 %(version)s 版），结果已冻结。", period=period_label(review.period),
                    version=review.version), "success")
            return redirect(url_for("reviews.ranking", review_id=review.id))
        db.session.rollback()
    if form is not None:
        form.request_token.data = jobs.new_token()  # a fresh one each time the form is shown
    stmt = sa.select(Review).options(selectinload(Review.rule_set)).order_by(
        Review.period.desc(), Review.subject_kind, Review.version.desc())
    if current_user.role == Role.LIAISON:
        stmt = stmt.where(Review.subject_kind.in_(LIAISON_KINDS))
    reviews = db.session.scalars(stmt).all()
    return render_template("reviews/index.html", reviews=reviews, form=form, counts=services.entry_counts(),
                           names=audit.user_names({r.created_by_id for r in reviews}), period_label=period_label,
                           terms=_terms() if current_user.role in TERM_VIEWERS else [])


def pending_link(item: dict[str, Any], period: str) -> str:
    """The queue that holds one line of pending work, filtered to its unit and the period."""
    start, end = (d.isoformat() for d in pending.bounds(period))
    if item["what"] == "records":
        return url_for("activities.queue", unit=item["unit_id"], start=start, end=end)
    if item["what"] == "meetings":
        return url_for("meetings.index", unit=item["unit_id"], start=start, end=end)
    state = RecordState.SUBMITTED if item["what"] == "results_submitted" else RecordState.RETURNED
    half = period if period[4:] in ("H1", "H2") else None
    return url_for("branches.result_list", branch=item["unit_id"], state=state.name, period=half)


# --- the ranking table ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Placed:
    """A row of the chosen ranking and group: its place there, and whether another subject shares it."""

    row: services.Row
    place: int
    size: int
    tied: bool


def group_labeller(review: Review) -> Callable[[str, str], str]:
    """(ranking name, engine group) → what the page calls the group: 常委 / 委员 rather than 是 / 否."""
    rules = services.loaded_rules(review)
    by = {r.name: r.by for r in rules.rankings} if rules else {}
    units: dict[str, str] = {}
    if "unit" in by.values():
        units = {str(i): n for i, n in db.session.execute(sa.select(Unit.id, Unit.name))}

    def label(ranking: str, group: str) -> str:
        attr = by.get(ranking)
        if group in ("是", "否") and attr is not None and SUBJECT_ATTRIBUTES.get(attr) is bool:
            yes, no = BOOL_GROUPS.get(attr, (_l("是"), _l("否")))
            return str(yes if group == "是" else no)
        if attr == "unit":
            return units.get(group, group)
        if group == "全部":
            return _("全部")
        if group == NO_GROUP:
            return _("（未填写）")
        return group
    return label


def ranking_labels(review: Review) -> dict[str, str]:
    rules = services.loaded_rules(review)
    return {r.name: r.label or r.name for r in rules.rankings} if rules else {}


def _groups(ranking: services.Ranking) -> list[str]:
    """是 before 否 (常委 before 委员); other groups as first met, which is best place first."""
    return sorted(ranking.groups, key=lambda g: {"是": 0, "否": 1}.get(g, 2))


def _filters(rankings: list[services.Ranking]) -> tuple[dict[str, str], services.Ranking | None]:
    chosen = next((r for r in rankings if r.name == request.args.get("ranking")), rankings[0] if rankings else None)
    groups = _groups(chosen) if chosen else []
    group = request.args.get("group", "")
    filters = {"ranking": chosen.name if chosen else "",
               "group": group if group in groups else (groups[0] if groups else ""),
               "grade": request.args.get("grade", ""), "eligible": request.args.get("eligible", ""),
               "q": request.args.get("q", "").strip()[:40],
               "sort": request.args.get("sort", "") if request.args.get("sort") in SORTS else "place"}
    if filters["eligible"] not in ("yes", "no"):
        filters["eligible"] = ""
    return filters, chosen


def _matches_name(row: services.Row, q: str) -> bool:
    if not q or q in row.name:
        return True
    query = as_pinyin_query(q)
    return bool(query) and query in search_key(row.name)


def placed_rows(table: list[services.Row], filters: dict[str, str]) -> tuple[list[Placed], int]:
    """The rows of the chosen ranking and group that pass the filters, sorted; and how many the group has."""
    ranking, group = filters["ranking"], filters["group"]
    members = [(row, row.places[ranking]) for row in table
               if ranking in row.places and row.places[ranking][0] == group]
    counts = Counter(place for _row, (_g, place, _n) in members)
    found = [Placed(row, place, size, counts[place] > 1) for row, (_g, place, size) in members
             if (not filters["grade"] or row.grade == filters["grade"])
             and (not filters["eligible"] or row.eligible == (filters["eligible"] == "yes"))
             and _matches_name(row, filters["q"])]
    if filters["sort"] == "score":
        found.sort(key=lambda p: (-p.row.score, p.place))
    elif filters["sort"] == "name":
        found.sort(key=lambda p: (search_key(p.row.name), p.row.name, p.place))
    else:
        found.sort(key=lambda p: p.place)
    return found, len(members)


STATE_SECONDS = 5  # how long a process trusts what it read of a review's state (it changes when a newer version
# is run, or when its award list is finalised or reopened: rare, and a page a few seconds late says no wrong number)


def _state(review_id: int, **_args: Any) -> str | None:
    """What a review page shows that can still change: the review's state, its lock, the newest version."""
    known = current_app.extensions.setdefault("review_states", {})
    found = known.get(review_id)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    state = _read_state(review_id)
    if state is not None:
        known[review_id] = (time.monotonic() + STATE_SECONDS, state)
    return state


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _forget_states(session: sa.orm.Session, _context: object) -> None:
    """A review changed in this process (a newer version superseding it, a lock) is read again at once."""
    if has_app_context() and any(isinstance(o, Review) for o in (*session.new, *session.dirty)):
        current_app.extensions.get("review_states", {}).clear()


def _read_state(review_id: int) -> str | None:
    newer = sa.select(sa.func.max(Review.version)).where(
        Review.period == sa.select(Review.period).where(Review.id == review_id).scalar_subquery(),
        Review.subject_kind == sa.select(Review.subject_kind).where(Review.id == review_id).scalar_subquery()
    ).scalar_subquery()
    row = db.session.execute(sa.select(Review.state, Review.locked, newer).where(Review.id == review_id)).first()
    return None if row is None else f"{row[0].name}|{row[1]}|{row[2]}"


@bp.route("/<int:review_id>")
@roles_required(*VIEWERS)
@pagecache.kept(_state)
def ranking(review_id: int) -> str | Response:
    review = _review_or_404(review_id)
    table = _visible_rows(review)
    rankings = services.rankings_of(review, table)
    filters, chosen = _filters(rankings)
    shown, total = placed_rows(table, filters)
    verdicts = reading.verdicts(review)
    vetoed_ids = {s for s, v in verdicts.items() if v.vetoed}
    label = group_labeller(review)
    names = ranking_labels(review)
    rules = services.loaded_rules(review)
    grouped = {r.name for r in rules.rankings if r.by} if rules else set()
    tie_rule = reading.tie_rule(rules)
    broken = reading.tie_broken((row.subject_id, *row.places[filters["ranking"]][:1], row.score,
                                 row.places[filters["ranking"]][1]) for row in table
                                if filters["ranking"] in row.places) if tie_rule else set()
    name_word, unit_word, counter = reading.words(review.subject_kind)
    shown = reading.vetoed_last(shown, vetoed_ids, lambda p: p.row.subject_id)
    if fmt := export.wanted():
        title = " ".join(filter(None, [review_title(review), _("第%(v)s版", v=review.version),
                                       names.get(filters["ranking"], filters["ranking"]),
                                       label(filters["ranking"], filters["group"])
                                       if filters["ranking"] in grouped else ""]))
        headers = [_("名次"), name_word, unit_word, _("得分"), _("考评等次"), _("评优资格（能否参评表彰）"), _("备注"),
                   _("通报")]
        body = [[_("一票否决") if p.row.subject_id in vetoed_ids else p.place, p.row.name, p.row.unit, p.row.score,
                 p.row.grade, reading.eligibility(p.row.eligible, verdicts.get(p.row.subject_id)),
                 tie_rule if p.row.subject_id in broken else "", "、".join(p.row.flags)] for p in shown]
        return export.send_table(headers, body, fmt, export.export_title(title))
    grades = [g.name for g in rules.grades] if rules else sorted({r.grade for r in table if r.grade})
    # served part of the period: listed below the ranking, not in it (the name filter applies; a grade or 合格 asked
    # for leaves them out: they have neither)
    unranked = [row for row in table if not row.appraised and _matches_name(row, filters["q"])
                and not filters["grade"] and filters["eligible"] != "yes"]
    ranked = [p for p in shown if p.row.subject_id not in vetoed_ids]
    return render_template("reviews/ranking.html", **_header(review), rankings=rankings, chosen=chosen,
                           filters=filters, shown=shown, total=total, everyone=len(table), verdicts=verdicts,
                           unranked=unranked, vetoed=[p for p in shown if p.row.subject_id in vetoed_ids],
                           pagination=paginate_list(ranked, current_app.config["RANKING_PAGE_SIZE"]),
                           group_label=label, ranking_names=names, grouped=grouped, grades=grades,
                           groups=_groups(chosen) if chosen else [], tie_rule=tie_rule, tie_broken=broken,
                           eligibility=reading.eligibility, name_word=name_word, unit_word=unit_word,
                           counter=counter)


# --- one subject's explanation --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SectionView:
    section: dict[str, Any]
    lines: list[dict[str, Any]]


@bp.route("/<int:review_id>/subjects/<int:subject_id>")
@roles_required(*VIEWERS)
@pagecache.kept(_state)
def explain(review_id: int, subject_id: int) -> str:
    review = _review_or_404(review_id)
    visible = services.visible_subjects(review, current_user)
    if visible is not None and subject_id not in visible:
        abort(404)
    card = services.card(review, subject_id)
    entry = db.session.scalar(sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id,
                                                           ReviewEntry.subject_id == subject_id))
    if card is None or entry is None:
        abort(404)
    sections = [SectionView(s, [line for line in card["lines"]
                                if line["section"] == s["section"] and line["period"] == s["period"]])
                for s in card["sections"]]
    record_ids = {r["record_id"] for line in card["lines"] for r in line["records"]}
    record_ids |= {n["record_id"] for n in card["notes"]}
    rules = services.loaded_rules(review)
    items = {i.name: i.label for s in rules.sections for i in s.items} if rules else {}
    return render_template("reviews/explain.html", **_header(review), card=card, entry=entry, sections=sections,
                           facts=services.facts_of(review),
                           origins=services.origins(review, record_ids, current_user), items=items,
                           periods={p["period"] for p in card["sections"]},
                           field_labels={**FIELD_LABELS, **kindfields.labels(rules.kinds.values() if rules else ())},
                           field_units=kindfields.column_units(rules.kinds.values() if rules else ()),
                           group_label=group_labeller(review), ranking_names=ranking_labels(review),
                           grouped={r.name for r in rules.rankings if r.by} if rules else set())


# --- two versions compared ------------------------------------------------------------------------------------------

@bp.route("/<int:review_id>/compare")
@roles_required(*VIEWERS)
@pagecache.kept(_state)
def compare(review_id: int) -> str:
    """What changed between this review and another version (`?with=`) of the same period and subject kind.

    :raises 404: no `with`, or a review of another period or kind of subject.
    """
    review = _review_or_404(review_id)
    other = _review_or_404(request.args.get("with", 0, type=db_id) or 0) if request.args.get("with") else None
    if other is None or other.id == review.id or (other.period, other.subject_kind) != (review.period,
                                                                                        review.subject_kind):
        abort(404)
    old, new = sorted((review, other), key=lambda r: r.version)
    visible = services.visible_subjects(review, current_user)
    moves = [m for m in services.compare(old, new) if visible is None or m.subject_id in visible]
    ids = {rid for m in moves for rid in (*m.added, *m.removed)}
    facts = services.facts_of(old) | services.facts_of(new)
    rules = services.loaded_rules(new)
    return render_template("reviews/compare.html", **_header(new), old=old, new=new, moves=moves, facts=facts,
                           origins=services.origins(new, ids, current_user), field_labels=FIELD_LABELS,
                           field_units=kindfields.column_units(rules.kinds.values() if rules else ()),
                           zero=Decimal(0))


# --- 届末综合评价 ---------------------------------------------------------------------------------------------------

TERM_VIEWERS = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK)
TERM_SORTS = {"place": lambda m: (m.place is None, m.place or 0, m.member_id), "name": lambda m: m.name,
              "sector": lambda m: m.sector, "score": lambda m: (m.score is not None, m.score or 0),
              "rate": lambda m: (m.rate is not None, m.rate or 0), "years": lambda m: len(m.results)}


def _terms() -> list[Term]:
    """Every 届, the newest first: the term reviews there are."""
    return list(db.session.scalars(sa.select(Term).order_by(Term.starts_on.desc())))


def _term_visible() -> set[int] | None:
    """The member ids the user may see in a term review (None: all): a clerk, their own units' members."""
    if scope.unit_ids(current_user) is None:
        return None
    return set(db.session.scalars(sa.select(Member.id).where(scope.clause(Member, current_user))))


@bp.route("/term/<int:term_id>")
@roles_required(*TERM_VIEWERS)
def term_review(term_id: int) -> str | Response:
    """The 届's members ranked on the mean of their yearly official results, with attendance and records; as .xlsx
    or the PDF for the 换届 nomination by `?format=`."""
    term = db.get_or_404(Term, term_id)
    report = term_reviews.term_report(term, _term_visible())
    fmt = request.args.get("format", "")
    if fmt == "xlsx":
        return send_download(term_workbook(report), XLSX, f"{report.title}.xlsx")
    if fmt == "pdf":
        return send_download(term_pdf(report), "application/pdf", f"{report.title}.pdf")
    rows = sorted_items(report.members, TERM_SORTS)
    return render_template("reviews/term.html", term=term, terms=_terms(), report=report, count=len(rows),
                           pagination=paginate_list(rows, page_size()), number=number)


@bp.route("/term/<int:term_id>/members/<int:member_id>")
@roles_required(*TERM_VIEWERS)
def term_member(term_id: int, member_id: int) -> str | Response:
    """One member's term explanation: each year's result and where it came from, attendance, records; `?format=pdf`
    gives the printed term report. :raises 404: not a member of the 届, or outside the user's units."""
    term = db.get_or_404(Term, term_id)
    member = scope.get_or_404(Member, member_id)
    if member.term_id != term.id:
        abort(404)
    report = term_reviews.term_report(term)
    row = next(m for m in report.members if m.member_id == member.id)
    if request.args.get("format") == "pdf":
        return send_download(member_pdf(report, row), "application/pdf", f"{member.name}届末综合评价.pdf")
    return render_template("reviews/term_member.html", term=term, member=member, report=report, row=row,
                           number=number)
