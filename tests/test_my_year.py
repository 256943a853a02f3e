"""我的本年: a member's home, their year so far scored as a review would score them; only their own."""
from __future__ import annotations

import time

from conftest import text_of


def test_demo_member_home_is_my_year_and_quick(client, as_user, demo):
    as_user("member")
    client.get("/")
    started = time.perf_counter()
    page = client.get("/")
    took = time.perf_counter() - started
    text = text_of(page)
    print(took, text[:3000])
    assert page.status_code == 200 and "暂计" in text
    assert took < 0.3
