"""Certificates and 奖状: their texts in print order, numbers given on an official print of a final list (kept when a
list is decided again), their check codes, what the public check vouches for, revoking, and the print log. Flush,
never commit.
"""
from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

import reports.model as rm
from app import audit, races
from app.documents.content import award_lists, campaign, given_certificates, honorees, is_final, year_of
from app.documents.errors import DocumentError
from app.documents.print_settings import issuer, public_url, verify_url
from app.extensions import db
from app.models import (AwardList, AwardListState, Candidate, CandidateState, Certificate, CertificateKind, PrintLog,
                        Review, User)
from app.timeutil import beijing_today, utcnow

CHECK_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O or 1/I/L: read off paper, typed on a phone
CHECK_LENGTH = 6  # 31**6: about 887 million codes for each number, tried at VERIFY_RATE_LIMIT per address


def new_check_code() -> str:
    return "".join(secrets.choice(CHECK_ALPHABET) for _ in range(CHECK_LENGTH))


def check_code_matches(cert: Certificate, typed: str) -> bool:
    """Whether `typed` is the certificate's check code, as a person may type it: any case, spaces and dashes
    ignored. A certificate without a code (none was ever given) matches nothing."""
    given = re.sub(r"[\s\-]", "", typed or "").upper()
    return bool(cert.check_code) and hmac.compare_digest(given.encode(), cert.check_code.encode())

def _citation(review: Review, label: str, person: rm.Honoree) -> str:
    year, name = year_of(review), campaign(review)
    if person.organisation:
        return f"在{year}年度“{name}”活动中成绩突出，被评为{label}。"
    if person.owner:  # the 镇党委's commendation of an enterprise's owner, named with the enterprise
        return (f"在{year}年度“{name}”活动中热心支持企业党建工作，成绩突出。授予 {person.affiliation} {person.name} "
                f"同志 {year}年度“{label}”称号。")
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
    signer = issuer(name, review.subject_kind)
    people = honorees(review)
    given = {c.candidate_id: c for c in given_certificates([c.id for _a, _award, whose in people
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
                               verify_url(cert.number, cert.check_code), cert.check_code))
    return texts, new, again


def _text(review: Review, person: rm.Honoree, category: str, number: str, honour: str, signer: str,
          issued_on: dt.date, checked_at: str | None, check_code: str = "") -> rm.Certificate:
    """One page's text; a preview's QR code leads to the check page itself (`checked_at` None) and it has no code."""
    return rm.Certificate(number=number, name=person.name, honour=honour,
                          citation=_citation(review, category, person), issuer=signer,
                          issued_on=issued_on, verify_url=checked_at or public_url() + "/verify",
                          deeds=person.deeds, organisation=person.organisation, check_code=check_code,
                          title=person.affiliation if person.owner else "")


def _ordered(people: tuple[rm.Honoree, ...], order: str) -> list[rm.Honoree]:
    from reports.awards import ordered
    return ordered(people, order)


def _one_print_run_at_a_time(year: int, name: str, kind: CertificateKind) -> None:
    """Two print runs at once must not both number the same honoree or take the same next number: the second waits
    here, before it reads which certificates exist, until the first's transaction ends (on SQLite too: there the
    reads before a first write were outside any transaction, and both runs took 0001)."""
    races.one_writer(Certificate.__table__, f"certificate {year} {name} {kind.name}")


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
        cert = Certificate(number=f"{prefix}{self.last:04d}", check_code=new_check_code(), kind=self.kind,
                           candidate_id=candidate.id,
                           sequence=self.last, year=self.year, campaign=self.name,
                           subject_name=candidate.subject_name, subject_title=candidate.subject_title,
                           honour=honour, issuer=signer,
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


# --- the print log ----------------------------------------------------------------------------------------------

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
