"""The 表彰决定's text: the default made from a review's award lists, the office's own text kept per review, and the
lock once every list is final. Flush, never commit.

A review the office never edited prints the default of the moment, made from frozen data only (the lists' approval,
their names, the issuer), so a reprint of a final decision prints the same words.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

import reports.model as rm
from app import audit
from app.documents.content import campaign, decision, is_final
from app.documents.errors import DocumentError
from app.documents.print_settings import is_party
from app.extensions import db
from app.models import DecisionText, Review, User
from app.timeutil import utcnow
from reports.decision import default_text, paragraphs

FIELDS = ("addressees", "body", "closing")
LOCKED = _l("名单已全部定稿，表彰决定的正文已锁定，不能再修改。")


def stored(review: Review) -> DecisionText | None:
    """The office's text of the review's decision, if it saved one."""
    return db.session.scalar(sa.select(DecisionText).where(DecisionText.review_id == review.id))


def generated(review: Review, found: rm.Decision | None = None) -> rm.DecisionText:
    """The default text, made from the review's award lists now (`found`: its decision, when the caller has it).

    :raises DocumentError: the review has no award list yet.
    """
    found = found or decision(review)
    name = campaign(review)
    return default_text(found, name, is_party(name, review.subject_kind))


def current(review: Review, found: rm.Decision | None = None) -> rm.DecisionText:
    """What the decision prints: the office's text, else the default."""
    return shown(review, stored(review), found)


def shown(review: Review, kept: DecisionText | None, found: rm.Decision | None = None) -> rm.DecisionText:
    """`current` for a caller that has read the office's text (`kept`, None when it saved none) already."""
    if kept is None:
        return generated(review, found)
    return rm.DecisionText(kept.addressees, paragraphs(kept.body), kept.closing)


def as_fields(text: rm.DecisionText) -> dict[str, str]:
    """A text as the page's form shows it: the body one paragraph a line."""
    return {"addressees": text.addressees, "body": "\n".join(text.body), "closing": text.closing}


def save(review: Review, values: dict[str, str], user: User) -> DecisionText:
    """Keep the office's text (one paragraph a line, blank lines dropped) and audit what changed.

    :raises DocumentError: every award list of the review is final: the decision is issued and its text locked.
    """
    if is_final(review):
        raise DocumentError(str(LOCKED))
    clean = {"addressees": values["addressees"].strip(), "body": "\n".join(paragraphs(values["body"])),
             "closing": "\n".join(paragraphs(values["closing"]))}
    kept = stored(review)
    before = {name: getattr(kept, name) for name in FIELDS} if kept else {}
    if kept is None:
        kept = DecisionText(review_id=review.id, **clean)
        db.session.add(kept)
    for name, value in clean.items():
        setattr(kept, name, value)
    kept.updated_by_id = user.id
    kept.updated_at = utcnow()
    db.session.flush()
    if changes := audit.diff(before, clean):
        audit.record(user, "update" if before else "create", "decision_text", kept.id, changes)
    return kept
