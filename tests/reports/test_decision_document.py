"""The 表彰决定 as PDF and Word, made from plain data: the office's words, then 附件：表彰名单, the issuer and the date
on the page of the last paragraph; the 名单 on a new page headed 附件, as the 表彰名单 prints it; no line of the
PDF starts with "，"; the same bytes for the same input."""
from __future__ import annotations

import io
import re

import docx
from conftest import pdf_text
from test_documents_docx import ISSUER, decision

from reports import awards, decision as rd
from reports import docx as word
from reports.model import DecisionText

LONG = DecisionText("各专委会，全体委员：", tuple(f"第{n}段，" + "为表彰先进、树立典型，根据考评结果，" * 12 for n in range(1, 5)),
                    "全体委员要以受表彰的先进为榜样，为全县发展贡献力量。")


def test_the_pdf_signs_on_the_page_of_the_last_paragraph_and_annexes_the_list() -> None:
    data = rd.decision_document(decision(), LONG)
    assert data == rd.decision_document(decision(), LONG)
    pages = [re.sub(r"[ \t\u3000]", "", p) for p in pdf_text(data)]
    signed = next(i for i, p in enumerate(pages) if ISSUER in p)
    assert "附件：表彰名单" in pages[signed] and "为全县发展贡献力量" in pages[signed]  # never a signature alone
    assert "二〇二五年十二月二十日" in pages[signed] and "×政协发〔2025〕12号" in pages[0]
    annex = pages[signed + 1]
    assert annex.lstrip().startswith("附件") and "名单" in annex and "欧阳明" in annex
    def words(texts: list[str]) -> str:  # without white space and page numbers (— 3 — here, — 1 — alone)
        return re.sub(r"—\d+—", "", re.sub(r"\s", "", "".join(texts)))

    assert words(pages[signed + 1:]) == "附件" + words(pdf_text(awards.award_list(decision(), "strokes")))


def test_no_line_starts_with_a_comma() -> None:
    """A paragraph whose comma falls just past the end of a line: the comma hangs at the end (禁则)."""
    commas = DecisionText("各专委会：", tuple("字" * n + "，后文。" for n in range(24, 40)))
    lines = [line for page in pdf_text(rd.decision_document(decision(), commas)) for line in page.splitlines()]
    assert any(line.rstrip().endswith("字，") for line in lines)
    assert not any(line.lstrip().startswith("，") for line in lines)


def test_the_word_file_has_the_same_parts_in_official_fonts() -> None:
    data = word.decision_document(decision(draft=True), LONG)
    assert data == word.decision_document(decision(draft=True), LONG)
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "×政协发〔2025〕12号" and "各专委会，全体委员：" in texts
    body = next(p for p in document.paragraphs if p.text.startswith("第1段"))
    assert body.runs[0].font.name == word.BODY_FONT and body.paragraph_format.first_line_indent == word.INDENT
    title = next(p for p in document.paragraphs if p.text.startswith("关于表彰"))
    assert title.runs[0].font.name == word.TITLE_FONT
    mark = next(p for p in document.paragraphs if p.text == "附件")
    assert mark.paragraph_format.page_break_before and mark.runs[0].font.name == word.HEADING_FONT
    assert texts.index("附件：表彰名单") < texts.index(ISSUER) < texts.index("附件")
    assert "样稿" in document.sections[0].header.paragraphs[0].text
