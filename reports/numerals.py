"""Dates as documents write them: 二〇二五年十二月 (Chinese numerals) or 2025年12月1日 (Arabic); certificate numbers
as they are printed (2025四个一第0001号)."""
from __future__ import annotations

import datetime as dt
import re

DIGITS = "〇一二三四五六七八九"


def chinese_number(number: int) -> str:
    """0–99 as 〇 一 … 十 … 二十一 …: a month, a day, the 一、二、… of headings."""
    tens, ones = divmod(number, 10)
    if tens == 0:
        return DIGITS[ones]
    return (DIGITS[tens] if tens > 1 else "") + "十" + (DIGITS[ones] if ones else "")


def chinese_year(year: int) -> str:
    """2025 → 二〇二五 (each digit read out, with 〇 for zero)."""
    return "".join(DIGITS[int(d)] for d in str(year))


def chinese_date(day: dt.date, with_day: bool = True) -> str:
    """2021-01-01 → 二〇二一年一月一日; without the day: 二〇二一年一月."""
    text = f"{chinese_year(day.year)}年{chinese_number(day.month)}月"
    return text + f"{chinese_number(day.day)}日" if with_day else text


def arabic_date(day: dt.date, with_day: bool = True) -> str:
    """2021-01-01 → 2021年1月1日; without the day: 2021年1月."""
    text = f"{day.year}年{day.month}月"
    return text + f"{day.day}日" if with_day else text


def document_date(day: dt.date, numerals: str = "chinese", with_day: bool = True) -> str:
    """The date in the style chosen for a document: "chinese" or "arabic"."""
    if numerals == "chinese":
        return chinese_date(day, with_day)
    if numerals == "arabic":
        return arabic_date(day, with_day)
    raise ValueError(f"unknown numerals {numerals!r}")


_STORED = re.compile(r"(\d{4})-(.+?)-(?:(奖状)-)?(\d+)")
_PRINTED = re.compile(r"(\d{4})(.+?)(奖状)?第(\d+)号")


def certificate_number(stored: str) -> str:
    """A certificate's number as paper and pages print it: 2025-四个一-0001 → 2025四个一第0001号 (奖状: 2025四个一奖状
    第0001号), which reads as one number where the dashes beside Chinese looked like "四个一--0001". Anything else
    (a 样稿's “（样稿）”) is printed as it is; the stored number never changes."""
    found = _STORED.fullmatch(stored)
    if not found:
        return stored
    year, campaign, merit, sequence = found.groups()
    return f"{year}{campaign}{merit or ''}第{sequence}号"


def stored_certificate_number(typed: str) -> str:
    """The stored number of a printed one (2025四个一第0001号 → 2025-四个一-0001); a stored one is kept as it is, so
    the check page takes the number in either form."""
    found = _PRINTED.fullmatch(typed.strip())
    if not found:
        return typed.strip()
    year, campaign, merit, sequence = found.groups()
    return f"{year}-{campaign}-" + ("奖状-" if merit else "") + sequence
