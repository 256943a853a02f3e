"""A subject's service in a period (joined, left) and what a rule file's `membership` makes of it. Pure.

Only a subject's own dates make it "partial": `joined_on` after the period's first day, `left_on` before its last,
or `left` with no date (已离任, day unknown). A subject without dates served the whole period.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from app.scoring.exact import fraction_to_decimal
from app.scoring.rules import Membership
from app.scoring.types import Subject


@dataclass(frozen=True)
class Service:
    """How a subject is treated in one period: appraised or only listed, the share of the period its bases, limits,
    thresholds and minimum counts are scaled by (`prorate`), the note on its card, and whether it has left."""

    appraised: bool = True
    factor: Fraction = Fraction(1)
    note: str = ""
    left: bool = False


NOT_APPRAISED = "不参加本期考评(得分仅供参考)"


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def serves(subject: Subject, start: dt.date, end: dt.date) -> bool:
    """Whether the subject served any day of [start, end] (joined before its end, did not leave before its start)."""
    return (subject.joined_on is None or subject.joined_on <= end) and (
        subject.left_on is None or subject.left_on >= start)


def service(subject: Subject, membership: Membership, start: dt.date, end: dt.date) -> Service:
    """What the rule file's `membership` makes of the subject's service in [start, end] (it serves some of it)."""
    joined = subject.joined_on if subject.joined_on is not None and subject.joined_on > start else None
    left = subject.left_on if subject.left_on is not None and subject.left_on < end else None
    unknown = subject.left and subject.left_on is None
    shown_left = subject.left and (subject.left_on is None or subject.left_on <= end)
    said = []
    if joined is not None:
        said.append(f"任职 {chinese_date(joined)}起")
    if subject.left_on is not None and subject.left_on <= end:
        said.append(f"{chinese_date(subject.left_on)}离任")
    elif unknown:
        said.append("已离任(未填离任日期)")
    note = ",".join(said)
    if joined is None and left is None and not unknown:
        return Service(note=note, left=shown_left)
    total = (end - start).days + 1
    if unknown:
        if membership.partial == "full" and membership.min_days is None:
            return Service(note=f"{note},按全期考评", left=True)
        why = "" if membership.partial == "exclude" else ",无法计算在任天数"
        return Service(False, note=f"{note}{why},{NOT_APPRAISED}", left=True)
    days = ((left or end) - (joined or start)).days + 1
    served = f"在任 {days}/{total} 天"
    if membership.partial == "exclude":
        return Service(False, note=f"{note},{served},任职不满全期,{NOT_APPRAISED}", left=shown_left)
    if membership.min_days is not None and days < membership.min_days:
        return Service(False, note=f"{note},{served},不足 {membership.min_days} 天,{NOT_APPRAISED}",
                       left=shown_left)
    if membership.partial == "full":
        return Service(note=f"{note},{served},按全期考评", left=shown_left)
    return Service(factor=Fraction(days, total), note=f"{note},按在任天数折算 {days}/{total}", left=shown_left)


def scaled(value: Decimal, factor: Fraction, precision: Decimal, rounding: str) -> Decimal:
    """A base, cap or floor for a prorated subject: value × factor at the rule file's precision and rounding."""
    if factor == 1:
        return value
    return fraction_to_decimal(Fraction(value) * factor, precision, rounding)


def scaled_count(count: int, factor: Fraction) -> int:
    """A minimum count for a prorated subject: count × factor, rounded half up (served half the period or more: a
    minimum of 1 stands)."""
    if factor == 1:
        return count
    return math.floor(count * factor + Fraction(1, 2))
