"""届 (terms): the list, a new or edited term, closing one and undoing a close. Flush, never commit.

"The current 届" is the latest (highest number) term not closed: a new member joins it, and the set-up checklist
asks for its roster. Closing a 届 marks it as history (换届 done); carrying its members into the next 届 is 换届's job,
not this module's. Every change is in the audit log (entity "term").
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import audit
from app.extensions import db
from app.models import AppraisalYear, Member, Term, User
from app.timeutil import utcnow

Errors = dict[str, list[str]]
FIELDS = ("number", "name", "starts_on", "ends_on")
_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True))
_NAME = re.compile(r"^第([0-9〇零一二三四五六七八九十]+)届$")


class TermError(ValueError):
    """A term change that may not be made, with the reason in Chinese."""


def chinese_number(text: str) -> int | None:
    """十 → 10, 十一 → 11, 二十三 → 23, 九 → 9, 12 → 12 (a 届 never reaches 100); None for anything else."""
    if text.isdigit():
        return int(text)
    tens, _ten, ones = text.partition("十")
    if not _ten:
        tens, ones = "", text
    if len(tens) > 1 or len(ones) > 1 or any(c not in _DIGITS for c in tens + ones):
        return None
    value = (_DIGITS[tens] if tens else 1 if _ten else 0) * 10 + (_DIGITS[ones] if ones else 0)
    return value or None


def number_from_name(name: str) -> int | None:
    """The number of a term named 第N届 (第十届 → 10, 第4届 → 4); None when the name is written otherwise."""
    found = _NAME.match(name.strip())
    return chinese_number(found.group(1)) if found else None


def current_term() -> Term | None:
    """The latest term (highest number) that is not closed."""
    return db.session.scalar(sa.select(Term).where(Term.closed_at.is_(None)).order_by(Term.number.desc()).limit(1))


def term_named(name: str) -> Term | None:
    """A term by its name (第十届) or number (10)."""
    name = name.strip()
    number = number_from_name(name) or (int(name) if name.isdigit() else None)
    found = db.session.scalar(sa.select(Term).where(Term.name == name).limit(1))
    if found is None and number is not None:
        found = db.session.scalar(sa.select(Term).where(Term.number == number))
    return found


@dataclass(frozen=True)
class TermRow:
    """A term on the list: its members (active ones apart) and whether it is the current one."""

    term: Term
    members: int
    active: int
    current: bool


def term_rows() -> list[TermRow]:
    """Every term, newest first, with its members counted."""
    counts = {term_id: (n, active or 0) for term_id, n, active in db.session.execute(
        sa.select(Member.term_id, sa.func.count(), sa.func.sum(sa.case((Member.active, 1), else_=0)))
        .group_by(Member.term_id))}
    current = current_term()
    return [TermRow(t, *counts.get(t.id, (0, 0)), current=current is not None and t.id == current.id)
            for t in db.session.scalars(sa.select(Term).order_by(Term.number.desc()))]


def _label(term: Term) -> str:
    return f"{term.name}（{term.starts_on.isoformat()} 至 {term.ends_on.isoformat()}）"


def save_term(term: Term, data: Mapping[str, Any], user: User | None, ip: str = "") -> Errors:
    """Check and copy `data` (name, number or None to infer it from 第N届, starts_on, ends_on) onto `term`, new or
    existing, with an audit row per changed field. Returns errors by field, empty on success.

    The dates must be in order and not overlap another term's; the number is unique and follows the dates (a
    later term has a higher number)."""
    errors: Errors = {}
    name = (data.get("name") or "").strip()
    number = data.get("number") or number_from_name(name)
    starts_on: dt.date | None = data.get("starts_on")
    ends_on: dt.date | None = data.get("ends_on")
    if not name:
        errors["name"] = [_("请填写届次名称，例如 第十届。")]
    elif len(name) > 40:
        errors["name"] = [_("最多 %(max)d 个字符。", max=40)]
    if number is None:
        errors.setdefault("number", []).append(_("请填写届次序号（名称写成“第十届”时可自动识别）。"))
    elif not 1 <= number <= 999:
        errors.setdefault("number", []).append(_("届次序号应在 1 到 999 之间。"))
    if starts_on is None:
        errors["starts_on"] = [_("请填写开始日期。")]
    if ends_on is None:
        errors["ends_on"] = [_("请填写结束日期。")]
    if starts_on and ends_on and ends_on <= starts_on:
        errors.setdefault("ends_on", []).append(_("结束日期应晚于开始日期。"))
    if errors:
        return errors
    assert number is not None and starts_on is not None and ends_on is not None
    others = db.session.scalars(sa.select(Term).where(Term.id != (term.id or 0)).order_by(Term.number)).all()
    for other in others:
        if other.number == number:
            errors.setdefault("number", []).append(_("序号 %(n)s 已是%(term)s的序号。", n=number, term=other.name))
        elif other.name == name:
            errors.setdefault("name", []).append(_("已有名为%(name)s的届次。", name=name))
        if starts_on <= other.ends_on and other.starts_on <= ends_on:
            errors.setdefault("starts_on", []).append(
                _("与%(term)s的日期重叠；相邻两届的日期不能有重合的日子。", term=_label(other)))
        elif other.number < number and other.starts_on > starts_on or other.number > number and \
                other.starts_on < starts_on:
            errors.setdefault("number", []).append(
                _("序号与日期的先后不一致：%(term)s。序号大的届次应在后。", term=_label(other)))
    if errors:
        return errors
    before = audit.snapshot(term, FIELDS) if term.id is not None else {}
    term.name, term.number, term.starts_on, term.ends_on = name, number, starts_on, ends_on
    db.session.add(term)
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(term, FIELDS))
    if changes:
        audit.record(user, "update" if before else "create", "term", term.id, changes, ip=ip)
    return {}


def closing_notes(term: Term) -> list[str]:
    """What closing `term` means, in words for the admin, beyond "it becomes history"."""
    notes = []
    active = db.session.scalar(sa.select(sa.func.count()).select_from(Member).where(
        Member.term_id == term.id, Member.active)) or 0
    later = db.session.scalar(sa.select(Term).where(Term.closed_at.is_(None), Term.id != term.id,
                                                    Term.number > term.number).order_by(Term.number).limit(1))
    if later is None:
        notes.append(_("关闭后将没有当前届次：新委员无法登记，名册导入会被拒绝。请先新建下一届。"))
    if active:
        notes.append(_("本届还有 %(n)s 名在任委员；关闭不会把他们转入下一届（换届由办公室另行办理），他们的账号和"
                       "记录保持不变。", n=active))
    open_years = list(db.session.scalars(sa.select(AppraisalYear.year).where(
        AppraisalYear.recording_closed_at.is_(None), AppraisalYear.year >= term.starts_on.year,
        AppraisalYear.year <= term.ends_on.year).order_by(AppraisalYear.year)))
    if open_years:
        notes.append(_("本届期间的 %(years)s 年度仍开放录入；关闭届次不会停止录入，如需停止请在“考评年度”中操作。",
                       years="、".join(map(str, open_years))))
    return notes


def close_term(term: Term, user: User | None, ip: str = "") -> None:
    """Mark `term` as closed (history); the next open term becomes the current one.

    :raises TermError: it is closed already."""
    if term.closed_at is not None:
        raise TermError(_("%(term)s已经关闭。", term=term.name))
    term.closed_at = utcnow()
    db.session.flush()
    audit.record(user, "update", "term", term.id, {"closed_at": (None, term.closed_at)}, ip=ip)


def reopen_term(term: Term, reason: str, user: User | None, ip: str = "") -> None:
    """Undo a close, with the reason in the audit log.

    :raises TermError: it is not closed, or no reason is given."""
    if term.closed_at is None:
        raise TermError(_("%(term)s没有关闭。", term=term.name))
    if not reason.strip():
        raise TermError(_("请写明重新打开的原因。"))
    before = term.closed_at
    term.closed_at = None
    db.session.flush()
    audit.record(user, "reopen", "term", term.id, {"closed_at": (before, None)}, reason=reason.strip(), ip=ip)
