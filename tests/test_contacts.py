"""四联系: assignments edited and imported, the contact log within scope, the coverage view and its export, contacts
counted by the rules through the records they file, and the printed report."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from app.contacts import services
from app.extensions import db
from app.models import (Activity, AuditLog, Contact, ContactForm, ContactLink, ContactLinkKind, Member, RecordState,
                        Unit, UnitKind)
from conftest import text_of


def _standing_with_members() -> tuple[Member, list[Member]]:
    owner_id = db.session.scalar(sa.select(ContactLink.from_member_id).where(
        ContactLink.kind == ContactLinkKind.STANDING_MEMBER).order_by(ContactLink.id).limit(1))
    owner = db.session.get(Member, owner_id)
    theirs = list(db.session.scalars(sa.select(Member).join(ContactLink, ContactLink.to_member_id == Member.id).where(
        ContactLink.from_member_id == owner_id).order_by(Member.code)))
    return owner, theirs


def test_the_demo_county_has_assignments_and_contacts(client, demo, as_user):
    as_user("office")
    page = text_of(client.get("/contacts/?year=2025&half=H1"))
    assert "四联系覆盖情况" in page and "尚未联系的委员" in page
    assert db.session.scalar(sa.select(sa.func.count(Contact.id))) > 100
    for kind in ContactLinkKind:
        assert db.session.scalar(sa.select(sa.func.count(ContactLink.id)).where(ContactLink.kind == kind)) > 0
