"""Links that leave the site come from the public address, never from the Host header a visitor sends; a host the
deployment does not name is refused (400); 127.0.0.1 and localhost always work (`make run`, a health check)."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from app import create_app
from app.addresses import trusted_hosts_setting
from app.doctor import FAIL, OK, diagnose
from app.extensions import db
from app.models import Activity, Category, RecordState, Role, Setting
from conftest import PASSWORD, TEST_CONFIG, text_of

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC = "https://zx.example.gov.cn"


@pytest.fixture
def published(year, make_member) -> Activity:
    """A verified record of a member, published to 委员风采."""
    member = make_member("陈明")
    activity = Activity(unit_id=year["committee_a"].id, member_id=member.id, category=Category.IDEA, kind="提案",
                        title="关于加快农村公路建设的建议", occurred_on=dt.date(2025, 5, 8), state=RecordState.VERIFIED,
                        published=True)
    db.session.add(activity)
    db.session.commit()
    return activity


def set_public_url(url: str) -> None:
    db.session.add(Setting(key="org.public_url", value=url))
    db.session.commit()


def feed_links(response) -> list[str]:
    root = ET.fromstring(response.data)
    return [link.get("href") for link in root.iter(f"{ATOM}link")]


def test_a_forged_host_is_refused_and_the_feed_and_embed_page_link_to_the_public_address(app, client, published):
    set_public_url(PUBLIC)
    app.extensions["trusted_hosts"] = ("www.county.gov.cn",)  # a second name the county's proxy also serves
    for path in ("/public/highlights.xml", "/public/highlights/embed", "/public/highlights", "/verify"):
        refused = client.get(path, headers={"Host": "evil.example"})
        assert refused.status_code == 400, path
        assert "evil.example" not in refused.get_data(as_text=True) and PUBLIC in refused.get_data(as_text=True)
    for host in ("www.county.gov.cn", "localhost", "127.0.0.1:5000"):  # answered, and still the public address
        links = feed_links(client.get("/public/highlights.xml", headers={"Host": host}))
        assert links == [f"{PUBLIC}/public/highlights.xml", f"{PUBLIC}/public/highlights",
                         f"{PUBLIC}/public/highlights/{published.id}"], host
        embed = client.get("/public/highlights/embed", headers={"Host": host}).get_data(as_text=True)
        assert f'href="{PUBLIC}/public/highlights/{published.id}"' in embed
        assert 'href="/static/css/public.css"' in embed and host not in embed  # same origin: the CSP allows it
        page = client.get("/public/highlights", headers={"Host": host}).get_data(as_text=True)
        assert f"{PUBLIC}/public/highlights/embed" in page and f"{PUBLIC}/public/highlights.xml" in page


@pytest.mark.parametrize(("host", "answered"), [
    ("zx.example.gov.cn", True), ("ZX.example.gov.cn:8443", True), ("localhost:5000", True), ("127.0.0.1", True),
    ("app.county.gov.cn", True),  # FLASK_TRUSTED_HOSTS=.county.gov.cn: every subdomain
    ("evil.example", False), ("zx.example.gov.cn.evil.example", False), ("county.gov.cn.evil", False),
    ("192.168.1.5:5000", False)])
def test_only_the_named_hosts_are_answered(app, client, host, answered):
    app.config["PUBLIC_BASE_URL"] = PUBLIC  # the deployment's own address (no database read)
    app.extensions["trusted_hosts"] = (".county.gov.cn",)
    response = client.get("/healthz", headers={"Host": host})
    assert (response.status_code == 200) is answered
    if not answered:
        assert response.status_code == 400 and "FLASK_TRUSTED_HOSTS" in response.get_data(as_text=True)


def test_the_address_set_on_the_organisation_page_is_answered_without_a_restart(client):
    assert client.get("/healthz", headers={"Host": "zx.qingxi.gov.cn"}).status_code == 200  # nothing set yet
    set_public_url("https://zx.qingxi.gov.cn")
    assert client.get("/healthz", headers={"Host": "zx.qingxi.gov.cn"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "other.qingxi.gov.cn"}).status_code == 400


def test_the_account_slips_give_the_public_address_whatever_the_host(app, client, make_user):
    set_public_url(PUBLIC)
    app.extensions["trusted_hosts"] = ("www.county.gov.cn",)
    make_user("admin1", Role.ADMIN)
    host = {"Host": "www.county.gov.cn"}  # the browser signs in on that host: its cookie goes to that host only
    client.post("/auth/login", data={"username": "admin1", "password": PASSWORD}, headers=host)
    page = text_of(client.get("/setup/accounts", headers=host))
    assert f"通知单上的登录地址：{PUBLIC}/auth/login" in page


def test_flask_trusted_hosts_is_read_from_the_environment_and_checked_by_the_app(monkeypatch):
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", "www.county.gov.cn, .qingxi.gov.cn")
    app = create_app(TEST_CONFIG)
    assert app.extensions["trusted_hosts"] == ("www.county.gov.cn", ".qingxi.gov.cn")
    assert app.config["TRUSTED_HOSTS"] is None  # Flask's own check would refuse the address set on 组织信息
    assert trusted_hosts_setting('["a.gov.cn", "B.gov.cn"]') == ("a.gov.cn", "b.gov.cn")
    assert trusted_hosts_setting(None) == ()


@pytest.mark.commits  # the doctor opens connections of its own
def test_the_doctor_fails_while_any_host_is_answered_and_names_the_hosts_once_set(app):
    app.config["PUBLIC_BASE_URL"] = ""
    found = {f.what: f for f in diagnose(app)}
    failed = next(f for what, f in found.items() if "FLASK_TRUSTED_HOSTS" in what)
    assert failed.level == FAIL and "接受任何主机名" in failed.what and "公众访问地址" in failed.fix
    set_public_url(PUBLIC)
    passed = next(f for f in diagnose(app) if "主机名" in f.what)
    assert passed.level == OK and "zx.example.gov.cn、127.0.0.1、localhost" in passed.what
