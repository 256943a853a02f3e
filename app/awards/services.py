"""The award decision, from an annual review to the final list (表彰名单).

单位推荐 (each unit's clerk picks candidates within the rule file's quotas, with a 事迹 text each) → 领导小组考核
(every leader votes approve or reject with a reason; the office sets the group's conclusion) → 审定 (the approving
body's decision: meeting, date, 文号; the list is frozen) → 公示 (a public page for some days; anyone may object;
the office handles each objection) → 定稿 (the records, the review and the list are locked). Only an admin reopens,
with a reason. Every step is one transaction of the caller's and leaves a row in the audit log.

Eligibility and quotas come from the review's own frozen cards and subjects and its own rule file, through the
scoring engine's award rules (app/scoring/awards.py): exactly what the review said, whatever happened since.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit, scoring
from app.auth.scope import unit_ids
from app.extensions import db
from app.models import (Activity, Attendance, AwardList, AwardListState, BranchIndicator, BranchResult, Candidate,
                        CandidateState, Enterprise, Meeting, Objection, ObjectionOutcome, Review, ReviewEntry,
                        ReviewKind, ReviewState, Role, User, Vote, VoteChoice)
from app.reviews import reading
from app.reviews import services as reviews
from app.notices import services as notice_services
from app.reviews.facts import origin, yearly_results
from app.scoring.awards import quota_size, why_ineligible
from app.scoring.ranking import group_values, ordered_cards, take_with_ties, tie_values
from app.timeutil import utcnow


class AwardError(ValueError):
    """A step that may not be taken now, with the reason in Chinese (shown to the user as it is)."""


RECOMMENDERS = (Role.CLERK, Role.LIAISON, Role.OFFICE, Role.ADMIN)  # a liaison: only 企业主, of their branches
SCOPED = (Role.CLERK, Role.LIAISON)  # see the lists only while recommending, and of them only their own picks
REVIEWABLE = (AwardListState.REVIEWING, AwardListState.REOPENED)  # votes, conclusion, approval
FROZEN = (AwardListState.APPROVED, AwardListState.PUBLISHED, AwardListState.FINAL)  # records locked


# --- opening an annual review for recommendation ---------------------------------------------------------------

def open_lists(review: Review, user: User | None) -> list[AwardList]:
    """An award list per award category of the review's rule file (those already open are kept as they are).

    :raises AwardError: not a frozen annual review, or its rule file names no award.
    """
    if review.kind != ReviewKind.ANNUAL or review.state != ReviewState.FROZEN:
        raise AwardError(_("只有最新的全年总结可以开始推荐表彰人选"))
    ruleset = reviews.loaded_rules(review)
    if ruleset is None or not ruleset.awards:
        raise AwardError(_("该考评所用的细则没有规定表彰类别"))
    existing = {a.category: a for a in db.session.scalars(sa.select(AwardList).where(AwardList.review_id == review.id))}
    lists = []
    for award in ruleset.awards:
        found = existing.get(award.name)
        if found is None:
            found = AwardList(review_id=review.id, category=award.name,
                              title=f"关于表彰{ruleset.year}年度{award.label or award.name}的决定")
            db.session.add(found)
            db.session.flush()
            audit.record(user, "create", "award_list", found.id,
                         {"category": (None, award.name), "state": (None, found.state)})
        lists.append(found)
    return lists


# --- what the review says about each subject ---------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """One subject of the review, as one award sees it."""

    subject_id: int
    name: str
    unit: str
    score: Decimal
    grade: str
    group: str               # the per-unit quota's group (a 界别, a 支部 …); "" without one
    reason: str | None       # why not eligible; None: eligible
    suggested: bool          # within the quotas by score (the rules' own pick)
    title: str = ""          # printed before the name: a 企业主's enterprise and 职务
    branch_id: int | None = None  # a 企业主's: the branch, the review's subject whose result this is

    @property
    def reviewed(self) -> int:
        """The subject of the review this standing reads: itself, or a 企业主's branch."""
        return self.branch_id if self.branch_id is not None else self.subject_id


@dataclass(frozen=True)
class Board:
    """An award list's standings and quotas: how many each group and the whole list may take."""

    award: scoring.rules.Award
    standings: dict[int, Standing]  # by subject id, best first
    group_quota: dict[str, int]     # per-unit quota group → how many it may take (ties as the rule file says)
    total_quota: int | None         # the whole list (None: no overall quota)


def board(award_list: AwardList) -> Board:
    """The list's standings and quotas: worked out once per process, as the review they come from never changes.
    A 企业主 list's standings are the owners of the enterprises of the review's branches, read now (enterprises
    and their owners change; the branches' results do not)."""
    found = _once(("board", award_list.review_id, award_list.category), lambda: _board(award_list))
    return _owners(found) if found.award.nominated else found


def award_of(award_list: AwardList) -> scoring.rules.Award | None:
    """The list's award as its review's rule file declares it."""
    ruleset = reviews.loaded_rules(award_list.review)
    return next((a for a in ruleset.awards if a.name == award_list.category), None) if ruleset else None


def nominated(award_list: AwardList) -> bool:
    """Whether the list honours 企业主, nominated by the 镇党委 rather than taken by score."""
    award = award_of(award_list)
    return award is not None and award.nominated


def may_recommend(user: User, award_list: AwardList) -> bool:
    """A clerk, the office and an admin recommend for any list; a liaison only 企业主 (of their own branches)."""
    return user.role in RECOMMENDERS and (user.role != Role.LIAISON or nominated(award_list))


def reviewed_subject(candidate: Candidate) -> int:
    """The subject of the review a candidate stands on: itself, or a 企业主's branch."""
    return candidate.unit_id if nominated(candidate.award_list) else candidate.subject_id


def _owners(branches: Board) -> Board:
    """Each enterprise of the review's branches, as its 企业主 stands for the award: on the branch's eligibility
    (a branch vetoed, or outside the award's grades, puts its owners out); an enterprise with no owner registered
    cannot be picked."""
    order = {subject_id: n for n, subject_id in enumerate(branches.standings)}
    found = db.session.scalars(sa.select(Enterprise).where(Enterprise.branch_id.in_(list(order) or [-1]))).all()
    standings = {}
    for e in sorted(found, key=lambda e: (order[e.branch_id], e.id)):
        branch = branches.standings[e.branch_id]
        reason = _("所在支部：%(reason)s", reason=branch.reason) if branch.reason else \
            None if e.owner_name else _("未登记企业主")
        standings[e.id] = Standing(e.id, e.owner_name, branch.name, branch.score, branch.grade, branch.group, reason,
                                   False, e.owner_styled, e.branch_id)
    return Board(branches.award, standings, branches.group_quota, branches.total_quota)


def _once(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """What `make` gives for a frozen review, kept by this process (a frozen review's rows never change)."""
    known = current_app.extensions.setdefault("frozen_reviews", {})
    if key not in known:
        known[key] = make()
    return known[key]


def _board(award_list: AwardList) -> Board:
    review = award_list.review
    ruleset = reviews.loaded_rules(review)
    if ruleset is None:
        raise AwardError(_("该考评的细则文件无法读取"))
    award = next((a for a in ruleset.awards if a.name == award_list.category), None)
    if award is None:
        raise AwardError(_("细则中没有表彰类别“%(name)s”", name=award_list.category))
    entries = {e.subject_id: e for e in db.session.scalars(
        sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id))}
    cards = ordered_cards([scoring.card_from_json(json.loads(e.card)) for e in entries.values()], ruleset)
    subjects = frozen_subjects(review)
    value = lambda c: tie_values(c, ruleset.tie_break)  # noqa: E731
    reasons = {c.subject_id: why_ineligible(c, subjects[c.subject_id], award, ruleset) for c in cards}
    pool = [c for c in cards if reasons[c.subject_id] is None]
    group_of = {c.subject_id: (group_values(subjects[c.subject_id], award.per_unit.by)[0] if award.per_unit else "")
                for c in cards}
    group_quota: dict[str, int] = {}
    if award.per_unit is not None:
        population: dict[str, list[scoring.Subject]] = {}
        for subject in subjects.values():
            for group in group_values(subject, award.per_unit.by):
                population.setdefault(group, []).append(subject)
        kept: set[int] = set()
        for group in sorted({group_of[c.subject_id] for c in cards}):
            members = [c for c in pool if group_of[c.subject_id] == group]
            n = quota_size(award.per_unit, population.get(group, []))
            taken = [] if award.nominated else take_with_ties(members, n, value, award.ties)
            group_quota[group] = len(taken) if len(members) > n and not award.nominated else n
            kept |= {c.subject_id for c in taken}
        pool = [c for c in pool if c.subject_id in kept]
    total = None
    if award.quota is not None:
        n = quota_size(award.quota, list(subjects.values()))
        taken = [] if award.nominated else take_with_ties(pool, n, value, award.ties)
        total = len(taken) if len(pool) > n and not award.nominated else n
        pool = taken
    suggested = set() if award.nominated else {c.subject_id for c in pool}  # no one is nominated by points
    standings = {c.subject_id: Standing(c.subject_id, entries[c.subject_id].subject_name,
                                        entries[c.subject_id].unit_name, c.total, c.grade or "",
                                        group_of[c.subject_id], reasons[c.subject_id], c.subject_id in suggested)
                 for c in cards}
    return Board(award, standings, group_quota, total)


def frozen_subjects(review: Review) -> dict[int, scoring.Subject]:
    """The subjects as the review saw them (attributes, units), with their names; read once per process."""
    return _once(("subjects", review.id), lambda: _frozen_subjects(review))


def _frozen_subjects(review: Review) -> dict[int, scoring.Subject]:
    names = dict(db.session.execute(
        sa.select(ReviewEntry.subject_id, ReviewEntry.subject_name).where(ReviewEntry.review_id == review.id)).all())
    out = {}
    for s in json.loads(review.input_records)["subjects"]:
        attrs = {k: _plain(v) for k, v in s["attrs"].items()}
        out[s["id"]] = scoring.Subject(s["id"], names.get(s["id"], ""), tuple(s["units"]), attrs)
    return out


def _plain(value: Any) -> Any:
    """An attribute back from the review's normalised JSON ({"d": "3"} is a number)."""
    if isinstance(value, dict) and set(value) == {"d"}:
        text = value["d"]
        return int(text) if text.lstrip("-").isdigit() else Decimal(text)
    if isinstance(value, list):
        return tuple(value)
    return value


def problems(award_list: AwardList, candidates: list[Candidate] | None = None) -> dict[int, list[str]]:
    """Candidate id → what is wrong with the pick (ineligible, over a quota); the picks considered are the list's
    candidates still in the running (or `candidates`)."""
    found = board(award_list)
    picks = candidates if candidates is not None else [c for c in award_list.candidates if c.state in ACTIVE]
    out: dict[int, list[str]] = {c.id: [] for c in picks}
    by_group: dict[str, list[Candidate]] = {}
    for c in picks:
        standing = found.standings.get(c.subject_id)
        if standing is None:
            out[c.id].append(_("不在本次考评之列"))
            continue
        if standing.reason:
            out[c.id].append(standing.reason)
        by_group.setdefault(standing.group, []).append(c)
    for group, members in by_group.items():
        allowed = found.group_quota.get(group)
        if allowed is not None and len(members) > allowed:
            for c in _beyond(members, allowed, found):
                out[c.id].append(_("超出%(group)s的名额（%(n)s 名）", group=group, n=allowed))
    if found.total_quota is not None:
        in_running = [c for c in picks if c.subject_id in found.standings]
        if len(in_running) > found.total_quota:
            for c in _beyond(in_running, found.total_quota, found):
                out[c.id].append(_("超出总名额（%(n)s 名）", n=found.total_quota))
    return out


def _beyond(picks: list[Candidate], allowed: int, found: Board) -> list[Candidate]:
    """The picks past the first `allowed` by score (the ones a smaller list would leave out)."""
    order = list(found.standings)
    return sorted(picks, key=lambda c: order.index(c.subject_id))[allowed:]


ACTIVE = (CandidateState.DRAFT, CandidateState.RECOMMENDED, CandidateState.APPROVED)


# --- 单位推荐 ---------------------------------------------------------------------------------------------------------

def recommending_units(user: User, subject: scoring.Subject) -> list[int]:
    """The units of the subject the user may recommend it for: their own (a clerk), any of its units (the office)."""
    scope = unit_ids(user)
    return [u for u in subject.unit_ids if scope is None or u in scope]


def recommend(award_list: AwardList, subject_id: int, deeds: str, user: User) -> Candidate:
    """Add a subject to the list as a draft pick of the user's unit; problems are shown, and refused at submit.

    :raises AwardError: the list is past recommendation, the subject is not in the review or not in the user's
        scope, or already picked.
    """
    _require_recommender(award_list, user, _l("推荐"))
    if nominated(award_list):
        return _recommend_owner(award_list, subject_id, deeds, user)
    subjects = frozen_subjects(award_list.review)
    subject = subjects.get(subject_id)
    entry = db.session.scalar(sa.select(ReviewEntry).where(ReviewEntry.review_id == award_list.review_id,
                                                           ReviewEntry.subject_id == subject_id))
    if subject is None or entry is None:
        raise AwardError(_("该对象不在本次考评之列"))
    units = recommending_units(user, subject)
    if not units:
        raise AwardError(_("只能推荐本单位的对象"))
    if any(c.subject_id == subject_id for c in award_list.candidates):
        raise AwardError(_("%(name)s 已在推荐名单中", name=entry.subject_name))
    candidate = Candidate(award_list=award_list, subject_id=subject_id, subject_name=entry.subject_name,
                          unit_id=units[0], deeds=deeds.strip(), recommended_by_id=user.id)
    db.session.add(candidate)
    db.session.flush()
    audit.record(user, "create", "candidate", candidate.id,
                 {"award_list": (None, award_list.category), "subject": (None, entry.subject_name),
                  "deeds": (None, candidate.deeds)})
    return candidate


def _recommend_owner(award_list: AwardList, enterprise_id: int, deeds: str, user: User) -> Candidate:
    """The 企业主 of an enterprise of a branch in the review, named as registered now (the name and 企业名称＋职务
    are kept on the pick: a later edit of the enterprise does not change a list)."""
    standing = board(award_list).standings.get(enterprise_id)
    enterprise = db.session.get(Enterprise, enterprise_id)
    if standing is None or enterprise is None or standing.branch_id is None:
        raise AwardError(_("该企业不属于本次考评的党支部"))
    scope = unit_ids(user)
    if scope is not None and standing.branch_id not in scope:
        raise AwardError(_("只能推荐本人联系的党支部所在企业的企业主"))
    if not enterprise.owner_name:
        raise AwardError(_("%(name)s 还没有登记企业主，请先在党支部页面登记", name=enterprise.name))
    if any(c.subject_id == enterprise_id for c in award_list.candidates):
        raise AwardError(_("%(name)s 已在推荐名单中", name=f"{enterprise.owner_styled} {enterprise.owner_name}"))
    candidate = Candidate(award_list=award_list, subject_id=enterprise.id, subject_name=enterprise.owner_name,
                          subject_title=enterprise.owner_styled, unit_id=standing.branch_id, deeds=deeds.strip(),
                          recommended_by_id=user.id)
    db.session.add(candidate)
    db.session.flush()
    audit.record(user, "create", "candidate", candidate.id,
                 {"award_list": (None, award_list.category), "subject": (None, candidate.full_name),
                  "deeds": (None, candidate.deeds)})
    return candidate


def submit(award_list: AwardList, user: User) -> list[Candidate]:
    """The user's units' draft picks become 已推荐; refused as a whole while any pick (of the whole list) has a
    problem, since quotas are shared.

    :raises AwardError: listing every problem.
    """
    _require_recommender(award_list, user, _l("推荐"))
    scope = unit_ids(user)
    mine = [c for c in award_list.candidates if c.state == CandidateState.DRAFT
            and (scope is None or c.unit_id in scope)]
    if not mine:
        raise AwardError(_("没有待提交的推荐人选"))
    standing = [c for c in award_list.candidates if c.state in (CandidateState.RECOMMENDED, CandidateState.APPROVED)]
    found = problems(award_list, standing + mine)  # other units' drafts do not count against this unit
    wrong = [f"{c.full_name}：{'；'.join(found[c.id])}" for c in mine if found.get(c.id)]
    wrong += _no_room(award_list, standing, mine)
    if wrong:
        raise AwardError(_("以下人选不符合条件或超出名额，不能提交：%(list)s", list="；".join(wrong)))
    for c in mine:
        c.state = CandidateState.RECOMMENDED
        audit.record(user, "submit", "candidate", c.id, {"state": (CandidateState.DRAFT, CandidateState.RECOMMENDED)})
    return mine


def _no_room(award_list: AwardList, standing: list[Candidate], mine: list[Candidate]) -> list[str]:
    """The quotas `mine` would overrun on top of the picks already submitted, whatever their scores: a later,
    higher-scoring pick may not push an earlier submitted one over the line."""
    found = board(award_list)
    group = {sid: s.group for sid, s in found.standings.items()}
    out = []
    for name in sorted({group.get(c.subject_id, "") for c in mine}):
        allowed = found.group_quota.get(name)
        taken = sum(1 for c in standing if group.get(c.subject_id) == name)
        adding = [c for c in mine if group.get(c.subject_id) == name]
        if allowed is not None and taken + len(adding) > allowed:
            out.append(_("%(group)s的名额 %(n)s 名，已提交 %(taken)s 名，不能再提交 %(adding)s 名", group=name,
                         n=allowed, taken=taken, adding=len(adding)))
    if found.total_quota is not None and len(standing) + len(mine) > found.total_quota:
        out.append(_("总名额 %(n)s 名，已提交 %(taken)s 名，不能再提交 %(adding)s 名", n=found.total_quota,
                     taken=len(standing), adding=len(mine)))
    return out


def _check_quotas(award_list: AwardList, states: tuple[CandidateState, ...]) -> None:
    """Refuse a step while the picks in `states` break a quota or include an ineligible one."""
    picks = [c for c in award_list.candidates if c.state in states]
    found = problems(award_list, picks)
    wrong = [f"{c.full_name}：{'；'.join(found[c.id])}" for c in picks if found.get(c.id)]
    if wrong:
        raise AwardError(_("以下人选不符合条件或超出名额：%(list)s", list="；".join(wrong)))


def withdraw(candidate: Candidate, user: User) -> None:
    """Take a pick back while the list is still being recommended."""
    _require_recommender(candidate.award_list, user, _l("撤回推荐"))
    audit.record(user, "delete", "candidate", candidate.id, {"subject": (candidate.full_name, None)})
    candidate.award_list.candidates.remove(candidate)  # (delete-orphan: gone from the list and the database)


# --- 领导小组考核 ---------------------------------------------------------------------------------------------------

def start_review(award_list: AwardList, user: User) -> None:
    """Close recommendation; the leading group reviews the recommended candidates (drafts are dropped)."""
    _require(award_list, AwardListState.RECOMMENDING, _l("开始考核"))
    if not any(c.state == CandidateState.RECOMMENDED for c in award_list.candidates):
        raise AwardError(_("还没有单位提交推荐人选"))
    _check_quotas(award_list, (CandidateState.RECOMMENDED,))
    for c in [c for c in award_list.candidates if c.state == CandidateState.DRAFT]:
        audit.record(user, "delete", "candidate", c.id, {"subject": (c.full_name, None)}, reason="推荐截止时未提交")
        award_list.candidates.remove(c)
    _move(award_list, AwardListState.REVIEWING, user)
    notice_services.vote_opened(award_list, user)


EXCEPTIONS = (VoteChoice.REJECT, VoteChoice.ABSTAIN)  # a leader says why


def vote(candidate: Candidate, user: User, choice: VoteChoice, reason: str) -> Vote:
    """A leader's approve, reject or abstain (a reason is required to reject or abstain); voting again replaces
    the earlier vote."""
    _require(candidate.award_list, REVIEWABLE, _l("考核"))
    if user.role != Role.LEADER:
        raise AwardError(_("只有活动领导小组成员可以表决"))
    if choice in EXCEPTIONS and not reason.strip():
        raise AwardError(_("不同意或弃权时请写明理由"))
    found = db.session.scalar(sa.select(Vote).where(Vote.candidate_id == candidate.id, Vote.user_id == user.id))
    before = found.choice if found else None
    if found is None:
        found = Vote(candidate=candidate, user_id=user.id, choice=choice, reason=reason.strip())
        db.session.add(found)
    else:
        found.choice, found.reason, found.at = choice, reason.strip(), utcnow()
    db.session.flush()
    audit.record(user, "vote", "candidate", candidate.id, {"vote": (before, choice)}, reason=reason.strip())
    return found


@dataclass(frozen=True)
class Ballot:
    """One leader's choice on one candidate, as the ballot page sent it (choice None: left blank)."""

    choice: VoteChoice | None
    reason: str


def ballot_errors(award_list: AwardList, ballot: dict[int, Ballot], all_agree: bool) -> dict[int, str]:
    """Candidate id → what is wrong with the leader's choice on it: left blank (unless the rest are agreed), or an
    exception (不同意, 弃权) without a reason."""
    errors = {}
    for candidate in award_list.candidates:
        given = ballot.get(candidate.id, Ballot(None, ""))
        if given.choice is None and not all_agree:
            errors[candidate.id] = _("请选择同意、不同意或弃权")
        elif given.choice in EXCEPTIONS and not given.reason.strip():
            errors[candidate.id] = _("%(choice)s时请写明理由", choice=_(given.choice.label))
        elif len(given.reason.strip()) > 1000:
            errors[candidate.id] = _("理由不能超过 1000 字")
    return errors


def cast_ballot(award_list: AwardList, user: User, ballot: dict[int, Ballot], all_agree: bool) -> list[Vote]:
    """A leader's votes on every candidate of the list at once (one transaction of the caller's): a blank choice is
    同意 when `all_agree`; an unchanged vote is left as it is (and not logged again).

    :raises AwardError: the list is not under review, the user is no leader, or a choice is blank or lacks its
        reason (`ballot_errors` says which, beside each candidate).
    """
    _require(award_list, REVIEWABLE, _l("考核"))
    if user.role != Role.LEADER:
        raise AwardError(_("只有活动领导小组成员可以表决"))
    if ballot_errors(award_list, ballot, all_agree):
        raise AwardError(_("表决没有提交：请按提示补全"))
    mine = {v.candidate_id: v for c in award_list.candidates for v in c.votes if v.user_id == user.id}
    cast = []
    for candidate in award_list.candidates:
        given = ballot.get(candidate.id, Ballot(None, ""))
        choice = given.choice or VoteChoice.APPROVE
        reason = given.reason.strip() if choice in EXCEPTIONS else ""
        found = mine.get(candidate.id)
        if found is not None and found.choice == choice and found.reason == reason:
            continue
        cast.append(vote(candidate, user, choice, reason))
    return cast


def export_rows(lists: list[AwardList]) -> list[list[Any]]:
    """Every candidate of every list, a row each (a list without candidates gets a row of its own), for the
    .xlsx of all award lists: the list, the pick's score and grade as the review froze them, the votes, the approval
    and 公示."""
    rows = []
    for award_list in lists:
        found = board(award_list)
        votes = tally(award_list)
        head = [award_list.category, award_list.title,
                f"{award_list.review.period} 第{award_list.review.version}版", _(award_list.state.label)]
        tail = [award_list.approving_body, award_list.decided_on, award_list.document_number,
                award_list.publicity_starts_on, publicity_ends_on(award_list)]
        if not award_list.candidates:
            rows.append(head + [""] * 9 + tail)
        for c in award_list.candidates:
            s = found.standings.get(c.subject_id)
            count = votes[c.id]
            unit = c.subject_title or (c.unit.name if c.unit else "")  # a 企业主: the enterprise and 职务
            rows.append(head + [c.subject_name, unit, s.score if s else None,
                                s.grade if s else "", _(c.state.label), c.deeds, count[VoteChoice.APPROVE],
                                count[VoteChoice.REJECT], count[VoteChoice.ABSTAIN]] + tail)
    return rows


def tally(award_list: AwardList) -> dict[int, Counter[VoteChoice]]:
    """Candidate id → votes by choice."""
    out: dict[int, Counter[VoteChoice]] = {c.id: Counter() for c in award_list.candidates}
    for c in award_list.candidates:
        for v in c.votes:
            out[c.id][v.choice] += 1
    return out


def conclude(award_list: AwardList, decisions: dict[int, CandidateState], conclusion: str, user: User) -> None:
    """The office records the group's conclusion: each recommended candidate 考核通过 or 考核未通过."""
    _require(award_list, REVIEWABLE, _l("记录考核结论"))
    by_id = {c.id: c for c in award_list.candidates}
    for candidate_id, state in decisions.items():
        candidate = by_id.get(candidate_id)
        if candidate is None or state not in (CandidateState.APPROVED, CandidateState.REJECTED):
            raise AwardError(_("考核结论有误"))
        if candidate.state != state:
            audit.record(user, "conclude", "candidate", candidate.id, {"state": (candidate.state, state)})
            candidate.state = state
    if conclusion.strip() != award_list.group_conclusion:
        audit.record(user, "update", "award_list", award_list.id,
                     {"group_conclusion": (award_list.group_conclusion, conclusion.strip())})
        award_list.group_conclusion = conclusion.strip()


# --- 审定, 公示, 定稿 ----------------------------------------------------------------------------------------------------

def approve(award_list: AwardList, body: str, meeting_name: str, decided_on: dt.date, document_number: str,
            user: User) -> None:
    """The approving body's decision; the list is frozen from now on."""
    _require(award_list, REVIEWABLE, _l("审定"))
    undecided = [c.full_name for c in award_list.candidates if c.state == CandidateState.RECOMMENDED]
    if undecided:
        raise AwardError(_("还有人选没有考核结论：%(names)s", names="、".join(undecided)))
    if not any(c.state == CandidateState.APPROVED for c in award_list.candidates):
        raise AwardError(_("没有考核通过的人选"))
    _check_quotas(award_list, (CandidateState.APPROVED,))
    if not (body.strip() and meeting_name.strip() and document_number.strip()):
        raise AwardError(_("请填写审定机构、会议名称和文号"))
    changes = {"approving_body": (award_list.approving_body, body.strip()),
               "meeting_name": (award_list.meeting_name, meeting_name.strip()),
               "decided_on": (award_list.decided_on, decided_on),
               "document_number": (award_list.document_number, document_number.strip())}
    award_list.approving_body, award_list.meeting_name = body.strip(), meeting_name.strip()
    award_list.decided_on, award_list.document_number = decided_on, document_number.strip()
    audit.record(user, "update", "award_list", award_list.id, changes)
    _move(award_list, AwardListState.APPROVED, user)
    _lock(award_list.review, True)  # nothing that fed an approved list changes without an admin reopening it
    notice_services.list_approved(award_list, user)


def publish(award_list: AwardList, starts_on: dt.date, days: int, user: User) -> None:
    _require(award_list, AwardListState.APPROVED, _l("公示"))
    if days < 1:
        raise AwardError(_("公示天数至少 1 天"))
    award_list.publicity_starts_on, award_list.publicity_days = starts_on, days
    audit.record(user, "update", "award_list", award_list.id,
                 {"publicity_starts_on": (None, starts_on), "publicity_days": (None, days)})
    _move(award_list, AwardListState.PUBLISHED, user)


def publicity_ends_on(award_list: AwardList) -> dt.date | None:
    """The last day of 公示."""
    if award_list.publicity_starts_on is None:
        return None
    return award_list.publicity_starts_on + dt.timedelta(days=award_list.publicity_days - 1)


def published_names(award_list: AwardList) -> list[Candidate]:
    """What the public page shows: the approved candidates, none removed."""
    return [c for c in award_list.candidates if c.state == CandidateState.APPROVED]


def lodge_objection(award_list: AwardList, candidate_id: int | None, name: str, contact: str, text: str,
                    today: dt.date) -> Objection:
    """An objection from the public page, while the list is published and the period lasts."""
    ends = publicity_ends_on(award_list)
    if award_list.state != AwardListState.PUBLISHED or ends is None or not (
            award_list.publicity_starts_on <= today <= ends):
        raise AwardError(_("该名单不在公示期内"))
    if candidate_id is not None and candidate_id not in {c.id for c in published_names(award_list)}:
        raise AwardError(_("所选人员不在公示名单中"))
    if not contact.strip() or not text.strip():
        raise AwardError(_("请填写联系方式和异议内容"))
    objection = Objection(award_list_id=award_list.id, candidate_id=candidate_id, name=name.strip()[:40],
                          contact=contact.strip()[:80], text=text.strip())
    db.session.add(objection)
    db.session.flush()
    audit.record(None, "create", "objection", objection.id, {"award_list": (None, award_list.category)})
    return objection


def handle_objection(objection: Objection, outcome: ObjectionOutcome, response: str, user: User) -> None:
    """The office's answer; an upheld objection against a candidate removes the name, with the reason kept."""
    award_list = db.session.get(AwardList, objection.award_list_id)
    assert award_list is not None
    _require(award_list, AwardListState.PUBLISHED, _l("处理异议"))
    if objection.outcome != ObjectionOutcome.PENDING:
        raise AwardError(_("该异议已经处理过"))
    if outcome == ObjectionOutcome.PENDING or not response.strip():
        raise AwardError(_("请选择处理结果并写明处理意见"))
    objection.outcome, objection.response = outcome, response.strip()
    objection.handled_by_id, objection.handled_at = user.id, utcnow()
    audit.record(user, "handle", "objection", objection.id, {"outcome": (ObjectionOutcome.PENDING, outcome)},
                 reason=response.strip())
    if outcome == ObjectionOutcome.UPHELD and objection.candidate_id is not None:
        candidate = db.session.get(Candidate, objection.candidate_id)
        if candidate is not None and candidate.state == CandidateState.APPROVED:
            candidate.state, candidate.removal_reason = CandidateState.REMOVED, response.strip()
            audit.record(user, "remove", "candidate", candidate.id,
                         {"state": (CandidateState.APPROVED, CandidateState.REMOVED)}, reason=response.strip())


def finalise(award_list: AwardList, user: User, today: dt.date) -> None:
    """定稿 after the 公示 period, every objection handled. (The review and every record that fed it have been
    locked since the approval.)"""
    _require(award_list, AwardListState.PUBLISHED, _l("定稿"))
    ends = publicity_ends_on(award_list)
    if ends is None or today <= ends:
        raise AwardError(_("公示期到 %(date)s 为止，期满后才能定稿", date=ends.isoformat() if ends else "?"))
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Objection).where(
        Objection.award_list_id == award_list.id, Objection.outcome == ObjectionOutcome.PENDING))
    if pending:
        raise AwardError(_("还有 %(n)s 件异议没有处理", n=pending))
    award_list.finalised_at = utcnow()
    _move(award_list, AwardListState.FINAL, user)


def reopen(award_list: AwardList, reason: str, user: User) -> None:
    """Only an admin, with a reason: the list goes back to 已重新打开 and what it locked is unlocked (unless
    another final list of the same review still holds it)."""
    if user.role != Role.ADMIN:
        raise AwardError(_("只有系统管理员可以重新打开已定稿的名单"))
    _require(award_list, FROZEN, _l("重新打开"))
    if not reason.strip():
        raise AwardError(_("请写明重新打开的理由"))
    _move(award_list, AwardListState.REOPENED, user, reason=reason.strip())
    db.session.flush()
    _lock(award_list.review, False)


def _lock(review: Review, locked: bool) -> None:
    """Lock the review and every record its facts came from; or unlock them, except what another frozen list
    (approved, in 公示 or final, of this or any other review) still holds."""
    kinds = _fed_by(review)
    if not locked:
        others = db.session.scalars(sa.select(Review).join(AwardList, AwardList.review_id == Review.id).where(
            AwardList.state.in_(FROZEN), AwardList.review_id != review.id).distinct()).all()
        held = [_fed_by(other) for other in others]
        kinds = {table: [i for i in ids if not any(i in set(h.get(table, ())) for h in held)]
                 for table, ids in kinds.items()}
        still_frozen = db.session.scalar(sa.select(sa.func.count()).select_from(AwardList).where(
            AwardList.review_id == review.id, AwardList.state.in_(FROZEN)))
        if still_frozen:  # another category of the same review: everything stays locked
            return
    review.locked = locked
    for ids in _chunks(kinds.get("activity", [])):
        db.session.execute(sa.update(Activity).where(Activity.id.in_(ids)).values(locked=locked))
    for ids in _chunks(kinds.get("attendance", [])):
        meetings = sa.select(Attendance.meeting_id).where(Attendance.id.in_(ids))
        db.session.execute(sa.update(Meeting).where(Meeting.id.in_(meetings)).values(locked=locked))
    for ids in _chunks(kinds.get("indicator", [])):
        results = sa.select(BranchIndicator.result_id).where(BranchIndicator.id.in_(ids))
        db.session.execute(sa.update(BranchResult).where(BranchResult.id.in_(results)).values(locked=locked))


def _fed_by(review: Review) -> dict[str, list[int]]:
    """Table → the row ids the review's facts came from (activity, attendance, indicator)."""
    kinds: dict[str, list[int]] = {}
    for record in json.loads(review.input_records)["records"]:
        table, row_id = origin(record["id"], review.subject_kind)
        kinds.setdefault(table, []).append(row_id)
    return kinds


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _require(award_list: AwardList, state: AwardListState | tuple[AwardListState, ...], step: object) -> None:
    if award_list.state not in (state if isinstance(state, tuple) else (state,)):
        raise AwardError(_("名单当前为“%(state)s”，不能%(step)s", state=_(award_list.state.label), step=step))


def _require_recommender(award_list: AwardList, user: User, step: object) -> None:
    """Refuse a recommending step (`step`) once the list is past recommending, or by a user who may not recommend
    for it (a liaison: only 企业主)."""
    _require(award_list, AwardListState.RECOMMENDING, step)
    if not may_recommend(user, award_list):
        raise AwardError(_("党建工作联络员只能推荐企业主"))


def _move(award_list: AwardList, state: AwardListState, user: User | None, reason: str = "") -> None:
    audit.record(user, "state", "award_list", award_list.id, {"state": (award_list.state, state)}, reason=reason)
    award_list.state = state


def timeline(award_list: AwardList) -> list[Any]:
    """Every audit row of the list and of its candidates, oldest first."""
    from app.models import AuditLog
    candidate_ids = [c.id for c in award_list.candidates]
    return list(db.session.scalars(sa.select(AuditLog).where(sa.or_(
        sa.and_(AuditLog.entity == "award_list", AuditLog.entity_id == award_list.id),
        sa.and_(AuditLog.entity == "candidate", AuditLog.entity_id.in_(candidate_ids or [-1])))
    ).order_by(AuditLog.at, AuditLog.id)))


# --- 通报 -------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """A subject who did not perform in a review, and why, in plain words (未完成“解一难”, 连续两年考评低于 60 分
    （2024 年 52 分，2025 年 55 分）): the labels of the rule file, never its rule text."""

    subject_id: int
    name: str
    unit: str
    score: Decimal
    grade: str
    reasons: tuple[str, ...]


def notices(review: Review) -> list[Notice]:
    """通报: the subjects below the pass line (the rule file's last grade, when it declares thresholds), with a
    gate failed, or a trigger fired (two years running, absences in a 届 …), lowest score first."""
    ruleset = reviews.loaded_rules(review)
    failing = ruleset.grades[-1].name if ruleset and len(ruleset.grades) > 1 and ruleset.grades[-1].min is None \
        else None
    found = []
    for entry in db.session.scalars(sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id)):
        card = json.loads(entry.card)
        reasons = []
        if failing and entry.grade == failing:
            reasons.append(_("考评等次为“%(grade)s”", grade=failing))
        reasons += [reading.gate_reason(g) for g in reading.failed_gates(card)]
        reasons += [_flag_reason(review, entry, f) for f in card.get("flags", [])]
        if reasons:
            found.append(Notice(entry.subject_id, entry.subject_name, entry.unit_name, Decimal(entry.score),
                                entry.grade, tuple(reasons)))
    return sorted(found, key=lambda n: (n.score, n.subject_id))


_YEARS_BELOW = re.compile(r"连续\s*(\d+)\s*年低于")


def _flag_reason(review: Review, entry: ReviewEntry, flag: dict[str, Any]) -> str:
    """A fired trigger in plain words: its label, and for “below N points, years running” each year's score."""
    found = _YEARS_BELOW.search(flag.get("detail", ""))
    if found and review.period[:4].isdigit():
        year, count = int(review.period[:4]), int(found.group(1))
        scores = {y: score for y, score, _grade, _entered in yearly_results(review.subject_kind, entry.subject_id)}
        scores[year] = Decimal(entry.score)
        years = [y for y in range(year - count + 1, year + 1) if y in scores]
        if years:
            return _("%(label)s（%(years)s）", label=flag["label"], years="，".join(
                _("%(year)s 年 %(score)s 分", year=y, score=f"{scores[y].normalize():f}") for y in years))
    return _("%(label)s（%(detail)s）", label=flag["label"], detail=flag["detail"]) if flag.get("detail") \
        else flag["label"]

