"""The print settings: who signs the documents, the 组织人事部门, the address of the public certificate check and the
公示 contact lines (set on /documents/settings, kept in the settings store), the printers' profiles for 套打, and each
year's reward amounts (set on a review's page). Flush, never commit.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import gettext as _

import reports.model as rm
from app import audit
from app.extensions import db
from app.models import PrinterProfile, RewardAmount, SubjectKind, Unit, UnitKind, User
from app.settings import setting

ISSUER_KEYS = {"四个一": "documents.issuer_cppcc", "双比双争": "documents.issuer_party"}
HR_KEY = "documents.hr_department"
PUBLIC_URL_KEY = "documents.public_url"
PUBLICITY_CONTACT_KEY = "documents.publicity_contact"
DOCUMENT_SETTINGS = (ISSUER_KEYS["四个一"], ISSUER_KEYS["双比双争"], HR_KEY, PUBLIC_URL_KEY, PUBLICITY_CONTACT_KEY)


# --- /documents/settings --------------------------------------------------------------------------------------

def _root_name(kind: UnitKind) -> str:
    return db.session.scalar(sa.select(Unit.name).where(Unit.kind == kind, Unit.parent_id.is_(None))
                             .order_by(Unit.id)) or ""


def issuer(campaign: str, subject_kind: SubjectKind) -> str:
    """Who signs the documents of an activity (“四个一”, “双比双争”) about `subject_kind`: set on the print settings
    page, else the name of the top unit."""
    key = ISSUER_KEYS.get(campaign, ISSUER_KEYS["四个一"])
    root = UnitKind.CPPCC if subject_kind in (SubjectKind.MEMBERS, SubjectKind.UNITS) else UnitKind.PARTY_COMMITTEE
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


def publicity_contact() -> tuple[str, ...]:
    """The lines under “如有异议” on the 公示 notice, blank ones left out."""
    return tuple(line for line in setting(PUBLICITY_CONTACT_KEY).splitlines() if line.strip())


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
