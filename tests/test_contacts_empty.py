"""四联系 in a county that starts from an empty database (no demo): every page opens with nothing in it, the office
assigns and reassigns, a 常委 with an account logs their contacts and reads their reminder, a member logs a contact
with the masses, a 专委会 its visit, and the report prints — with the shipped 2025 rule files in force."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator

import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.models import Activity, Contact, ContactLink, MassContact, RecordState, Role, Setting
from conftest import text_of


@contextlib.contextmanager
def on(day: dt.date) -> Iterator[None]:
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_a_new_county_keeps_its_contacts_from_nothing(app, client, year, make_member, make_user, login, tmp_path):
    standing = make_member("王常委", is_standing=True)
    plain = make_member("李委员", sector="sector_b", committee="committee_b", liaison="liaison_b")
    other = make_member("赵委员")
    db.session.add(Setting(key="password_max_age_days", value="0"))
    db.session.commit()
    make_user("office", Role.OFFICE)
    make_user("wang", Role.MEMBER, member_id=standing.id)
    make_user("li", Role.MEMBER, member_id=plain.id)
    with on(dt.date(2025, 10, 9)):
        login("office")
        for url in ("/contacts/", "/contacts/?show=uncontacted", "/contacts/?show=committees", "/contacts/links",
                    "/contacts/log", "/contacts/masses", "/contacts/?behind=1"):
            assert client.get(url).status_code == 200, url
        assert "尚无分工。" in text_of(client.get("/contacts/links"))
        for who, starts in ((plain, "2025-01-01"), (other, "2025-01-01")):
            assert client.post("/contacts/links", data={"kind": "STANDING_MEMBER", "from_member_id": standing.id,
                                                       "to_member_id": who.id, "starts_on": starts}).status_code == 302
        assert client.post("/contacts/links", data={"kind": "COMMITTEE_UNIT", "from_unit_id": year["committee_a"].id,
                                                   "to_unit_id": year["sector_b"].id,
                                                   "starts_on": "2025-01-01"}).status_code == 302
        assert "1 位常委本半年联系委员未过半" in text_of(client.get("/"))
        assert client.post("/contacts/log/units", data={"occurred_on": "2025-09-01", "form": "VISIT",
                                                        "by_unit_id": year["committee_a"].id,
                                                        "unit_id": year["sector_b"].id}).status_code == 302
        client.post("/auth/logout")
        login("wang")
        assert "您联系的委员中还有 2 位本半年未联系" in text_of(client.get("/"))
        assert client.post("/contacts/mine", data={"occurred_on": "2025-09-15", "form": "PHONE",
                                                   "member_id": plain.id, "content": "电话了解近况"}).status_code == 302
        assert "您联系的委员中还有 1 位本半年未联系" in text_of(client.get("/"))
        refused = client.post("/contacts/mine", data={"occurred_on": "2025-09-15", "form": "PHONE",
                                                      "member_id": standing.id})
        assert "请选择当天分工由您联系的委员。" in text_of(refused)
        client.post("/auth/logout")
        login("li")
        assert "我联系的委员" not in text_of(client.get("/contacts/mine"))
        assert client.post("/contacts/masses", data={"occurred_on": "2025-09-20", "form": "FORUM",
                                                     "people": "教师代表", "issues": "校车不足"}).status_code == 302
        assert "教师代表" in text_of(client.get("/contacts/mine"))
    db.session.expire_all()
    contact = db.session.scalar(sa.select(Contact).where(Contact.by_member_id == standing.id))
    assert contact.activity.kind == "联系委员" and contact.activity.self_reported
    assert contact.activity.state == RecordState.SUBMITTED
    entry = db.session.scalar(sa.select(MassContact))
    assert entry.member_id == plain.id and entry.sector_id == year["sector_b"].id
    assert entry.activity.kind == "联系界别群众"
    assert db.session.scalar(sa.select(sa.func.count(ContactLink.id))) == 3
    assert db.session.scalar(sa.select(sa.func.count(Activity.id))) == 2
    result = app.test_cli_runner().invoke(args=["report", "contacts", "--year", "2025", "-o",
                                                str(tmp_path / "c.pdf")])
    assert result.exit_code == 0 and re.search(r"委员联系界别群众 1 次", result.output), result.output
