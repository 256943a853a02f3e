"""SQL meta-characters in every search box and free-text filter: a page (never a 500), and a search that matches only
names holding the characters literally (`%` and `_` are not wildcards)."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from test_route_probe import ROUTES, build_world, path_of, rule_methods, sign_in

from app.extensions import db
from app.models import Member
from app.pinyin import search_key
from conftest import text_of

PAYLOADS = ("' OR 1=1 --", "%", "_", "\\", '"; DROP TABLE member; --', "%' --")
# every free-text or choice filter a list page reads from its query string
FILTERS = ("q", "unit", "branch", "category", "state", "status", "kind", "start", "end", "period", "year", "problem",
           "ranking", "group", "sort", "grade", "eligible", "standing", "role", "result", "username", "actor",
           "entity", "action", "with", "page", "printer", "paper", "order")


@pytest.fixture
def county(app, client, tmp_path, finished_year):
    world = build_world(app, tmp_path)
    base = db.session.scalar(sa.select(Member).order_by(Member.id))
    for name, code in (("百分%号", "Z0001"), ("下划_线", "Z0002"), ("反斜\\杠", "Z0003")):
        db.session.add(Member(code=code, name=name, search_key=search_key(name), gender=base.gender,
                              sector_id=base.sector_id, committee_id=base.committee_id, liaison_id=base.liaison_id,
                              term_id=base.term_id))
    db.session.commit()
    sign_in(client, "admin")
    return world


def test_meta_characters_in_every_filter_of_every_list_give_a_page(app, client, county):
    pages = [rule for rule, method in rule_methods(app) if method == "GET" and rule in ROUTES
             and ROUTES[rule].allowed("GET") is not None and "<" not in rule]
    pages += ["/reviews/<int:review_id>"]
    tried = 0
    for rule in pages:
        path = path_of(rule, county.ids["admin"])
        for payload in PAYLOADS:
            response = client.get(f"{path}?{urlencode(dict.fromkeys(FILTERS, payload))}")
            assert response.status_code < 500, (path, payload)
            response.close()
            tried += 1
    assert tried >= 30 * len(PAYLOADS)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 263  # the member table is there


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_search_matches_the_characters_literally(client, county, payload):
    everyone = [m.name for m in db.session.scalars(sa.select(Member).order_by(Member.id).limit(40))]
    literal = {"%": ["百分%号"], "_": ["下划_线"], "\\": ["反斜\\杠"]}.get(payload, [])
    for page in ("/members/", "/activities/subjects.json", "/branches/party-members", "/admin/users",
                 "/activities/", "/dashboard/warnings", f"/reviews/{county.ids['admin']['review']}"):
        response = client.get(f"{page}?{urlencode({'q': payload})}")
        assert response.status_code == 200, (page, payload)
        text = text_of(response) if response.mimetype == "text/html" else str(response.get_json())
        assert not [n for n in everyone if n in text], (page, payload)  # no over-match
        if page in ("/members/", "/activities/subjects.json"):
            shown = text if page == "/members/" else "".join(i["label"] for i in response.get_json())
            assert all(n in shown for n in literal), (page, payload)
            assert [n for n in ("百分%号", "下划_线", "反斜\\杠") if n in shown] == literal, (page, payload)
