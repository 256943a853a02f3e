"""The page frame: error pages in Chinese with no stack trace, a failed request writes nothing, navigation."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Role, Setting
from conftest import text_of


def test_404_page_is_in_chinese(client, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    response = client.get("/members/999999")
    assert response.status_code == 404
    assert "页面不存在" in text_of(response)


def test_403_page_is_in_chinese(client, make_user, login):
    make_user("m", Role.CLERK, units=("committee_a",))
    login("m")
    response = client.get("/members/new")
    assert response.status_code == 403
    assert "无权访问" in text_of(response)


def test_500_rolls_back_and_shows_no_trace(app, client):
    @app.route("/boom")
    def boom():
        db.session.add(Setting(key="half-written", value="x"))
        db.session.flush()
        raise ValueError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    page = text_of(response)
    assert "系统出错" in page and "您的操作没有保存" in page
    assert "secret internal detail" not in page and "Traceback" not in page
    db.session.commit()  # had the handler not rolled back, this would keep the half-written row
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Setting)) == 0


def test_navigation_marks_only_the_current_section(client, make_user, login):
    make_user("root", Role.ADMIN)
    login("root")
    html = client.get("/admin/users").get_data(as_text=True)
    assert html.count('aria-current="page"') == 1
    assert 'href="/admin/users" class="active"' in html
