"""The public certificate check cannot be walked: certificate numbers are sequential, so the page asks for the check
code printed beside the number (the QR code carries it), answers a wrong code as it answers an unknown number, and
takes at most VERIFY_RATE_LIMIT checks a minute from one address."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.documents import certificates
from app.extensions import db
from app.models import Certificate, CertificateKind
from conftest import text_of, user_named
from reports.numerals import certificate_number


@pytest.fixture
def issued(finished_year) -> tuple[list[Certificate], list[str]]:
    """The demo county's 2025 members' certificates, numbered as a print run numbers them, and the addresses their
    QR codes hold."""
    texts, new, _again = certificates.certificate_texts(finished_year, CertificateKind.CERTIFICATE, "strokes",
                                                        user_named("office"))
    db.session.commit()
    found = db.session.scalars(sa.select(Certificate).where(Certificate.number.in_(new))
                               .order_by(Certificate.sequence)).all()
    return list(found), [t.verify_url for t in texts]


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_qr_code_opens_the_check_of_its_certificate(client, issued):
    found, urls = issued
    assert len(set(c.check_code for c in found)) == len(found) > 5  # each its own code
    for url in urls[:3]:
        page = text_of(client.get(local(url)))
        assert "证书真实有效" in page
    cert = next(c for c in found if local(urls[0]).startswith(f"/verify/{c.number}?"))
    typed = " ".join(cert.check_code.lower())  # as a person types it off the paper
    assert "证书真实有效" in text_of(client.get(f"/verify/{cert.number}", query_string={"c": typed}))


def test_the_number_as_printed_checks_as_well_as_the_stored_one(client, issued):
    """The paper prints 2025四个一第0001号 (the stored 2025-四个一-0001 read as "四个一--0001"); a person types either."""
    found, _urls = issued
    cert = found[0]
    printed = certificate_number(cert.number)
    assert printed == f"2025四个一第{cert.sequence:04d}号" and cert.number == f"2025-四个一-{cert.sequence:04d}"
    for typed in (printed, cert.number):
        page = client.get("/verify", query_string={"number": typed, "code": cert.check_code}, follow_redirects=True)
        assert page.status_code == 200 and "证书真实有效" in text_of(page)
        assert printed in text_of(page) and cert.number not in text_of(page)
    assert "证书真实有效" in text_of(client.get(f"/verify/{printed}", query_string={"c": cert.check_code}))


def test_a_number_alone_asks_for_the_code_and_says_nothing_about_the_number(client, issued):
    found, _urls = issued
    cert = found[0]
    given = client.get(f"/verify/{cert.number}")  # an old QR code, or a number typed by hand
    unknown = client.get("/verify/2025-四个一-9999")
    assert given.status_code == unknown.status_code == 200
    assert "请输入校验码" in text_of(given) and cert.subject_name not in text_of(given)
    assert text_of(given).replace(cert.number, "N") == text_of(unknown).replace("2025-四个一-9999", "N")


def test_a_wrong_code_is_answered_like_an_unknown_number(client, issued):
    found, _urls = issued
    cert, other = found[0], found[1]
    wrong = client.get(f"/verify/{cert.number}?c={other.check_code}")
    unknown = client.get(f"/verify/2025-四个一-9999?c={other.check_code}")
    assert wrong.status_code == unknown.status_code == 404
    assert "查无此证" in text_of(wrong) and cert.subject_name not in text_of(wrong)
    assert text_of(wrong).replace(certificate_number(cert.number), "N") == \
        text_of(unknown).replace("2025四个一第9999号", "N")
    certificates.revoke(cert, "事迹不实", user_named("office"))
    db.session.commit()
    assert "此证书已撤销" not in text_of(client.get(f"/verify/{cert.number}?c={other.check_code}"))
    assert "此证书已撤销" in text_of(client.get(f"/verify/{cert.number}?c={cert.check_code}"))


def test_walking_the_numbers_stops_at_the_limit(app, client, issued):
    found, _urls = issued
    app.config["VERIFY_RATE_LIMIT"] = "30 per minute"  # the default
    answers = [client.get(f"/verify/2025-四个一-{n:04d}?c=AAAAAA").status_code for n in range(1, 31)]
    assert answers == [404] * 30
    refused = client.get(f"/verify/{found[0].number}?c={found[0].check_code}")  # even a genuine one, this minute
    assert refused.status_code == 429 and "操作过于频繁" in text_of(refused)
    other = client.get(f"/verify/{found[0].number}?c={found[0].check_code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200 and "证书真实有效" in text_of(other)  # another address is not held up
    assert client.get("/verify").status_code == 200 and client.get("/healthz").status_code == 200


def test_the_office_sees_each_code_beside_its_number(client, as_user, issued, finished_year):
    found, _urls = issued
    as_user("office")
    page = client.get(f"/documents/review/{finished_year.id}").get_data(as_text=True)
    for cert in found[:3]:
        assert cert.check_code in page and f"c={cert.check_code}" in page
