"""The set-up checklist (正式启用): what a county still has to do before it can work in the system, step by step:
the organisation, the current 届, the open year, the units, the rule files, the roster, the accounts.

Each step says, in Chinese, what is in place or what is missing, and where it is done; the admin's home shows it
until every step is done. A county runs 双比双争 when it has a 镇党委 or has adopted a 双比双争 rule file of its own for
an open year (the shipped templates do not count: every county gets them); only then are the 镇党委, its branches,
their rule files and their liaisons asked for.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import organisation
from app.extensions import db
from app.models import AppraisalYear, Member, Role, Unit, UnitKind, User
from app.setup import accounts
from app.setup.terms import current_term
from app.timeutil import beijing_today

PARTY_SUBJECTS = ("branches", "party-members")
SUBJECT_LABELS: dict[str, Any] = {"members": _l("委员"), "units": _l("单位"), "branches": _l("党支部"),
                                  "party-members": _l("党员")}
RULES_ENDPOINT = "rules.index"  # where the rule files are kept
ADMIN = frozenset({Role.ADMIN})
OFFICE = frozenset({Role.ADMIN, Role.OFFICE})


@dataclass(frozen=True)
class Step:
    """One step: done or not, what is in place (done) or missing (not yet), and where it is done, by whom."""

    key: str
    title: Any
    done: bool
    lines: tuple[str, ...]
    endpoint: str
    action: Any
    roles: frozenset[Role] = ADMIN
    notes: tuple[str, ...] = field(default_factory=tuple)


def rule_subjects(year: int) -> set[str]:
    """The subjects ("members", "units", "branches", "party-members") that have a rule file for `year`.

    The one place the checklist asks about rule files: where they are kept may change, this function with it."""
    from app import rulefiles
    return {r.subject for r in rulefiles.in_force() if r.year == year}


def adopted_subjects(year: int) -> set[str]:
    """The subjects the county has adopted a rule file of its own for in `year` (shipped templates left out)."""
    from app.models import RuleFile, RuleFileState
    from app.rulefiles import SUBJECT_KINDS
    kinds = set(db.session.scalars(sa.select(RuleFile.subject_kind).where(
        RuleFile.state == RuleFileState.ACTIVE, RuleFile.year == year)))
    return {subject for subject, kind in SUBJECT_KINDS.items() if kind in kinds}


def _open_years() -> list[int]:
    return list(db.session.scalars(sa.select(AppraisalYear.year).where(AppraisalYear.recording_closed_at.is_(None))
                                   .order_by(AppraisalYear.year.desc())))


def _units_by_kind() -> dict[UnitKind, int]:
    return dict(db.session.execute(sa.select(Unit.kind, sa.func.count()).where(Unit.active)
                                   .group_by(Unit.kind)).all())


def runs_party(units: dict[UnitKind, int], subjects: dict[int, set[str]]) -> bool:
    """Whether the county runs 双比双争: it has a 镇党委, or has adopted a 双比双争 rule file for an open year
    (`subjects`: year → the subjects adopted)."""
    return bool(units.get(UnitKind.PARTY_COMMITTEE)) or any(
        s in PARTY_SUBJECTS for found in subjects.values() for s in found)


def steps() -> list[Step]:
    """Every step of the checklist, in the order a county does them."""
    units = _units_by_kind()
    years = _open_years()
    subjects = {year: rule_subjects(year) for year in years}
    party = runs_party(units, {year: adopted_subjects(year) for year in years})
    term = current_term()
    return [_organisation(party), _term(term), _year(years), _units(units, party), _rules(years, subjects, party),
            _roster(term), _accounts(party)]


def _organisation(party: bool) -> Step:
    org = organisation.current()
    missing = org.missing(party)
    if missing:
        lines: tuple[str, ...] = (_("还没有填写：%(items)s。", items="、".join(missing)),)
    else:
        lines = tuple(filter(None, (org.full_name, org.party_committee if party else "",
                                    _("公众访问地址：%(url)s", url=org.public_url))))
    return Step("organisation", _l("组织信息"), not missing, lines, "setup.organisation", _l("填写组织信息"))


def _term(term: Any) -> Step:
    if term is None:
        return Step("term", _l("当前届次"), False, (_("还没有当前届次：请新建本届，例如 第十届（2022-01-01 至 2026-12-31）。"),),
                    "setup.term_list", _l("设置届次"))
    notes = ()
    if term.ends_on < beijing_today():
        notes = (_("%(term)s已于 %(day)s 届满；换届后请新建下一届。", term=term.name, day=term.ends_on.isoformat()),)
    return Step("term", _l("当前届次"), True, (_("%(term)s（%(start)s 至 %(end)s）", term=term.name,
                                                   start=term.starts_on.isoformat(), end=term.ends_on.isoformat()),),
                "setup.term_list", _l("管理届次"), notes=notes)


def _year(years: list[int]) -> Step:
    this_year = beijing_today().year
    if not years:
        return Step("year", _l("开放录入的考评年度"), False,
                    (_("还没有开放录入的考评年度：请开放 %(year)s 年度。", year=this_year),), "setup.year_list",
                    _l("开放考评年度"), OFFICE)
    notes = ()
    if this_year not in years and db.session.get(AppraisalYear, this_year) is None:
        notes = (_("本年度（%(year)s）尚未开放录入。", year=this_year),)
    return Step("year", _l("开放录入的考评年度"), True,
                (_("开放录入：%(years)s", years="、".join(_("%(year)s年度", year=y) for y in sorted(years))),),
                "setup.year_list", _l("管理考评年度"), OFFICE, notes)


def _units(units: dict[UnitKind, int], party: bool) -> Step:
    required = [UnitKind.CPPCC, UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE]
    if party:
        required += [UnitKind.PARTY_COMMITTEE, UnitKind.BRANCH]
    missing = [_("还没有%(kind)s。", kind=_(kind.label)) for kind in required if not units.get(kind)]
    counts = "、".join(_("%(kind)s %(n)s 个", kind=_(kind.label), n=units[kind]) for kind in required
                       if units.get(kind))
    notes: tuple[str, ...] = ()
    if party and not units.get(UnitKind.PARTY_COMMITTEE):
        notes = (_("开放录入的年度有“双比双争”评分细则，所以还需要镇党委及其党支部。"),)
    if missing:
        lines = tuple(missing)
    else:
        lines = (counts,) if party else (counts, _("没有镇党委：不开展“双比双争”。如需开展，请添加镇党委及其党支部。"))
    return Step("units", _l("组织单位"), not missing, lines, "admin.units", _l("设置组织单位"), notes=notes)


def _rules(years: list[int], subjects: dict[int, set[str]], party: bool) -> Step:
    if not years:
        return Step("rules", _l("评分细则"), False, (_("先开放考评年度，再为该年度准备评分细则。"),), RULES_ENDPOINT,
                    _l("查看评分细则"), OFFICE)
    required = ["members", *(PARTY_SUBJECTS if party else ())]
    missing, present = [], []
    for year in sorted(years):
        lacking = [s for s in required if s not in subjects[year]]
        if lacking:
            missing.append(_("%(year)s年度还没有%(subjects)s评分细则。", year=year,
                             subjects="、".join(str(SUBJECT_LABELS[s]) for s in lacking)))
        else:
            present.append(_("%(year)s年度：%(subjects)s评分细则", year=year, subjects="、".join(
                str(SUBJECT_LABELS[s]) for s in SUBJECT_LABELS if s in subjects[year])))
    notes = (_("每个考评年度、每类考评对象一份评分细则：在“评分细则”页以随系统提供的细则为模板修改后采用，或上传本县的文件。"),) if missing else ()
    return Step("rules", _l("评分细则"), not missing, tuple(missing or present), RULES_ENDPOINT, _l("查看评分细则"),
                OFFICE, notes)


def _roster(term: Any) -> Step:
    if term is None:
        return Step("roster", _l("委员名册"), False, (_("先设置当前届次，再导入该届的委员名册。"),), "imports.index",
                    _l("导入名册"), OFFICE)
    serving = accounts.serving_members().where(Member.term_id == term.id).subquery()
    total, standing = db.session.execute(sa.select(sa.func.count(), sa.func.sum(sa.case(
        (serving.c.is_standing, 1), else_=0))).select_from(serving)).one()
    if not total:
        return Step("roster", _l("委员名册"), False, (_("%(term)s还没有委员：请导入委员名册，或逐个添加。", term=term.name),),
                    "imports.index", _l("导入名册"), OFFICE)
    return Step("roster", _l("委员名册"), True, (_("%(term)s委员 %(n)s 人（常委 %(k)s 人）", term=term.name, n=total,
                                                 k=standing or 0),), "imports.index", _l("导入名册"), OFFICE)


def _accounts(party: bool) -> Step:
    missing = []
    office = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.OFFICE, User.active)) or 0
    if not office:
        missing.append(_("还没有办公室（活动领导小组办公室）的账号：请在“用户”中添加。"))
    with_members: set[int] = set()
    for column in (Member.sector_id, Member.committee_id, Member.liaison_id):
        with_members |= {i for i in db.session.scalars(accounts.serving_members().with_only_columns(column))
                         if i is not None}
    clerkless = [u for u in accounts.units_without_clerk() if u.id in with_members]
    if clerkless:
        missing.append(_("%(n)s 个有委员的单位还没有录入员账号：%(names)s。", n=len(clerkless),
                         names=_shortlist([u.name for u in clerkless])))
    members = len(accounts.members_without_account())
    if members:
        missing.append(_("%(n)s 名委员还没有账号。", n=members))
    if party:
        branches = [b.name for b in accounts.branches_without_liaison()]
        if branches:
            missing.append(_("%(n)s 个党支部还没有党建工作联络员：%(names)s。", n=len(branches),
                             names=_shortlist(branches)))
    if missing:
        return Step("accounts", _l("用户账号"), False, tuple(missing), "setup.account_batch", _l("批量开户"))
    counts = dict(db.session.execute(sa.select(User.role, sa.func.count()).where(User.active)
                                     .group_by(User.role)).all())
    line = "、".join(_("%(role)s %(n)s 个", role=_(role.label), n=counts[role]) for role in Role if counts.get(role))
    return Step("accounts", _l("用户账号"), True, (line,), "setup.account_batch", _l("批量开户"))


def _shortlist(names: list[str], shown: int = 5) -> str:
    """A few names and how many more: 提案委员会、经济界 等 12 个."""
    if len(names) <= shown:
        return "、".join(names)
    return _("%(names)s 等", names="、".join(names[:shown]))
