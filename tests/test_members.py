"""政协委员 list, search by name or pinyin initials, paging, create and edit."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Member, Role, Term
from conftest import text_of


def form_data(county, **changes):
    data = {"code": "W0100", "name": "单雄", "gender": "MALE", "party": "民盟",
            "sector_id": county["sector_a"].id, "committee_id": county["committee_a"].id,
            "liaison_id": 0, "term_id": db.session.scalar(sa.select(Term.id)), "is_standing": "y",
            "employer": "县人民医院", "position": "院长", "phone": "0724-1234567", "active": "y"}
    data.update(changes)
    return data


def test_search_by_pinyin_initials_and_by_name(client, make_member, make_user, login):
    for name in ("张三", "张思远", "李四", "单雄"):
        make_member(name)
    make_user("office1", Role.OFFICE)
    login("office1")
    page = text_of(client.get("/members/?q=zs"))
    assert "张三" in page and "张思远" in page and "李四" not in page
    page = text_of(client.get("/members/?q=张"))
    assert "张三" in page and "李四" not in page
    page = text_of(client.get("/members/?q=sx"))  # 单 read as a surname: shàn
    assert "单雄" in page and "张三" not in page
    page = text_of(client.get("/members/?q=zhangsan"))
    assert "张三" in page and "张思远" not in page


def test_search_with_sql_and_like_characters_finds_nothing_and_breaks_nothing(client, make_member,
                                                                               make_user, login):
    make_member("张三")
    make_user("office1", Role.OFFICE)
    login("office1")
    for q in ("%", "_", "' OR 1=1 --", "\\"):
        response = client.get("/members/", query_string={"q": q})
        assert response.status_code == 200
        assert "张三" not in text_of(response)


def test_list_pages_and_counts(app, client, make_member, make_user, login):
    for n in range(45):
        make_member(f"委员{n:02d}", code=f"W{n:04d}")
    make_user("office1", Role.OFFICE)
    login("office1")
    first = text_of(client.get("/members/"))
    assert "共 45 人" in first and "委员00" in first and "委员20" not in first
    third = text_of(client.get("/members/?page=3"))
    assert "委员40" in third and "委员00" not in third
    assert client.get("/members/?page=99").status_code == 200


def test_filters_by_unit_and_standing(client, county, make_member, make_user, login):
    make_member("张三", committee="committee_a", is_standing=True)
    make_member("李四", committee="committee_b", sector="sector_b", liaison="liaison_b")
    make_user("office1", Role.OFFICE)
    login("office1")
    page = text_of(client.get(f"/members/?unit={county['committee_b'].id}"))
    assert "李四" in page and "张三" not in page
    page = text_of(client.get("/members/?standing=1"))
    assert "张三" in page and "李四" not in page


def test_office_adds_a_member(client, county, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    response = client.post("/members/new", data=form_data(county), follow_redirects=True)
    assert "已添加委员 单雄" in text_of(response)
    member = db.session.scalar(sa.select(Member).where(Member.code == "W0100"))
    assert member.is_standing and member.liaison_id is None and member.party == "民盟"
    assert "|sx" in member.search_key


def test_member_form_errors_are_shown_beside_the_field_and_nothing_is_saved(client, county, make_member,
                                                                           make_user, login):
    make_member("张三", code="W0001")
    make_user("office1", Role.OFFICE)
    login("office1")
    response = client.post("/members/new", data=form_data(county, code="W0001"))
    assert "编号 W0001 已被其他委员使用" in text_of(response)
    response = client.post("/members/new", data=form_data(county, code="W 1", name="", sector_id=0,
                                                           phone="abc"))
    page = text_of(response)
    assert "编号只能包含字母" in page and "请选择界别" in page and "电话号码只能包含" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1


def test_office_edits_a_member(client, county, make_member, make_user, login):
    member = make_member("张三")
    make_user("office1", Role.OFFICE)
    login("office1")
    page = text_of(client.get(f"/members/{member.id}/edit"))
    assert "编辑委员：张三" in page
    response = client.post(f"/members/{member.id}/edit",
                           data=form_data(county, code=member.code, name="张三丰", is_standing=""))
    assert response.status_code == 302
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert member.name == "张三丰" and "|zsf" in member.search_key and not member.is_standing


def test_inactive_members_are_hidden_unless_asked_for(client, make_member, make_user, login):
    make_member("张三")
    make_member("李四", active=False)
    make_user("office1", Role.OFFICE)
    login("office1")
    assert "李四" not in text_of(client.get("/members/"))
    assert "李四" in text_of(client.get("/members/?inactive=1"))


def test_dossier_shows_the_four_ones_and_cosigned_work(client, county, make_member, make_user, login):
    import datetime as dt

    from app.models import Activity, ActivityParticipant, Category, RecordState
    first, cosigner = make_member("张三"), make_member("李四")
    joint = Activity(unit_id=county["committee_a"].id, member_id=first.id, category=Category.IDEA, kind="提案",
                     title="关于老旧小区改造的提案", occurred_on=dt.date(2025, 3, 1), state=RecordState.VERIFIED)
    joint.participants = [ActivityParticipant(position=1, member_id=first.id),
                          ActivityParticipant(position=2, member_id=cosigner.id)]
    db.session.add_all([joint, Activity(unit_id=county["committee_a"].id, member_id=cosigner.id,
                                        category=Category.RELIEF, kind="捐资助学", title="资助贫困学生",
                                        occurred_on=dt.date(2025, 4, 1), state=RecordState.SUBMITTED)])
    db.session.commit()
    make_user("office1", Role.OFFICE)
    login("office1")
    page = text_of(client.get(f"/members/{cosigner.id}"))
    assert "关于老旧小区改造的提案 联名" in page
    assert "1 献一智" in page  # the co-signed, verified proposal counts
    assert "0 解一难 · 尚未完成" in page  # only submitted, not yet verified
