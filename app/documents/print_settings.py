"""The print settings: who signs the documents (by default the organisation's names, app.organisation) and the 公示
contact lines (set on /documents/settings, kept in the settings store), the printers' profiles for 套打, and each
year's reward amounts (set on a review's page). Flush, never commit.

The organisation's facts (its names, the 组织人事部门, the public address) are not kept here: they are set once, on
the organisation page, and read from app.organisation.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

import reports.model as rm
from app import addresses, audit, organisation
from app.extensions import db
from app.models import PrinterProfile, RewardAmount, SubjectKind, Unit, UnitKind, User
from app.settings import setting

ISSUER_KEYS = {"四个一": "documents.issuer_cppcc", "双比双争": "documents.issuer_party"}
PUBLICITY_CONTACT_KEY = "documents.publicity_contact"
DOCUMENT_SETTINGS = (ISSUER_KEYS["四个一"], ISSUER_KEYS["双比双争"], PUBLICITY_CONTACT_KEY)


# --- /documents/settings --------------------------------------------------------------------------------------

def _root_name(kind: UnitKind) -> str:
    return db.session.scalar(sa.select(Unit.name).where(Unit.kind == kind, Unit.parent_id.is_(None))
                             .order_by(Unit.id)) or ""


def is_party(campaign: str, subject_kind: SubjectKind | None = None) -> bool:
    """Whether an activity's documents are the 镇党委's (“双比双争”: branches, party members), not the 政协's."""
    if subject_kind is not None:
        return subject_kind not in (SubjectKind.MEMBERS, SubjectKind.UNITS)
    return campaign == "双比双争"


def set_issuer(campaign: str, subject_kind: SubjectKind | None = None) -> str:
    """The issuer as set: the print settings' 落款 of the activity, else the organisation's name (the 政协's full
    name for “四个一”, the 镇党委's for “双比双争”); "" when neither is set."""
    party = is_party(campaign, subject_kind)
    org = organisation.current()
    key = ISSUER_KEYS["双比双争" if party else "四个一"]
    return setting(key).strip() or (org.party_committee if party else org.full_name)


def issuer(campaign: str, subject_kind: SubjectKind) -> str:
    """Who signs the documents of an activity (“四个一”, “双比双争”) about `subject_kind`: as set (`set_issuer`),
    else the name of the top unit, so a 样稿 reads sensibly before the organisation is set."""
    root = UnitKind.PARTY_COMMITTEE if is_party(campaign, subject_kind) else UnitKind.CPPCC
    return set_issuer(campaign, subject_kind) or _root_name(root)


def hr_department() -> str:
    return organisation.current().hr_department or "县委组织部"


def public_url_set() -> str:
    """The public address as set (the organisation page, else the deployment's PUBLIC_BASE_URL); "" if neither."""
    return organisation.current().public_url


def public_url() -> str:
    """The address the QR codes point to: as set (`public_url_set`); a 样稿 made before it is set points to the
    address the request came to (app.addresses.base)."""
    return addresses.base()


def verify_url(number: str, check_code: str) -> str:
    """What a certificate's QR code says: its check page, with the check code the page asks for."""
    return f"{public_url()}/verify/{number}?c={check_code}"


def publicity_contact() -> tuple[str, ...]:
    """The lines under “如有异议” on the 公示 notice, blank ones left out."""
    return tuple(line for line in setting(PUBLICITY_CONTACT_KEY).splitlines() if line.strip())


def certificate_blockers(campaign: str, subject_kind: SubjectKind | None = None) -> list[str]:
    """What must be set before certificates of an activity can be numbered and printed, in words for the office:
    the issuer (落款) and the public address (the QR codes); empty when nothing is missing. A 样稿 needs neither."""
    missing = []
    if not set_issuer(campaign, subject_kind):
        missing.append(_("镇党委全称（证书落款）") if is_party(campaign, subject_kind) else _("政协全称（证书落款）"))
    if not public_url_set():
        missing.append(_("公众访问地址（证书二维码指向）"))
    return missing


# --- printers ---------------------------------------------------------------------------------------------------

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


# --- reward amounts ---------------------------------------------------------------------------------------------

def reward_amounts(year: int) -> dict[str, Decimal]:
    return {r.category: r.amount for r in db.session.scalars(sa.select(RewardAmount)
                                                              .where(RewardAmount.year == year))}


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
