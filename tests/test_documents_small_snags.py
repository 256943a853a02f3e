"""Small things the office and a member trip over, on the finished demo year: the 奖牌刻字清单 is offered only
when a unit is honoured (else the reason is shown), the 奖励标准 input is styled like every other input, and a
member picks the year of the 履职档案 to download."""
from __future__ import annotations

import re

import sqlalchemy as sa
from conftest import text_of
from conftest import user_named as user

from app.extensions import db
from app.models import Review, ReviewKind, SubjectKind


def annual(kind: SubjectKind) -> Review:
    return db.session.scalar(sa.select(Review).where(Review.subject_kind == kind, Review.kind == ReviewKind.ANNUAL)
                             .order_by(Review.version.desc()))


def test_the_plaque_list_is_offered_only_when_a_unit_is_honoured(client, as_user, finished_year):
    as_user("office")
    members = client.get(f"/documents/review/{annual(SubjectKind.MEMBERS).id}").get_data(as_text=True)
    row = re.search(r"<tr><th>奖牌刻字清单</th>.*?</tr>", members, re.S).group(0)
    assert "name='plaques'" not in row and "plaques" not in row and "<button" not in row
    assert "没有受表彰的单位，不需要制作奖牌" in row
    branches = client.get(f"/documents/review/{annual(SubjectKind.BRANCHES).id}").get_data(as_text=True)
    row = re.search(r"<tr><th>奖牌刻字清单</th>.*?</tr>", branches, re.S).group(0)
    assert "plaques" in row and "<button" in row


def test_the_reward_amount_input_has_a_type_the_stylesheet_styles(client, as_user, finished_year):
    as_user("office")
    page = client.get(f"/documents/review/{annual(SubjectKind.MEMBERS).id}").get_data(as_text=True)
    inputs = re.findall(r'<input id="amount-\d+"[^>]*>', page)
    assert inputs and all('type="text"' in i for i in inputs)
    with open("app/static/css/app.css", encoding="utf-8") as css:
        assert "input[type=text]" in css.read()


def test_a_member_chooses_the_year_of_the_dossier(client, as_user, finished_year):
    as_user("member")
    member_id = user("member").member_id
    html = client.get(f"/members/{member_id}").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/documents/dossier/\d+\.pdf".*?</form>', html, re.S).group(0)
    years = re.findall(r'<option value="(\d{4})"', form)
    assert "2025" in years and re.search(r'<option value="2025" selected>', form)
    assert "年度" in text_of(client.get(f"/members/{member_id}"))
    response = client.get(f"/documents/dossier/{member_id}.pdf?download=1&year=2025")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert "2025" in response.headers["Content-Disposition"]
