"""Numbered certificates are printed only once the organisation says who signs them and where their QR codes lead:
the page, the print run, the command line and `flask doctor` agree; a 样稿 preview works all along."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import pdf_text, text_of

from app.doctor import WARN, diagnose
from app.extensions import db
from app.models import Certificate, PrintLog, Review, Setting, SubjectKind

pytestmark = pytest.mark.commits  # certificates print as a job, whose progress is written on a connection of its own

UNSET = ("org.full_name", "org.public_url", "org.party_committee")


@pytest.fixture
def unset(finished_year):
    """The finished demo year, as a county that never filled in its organisation would have it."""
    db.session.execute(sa.delete(Setting).where(Setting.key.in_(UNSET)))
    db.session.commit()
    return finished_year


def counts() -> tuple[int, int]:
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)),
            db.session.scalar(sa.select(sa.func.count()).select_from(PrintLog)))


def test_the_print_run_is_refused_until_the_issuer_and_the_public_address_are_set(client, as_user, unset):
    as_user("office")
    page = text_of(client.get(f"/documents/review/{unset.id}"))
    assert "还不能正式打印证书：请先设置政协全称（证书落款）、公众访问地址（证书二维码指向）" in page
    assert "正式打印（编号并登记）" not in page and "请联系系统管理员" in page
    refused = client.post(f"/documents/review/{unset.id}/certificates.pdf", follow_redirects=True)
    assert "还不能正式打印证书" in text_of(refused) and "组织信息" in text_of(refused)
    assert counts() == (0, 0)
    preview = client.get(f"/documents/review/{unset.id}/certificates.pdf")
    assert preview.status_code == 200 and "样稿" in "".join(pdf_text(preview.data))

    as_user("admin")
    refused = client.post(f"/documents/review/{unset.id}/merit.pdf", follow_redirects=True)
    assert 'href="/setup/organisation"' in refused.get_data(as_text=True)  # the admin is led to the page
    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会"})
    as_user("office")
    still = text_of(client.get(f"/documents/review/{unset.id}"))
    assert "请先设置公众访问地址" in still and counts() == (0, 0)

    as_user("admin")
    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会",
                                             "public_url": "https://zx.qingshan.example.gov.cn"})
    as_user("office")
    printed = client.post(f"/documents/review/{unset.id}/certificates.pdf")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    first = pdf_text(printed.data)[0]
    assert "中国人民政治协商会议青山县委员会" in first and "2025四个一第0001号" in first
    assert counts()[0] > 0


def test_the_party_certificates_need_the_township_party_committee(client, as_user, unset):
    as_user("admin")
    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会",
                                             "public_url": "https://zx.example.gov.cn"})
    branches = db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.BRANCHES))
    refused = client.post(f"/documents/review/{branches.id}/merit.pdf", follow_redirects=True)
    assert "请先设置镇党委全称（证书落款）" in text_of(refused) and counts() == (0, 0)
    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议青山县委员会",
                                             "party_committee": "中共大源镇委员会",
                                             "public_url": "https://zx.example.gov.cn"})
    printed = client.post(f"/documents/review/{branches.id}/merit.pdf")
    assert printed.mimetype == "application/pdf" and "中共大源镇委员会" in pdf_text(printed.data)[0]


def test_the_report_command_refuses_too_and_a_preview_still_works(app, unset, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "c.pdf"
    refused = runner.invoke(args=["report", "certificates", "--review", str(unset.id), "-o", str(out)])
    assert refused.exit_code == 1 and "还不能正式打印证书" in refused.output and not out.exists()
    preview = runner.invoke(args=["report", "certificates", "--review", str(unset.id), "--preview", "-o", str(out)])
    assert preview.exit_code == 0 and out.exists() and counts() == (0, 0)
    runner.invoke(args=["org", "set", "--full-name", "中国人民政治协商会议青山县委员会",
                        "--public-url", "https://zx.example.gov.cn"])
    assert runner.invoke(args=["report", "certificates", "--review", str(unset.id), "-o", str(out)]).exit_code == 0
    assert counts()[0] > 0


def test_the_doctor_agrees(app, unset):
    app.config["PUBLIC_BASE_URL"] = ""
    warned = {f.what for f in diagnose(app) if f.level == WARN}
    assert any("没有设置公众访问地址" in w for w in warned) and any("没有设置政协全称" in w for w in warned)
    app.config["PUBLIC_BASE_URL"] = "https://zx.example.gov.cn"  # the deployment's address counts as set
    db.session.add(Setting(key="org.full_name", value="中国人民政治协商会议青山县委员会"))
    db.session.commit()
    warned = {f.what for f in diagnose(app) if f.level == WARN}
    assert not any("公众访问地址" in w or "政协全称" in w for w in warned)
