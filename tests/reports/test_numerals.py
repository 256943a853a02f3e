"""Dates as documents write them: every digit of the year read out with 〇 for zero, months and days in words."""
from __future__ import annotations

import datetime as dt

import pytest

from reports.numerals import arabic_date, chinese_date, chinese_year, document_date


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2021, 1, 1), "二〇二一年一月一日"),
    (dt.date(2020, 10, 10), "二〇二〇年十月十日"),
    (dt.date(2025, 12, 31), "二〇二五年十二月三十一日"),
    (dt.date(2012, 7, 20), "二〇一二年七月二十日"),
    (dt.date(2000, 11, 19), "二〇〇〇年十一月十九日"),
])
def test_chinese_numeral_dates(day: dt.date, expected: str) -> None:
    assert chinese_date(day) == expected


def test_certificates_show_the_month_only_and_arabic_is_a_choice() -> None:
    day = dt.date(2025, 12, 20)
    assert document_date(day, "chinese", with_day=False) == "二〇二五年十二月"
    assert document_date(day, "arabic", with_day=False) == "2025年12月"
    assert arabic_date(dt.date(2012, 7, 1)) == "2012年7月1日"
    assert chinese_year(1949) == "一九四九"
    with pytest.raises(ValueError):
        document_date(day, "roman")
