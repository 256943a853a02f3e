"""The printed documents of a review: what `reports` is fed from the database, certificate numbers, the print log.

Every document is made from frozen data only (a review's entries and cards, an award list's candidates, the
certificates' own kept text), so a reprint years later prints the same thing. Flush, never commit.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import reports.model as rm
from app import audit
from app.awards import services as awards
from app.extensions import db
from app.models import (Activity, ActivityParticipant, Attendance, AwardList, AwardListState, Candidate, CandidateState, Certificate,
                        CertificateKind, Meeting, Member, PartyMember, PrinterProfile, PrintLog, RecordState,
                        Review, ReviewEntry, ReviewKind, RewardAmount, SubjectKind, Unit, UnitKind, User)
from app.reviews import services as reviews
from app.settings import setting
from app.timeutil import beijing_today, utcnow

ORDERS = {"score": _l("按得分"), "strokes": _l("按姓氏笔画")}
MODES = {"full": _l("整张打印（白纸）"), "overlay": _l("套打（预印证书）")}
NUMERALS = {"chinese": _l("中文数字（二〇二五年十二月）"), "arabic": _l("阿拉伯数字（2025年12月）")}
PAPERS = {"A4": "A4", "A3": "A3"}
ORGANISATIONS = (SubjectKind.UNITS, SubjectKind.BRANCHES)
CAMPAIGNS = {SubjectKind.MEMBERS: "四个一", SubjectKind.UNITS: "四个一", SubjectKind.BRANCHES: "双比双争",
             SubjectKind.PARTY_MEMBERS: "双比双争"}
ISSUER_KEYS = {"四个一": "documents.issuer_cppcc", "双比双争": "documents.issuer_party"}
HR_KEY = "documents.hr_department"
PUBLIC_URL_KEY = "documents.public_url"
PUBLICITY_CONTACT_KEY = "documents.publicity_contact"
DOCUMENT_SETTINGS = (ISSUER_KEYS["四个一"], ISSUER_KEYS["双比双争"], HR_KEY, PUBLIC_URL_KEY, PUBLICITY_CONTACT_KEY)


class DocumentError(ValueError):
    """A document cannot be made (yet), said in words for the office."""


# --- what a review's documents are about --------------------------------------------------------------------------

def year_of(review: Review) -> int:
    return int(review.period[:4])


def campaign(review: Review) -> str:
    """The activity's short name, from the rule file's title (“四个一”, “双比双争”), else by subject kind."""
    found = re.search(r"[“\"]([^”\"]+)[”\"]", review.rule_set.name)
    return found.group(1) if found else CAMPAIGNS[review.subject_kind]


def _root_name(kind: UnitKind) -> str:
    return db.session.scalar(sa.select(Unit.name).where(Unit.kind == kind, Unit.parent_id.is_(None))
                             .order_by(Unit.id)) or ""


def issuer(review: Review) -> str:
    """Who signs the documents: set on the print settings page, else the name of the top unit."""
    name = campaign(review)
    key = ISSUER_KEYS.get(name, ISSUER_KEYS["四个一"])
    root = UnitKind.CPPCC if review.subject_kind in (SubjectKind.MEMBERS, SubjectKind.UNITS) \
        else UnitKind.PARTY_COMMITTEE
    return setting(key) or _root_name(root)


def hr_department() -> str:
    return setting(HR_KEY) or "县委组织部"


def public_url() -> str:
    """The address the QR codes point to: set on the print settings page (what the public can reach), else the
    `PUBLIC_BASE_URL` setting of the deployment, else the address this request came to."""
    base = setting(PUBLIC_URL_KEY) or current_app.config.get("PUBLIC_BASE_URL", "")
    if not base and has_request_context():
        base = request.host_url
    return (base or "http://127.0.0.1:5000/").rstrip("/")


def verify_url(number: str) -> str:
    return f"{public_url()}/verify/{number}"


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


def reward_amounts(year: int) -> dict[str, Decimal]:
    return {r.category: r.amount for r in db.session.scalars(sa.select(RewardAmount)
                                                              .where(RewardAmount.year == year))}


def _people(review: Review) -> list[tuple[AwardList, rm.Award, dict[int, Candidate]]]:
    """Each award list with its Award (names in score order) and which candidate each printed name is."""
    lists = award_lists(review)
    if not lists:
        raise DocumentError(_("这次考评还没有开始表彰评选，没有表彰名单。"))
    entries = _entries(review)
    picked = {a.id: honoured(a) for a in lists}
    subjects = _subjects(review, {c.subject_id for cs in picked.values() for c in cs})
    numbers = {c.candidate_id: c.number for c in _certificates([c.id for cs in picked.values() for c in cs],
                                                                CertificateKind.CERTIFICATE)}
    amounts = reward_amounts(year_of(review))
    out = []
    for award_list in lists:
        people, whose = [], {}
        for c in sorted(picked[award_list.id], key=lambda c: (entries[c.subject_id].rank, c.subject_id)):
            entry, about = entries[c.subject_id], subjects.get(c.subject_id, Subject())
            person = rm.Honoree(name=c.subject_name, unit=c.unit.name, affiliation=about.affiliation,
                                score=entry.score, rank=entry.rank, employer=about.employer, deeds=c.deeds,
                                organisation=review.subject_kind in ORGANISATIONS, number=numbers.get(c.id, ""))
            people.append(person)
            whose[id(person)] = c
        out.append((award_list, rm.Award(_award_label(review, award_list.category), tuple(people),
                                         amounts.get(award_list.category)), whose))
    return out


def decision(review: Review) -> rm.Decision:
    """The 表彰决定 of a review: every award list, its names with unit, 界别 or 党派, score and number."""
    found = _people(review)
    lists = [a for a, _award, _whose in found]
    approved = next((a for a in lists if a.decided_on), lists[0])
    year, name = year_of(review), campaign(review)
    labels = "和".join(dict.fromkeys(award.category.replace(f"“{name}”活动", "") for _a, award, _w in found))
    return rm.Decision(
        title=f"关于表彰{year}年度“{name}”活动{labels}的决定", issuer=issuer(review), year=year,
        approval=rm.Approval(approved.approving_body, approved.meeting_name, approved.decided_on,
                             approved.document_number),
        awards=tuple(award for _a, award, _w in found), review_hash=review.content_hash,
        draft=not is_final(review), hr_department=hr_department(), issued_on=approved.decided_on)


# --- certificates ------------------------------------------------------------------------------------------------

CERTIFICATE_DOCS = {"certificates": CertificateKind.CERTIFICATE, "merit": CertificateKind.MERIT}


def _citation(review: Review, label: str, organisation: bool) -> str:
    year, name = year_of(review), campaign(review)
    if organisation:
        return f"在{year}年度“{name}”活动中成绩突出，被评为{label}。"
    return f"在{year}年度“{name}”活动中积极履职、表现突出，被评为{label}。"


def certificate_texts(review: Review, kind: CertificateKind, order: str, user: User | None,
                      only: set[str] | None = None, issue: bool = True
                      ) -> tuple[list[rm.Certificate], list[str], list[str]]:
    """The certificates of a review in print order, and the numbers first given now and reprinted.

    A final list gives each honoree a number the first time it is printed (2025-四个一-0001, counted per year,
    activity and kind); a reprint keeps it. Before the list is final the pages have no number. `only` limits a
    reprint to some numbers; `issue=False` (a preview) gives no number and writes nothing.
    """
    final = is_final(review) and issue
    year, name = year_of(review), campaign(review)
    if final:
        _one_print_run_at_a_time(year, name, kind)
    signer = issuer(review)
    people = _people(review)
    given = {c.candidate_id: c for c in _certificates([c.id for _a, _award, whose in people
                                                       for c in whose.values()], kind)}
    numbering = _Numbering(year, name, kind)
    texts, new, again = [], [], []
    for award_list, award, whose in people:
        for person in _ordered(award.honorees, order):
            candidate = whose[id(person)]
            honour = f"{year}年度{award.category}"
            cert = given.get(candidate.id)
            if not final:
                texts.append(_text(review, person, award.category, cert.number if cert else "（样稿）", honour,
                                   signer, award_list.decided_on or beijing_today(), None))
                continue
            if only is not None and (cert is None or cert.number not in only):
                continue
            if cert is not None:
                again.append(cert.number)
            elif (cert := _carried(candidate, kind, year, name, honour)) is not None:
                _carry(cert, candidate, user)  # the number given before the list was reopened: a reprint
                again.append(cert.number)
            else:
                cert = numbering.issue(candidate, honour, signer, user)
                new.append(cert.number)
            texts.append(_text(review, person, award.category, cert.number, cert.honour, signer, cert.issued_on,
                               verify_url(cert.number)))
    return texts, new, again


def _text(review: Review, person: rm.Honoree, category: str, number: str, honour: str, signer: str,
          issued_on: dt.date, checked_at: str | None) -> rm.Certificate:
    """One page's text; a preview's QR code leads to the check page itself (`checked_at` None)."""
    return rm.Certificate(number=number, name=person.name, honour=honour,
                          citation=_citation(review, category, person.organisation), issuer=signer,
                          issued_on=issued_on, verify_url=checked_at or public_url() + "/verify",
                          deeds=person.deeds, organisation=person.organisation)


def _certificates(candidate_ids: list[int], kind: CertificateKind) -> list[Certificate]:
    if not candidate_ids:
        return []
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.candidate_id.in_(candidate_ids),
                                                                Certificate.kind == kind)))


def _ordered(people: tuple[rm.Honoree, ...], order: str) -> list[rm.Honoree]:
    from reports.awards import ordered
    return ordered(people, order)


def _one_print_run_at_a_time(year: int, name: str, kind: CertificateKind) -> None:
    """Two print runs at once must not both number the same honoree or take the same next number: on PostgreSQL
    the second waits here, before it reads which certificates exist, until the first's transaction ends. (SQLite
    has one writer at a time anyway.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": zlib.crc32(f"certificate {year} {name} {kind.name}".encode())})


class _Numbering:
    """The next numbers of one year, activity and kind (2025-四个一-0001, 2025-四个一-奖状-0001): the highest
    given so far is read once, at the first new certificate of a print run."""

    def __init__(self, year: int, name: str, kind: CertificateKind) -> None:
        self.year, self.name, self.kind = year, name, kind
        self.last: int | None = None

    def issue(self, candidate: Candidate, honour: str, signer: str, user: User | None) -> Certificate:
        if self.last is None:
            self.last = db.session.scalar(sa.select(sa.func.max(Certificate.sequence)).where(
                Certificate.year == self.year, Certificate.campaign == self.name,
                Certificate.kind == self.kind)) or 0
        self.last += 1
        prefix = f"{self.year}-{self.name}-" + ("" if self.kind == CertificateKind.CERTIFICATE else "奖状-")
        cert = Certificate(number=f"{prefix}{self.last:04d}", kind=self.kind, candidate_id=candidate.id,
                           sequence=self.last, year=self.year, campaign=self.name,
                           subject_name=candidate.subject_name, honour=honour, issuer=signer,
                           issued_on=candidate.award_list.decided_on or beijing_today(),
                           created_by_id=user.id if user else None)
        db.session.add(cert)
        db.session.flush()
        audit.record(user, "create", "certificate", cert.id, {"number": (None, cert.number)})
        return cert


def _carried(candidate: Candidate, kind: CertificateKind, year: int, name: str, honour: str) -> Certificate | None:
    """The certificate already given to the same subject for the same honour on a list an admin has since
    reopened (and the office decided again, perhaps on a new version of the review): it keeps its number, so
    one honour never has two numbers and the paper already handed out stays good."""
    return db.session.scalar(
        sa.select(Certificate).join(Candidate, Candidate.id == Certificate.candidate_id)
        .join(AwardList, AwardList.id == Candidate.award_list_id).join(Review, Review.id == AwardList.review_id)
        .where(Certificate.kind == kind, Certificate.year == year, Certificate.campaign == name,
               Certificate.honour == honour, Certificate.revoked_at.is_(None),
               Candidate.subject_id == candidate.subject_id, Candidate.id != candidate.id,
               Review.subject_kind == candidate.award_list.review.subject_kind,
               AwardList.state == AwardListState.REOPENED)
        .order_by(Certificate.sequence).limit(1))


def _carry(cert: Certificate, candidate: Candidate, user: User | None) -> None:
    """Move a certificate to the candidate of the list decided again; number and kept text stay."""
    before = cert.candidate_id
    cert.candidate_id = candidate.id
    db.session.flush()
    db.session.expire(cert, ["candidate"])
    audit.record(user, "update", "certificate", cert.id, {"candidate_id": (before, candidate.id)})


def is_valid(cert: Certificate) -> bool:
    """What the public check calls genuine: not revoked, and its holder still honoured on a final list (a list
    an admin reopened, or a name dropped when it was decided again, no longer vouches for it)."""
    return (cert.revoked_at is None and cert.candidate.state == CandidateState.APPROVED
            and cert.candidate.award_list.state == AwardListState.FINAL)


def revoke(cert: Certificate, reason: str, user: User) -> None:
    """A revoked certificate says so on the public check page; the reason is kept."""
    if cert.revoked_at is not None:
        raise DocumentError(_("该证书已经撤销"))
    if not reason.strip():
        raise DocumentError(_("请写明撤销理由"))
    cert.revoked_at, cert.revoked_reason = utcnow(), reason.strip()
    audit.record(user, "revoke", "certificate", cert.id, {"revoked": (False, True)}, reason=reason.strip())


def certificates_of(review: Review) -> list[Certificate]:
    ids = [c.id for a in award_lists(review) for c in a.candidates]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.candidate_id.in_(ids))
                                   .options(selectinload(Certificate.candidate).selectinload(Candidate.award_list))
                                   .order_by(Certificate.kind, Certificate.sequence)))


def log_print(user: User | None, review: Review | None, document: str, detail: str = "",
              new: list[str] | None = None, again: list[str] | None = None) -> None:
    """One print-log row for a print; a batch with first prints and reprints gets one row of each."""
    rid = review.id if review else None
    if new:
        db.session.add(PrintLog(user_id=user.id if user else None, review_id=rid, document=document,
                                detail=detail, numbers=" ".join(new), reprint=False))
    if again:
        db.session.add(PrintLog(user_id=user.id if user else None, review_id=rid, document=document,
                                detail=detail, numbers=" ".join(again), reprint=True))
    if not new and not again:
        db.session.add(PrintLog(user_id=user.id if user else None, review_id=rid, document=document,
                                detail=detail))
    db.session.flush()


def print_log(review: Review, limit: int = 200) -> list[PrintLog]:
    return list(db.session.scalars(sa.select(PrintLog).where(PrintLog.review_id == review.id)
                                   .order_by(PrintLog.at.desc(), PrintLog.id.desc()).limit(limit)))


def placement(printer_id: int | None) -> rm.Placement:
    profile = db.session.get(PrinterProfile, printer_id) if printer_id else None
    if profile is None:
        return rm.Placement()
    return rm.Placement(profile.dx_mm, profile.dy_mm, profile.scale, profile.name)


def printers() -> list[PrinterProfile]:
    return list(db.session.scalars(sa.select(PrinterProfile).order_by(PrinterProfile.name)))


def save_printer(profile: PrinterProfile, data: dict[str, Any], user: User) -> None:
    changes = {k: (getattr(profile, k, None), data[k]) for k in ("name", "dx_mm", "dy_mm", "scale", "note")
               if getattr(profile, k, None) != data[k]}
    for key, value in data.items():
        setattr(profile, key, value)
    if profile.id is None:
        db.session.add(profile)
    db.session.flush()
    audit.record(user, "update", "printer_profile", profile.id, changes)


def save_rewards(year: int, amounts: dict[str, Decimal | None], user: User) -> None:
    """Set (or clear, with None) each category's reward for the year."""
    kept = {r.category: r for r in db.session.scalars(sa.select(RewardAmount).where(RewardAmount.year == year))}
    for category, amount in amounts.items():
        row = kept.get(category)
        before = row.amount if row else None
        if amount is None and row is not None:
            db.session.delete(row)
        elif amount is not None and row is None:
            db.session.add(RewardAmount(year=year, category=category, amount=amount))
        elif amount is not None and row is not None:
            row.amount = amount
        if before != amount:
            audit.record(user, "update", "reward_amount", None, {f"{year} {category}": (before, amount)})
    db.session.flush()


def parse_amount(text: str) -> Decimal | None:
    """A reward in 元 as typed ("1000", "1,000.50", ""): None when empty; ValueError when not an amount."""
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("请填写金额，例如 1000 或 1000.50")) from None
    if not value.is_finite():  # "NaN", "Infinity": Decimal reads them, but they are no amount
        raise ValueError(_("请填写金额，例如 1000 或 1000.50"))
    if value < 0 or value != value.quantize(Decimal("0.01")) or value >= Decimal("100000000"):
        raise ValueError(_("金额应为不超过两位小数的正数"))
    return value.quantize(Decimal("0.01"))


# --- rankings, 通报, 公示, 履职档案 -------------------------------------------------------------------------------

def review_label(review: Review) -> str:
    kind = _("全年总结") if review.kind == ReviewKind.ANNUAL else _("半年小结")
    return _("%(year)s年度%(kind)s 第%(version)s版", year=year_of(review), kind=kind, version=review.version)


def ranking_tables(review: Review, ranking: str | None = None, group: str | None = None,
                   visible: set[int] | None = None) -> list[rm.RankingTable]:
    """The ranking tables of a review: one per (ranking, group) asked for, rows in place order."""
    table = reviews.rows(review)
    if visible is not None:
        table = [r for r in table if r.subject_id in visible]
    out = []
    for declared in reviews.rankings_of(review, table):
        if ranking and declared.name != ranking:
            continue
        for name in declared.groups or ("",):
            if group and name != group:
                continue
            rows = [r for r in table if r.place(declared.name) and (not name or r.place(declared.name)[0] == name)]
            rows.sort(key=lambda r: (r.place(declared.name)[1], r.subject_id))
            shown = name if name and name != "全部" else ""
            subtitle = f"{review_label(review)} · {declared.name}" + (f"：{shown}" if shown else "")
            out.append(rm.RankingTable(
                title=f"{review.rule_set.name}排名表".replace("细则排名表", "排名表"), subtitle=subtitle,
                rows=tuple(rm.RankingRow(r.place(declared.name)[1], r.name, r.unit, f"{r.score}", r.grade,
                                         shown, r.eligible, r.flags) for r in rows),
                review_hash=review.content_hash, draft=False))
    if not out:
        raise DocumentError(_("没有这个排名或分组"))
    return out


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
    contact = tuple(line for line in setting(PUBLICITY_CONTACT_KEY).splitlines() if line.strip())
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


def _ranked(review: Review) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReviewEntry)
                             .where(ReviewEntry.review_id == review.id)) or 0


def dossier(member: Member, year: int, review: Review | None = None, size: int | None = None) -> rm.Dossier:
    """A member's 履职档案 of a year: the records (their states as of now), the meetings, and the score as the
    review froze it, with every rule item and cap. `size`: how many the review ranks, when the caller knows."""
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
        size = _ranked(review)
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
        draft=False)


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


# --- one entry point for the pages and the command line ----------------------------------------------------------

DOCUMENTS: dict[str, Any] = {
    "awards": _l("表彰名单"), "certificates": _l("荣誉证书"), "merit": _l("奖状"), "plaques": _l("奖牌刻字清单"),
    "rewards": _l("奖励发放表"), "letters": _l("抄送函"), "ranking": _l("排名表"), "dossier": _l("履职档案"),
    "notice": _l("通报名单"), "publicity": _l("公示通知"),
}
FROM_DECISION = {"awards": "表彰名单", "plaques": "奖牌刻字清单", "rewards": "奖励发放表", "letters": "抄送函"}
SPREADSHEETS = {"awards": _l("表彰名单"), "ranking": _l("排名表"), "rewards": _l("奖励发放表")}


@dataclass(frozen=True)
class Options:
    """How a document is asked for, from a page or the command line."""

    order: str = "strokes"
    mode: str = "full"
    numerals: str = "chinese"
    paper: str = "A4"
    printer_id: int | None = None
    ranking: str | None = None
    group: str | None = None
    subject_id: int | None = None
    only: frozenset[str] | None = None  # reprint these certificate numbers only


@dataclass(frozen=True)
class Made:
    data: bytes
    filename: str
    draft: bool
    pages: int = 0


def make(name: str, review: Review, options: Options, user: User | None,
         progress: Callable[[int, int], None] | None = None, visible: set[int] | None = None,
         print_run: bool = False) -> Made:
    """Make one document of a review as PDF bytes. Certificates and 奖状 of a final list are numbered and logged
    when `print_run`; otherwise they are a 样稿 preview that writes nothing.

    :raises DocumentError: the document does not exist for this review (yet), said in words for the office.
    """
    from reports import (awards as ra, certificates as rc, dossier as rd, letters as rl, notice as rn,
                         plaques as rp, publicity as rpub, ranking as rr, rewards as rw)
    year = year_of(review)
    stem = f"{year}-{campaign(review)}"
    if name in CERTIFICATE_DOCS:
        final = is_final(review) and print_run
        texts, new, again = certificate_texts(review, CERTIFICATE_DOCS[name], options.order, user,
                                              set(options.only) if options.only is not None else None, final)
        if not texts:
            raise DocumentError(_("没有可打印的证书"))
        where = placement(options.printer_id)
        common = dict(mode=options.mode, numerals=options.numerals, placement=where, draft=not final,
                      progress=progress)
        data = rc.certificates(texts, **common) if name == "certificates" \
            else rc.merit(texts, paper=options.paper, **common)
        if final:
            detail = " · ".join(filter(None, (str(MODES[options.mode]), where.name, str(ORDERS[options.order]))))
            log_print(user, review, name, detail, new, again)
        return Made(data, f"{stem}-{DOCUMENTS[name]}.pdf", not final, len(texts))
    if name in FROM_DECISION:
        found = decision(review)
        render = {"awards": lambda: ra.award_list(found, options.order), "plaques": lambda: rp.plaque_list(found),
                  "rewards": lambda: rw.reward_sheet(found), "letters": lambda: rl.letters(found)}[name]
        return Made(render(), f"{stem}-{FROM_DECISION[name]}.pdf", found.draft)
    if name == "publicity":
        found_p = publicity(review)
        return Made(rpub.publicity_notice(found_p, options.order), f"{stem}-公示通知.pdf", found_p.draft)
    if name == "notice":
        return Made(rn.notice_list(notice_list(review)), f"{stem}-通报名单.pdf", False)
    if name == "ranking":
        tables = ranking_tables(review, options.ranking, options.group, visible)
        return Made(rr.ranking_tables(tables), f"{stem}-排名表.pdf", False)
    if name == "dossier":
        if review.subject_kind != SubjectKind.MEMBERS:
            raise DocumentError(_("履职档案只有政协委员考评才有"))
        ids = [options.subject_id] if options.subject_id else list(db.session.scalars(
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
        size = _ranked(review)
        items = [dossier(members[member_id], year, review, size) for member_id in ids]
        one = items[0].name if len(items) == 1 else _("全体委员")
        return Made(rd.dossiers(items, progress), f"{stem}-{one}-履职档案.pdf", False, len(items))
    raise DocumentError(_("没有这种文件：%(name)s", name=name))


def spreadsheet(name: str, review: Review, options: Options, visible: set[int] | None = None) -> Made:
    """The .xlsx version of the award list, the ranking tables or the 奖励发放表."""
    from reports import awards as ra, ranking as rr, rewards as rw
    stem = f"{year_of(review)}-{campaign(review)}"
    if name in ("awards", "rewards"):
        found = decision(review)
        data = ra.award_workbook(found, options.order) if name == "awards" else rw.reward_workbook(found)
        return Made(data, f"{stem}-{FROM_DECISION[name]}.xlsx", found.draft)
    if name == "ranking":
        tables = ranking_tables(review, options.ranking, options.group, visible)
        return Made(rr.ranking_workbook(tables), f"{stem}-排名表.xlsx", False)
    raise DocumentError(_("没有这种表格：%(name)s", name=name))
