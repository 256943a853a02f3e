"""The 表彰决定 itself: its default text names every award with its count and the approving meeting; the office edits
主送, body and closing until every list is final, and the PDF and the Word file print what it saved; then the text
is locked; a leader reads it, other roles get nothing; `flask report decision` writes both formats."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import flat, text_of
from test_documents_word import words

import reports.model as rm
from app.documents import content, decision_text
from app.extensions import db
from app.models import AuditLog, AwardListState, DecisionText, Review
from reports.decision import default_text

BODY = "经县政协常委会议审议，决定对下列同志予以表彰。\n\n本段为办公室改写的第二段，用于核对打印结果。"


def _honoree(name: str, organisation: bool = False) -> rm.Honoree:
    return rm.Honoree(name=name, unit="提案委员会", organisation=organisation)


def test_the_default_grants_each_award_with_its_first_name_and_count() -> None:
    found = rm.Decision(
        title="关于表彰2025年度“四个一”活动优秀政协委员和先进集体的决定", issuer="政协某县委员会", year=2025,
        approval=rm.Approval("常委会议", "县政协第十届常委会第十五次会议", dt.date(2025, 12, 19), "县政协发〔2025〕18号"),
        awards=(rm.Award("优秀政协委员", (_honoree("王五"), _honoree("丁一"), _honoree("张三"))),
                rm.Award("“四个一”活动先进集体", (_honoree("提案委员会", True),)),
                rm.Award("特别贡献奖", ())))
    text = default_text(found, "四个一", party=False)
    said = "".join(text.body)
    assert "授予丁一等3名同志“优秀政协委员”称号" in said  # the first in surname-stroke order: 丁 before 王 and 张
    assert "授予提案委员会“‘四个一’活动先进集体”称号" in said  # quotes inside quotes become ‘…’
    assert "特别贡献奖" not in said  # nobody to grant it to
    assert "县政协第十届常委会第十五次会议于2025年12月19日审议通过" in said
    assert text.addressees.endswith("各位政协委员：") and "“四个一”活动" in text.closing
    assert "希望受到表彰的单位和委员" in said


def test_a_party_decision_addresses_the_branches() -> None:
    found = rm.Decision(title="关于表彰…的决定", issuer="中共某镇委员会", year=2025,
                        approval=rm.Approval("党委会议"),
                        awards=(rm.Award("先进党组织", (_honoree("甲厂党支部", True), _honoree("乙厂党支部", True))),))
    text = default_text(found, "双比双争", party=True)
    assert text.addressees == "各非公企业党组织："
    assert "党委会议审议通过，决定授予" in text.body[1] and "等2个党组织“先进党组织”称号" in text.body[1]
    assert "“双比双争”" in text.closing


def test_every_review_gets_a_default_naming_its_awards_counts_and_meeting(finished_year):
    reviews = db.session.scalars(sa.select(Review).order_by(Review.id)).all()
    assert len(reviews) == 4
    for review in reviews:
        text = "".join(decision_text.generated(review).body)
        found = content.decision(review)
        assert [a for a in found.awards if a.honorees], review.id
        for award in found.awards:
            quoted = "“" + award.category.replace("“", "‘").replace("”", "’") + "”称号"
            assert quoted in text, (review.id, award.category)
            if len(award.honorees) > 1:
                assert f"等{len(award.honorees)}" in text, (review.id, award.category)
        assert found.approval.meeting in text and "于2025年12月19日审议通过" in text, review.id


def _reopen(review: Review) -> None:
    """The lists back in 公示 (not final), as before 定稿."""
    for award_list in content.award_lists(review):
        award_list.state = AwardListState.PUBLISHED
    db.session.commit()


def test_the_office_edits_the_text_and_the_pdf_and_word_file_print_it(client, as_user, finished_year):
    _reopen(finished_year)
    as_user("office")
    page = client.get(f"/documents/review/{finished_year.id}/decision")
    assert page.status_code == 200
    assert "县政协第十届常委会第十五次会议" in text_of(page) and "<textarea" in page.text  # the default, to edit
    response = client.post(f"/documents/review/{finished_year.id}/decision",
                           data={"addressees": "各专委会，全体委员：", "body": BODY, "closing": "特此决定。"})
    assert response.status_code == 302
    assert "表彰决定的正文已保存" in text_of(client.get(response.location))
    kept = decision_text.stored(finished_year)
    assert kept is not None and kept.body == BODY.replace("\n\n", "\n")  # the blank line dropped
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity == "decision_text", AuditLog.entity_id == kept.id)) == 3  # 主送, body, closing

    pdf = client.get(f"/documents/review/{finished_year.id}/decision.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = flat(pdf.data)
    assert "各专委会，全体委员：" in text and "本段为办公室改写的第二段" in text and "特此决定。" in text
    assert "附件：表彰名单" in text and "样稿" in text  # not final: a 样稿
    assert "上官振亮等" not in text  # the default's words are gone
    names = [c.subject_name for a in content.award_lists(finished_year) for c in content.honoured(a)]
    assert all(name in text.replace("\u3000", "") for name in names)  # the 名单 as its 附件

    document = client.get(f"/documents/review/{finished_year.id}/decision.docx")
    assert document.status_code == 200 and "attachment" in document.headers["Content-Disposition"]
    said = words(document.data)
    assert "各专委会，全体委员：" in said and "本段为办公室改写的第二段" in said and "特此决定。" in said
    assert "附件：表彰名单" in said and all(name in said for name in names)


def test_bad_text_is_refused_beside_its_field(client, as_user, finished_year):
    _reopen(finished_year)
    as_user("office")
    response = client.post(f"/documents/review/{finished_year.id}/decision",
                           data={"addressees": "各专委会\n全体委员：", "body": "", "closing": "号" * 2001})
    assert response.status_code == 422
    page = text_of(response)
    assert "不能包含换行或控制字符" in page and "请填写决定正文" in page and "2000" in page
    assert decision_text.stored(finished_year) is None


def test_the_text_is_locked_once_every_list_is_final(client, as_user, finished_year):
    _reopen(finished_year)
    as_user("office")
    client.post(f"/documents/review/{finished_year.id}/decision",
                data={"addressees": "各专委会：", "body": BODY, "closing": ""})
    for award_list in content.award_lists(finished_year):
        award_list.state = AwardListState.FINAL
    db.session.commit()

    refused = client.post(f"/documents/review/{finished_year.id}/decision",
                          data={"addressees": "改动：", "body": "改动后的正文", "closing": ""}, follow_redirects=True)
    assert "表彰决定的正文已锁定" in text_of(refused) and "<textarea" not in refused.text
    assert decision_text.stored(finished_year).addressees == "各专委会："
    text = flat(client.get(f"/documents/review/{finished_year.id}/decision.pdf").data)
    assert "各专委会：" in text and "改动后的正文" not in text and "样稿" not in text


def test_a_review_without_award_lists_has_no_decision_yet(client, as_user, annual_review):
    as_user("office")
    response = client.get(f"/documents/review/{annual_review.id}/decision", follow_redirects=True)
    assert "还没有开始表彰评选" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DecisionText)) == 0


def test_a_leader_reads_the_text_and_cannot_change_it(client, as_user, finished_year):
    _reopen(finished_year)
    as_user("leader")
    award_list = content.award_lists(finished_year)[0]
    assert f'href="/documents/review/{finished_year.id}/decision"' in client.get(f"/awards/{award_list.id}").text
    page = client.get(f"/documents/review/{finished_year.id}/decision")
    assert page.status_code == 200 and "<textarea" not in page.text
    assert "县政协第十届常委会第十五次会议" in text_of(page)
    response = client.post(f"/documents/review/{finished_year.id}/decision",
                           data={"addressees": "领导改：", "body": "领导改的正文", "closing": ""})
    assert response.status_code == 403 and decision_text.stored(finished_year) is None
    assert client.get(f"/documents/review/{finished_year.id}/decision.pdf").status_code == 403


@pytest.mark.parametrize("role", ["clerk", "member", "liaison"])
def test_other_roles_get_no_decision(client, as_user, finished_year, role):
    as_user(role)
    for method in ("get", "post"):
        response = getattr(client, method)(f"/documents/review/{finished_year.id}/decision",
                                           data={"addressees": "越权：", "body": "越权", "closing": ""})
        assert response.status_code in (403, 404), (role, method)
    assert client.get(f"/documents/review/{finished_year.id}/decision.docx").status_code in (403, 404)
    assert decision_text.stored(finished_year) is None


def test_the_command_line_writes_the_decision_in_both_formats(app, finished_year, tmp_path):
    runner = app.test_cli_runner()
    for suffix in ("pdf", "docx"):
        out = tmp_path / f"表彰决定.{suffix}"
        result = runner.invoke(args=["report", "decision", "--review", str(finished_year.id), "-o", str(out)])
        assert result.exit_code == 0, result.output
        text = flat(out.read_bytes()) if suffix == "pdf" else words(out.read_bytes())
        assert "关于表彰2025年度“四个一”活动优秀政协委员的决定" in text, suffix
        assert "各位政协委员：" in text and "附件：表彰名单" in text and "二〇二五年十二月十九日" in text, suffix
