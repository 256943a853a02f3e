"""The account slips (账号通知单): three to an A4 page with cut lines, every person's name, unit, user name and one-time
password on their own slip, long text kept inside the slip, the same bytes for the same input."""
from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest

from reports import fonts
from reports.model import AccountSlip, AccountSlips
from reports.slips import SLIP_H, account_slips, fit, wrap

ADDRESS = "https://zx.example.gov.cn/auth/login"
LONG_UNIT = "某某县农业农村局乡村振兴综合服务中心暨农村产权交易中心与农业技术推广站联合委员会" * 2


def batch(n: int, **changes: object) -> AccountSlips:
    slips = tuple(AccountSlip(f"委员{i:03d}", "经济界 · 提案委员会", "政协委员", f"user{i:03d}", f"abcd-efgh-{i:04d}")
                  for i in range(1, n + 1))
    fields = {"slips": slips, "address": ADDRESS, "issuer": "××县政协", "issued_on": dt.date(2026, 6, 15),
              "password_rule": "至少 8 位，含小写字母、大写字母、数字、符号中的 2 类"}
    return AccountSlips(**{**fields, **changes})


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize(("people", "count"), [(1, 1), (3, 1), (4, 2), (7, 3)])
def test_three_slips_to_a_page(people, count):
    data = account_slips(batch(people))
    assert data.startswith(b"%PDF-") and len(pages(data)) == count


def test_each_slip_holds_its_persons_name_unit_user_name_password_and_the_way_in():
    text = pages(account_slips(batch(4)))
    for i in range(1, 5):
        page = text[(i - 1) // 3]
        assert f"委员{i:03d}" in page and f"user{i:03d}" in page and f"abcd-efgh-{i:04d}" in page
    first = text[0]
    assert first.count("账号通知单") == 3 and first.count(ADDRESS) == 3 and "××县政协" in first
    assert "首次登录后须立即设置自己的新密码" in first and "至少 8 位" in first and "2026年6月15日" in first
    assert first.count("沿虚线剪开") == 2


def test_the_same_slips_are_the_same_bytes():
    assert account_slips(batch(5)) == account_slips(batch(5))
    assert account_slips(batch(5)) != account_slips(batch(5, address="https://other.example/auth/login"))


def test_long_text_shrinks_or_wraps_inside_the_slip():
    fonts.register()
    from reportlab.pdfbase.pdfmetrics import stringWidth
    text, size = fit(LONG_UNIT, fonts.SONG, 11, 300)
    assert stringWidth(text, fonts.SONG, size) <= 300 and text.endswith("…") and size >= 7
    lines = wrap("首次登录后须立即设置自己的新密码，初始密码随即失效。" * 4, fonts.SONG, 9.5, 200)
    assert len(lines) > 1 and all(stringWidth(line, fonts.SONG, 9.5) <= 200 for line in lines)
    assert not any(re.match(r"^[，。、；：）》”]", line) for line in lines)
    slips = (AccountSlip("欧阳" * 20, LONG_UNIT, "政协委员", "a" * 40, "abcd-efgh-jkmn"),)
    assert len(pages(account_slips(batch(1, slips=slips)))) == 1
    assert SLIP_H * 3 <= 842  # three slips fill an A4 page
