"""四联系 from sheets.

四联系分工: one assignment a row, the ends found by 编号 (else by a name only one has), checked as the page checks one
(app.contacts.links.check_link). A row already there (the same contact, contacted and start) is 不变, or 修改 when
its end date differs; a new row for someone contacted by another from an earlier day reassigns them (the one in
force ends the day before). Nothing is ever removed.

委员联系界别群众: one contact a row, checked as the form checks one (app.contacts.masses.check); a row the same as an
entry already there (member, day, people, content) is 不变.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.auth.scope import scoped
from app.contacts import links, masses
from app.extensions import db
from app.i18n import N_
from app.imports.base import ADDED, CHANGED, SAME, CheckThenWrite, Context
from app.models import ContactForm, ContactLink, ContactLinkKind, MassContact, Member, Role, Unit, UnitKind, User
from app.spreadsheets.columns import CONTACT_FORMS, CONTACT_LINK_KINDS, CONTACT_LINKS, MASS_CONTACTS
from app.spreadsheets.rows import SheetRow

KINDS = dict(zip(CONTACT_LINK_KINDS, ContactLinkKind, strict=True))
FORMS = dict(zip(CONTACT_FORMS, (f.name for f in ContactForm), strict=True))


class ContactLinks(CheckThenWrite):
    name = "contact-links"
    label = N_("四联系分工")
    sheets = (CONTACT_LINKS,)
    roles = (Role.OFFICE, Role.ADMIN)
    entity = "contact_link"
    instructions = (N_("县政协领导联系常委：联系人填领导姓名，被联系人填常委。常委联系委员：联系人填常委，被联系人填委员。"
                       "专委会联系界别和联络处：联系人填专委会，被联系人填界别活动组或联络处。"),
                    N_("改派：填新的联系人和新分工的开始日期，原分工自动于前一天结束；要结束一项分工，在它的行填结束日期。"
                       "已有的分工（联系人、被联系人、开始日期都相同）不变，只有结束日期不同的改为新的结束日期。"))

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> list[dict[str, Any]]:
        members = list(db.session.scalars(sa.select(Member)))
        units = list(db.session.scalars(sa.select(Unit)))
        plan: list[dict[str, Any]] = []
        seen: dict[tuple[ContactLinkKind, int, bool], list[tuple[int, dt.date, dt.date | None]]] = {}
        ending: dict[int, int] = {}  # an assignment a row ends by reassigning → that row
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
            starts = row["starts_on"] or dt.date(ctx.today.year, 1, 1)
            ends = row["ends_on"]
            if ends is not None and ends < starts:
                ctx.error(row, "ends_on", "结束日期早于开始日期")
                continue
            key = (kind, target.id, to_unit is not None)
            clash = next((n for n, s, e in seen.get(key, []) if s <= (ends or dt.date.max) and (e is None or
                                                                                              e >= starts)), None)
            if clash is not None:
                ctx.error(row, "to_name", f"与第 {clash} 行是同一被联系人同一时间的同一种联系")
                continue
            seen.setdefault(key, []).append((row.number, starts, ends))
            who = leader or (by_member or by_unit).name  # type: ignore[union-attr]
            what = f"{row['kind']} {who} → {target.name} {starts.isoformat()}"
            there = next((link for link in links.links_of(kind, to_member.id if to_member else None,
                                                           to_unit.id if to_unit else None)
                          if link.contact_name == who and link.starts_on == starts), None)
            if there is not None:
                if there.ends_on == ends:
                    ctx.plan(row, SAME, what)
                    continue
                errors = _overlaps(there, starts, ends)
                if errors:
                    ctx.error(row, "ends_on", errors)
                    continue
                ctx.plan(row, CHANGED, what, ("ends_on",))
                plan.append({"change": there, "ends_on": ends})
                continue
            errors, checked = links.check_link(kind, leader, by_member, by_unit, to_member, to_unit, starts, ends)
            for field, messages in errors.items():
                column = "from_name" if field.startswith(("from", "leader")) else \
                    "starts_on" if field == "starts_on" else "ends_on" if field == "ends_on" else "to_name"
                for message in messages:
                    ctx.error(row, column, message.rstrip("。"))
            if errors:
                continue
            if checked.ends is not None:
                if checked.ends.id in ending:
                    ctx.error(row, "starts_on", f"与第 {ending[checked.ends.id]} 行改派的是同一项分工，请分两次导入")
                    continue
                ending[checked.ends.id] = row.number
                what += f"（{checked.ends.contact_name}的原分工于 {(starts - dt.timedelta(days=1)).isoformat()} 结束）"
            ctx.plan(row, ADDED, what)
            plan.append({"kind": kind, "leader": leader, "from_member": by_member, "from_unit": by_unit,
                         "to_member": to_member, "to_unit": to_unit, "starts_on": starts, "ends_on": ends,
                         "checked": checked})
        return plan

    def write(self, ctx: Context, plan: list[dict[str, Any]]) -> None:
        for item in plan:
            if "change" in item:
                links.set_end(item["change"], item["ends_on"], ctx.user, audited=False)
            else:
                links.make_link(user=ctx.user, audited=False, **item)


def _overlaps(link: ContactLink, starts: dt.date, ends: dt.date | None) -> str:
    """Another assignment of the same contacted that a new end date would overlap, said; else ""."""
    for other in links.links_of(link.kind, link.to_member_id, link.to_unit_id, but=link.id):
        if other.overlaps(starts, ends):
            return f"{other.contacted_name}自 {other.starts_on.isoformat()} 起由{other.contact_name}联系，与新的结束日期重叠"
    return ""


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


class MassContacts(CheckThenWrite):
    name = "mass-contacts"
    label = N_("委员联系界别群众")
    sheets = (MASS_CONTACTS,)
    roles = (Role.CLERK, Role.OFFICE, Role.ADMIN)
    entity = "mass_contact"
    instructions = (N_("每行一次联系：委员按编号查找（空白时按姓名）；录入员只能导入本单位委员的记录。"),
                    N_("本年度细则声明了“联系界别群众”类型时，每行同时生成该委员的履职记录（办公室导入的直接核实，"
                       "录入员导入的待办公室核实）。"))

    def choices(self, user: User | None) -> dict[str, list[str]]:
        return {"sector": [u.name for u in masses.sectors()]}

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> list[masses.MassInput]:
        members = list(db.session.scalars(sa.select(Member) if ctx.user is None else scoped(Member, ctx.user)))
        sectors = {u.name: u for u in db.session.scalars(sa.select(Unit).where(Unit.kind == UnitKind.SECTOR_GROUP))}
        plan: list[masses.MassInput] = []
        seen: dict[tuple[object, ...], int] = {}
        for row in sheets[MASS_CONTACTS.name]:
            if row.bad or row["form"] is None:  # no 联系方式 column: said at its header
                continue
            member = _find_member(ctx, row, members)
            day = row["occurred_on"]
            if member is None or not ctx.check_date(row, "occurred_on", day):
                continue
            sector_name = (row["sector"] or "").strip()
            if sector_name and sector_name not in sectors:
                ctx.error(row, "sector", f"没有名为“{sector_name}”的界别活动组")
                continue
            people, content, issues = ((row[k] or "").strip() for k in ("people", "content", "issues"))
            if not ctx.check_lengths(row, MassContact, {"people": people}, {"people": "people"}):
                continue
            data = masses.MassInput(member.id, day, FORMS[row["form"]], people,
                                    sectors[sector_name].id if sector_name else None, content, issues)
            key = (member.id, day, people, content)
            if key in seen:
                ctx.error(row, "people", f"与第 {seen[key]} 行相同")
                continue
            seen[key] = row.number
            what = f"{member.code} {member.name} {day.isoformat()} {people}"
            if masses.same_entry(data) is not None:
                ctx.plan(row, SAME, what)
                continue
            errors, _m, _s = masses.check(data, ctx.user)
            for field, messages in errors.items():
                column = {"member_id": "member_code", "occurred_on": "occurred_on", "sector_id": "sector"}.get(
                    field, field)
                for message in messages:
                    ctx.error(row, column if column in MASS_CONTACTS.keys() else None, message.rstrip("。"))
            if errors:
                continue
            ctx.plan(row, ADDED, what)
            plan.append(data)
        return plan

    def write(self, ctx: Context, plan: list[masses.MassInput]) -> None:
        for data in plan:
            masses.add(data, ctx.user, audited=False)


def _find_member(ctx: Context, row: SheetRow, members: list[Member]) -> Member | None:
    """The row's member among those the user may see: by 编号, else by a name only one has."""
    code, name = row["member_code"], (row["member_name"] or "").strip()
    if code:
        found = next((m for m in members if m.code == code), None)
        if found is None:
            ctx.error(row, "member_code", f"找不到编号为“{code}”的委员" + ("" if ctx.scope is None else "（或不是本单位的委员）"))
            return None
        return found if ctx.check_name(row, "member_name", code, found.name) else None
    named = [m for m in members if m.name == name]
    if len(named) != 1:
        ctx.error(row, "member_name", "请填写委员编号或姓名" if not name else
                  f"没有名为“{name}”的委员" if not named else f"有 {len(named)} 个名为“{name}”的委员，请填写编号")
        return None
    return named[0]
