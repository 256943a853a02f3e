"""What the printed documents say: the values of reports.model made from a review's frozen data (its entries and
cards, its award lists' candidates, the certificates' numbers) — the 表彰决定 and the lists made from it, the ranking
tables, the 通报 list, the 公示 notice, a member's 履职档案. Reads the database; writes nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

import reports.model as rm
from app.awards import services as awards
from app.documents.errors import DocumentError
from app.documents.print_settings import hr_department, issuer, public_url, publicity_contact, reward_amounts
from app.extensions import db
from app.followup import services as followup
from app.models import (Activity, ActivityParticipant, Attendance, AwardList, AwardListState, Candidate,
                        CandidateState, Certificate, CertificateKind, Meeting, Member, PartyMember, RecordState,
                        Review, ReviewEntry, ReviewKind, SubjectKind, Unit)
from app.reviews import reading
from app.reviews import services as reviews
from app.reviews.reading import review_label

ORGANISATIONS = (SubjectKind.UNITS, SubjectKind.BRANCHES)
CAMPAIGNS = {SubjectKind.MEMBERS: "四个一", SubjectKind.UNITS: "四个一", SubjectKind.BRANCHES: "双比双争",
             SubjectKind.PARTY_MEMBERS: "双比双争"}


# --- what a review's documents are about --------------------------------------------------------------------------

def year_of(review: Review) -> int:
    return int(review.period[:4])


def campaign(review: Review) -> str:
    """The activity's short name, from the rule file's title (“四个一”, “双比双争”), else by subject kind."""
    found = re.search(r"[“\"]([^”\"]+)[”\"]", review.rule_set.name)
    return found.group(1) if found else CAMPAIGNS[review.subject_kind]


def award_lists(review: Review) -> list[AwardList]:
    return list(db.session.scalars(sa.select(AwardList).where(AwardList.review_id == review.id)
                                   .order_by(AwardList.id)))


def is_final(review: Review) -> bool:
    """Certificates and the final documents: only when every award list of the review is 定稿."""
    lists = award_lists(review)
    return bool(lists) and all(a.state == AwardListState.FINAL for a in lists)


def honoured(award_list: AwardList) -> list[Candidate]:
    """Who the list honours: once approved, the approved names (an upheld objection removes one); before, the
    names still in the running (a draft shows what the list would be)."""
    if award_list.state in (AwardListState.RECOMMENDING, AwardListState.REVIEWING, AwardListState.REOPENED):
        wanted: tuple[CandidateState, ...] = (CandidateState.RECOMMENDED, CandidateState.APPROVED)
    else:
        wanted = (CandidateState.APPROVED,)
    return [c for c in award_list.candidates if c.state in wanted]


@dataclass(frozen=True)
class Subject:
    """What a list prints about a subject beside its name."""

    affiliation: str = ""
    employer: str = ""


def _subjects(review: Review, ids: set[int]) -> dict[int, Subject]:
    if not ids:
        return {}
    if review.subject_kind == SubjectKind.MEMBERS:
        found = db.session.execute(sa.select(Member.id, Unit.name, Member.party, Member.employer)
                                   .join(Unit, Unit.id == Member.sector_id).where(Member.id.in_(ids)))
        return {i: Subject(sector, employer) for i, sector, _party, employer in found}
    if review.subject_kind == SubjectKind.PARTY_MEMBERS:
        rows = db.session.scalars(sa.select(PartyMember).where(PartyMember.id.in_(ids)))
        return {p.id: Subject(p.branch.name, p.enterprise.name if p.enterprise else "") for p in rows}
    return {}


def _entries(review: Review) -> dict[int, ReviewEntry]:
    return {e.subject_id: e for e in db.session.scalars(sa.select(ReviewEntry)
                                                        .where(ReviewEntry.review_id == review.id))}


def _award_label(review: Review, category: str) -> str:
    rules = reviews.loaded_rules(review)
    for award in rules.awards if rules else ():
        if award.name == category:
            return award.label or category
    return category


def given_certificates(candidate_ids: list[int], kind: CertificateKind) -> list[Certificate]:
    """The certificates of `kind` given so far to these candidates."""
    if not candidate_ids:
        return []
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.candidate_id.in_(candidate_ids),
                                                                Certificate.kind == kind)))


def honorees(review: Review) -> list[tuple[AwardList, rm.Award, dict[int, Candidate]]]:
    """Each award list with its Award (names in score order) and which candidate each printed name is."""
    lists = award_lists(review)
    if not lists:
        raise DocumentError(_("这次考评还没有开始表彰评选，没有表彰名单。"))
    entries = _entries(review)
    picked = {a.id: honoured(a) for a in lists}
    owners = {a.id: awards.nominated(a) for a in lists}  # a 企业主 stands on the result of their enterprise's branch
    entry_of = {c.id: entries[awards.reviewed_subject(c)] for cs in picked.values() for c in cs}
    subjects = _subjects(review, {c.subject_id for a in lists if not owners[a.id] for c in picked[a.id]})
    numbers = {c.candidate_id: c.number for c in given_certificates([c.id for cs in picked.values() for c in cs],
                                                                     CertificateKind.CERTIFICATE)}
    amounts = reward_amounts(year_of(review))
    units = sorted({c.unit for cs in picked.values() for c in cs}, key=lambda u: (u.sort_order, u.id))
    unit_order = {unit.id: index for index, unit in enumerate(units)}  # the order the office set for its units
    out = []
    for award_list in lists:
        people, whose = [], {}
        owner = owners[award_list.id]
        for c in sorted(picked[award_list.id], key=lambda c: (entry_of[c.id].rank, c.subject_id)):
            entry = entry_of[c.id]
            about = Subject(c.subject_title) if owner else subjects.get(c.subject_id, Subject())
            person = rm.Honoree(name=c.subject_name, unit=c.unit.name, affiliation=about.affiliation,
                                score=entry.score, rank=entry.rank, employer=about.employer, deeds=c.deeds,
                                organisation=review.subject_kind in ORGANISATIONS and not owner,
                                number=numbers.get(c.id, ""), unit_order=unit_order[c.unit.id], owner=owner)
            people.append(person)
            whose[id(person)] = c
        out.append((award_list, rm.Award(_award_label(review, award_list.category), tuple(people),
                                         amounts.get(award_list.category)), whose))
    return out


def decision(review: Review) -> rm.Decision:
    """The 表彰决定 of a review: every award list, its names with unit, 界别 or 党派, score and number."""
    found = honorees(review)
    lists = [a for a, _award, _whose in found]
    approved = next((a for a in lists if a.decided_on), lists[0])
    year, name = year_of(review), campaign(review)
    labels = "和".join(dict.fromkeys(award.category.replace(f"“{name}”活动", "") for _a, award, _w in found))
    return rm.Decision(
        title=f"关于表彰{year}年度“{name}”活动{labels}的决定", issuer=issuer(name, review.subject_kind), year=year,
        approval=rm.Approval(approved.approving_body, approved.meeting_name, approved.decided_on,
                             approved.document_number),
        awards=tuple(award for _a, award, _w in found), review_hash=review.content_hash,
        draft=not is_final(review), hr_department=hr_department(), issued_on=approved.decided_on)


# --- rankings, 通报, 公示, 履职档案 -------------------------------------------------------------------------------

def ranking_tables(review: Review, ranking: str | None = None, group: str | None = None,
                   visible: set[int] | None = None) -> list[rm.RankingTable]:
    """The ranking tables of a review: one per (ranking, group) asked for, rows in place order."""
    table = reviews.rows(review)
    if visible is not None:
        table = [r for r in table if r.subject_id in visible]
    verdicts = reading.verdicts(review)
    vetoed = {s for s, v in verdicts.items() if v.vetoed}
    tie_rule = reading.tie_rule(reviews.loaded_rules(review))
    name_header, unit_header, _counter = reading.words(review.subject_kind)
    out = []
    for declared in reviews.rankings_of(review, table):
        if ranking and declared.name != ranking:
            continue
        broken = reading.tie_broken((r.subject_id, r.places[declared.name][0], r.score, r.places[declared.name][1])
                                    for r in table if declared.name in r.places) if tie_rule else set()
        for name in declared.groups or ("",):
            if group and name != group:
                continue
            rows = [r for r in table if r.place(declared.name) and (not name or r.place(declared.name)[0] == name)]
            rows.sort(key=lambda r: (r.subject_id in vetoed, r.place(declared.name)[1], r.subject_id))
            shown = name if name and name != "全部" else ""
            subtitle = f"{review_label(review)} · {declared.name}" + (f"：{shown}" if shown else "")
            out.append(rm.RankingTable(
                title=f"{review.rule_set.name}排名表".replace("细则排名表", "排名表"), subtitle=subtitle,
                rows=tuple(rm.RankingRow(r.place(declared.name)[1], r.name, r.unit, f"{r.score}", r.grade,
                                         shown, r.eligible, r.flags, r.subject_id in vetoed,
                                         _note(verdicts.get(r.subject_id), tie_rule if r.subject_id in broken
                                               and r.subject_id not in vetoed else ""))
                           for r in rows),
                review_hash=review.content_hash, draft=False, name_header=name_header, unit_header=unit_header))
    if not out:
        raise DocumentError(_("没有这个排名或分组"))
    return out


def _note(verdict: reading.Verdict | None, tie: str) -> str:
    """A ranking row's 备注: why it may not stand for an award, and how its equal score was ordered."""
    return "；".join(filter(None, [*(verdict.reasons if verdict else ()), tie]))


def notice_list(review: Review) -> rm.NoticeList:
    rows = awards.notices(review)
    return rm.NoticeList(
        title=_("%(year)s年度“%(name)s”活动通报名单", year=year_of(review), name=campaign(review)),
        subtitle=f"{review.rule_set.name} · {review_label(review)}",
        rows=tuple(rm.NoticeRow(n.name, n.unit, f"{n.score}", n.grade, n.reasons) for n in rows),
        review_hash=review.content_hash, draft=False)


def publicity(review: Review) -> rm.Publicity:
    """The 公示 notice of the review's award lists (those with a 公示 period)."""
    lists = [a for a in award_lists(review) if a.publicity_starts_on]
    if not lists:
        raise DocumentError(_("名单还没有公示，没有公示通知。"))
    found = decision(review)
    by_id = dict(zip([a.id for a in award_lists(review)], found.awards, strict=True))
    starts = min(a.publicity_starts_on for a in lists if a.publicity_starts_on)
    ends = max(awards.publicity_ends_on(a) or starts for a in lists)
    labels = "、".join(by_id[a.id].category for a in lists)
    body = lists[0].approving_body or _("常委会议")
    contact = publicity_contact()
    return rm.Publicity(
        title=f"关于{found.year}年度{labels}拟表彰对象的公示",
        issuer=found.issuer,
        intro=(f"根据{found.year}年度“{campaign(review)}”活动考评结果，经各单位推荐、领导小组从严考核、"
               f"{body}审议，拟对以下同志（单位）予以表彰。现予公示，接受监督。"),
        awards=tuple(by_id[a.id] for a in lists), starts_on=starts, ends_on=ends,
        contact=contact + (_("网上查看与反映：%(url)s", url=public_url() + "/public/publicity"),),
        review_hash=review.content_hash,
        draft=not all(a.state in (AwardListState.PUBLISHED, AwardListState.FINAL) for a in lists))


def member_review(member_id: int, year: int) -> Review | None:
    """The review a member's 履职档案 shows: the newest annual of the year, else the newest half-year."""
    return db.session.scalar(
        sa.select(Review).join(ReviewEntry, ReviewEntry.review_id == Review.id)
        .where(Review.subject_kind == SubjectKind.MEMBERS, Review.period.like(f"{year}%"),
               ReviewEntry.subject_id == member_id)
        .order_by((Review.kind == ReviewKind.ANNUAL).desc(), Review.version.desc(), Review.id.desc()).limit(1))


def ranked_count(review: Review) -> int:
    """How many subjects the review ranks."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReviewEntry)
                             .where(ReviewEntry.review_id == review.id)) or 0


def dossier(member: Member, year: int, review: Review | None = None, size: int | None = None,
            internal: bool = False) -> rm.Dossier:
    """A member's 履职档案 of a year: the records (their states as of now), the meetings, and the score as the
    review froze it, with every rule item and cap. `size`: how many the review ranks, when the caller knows.
    `internal`: with the year's 通报 and what was done about them (the office's and the clerk's copy, never the
    member's own)."""
    review = review or member_review(member.id, year)
    cosigned = sa.select(ActivityParticipant.activity_id).where(ActivityParticipant.member_id == member.id)
    records = db.session.scalars(sa.select(Activity).where(
        sa.or_(Activity.member_id == member.id, Activity.id.in_(cosigned)), Activity.state != RecordState.DRAFT,
        Activity.occurred_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .order_by(Activity.occurred_on, Activity.id)).all()
    meetings = db.session.execute(sa.select(Meeting.held_on, Meeting.title, Attendance.status)
                                  .join(Attendance, Attendance.meeting_id == Meeting.id)
                                  .where(Attendance.member_id == member.id, Meeting.state == RecordState.VERIFIED,
                                         sa.extract("year", Meeting.held_on) == year)
                                  .order_by(Meeting.held_on, Meeting.id))
    facts = (("委员编号", member.code), ("界别", member.sector.name), ("党派", member.party or "—"),
             ("专委会", member.committee.name if member.committee else "—"),
             ("乡镇联络处", member.liaison.name if member.liaison else "—"), ("届", member.term.name),
             ("工作单位", f"{member.employer} {member.position}".strip() or "—"),
             ("身份", "常委" if member.is_standing else "委员"))
    found: dict[str, Any] = {}
    entry = None
    if review is not None:
        entry = db.session.scalar(sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id,
                                                               ReviewEntry.subject_id == member.id))
        found = json.loads(entry.card) if entry else {}
    if entry and review and size is None:
        size = ranked_count(review)
    return rm.Dossier(
        name=member.name, year=year, facts=facts,
        records=tuple(rm.DossierRecord(a.occurred_on, _(a.category.label), a.title,
                                       "".join(filter(None, (a.kind, a.outcome and f"·{a.outcome}",
                                                             a.level and f"（{a.level}）"))),
                                       _(a.state.label)) for a in records),
        attendance=tuple(rm.AttendanceRow(day, title, _(status.label)) for day, title, status in meetings),
        score=entry.score if entry else "", grade=entry.grade if entry else "",
        rank=_("第 %(rank)s 名，共 %(size)s 名", rank=entry.rank, size=size) if entry else "",
        explanation=_explanation(found), gates=tuple((g["label"], bool(g["met"])) for g in found.get("gates", [])),
        review_hash=review.content_hash if review and entry else "",
        review_label=f"{review.rule_set.name} · {review_label(review)}" if review and entry else "",
        draft=False, cases=cases(member.id, year) if internal else None)


def cases(member_id: int, year: int) -> tuple[rm.Case, ...]:
    """A member's 通报 of the year's reviews and their steps, for the 履职档案."""
    out = []
    for case in followup.member_cases(member_id, year):
        lines = (followup.step_line(step) for step in case.steps)
        out.append(rm.Case(review_label(case.review), case.noticed_on, tuple(followup.reasons(case)),
                           _(case.state.label), tuple(rm.CaseStep(li.on, li.what, li.detail) for li in lines)))
    return tuple(out)


def dossiers(review: Review, subject_id: int | None = None, visible: set[int] | None = None) -> list[rm.Dossier]:
    """The 履职档案 of a members' review: of one member, or of every member it ranks (in rank order); `visible`
    limits them to the members the user may see."""
    if review.subject_kind != SubjectKind.MEMBERS:
        raise DocumentError(_("履职档案只有政协委员考评才有"))
    ids = [subject_id] if subject_id else list(db.session.scalars(
        sa.select(ReviewEntry.subject_id).where(ReviewEntry.review_id == review.id).order_by(ReviewEntry.rank)))
    if visible is not None:
        ids = [i for i in ids if i in visible]
    if not ids:
        raise DocumentError(_("没有可以生成履职档案的委员"))
    members = {m.id: m for m in db.session.scalars(
        sa.select(Member).where(Member.id.in_(ids)).options(
            selectinload(Member.sector), selectinload(Member.committee), selectinload(Member.liaison),
            selectinload(Member.term)))}
    if len(members) < len(ids):
        raise DocumentError(_("没有这位委员"))
    size = ranked_count(review)
    return [dossier(members[member_id], year_of(review), review, size, internal=True) for member_id in ids]


def _explanation(card: dict[str, Any]) -> tuple[rm.ExplanationLine, ...]:
    out = []
    for section in card.get("sections", []):
        out.append(rm.ExplanationLine(0, section["label"], section["raw"], section["points"],
                                      _("基础分 %(base)s", base=section["base"]) if section["base"] != "0" else ""))
        for line in card.get("lines", []):
            if line["section"] != section["section"] or line["period"] != section["period"]:
                continue
            out.append(rm.ExplanationLine(1, line["label"], line["raw"], line["points"],
                                          _("%(n)s 条记录", n=len(line["records"]))))
    if card:
        out.append(rm.ExplanationLine(0, _("总分"), str(card.get("before_limits", "")), str(card.get("total", "")),
                                      card.get("grade_note", "")))
    return tuple(out)
