"""The printed documents through the web and the command line, on the demo county with its 2025 year finished:
the office previews and downloads every document; certificates are numbered on the first print run and keep their
numbers on a reprint, every print logged; the QR code leads to the public check page, which tells a good, an
unknown and a revoked number apart; before the list is final everything is a 样稿; each role sees only its own."""
from __future__ import annotations

import io
import re

import openpyxl
import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp
from conftest import flat, pdf_text, text_of, user_named

from app.documents import content
from app.extensions import db
from app.models import (Activity, AwardList, Candidate, CandidateState, Certificate, Member, PrinterProfile, PrintLog, Review,
                        RewardAmount, SubjectKind)
from app.reviews import services as reviews

pytestmark = pytest.mark.commits  # certificates print as a job, whose progress is written on a connection of its own






@pytest.fixture
def year(finished_year):
    """The demo county's members review of 2025, every award list final."""
    return finished_year


def qr_of(data: bytes, page: int = 0) -> list[str]:
    image = pdfium.PdfDocument(data)[page].render(scale=3).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)]






def honoured_names(review: Review) -> list[str]:
    return [c.subject_name for a in content.award_lists(review) for c in a.candidates
            if c.state == CandidateState.APPROVED]


def test_the_office_previews_and_downloads_every_document_of_a_final_list(client, as_user, year):
    as_user("office")
    page = client.get(f"/documents/review/{year.id}")
    assert page.status_code == 200 and "正式打印" in text_of(page) and "样稿水印" not in text_of(page)
    names = honoured_names(year)
    for name in ("awards", "plaques", "rewards", "letters", "ranking", "notice", "publicity"):
        response = client.get(f"/documents/review/{year.id}/{name}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf", name
        text = flat(response.data)
        assert "样稿" not in text, name  # final: no watermark
        if name in ("awards", "publicity"):
            assert all(n in text for n in names), name
    download = client.get(f"/documents/review/{year.id}/awards.pdf?order=score&download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    # the same list, asked for twice, is the same file
    assert client.get(f"/documents/review/{year.id}/awards.pdf?order=score").data == download.data
    awards_text = "".join(pdf_text(download.data))
    assert "县政协发〔2025〕18号" in awards_text and year.content_hash[:16] in awards_text
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/documents/review/{year.id}/awards.xlsx").data))
    listed = [row[3] for row in book.active.iter_rows(min_row=2, values_only=True) if row[3]]
    assert sorted(n.replace("\u3000", "") for n in listed) == sorted(names)
    ranking = openpyxl.load_workbook(io.BytesIO(client.get(
        f"/documents/review/{year.id}/ranking.xlsx?ranking=总排名").data))
    assert ranking.active.max_row - 1 == len([r for r in reviews.rows(year) if r.appraised])  # the ranked ones


def test_certificates_are_numbered_on_the_first_print_and_keep_their_numbers(client, as_user, year):
    as_user("office")
    preview = client.get(f"/documents/review/{year.id}/certificates.pdf")
    assert "样稿" in "".join(pdf_text(preview.data))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0  # a preview writes nothing

    printed = client.post(f"/documents/review/{year.id}/certificates.pdf", data={"order": "score"})
    assert printed.status_code == 200
    pages = pdf_text(printed.data)
    names = honoured_names(year)
    assert len(pages) == len(names) and "样稿" not in "".join(pages)
    numbers = [f"2025-四个一-{n:04d}" for n in range(1, len(names) + 1)]
    assert all(f"2025四个一第{n:04d}号" in page for n, page in enumerate(pages, start=1))  # printed form
    assert "荣誉证书" in pages[0] and "特发此证" in pages[0] and "二〇二五年十二月" in pages[0]
    first = db.session.scalar(sa.select(Certificate).where(Certificate.number == numbers[0]))
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", first.check_code) and f"校验码：{first.check_code}" in pages[0]
    # the demo's public address, and the check code the check page asks for
    assert qr_of(printed.data) == [f"http://127.0.0.1:5000/verify/{numbers[0]}?c={first.check_code}"]

    again = client.post(f"/documents/review/{year.id}/certificates.pdf",
                        data={"order": "strokes", "mode": "overlay"})
    assert sorted(p.split("证书编号")[-1] for p in pdf_text(again.data)) == sorted(
        p.split("证书编号")[-1] for p in pages)  # a reprint keeps every number and check code, whatever the order
    one = client.post(f"/documents/review/{year.id}/certificates.pdf", data={"only": numbers[1]})
    assert len(pdf_text(one.data)) == 1 and "2025四个一第0002号" in pdf_text(one.data)[0]
    log = db.session.scalars(sa.select(PrintLog).order_by(PrintLog.id)).all()
    assert [(row.reprint, len(row.numbers.split())) for row in log] == [
        (False, len(names)), (True, len(names)), (True, 1)]
    assert log[0].user_id == user_named("office").id and "套打" in log[1].detail
    page = text_of(client.get(f"/documents/review/{year.id}"))
    assert numbers[0] in page and "补打" in page and "首次打印" in page

    # 奖状 are numbered on their own
    merit = client.post(f"/documents/review/{year.id}/merit.pdf", data={"paper": "A3"})
    assert "2025四个一奖状第0001号" in pdf_text(merit.data)[0] and "授予" in pdf_text(merit.data)[0]


def test_the_public_check_tells_a_good_an_unknown_and_a_revoked_certificate_apart(client, as_user, year):
    as_user("office")
    client.post(f"/documents/review/{year.id}/certificates.pdf")
    cert = db.session.scalar(sa.select(Certificate).order_by(Certificate.sequence))
    member = db.session.get(Member, cert.candidate.subject_id)
    client.post("/auth/logout")

    good = client.get(f"/verify/{cert.number}?c={cert.check_code}")
    text = text_of(good)
    assert good.status_code == 200 and "证书真实有效" in text
    assert cert.subject_name in text and "2025年度优秀政协委员" in text and "中国人民政治协商会议演示县委员会" in text
    assert member.phone not in text and member.employer not in text  # name, award, year, issuer: nothing else
    unknown = client.get(f"/verify/2025-四个一-9999?c={cert.check_code}")
    assert unknown.status_code == 404 and "查无此证" in text_of(unknown)
    assert client.get(f"/verify?number={cert.number}&code={cert.check_code}").headers["Location"].endswith(
        f"?c={cert.check_code}")

    as_user("office")
    refused = client.post(f"/documents/certificates/{cert.id}/revoke", data={"reason": " "})
    assert refused.status_code == 422 and "请写明撤销理由" in text_of(refused)
    client.post(f"/documents/certificates/{cert.id}/revoke", data={"reason": "公示后查实事迹不实"})
    client.post("/auth/logout")
    revoked = client.get(f"/verify/{cert.number}?c={cert.check_code}")
    assert "此证书已撤销" in text_of(revoked) and cert.subject_name not in text_of(revoked)


def test_before_the_list_is_final_every_document_is_a_draft_and_nothing_is_numbered(client, as_user, app,
                                                                                      annual_review):
    review = annual_review
    from app.awards import services as awards
    award_list = awards.open_lists(review, user_named("office"))[0]
    standing = next(s for s in awards.board(award_list).standings.values() if s.suggested)
    awards.recommend(award_list, standing.subject_id, "事迹", user_named("office"))
    awards.submit(award_list, user_named("office"))
    db.session.commit()
    as_user("office")
    assert "样稿" in "".join(pdf_text(client.get(f"/documents/review/{review.id}/awards.pdf").data))
    printed = client.post(f"/documents/review/{review.id}/certificates.pdf")
    assert "样稿" in "".join(pdf_text(printed.data)) and standing.name in pdf_text(printed.data)[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    # no 公示 yet: the notice says why instead of an empty document
    response = client.get(f"/documents/review/{review.id}/publicity.pdf", follow_redirects=True)
    assert "名单还没有公示" in text_of(response)


def test_reward_amounts_are_checked_beside_the_field_and_feed_the_reward_sheet(client, as_user, year):
    as_user("office")
    bad = client.post(f"/documents/review/{year.id}/rewards", data={"amount-0": "一千"})
    assert bad.status_code == 422 and "请填写金额" in text_of(bad)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RewardAmount)) == 0
    client.post(f"/documents/review/{year.id}/rewards", data={"amount-0": "1,000"})
    count = len(honoured_names(year))
    sheet = "".join(pdf_text(client.get(f"/documents/review/{year.id}/rewards.pdf").data))
    assert f"{1000 * count:,}.00" in sheet
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/documents/review/{year.id}/rewards.xlsx").data))
    values = [v for row in book.worksheets[0].iter_rows(values_only=True) for v in row if isinstance(v, (int, float))]
    assert 1000 * count in values


def test_printer_profiles_and_their_calibration_page(client, as_user, year):
    as_user("office")
    bad = client.post("/documents/printers/new", data={"name": "办公室惠普", "dx_mm": "3.5", "dy_mm": "-2",
                                                       "scale": "2"})
    assert bad.status_code == 422 and "缩放比例应在 0.8 到 1.2 之间" in text_of(bad)
    client.post("/documents/printers/new", data={"name": "办公室惠普", "dx_mm": "3.5", "dy_mm": "-2", "scale": "1"})
    profile = db.session.scalar(sa.select(PrinterProfile))
    assert (str(profile.dx_mm), str(profile.dy_mm)) == ("3.5", "-2")
    page = client.get(f"/documents/calibration.pdf?printer={profile.id}")
    assert page.mimetype == "application/pdf" and "3.5" in pdf_text(page.data)[0]
    plain = client.post(f"/documents/review/{year.id}/certificates.pdf", data={"mode": "overlay"})
    moved = client.post(f"/documents/review/{year.id}/certificates.pdf",
                        data={"mode": "overlay", "printer": profile.id})
    assert plain.data != moved.data and "荣誉证书" not in pdf_text(plain.data)[0]


def test_settings_choose_the_issuer_and_where_the_qr_codes_point(client, as_user, year):
    as_user("admin")  # the public address is the organisation's, set by the admin
    bad = client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议演示县委员会",
                                                   "public_url": "ftp://x"})
    assert "请填写以 http:// 或 https:// 开头的地址" in text_of(bad)
    client.post("/setup/organisation", data={"full_name": "中国人民政治协商会议演示县委员会",
                                             "public_url": "https://zx.example.gov.cn/"})
    as_user("office")  # the issuer of one activity's documents may differ from the organisation's name
    client.post("/documents/settings", data={"issuer_cppcc": "中国人民政治协商会议某某县委员会"})
    printed = client.post(f"/documents/review/{year.id}/certificates.pdf")
    assert re.fullmatch(r"https://zx\.example\.gov\.cn/verify/2025-四个一-\d{4}\?c=[2-9A-Z]{6}", qr_of(printed.data)[0])
    assert "中国人民政治协商会议某某县委员会" in pdf_text(printed.data)[0]


def test_each_role_sees_only_its_own_documents(client, as_user, year):
    clerk_member = db.session.scalar(sa.select(Member).where(Member.name == user_named("member").display_name))
    other = db.session.scalar(sa.select(Member).where(Member.id != clerk_member.id,
                                                      Member.liaison_id != clerk_member.liaison_id,
                                                      Member.committee_id != clerk_member.committee_id))
    assert client.get(f"/documents/dossier/{clerk_member.id}.pdf").status_code == 302  # sign in first
    as_user("member")
    mine = client.get(f"/documents/dossier/{clerk_member.id}.pdf")
    assert mine.status_code == 200 and clerk_member.name in pdf_text(mine.data)[0]
    assert client.get(f"/documents/dossier/{other.id}.pdf").status_code == 404
    assert client.get(f"/documents/review/{year.id}/awards.pdf").status_code == 403
    as_user("clerk")
    assert client.get(f"/documents/dossier/{clerk_member.id}.pdf").status_code == 200
    assert client.get(f"/documents/dossier/{other.id}.pdf").status_code == 404
    for url in ("/documents/", f"/documents/review/{year.id}", f"/documents/review/{year.id}/ranking.pdf",
                "/documents/settings", "/documents/calibration.pdf"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/documents/review/{year.id}/certificates.pdf").status_code == 403


def test_the_dossier_shows_the_years_records_attendance_and_score(client, as_user, year):
    member = db.session.scalar(sa.select(Member).where(Member.name == user_named("member").display_name))
    as_user("member")
    text = "".join(pdf_text(client.get(f"/documents/dossier/{member.id}.pdf?year=2025").data))
    entry = next(r for r in reviews.rows(year) if r.subject_id == member.id)
    assert f"{member.name} 2025年度履职档案" in text.replace("\n", " ") or f"{member.name}2025年度履职档案" in text
    assert str(entry.score) in text and entry.grade in text and member.sector.name in text
    titles = db.session.scalars(sa.select(Activity.title).where(Activity.member_id == member.id,
                                                                 sa.extract("year", Activity.occurred_on) == 2025)
                                .order_by(Activity.occurred_on)).all()
    flattened = re.sub(r"\s", "", text)
    assert titles and all(re.sub(r"\s", "", t)[:8] in flattened for t in titles)


def test_the_command_line_prints_with_the_same_numbers_and_logs_it(app, year, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "证书.pdf"
    result = runner.invoke(args=["report", "certificates", "--review", str(year.id), "--order", "score",
                                 "--user", "office", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = pdf_text(out.read_bytes())
    assert len(pages) == len(honoured_names(year)) and "2025四个一第0001号" in pages[0]
    log = db.session.scalar(sa.select(PrintLog))
    assert log.user_id == user_named("office").id and not log.reprint
    sheet = tmp_path / "名单.xlsx"
    assert runner.invoke(args=["report", "awards", "--review", str(year.id), "-o", str(sheet)]).exit_code == 0
    assert openpyxl.load_workbook(sheet).active.max_row > 1
    bad = runner.invoke(args=["report", "awards", "--review", "999", "-o", str(sheet)])
    assert bad.exit_code != 0 and "没有编号为 999 的考评" in bad.output
    units = db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.UNITS))
    refused = runner.invoke(args=["report", "dossier", "--review", str(units.id), "-o", str(out)])
    assert refused.exit_code != 0 and "履职档案只有政协委员考评才有" in refused.output


def test_an_upheld_objection_leaves_the_name_off_every_document(client, as_user, year):
    award_list = db.session.scalar(sa.select(AwardList).where(AwardList.review_id == year.id))
    removed = award_list.candidates[0]
    removed.state = CandidateState.REMOVED  # as handle_objection does, upheld
    db.session.commit()
    as_user("office")
    for name in ("awards", "letters", "rewards"):
        assert removed.subject_name not in flat(client.get(f"/documents/review/{year.id}/{name}.pdf").data), name
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate).where(
        Candidate.state == CandidateState.APPROVED, Candidate.award_list_id == award_list.id)) == len(
        award_list.candidates) - 1


@pytest.mark.slow  # 255 dossiers, 578 pages
def test_every_members_dossier_in_one_pdf_each_numbered_on_its_own(client, as_user, year):
    as_user("office")
    token = re.search(r'name="request_token" value="([0-9a-f]{32})"[^<]*<button[^>]*>生成<',
                      client.get(f"/documents/review/{year.id}").get_data(as_text=True)).group(1)
    job = client.post(f"/documents/review/{year.id}/dossier.pdf", data={"request_token": token})
    assert job.status_code == 302 and job.headers["Location"].startswith("/jobs/")  # made as a background job
    response = client.get(job.headers["Location"] + "/result")
    pages = pdf_text(response.data)
    response.close()
    firsts = [p for p in pages if "2025年度履职档案" in p.replace(" ", "")]
    assert len(firsts) == len(reviews.rows(year))  # one dossier for each member of the review
    assert all(re.search(r"第\s*1\s*页", p) for p in firsts)  # each dossier counts its own pages
