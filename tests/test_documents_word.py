"""The Word versions through the web and the command line, on the demo county with its 2025 year finished: the
office downloads the 表彰名单, 通报名单, 公示通知 and 抄送函 as .docx beside the PDFs; the 名单 follows the unit order
the office set; `flask report … -o FILE.docx` writes the same; other roles get nothing."""
from __future__ import annotations

import io
import re

import docx
import pytest
from conftest import text_of

from app.documents import content
from app.extensions import db
from app.models import CandidateState

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def words(data: bytes) -> str:
    """Every text of the document, tables included, without spaces."""
    document = docx.Document(io.BytesIO(data))
    return re.sub(r"\s", "", "".join(t.text or "" for t in document.element.body.iter()
                                     if t.tag.endswith("}t")))


def approved(review) -> list:
    return [c for a in content.award_lists(review) for c in a.candidates if c.state == CandidateState.APPROVED]


def test_the_office_downloads_the_word_versions_beside_the_pdfs(client, as_user, finished_year):
    as_user("office")
    page = client.get(f"/documents/review/{finished_year.id}")
    assert text_of(page).count("下载 Word") == 5  # 表彰决定, 表彰名单, 抄送函, 公示通知, 通报名单
    for name in ("decision", "awards", "letters", "publicity", "notice"):
        assert f'formaction="/documents/review/{finished_year.id}/{name}.docx"' in page.text, name
    names = [c.subject_name for c in approved(finished_year)]
    for name, title in (("awards", "名单"), ("letters", "抄送"), ("publicity", "公示"), ("notice", "通报名单")):
        response = client.get(f"/documents/review/{finished_year.id}/{name}.docx", query_string={"download": "1"})
        assert response.status_code == 200 and response.mimetype == DOCX, name
        assert "attachment" in response.headers["Content-Disposition"] and ".docx" in response.headers[
            "Content-Disposition"], name
        text = words(response.data)
        assert title in text and "样稿" not in text, name
        if name in ("awards", "publicity"):
            assert all(n in text for n in names), name
    assert client.get(f"/documents/review/{finished_year.id}/ranking.docx").status_code == 404


def test_the_list_follows_the_unit_order_the_office_set(client, as_user, finished_year):
    people = approved(finished_year)
    units = sorted({c.unit for c in people}, key=lambda u: u.id)
    assert len(units) >= 2
    last = units[0]
    last.sort_order = max(u.sort_order for u in units) + 1  # the office moves the first unit to the end
    db.session.commit()
    as_user("office")
    text = words(client.get(f"/documents/review/{finished_year.id}/awards.docx").data)
    ordered = sorted({c.unit for c in people if c.award_list_id == people[0].award_list_id},
                     key=lambda u: (u.sort_order, u.id))
    where = [text.index(f"）{u.name}（") for u in ordered]  # （一）经济界（3名）
    assert where == sorted(where) and ordered[-1] == last
    ungrouped = words(client.get(f"/documents/review/{finished_year.id}/awards.docx",
                                 query_string={"grouping": "none"}).data)
    assert f"）{last.name}（" not in ungrouped
    assert all(c.subject_name in ungrouped for c in people)


def test_the_command_line_writes_word_files(app, finished_year, tmp_path):
    runner = app.test_cli_runner()
    for name in ("awards", "notice", "publicity", "letters"):
        out = tmp_path / f"{name}.docx"
        result = runner.invoke(args=["report", name, "--review", str(finished_year.id), "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:2] == b"PK" and words(out.read_bytes()), name
    flat = runner.invoke(args=["report", "awards", "--review", str(finished_year.id), "--grouping", "none",
                               "-o", str(tmp_path / "不分组.docx")])
    assert flat.exit_code == 0, flat.output
    bad = runner.invoke(args=["report", "ranking", "--review", str(finished_year.id), "-o", str(tmp_path / "x.docx")])
    assert bad.exit_code != 0 and "没有这种 Word 文件" in bad.output


@pytest.mark.parametrize("role", ["leader", "clerk", "member"])
def test_other_roles_get_no_word_file(client, as_user, finished_year, role):
    as_user(role)
    assert client.get(f"/documents/review/{finished_year.id}/awards.docx").status_code in (403, 404)
