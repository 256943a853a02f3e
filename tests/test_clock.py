"""The frozen clock of the date-sensitive tests (conftest.clock), and the app's own "today" and "now" at each turn
of the year: the app judges dates by Beijing's calendar (公示, meetings, records) and keeps times in UTC."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from conftest import ORDINARY_DAY, TURN_OF_YEAR

from app.timeutil import beijing_today, utcnow


def test_the_instants_fall_either_side_of_midnight_in_beijing_and_in_utc():
    dates = {name: (instant.date(), instant.astimezone(ZoneInfo("Asia/Shanghai")).date())
             for name, instant in TURN_OF_YEAR.items()}
    dec31, jan1 = dt.date(2026, 12, 31), dt.date(2027, 1, 1)
    assert dates == {  # (UTC, Beijing)
        "beijing-dec31-23:59:59": (dec31, dec31),
        "beijing-jan1-00:00": (dec31, jan1),
        "utc-dec31-23:59:59": (dec31, jan1),
        "utc-jan1-00:00": (jan1, jan1),
    }


@pytest.mark.turn_of_year
def test_the_app_takes_beijings_date_for_today_and_keeps_utc_times(clock, today):
    assert beijing_today() == today == clock.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert utcnow() == clock.replace(tzinfo=None)


def test_the_clock_stands_still_for_the_whole_test(clock):
    first = utcnow()
    sum(range(100_000))
    assert utcnow() == first == ORDINARY_DAY.replace(tzinfo=None)
