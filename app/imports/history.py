"""历年考评结果: last years' official results, entered by the office, so rules over years ("连续两年低于60分") work
from the county's first year in the system. Each row is keyed by subject and year; a year with a frozen annual review
of that kind in the system is refused (the system's result is the official one)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.i18n import N_
from app.imports.base import ADDED, CHANGED, SAME, CheckThenWrite, Context
from app.models import (HistoricalResult, Member, PartyMember, Review, ReviewKind, ReviewState, Role, SubjectKind,
                        Unit, UnitKind)
from app.spreadsheets.columns import HISTORY, HISTORY_KINDS
from app.spreadsheets.rows import SheetRow

KINDS = dict(zip(HISTORY_KINDS, (SubjectKind.MEMBERS, SubjectKind.UNITS, SubjectKind.BRANCHES,
                                 SubjectKind.PARTY_MEMBERS), strict=True))
UNIT_KINDS = {SubjectKind.UNITS: (UnitKind.COMMITTEE, UnitKind.SECTOR_GROUP, UnitKind.LIAISON_OFFICE),
              SubjectKind.BRANCHES: (UnitKind.BRANCH,)}
LOWEST_YEAR = 1990


class History(CheckThenWrite):
    name = "history"
    label = N_("历年考评结果")
    sheets = (HISTORY,)
    roles = (Role.OFFICE, Role.ADMIN)
    entity = "historical_result"
    instructions = (N_("录入系统启用前各年度的全年总结结果，供“连续两年低于60分”等跨年度条款使用。"),
                    N_("每个考评对象每年一行；再次导入同一对象同一年度的行会更新原有结果。"))

    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> list[tuple[Any, dict[str, Any]]]:
        people = _subjects()
        reviewed = {(kind, int(period)) for kind, period in db.session.execute(
            sa.select(Review.subject_kind, Review.period).where(Review.kind == ReviewKind.ANNUAL,
                                                                Review.state == ReviewState.FROZEN))}
        stored = {(r.subject_kind, r.subject_id, r.year): r for r in db.session.scalars(sa.select(HistoricalResult))}
        seen: dict[tuple[SubjectKind, int, int], int] = {}
        plan = []
        this_year = ctx.today.year
        for row in sheets[HISTORY.name]:
            if row.bad:
                continue
            kind = KINDS[row["kind"]]
            subject = self._subject(ctx, row, kind, people[kind])
            year, score = row["year"], row["score"]
            if subject is None or year is None or score is None:  # a blank required cell: the reader said so
                continue
            if not LOWEST_YEAR <= year <= this_year:
                ctx.error(row, "year", f"年度 {year} 不在 {LOWEST_YEAR}–{this_year} 之间")
                continue
            if (kind, year) in reviewed:
                ctx.error(row, "year", f"{year} 年度的{kind.label}全年总结已在系统内完成，以系统结果为准，不必录入")
                continue
            if not Decimal(0) <= score <= Decimal(1000) or score != score.quantize(Decimal("0.0001")):
                ctx.error(row, "score", f"得分 {score} 应在 0–1000 之间，至多四位小数")
                continue
            key = (kind, subject[0], year)
            if key in seen:
                ctx.error(row, None, f"与第 {seen[key]} 行是同一对象同一年度")
                continue
            seen[key] = row.number
            values = {"subject_kind": kind, "subject_id": subject[0], "year": year, "score": score,
                      "grade": row["grade"] or "", "note": row["note"] or ""}
            if not ctx.check_lengths(row, HistoricalResult, values, {"grade": "grade", "note": "note"}):
                continue
            what = f"{subject[1]} {year}年 {score.normalize():f}分"
            found = stored.get(key)
            if found is None:
                ctx.plan(row, ADDED, what)
            else:
                changed = [k for k in ("score", "grade", "note") if getattr(found, k) != values[k]]
                ctx.plan(row, CHANGED if changed else SAME, what, changed)
                if not changed:
                    continue
            plan.append((found, values))
        return plan

    def _subject(self, ctx: Context, row: SheetRow, kind: SubjectKind,
                 known: list[tuple[int, str, str]]) -> tuple[int, str] | None:
        """(id, name) of the row's subject, by 编号, else by a name only one subject of the kind has."""
        if row["code"]:
            found = next(((i, n) for i, c, n in known if c == row["code"]), None)
            if found is None:
                ctx.error(row, "code", f"找不到编号为“{row['code']}”的{kind.label}")
                return None
            return found if ctx.check_name(row, "name", row["code"], found[1]) else None
        if not row["name"]:
            ctx.error(row, "code", "请填写编号或姓名（名称）")
            return None
        named = [(i, n) for i, _c, n in known if n == row["name"]]
        if len(named) != 1:
            ctx.error(row, "name", f"系统中没有名为“{row['name']}”的{kind.label}" if not named
                      else f"有 {len(named)} 个名为“{row['name']}”的{kind.label}，请填写编号")
            return None
        return named[0]

    def write(self, ctx: Context, plan: list[tuple[Any, dict[str, Any]]]) -> None:
        user_id = ctx.user.id if ctx.user is not None else None
        for found, values in plan:
            if found is None:
                db.session.add(HistoricalResult(**values, created_by_id=user_id, created_at=ctx.now))
            else:
                for key in ("score", "grade", "note"):
                    setattr(found, key, values[key])
        db.session.flush()


def _subjects() -> dict[SubjectKind, list[tuple[int, str, str]]]:
    """Each kind's subjects as (id, 编号, name), inactive ones too (a member who left has past results)."""
    units = db.session.execute(sa.select(Unit.id, Unit.code, Unit.name, Unit.kind)).all()
    return {
        SubjectKind.MEMBERS: [tuple(r) for r in db.session.execute(sa.select(Member.id, Member.code, Member.name))],
        SubjectKind.PARTY_MEMBERS: [tuple(r) for r in db.session.execute(
            sa.select(PartyMember.id, PartyMember.code, PartyMember.name))],
        **{kind: [(i, c, n) for i, c, n, k in units if k in allowed] for kind, allowed in UNIT_KINDS.items()},
    }


def results_of(subject_kind: SubjectKind, subject_id: int) -> list[tuple[int, Decimal, str, str]]:
    """A subject's entered results: (year, score, grade, note), oldest first."""
    return [tuple(r) for r in db.session.execute(  # type: ignore[misc]
        sa.select(HistoricalResult.year, HistoricalResult.score, HistoricalResult.grade, HistoricalResult.note)
        .where(HistoricalResult.subject_kind == subject_kind, HistoricalResult.subject_id == subject_id)
        .order_by(HistoricalResult.year))]


