"""四联系分工 from a sheet: one assignment a row, the ends found by 编号 (else by a name only one has), checked as
the page checks one (app.contacts.services.check_link). A row already there is 不变; nothing is ever removed."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.contacts import services
from app.extensions import db
from app.i18n import N_
from app.imports.base import ADDED, SAME, CheckThenWrite, Context
from app.models import ContactLink, ContactLinkKind, Member, Role, Unit
from app.spreadsheets.columns import CONTACT_LINK_KINDS, CONTACT_LINKS
from app.spreadsheets.rows import SheetRow

KINDS = dict(zip(CONTACT_LINK_KINDS, ContactLinkKind, strict=True))


class ContactLinks(CheckThenWrite):
    name = "contact-links"
    label = N_("四联系分工")
    sheets = (CONTACT_LINKS,)
    roles = (Role.OFFICE, Role.ADMIN)
    entity = "contact_link"
    instructions = (N_("县政协领导联系常委：联系人填领导姓名，被联系人填常委。常委联系委员：联系人填常委，被联系人填委员。"
                       "专委会联系界别和联络处：联系人填专委会，被联系人填界别活动组或联络处。"),
                    N_("已有的分工保持不变；要改由谁联系，先在“四联系 › 联系分工”页面删除原分工。"))

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> list[dict[str, Any]]:
        members = list(db.session.scalars(sa.select(Member)))
        units = list(db.session.scalars(sa.select(Unit)))
        plan: list[dict[str, Any]] = []
        seen: dict[tuple[ContactLinkKind, int, bool], int] = {}
        for row in sheets[CONTACT_LINKS.name]:
            if row.bad or not row["kind"]:
                continue
            kind = KINDS[row["kind"]]
            by_member = by_unit = to_member = to_unit = None
            leader = ""
            if kind == ContactLinkKind.LEADER_STANDING:
                leader = (row["from_name"] or "").strip()
                if not leader:
                    ctx.error(row, "from_name", "请填写联系常委的县政协领导姓名")
                    continue
                if not ctx.check_lengths(row, ContactLink, {"leader": leader}, {"leader": "from_name"}):
                    continue
            elif kind == ContactLinkKind.STANDING_MEMBER:
                by_member = _find(ctx, row, "from", members, "委员")
            else:
                by_unit = _find(ctx, row, "from", units, "单位")
            if kind == ContactLinkKind.COMMITTEE_UNIT:
                to_unit = _find(ctx, row, "to", units, "单位")
            else:
                to_member = _find(ctx, row, "to", members, "委员")
            target = to_member or to_unit
            if target is None or (kind != ContactLinkKind.LEADER_STANDING and by_member is None and by_unit is None):
                continue  # an end not found: said at its cell
            key = (kind, target.id, to_unit is not None)
            if key in seen:
                ctx.error(row, "to_name", f"与第 {seen[key]} 行是同一被联系人的同一种联系")
                continue
            seen[key] = row.number
            there = services.existing_link(kind, to_member.id if to_member else None, to_unit.id if to_unit else None)
            who = leader or (by_member or by_unit).name  # type: ignore[union-attr]
            what = f"{row['kind']} {who} → {target.name}"
            if there is not None and there.contact_name == who:
                ctx.plan(row, SAME, what)
                continue
            errors = services.check_link(kind, leader, by_member, by_unit, to_member, to_unit)
            for field, messages in errors.items():
                column = "from_name" if field.startswith(("from", "leader")) else "to_name"
                for message in messages:
                    ctx.error(row, column, message.rstrip("。"))
            if errors:
                continue
            ctx.plan(row, ADDED, what)
            plan.append({"kind": kind, "leader": leader, "from_member": by_member, "from_unit": by_unit,
                         "to_member": to_member, "to_unit": to_unit})
        return plan

    def write(self, ctx: Context, plan: list[dict[str, Any]]) -> None:
        for item in plan:
            services.make_link(user=ctx.user, audited=False, **item)


def _find(ctx: Context, row: SheetRow, end: str, known: list[Any], what: str) -> Any:
    """The member or unit of the row's `end` ("from" or "to"): by 编号, else by a name only one has."""
    code, name = row[f"{end}_code"], (row[f"{end}_name"] or "").strip()
    if code:
        found = next((k for k in known if k.code == code), None)
        if found is None:
            ctx.error(row, f"{end}_code", f"找不到编号为“{code}”的{what}")
            return None
        return found if ctx.check_name(row, f"{end}_name", code, found.name) else None
    named = [k for k in known if k.name == name]
    if len(named) != 1:
        ctx.error(row, f"{end}_name", f"请填写{what}编号或姓名（名称）" if not name else
                  f"系统中没有名为“{name}”的{what}" if not named else f"有 {len(named)} 个名为“{name}”的{what}，请填写编号")
        return None
    return named[0]
