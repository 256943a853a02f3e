"""The Word versions as the office opens them: official-document margins and fonts (named, not embedded), the page
number field "— 1 —" at the foot, the names by award and by the office's unit order (or in 姓氏笔画 order without
groups), one letter per addressee, the 样稿 mark only on drafts, the same bytes for the same input."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess  # nosec B404: LibreOffice, when installed, to look at a page
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.shared import Mm, Pt

from reports import docx as word
from reports.model import Approval, Award, Decision, Honoree, NoticeList, NoticeRow, Publicity
from reports.numerals import certificate_number, stored_certificate_number

ISSUER = "中国人民政治协商会议××县委员会"
PEOPLE = {"王五", "欧阳明", "李四", "丁一", "张三"}


def honorees() -> tuple[Honoree, ...]:
    """Three units; the office put 教育界 first (unit_order 0) though its people score lowest."""
    return (
        Honoree("张三", "经济界", "中国共产党", "99", 1, employer="县人民医院", unit_order=2),
        Honoree("李四", "县委办公室", "中国民主同盟", "98", 2, employer="县第一中学", unit_order=1),
        Honoree("欧阳明", "教育界", "教育界", "90", 5, employer="县人民医院", unit_order=0),
        Honoree("丁一", "经济界", "经济界", "97", 3, unit_order=2),
        Honoree("王五", "教育界", "", "91", 4, unit_order=0),
    )


def decision(draft: bool = False) -> Decision:
    return Decision(
        title="关于表彰2025年度“四个一”活动先进个人和先进党组织的决定", issuer=ISSUER, year=2025,
        approval=Approval("常委会议", "政协××县第九届常委会第十五次会议", dt.date(2025, 12, 20), "×政协发〔2025〕12号"),
        awards=(Award("优秀政协委员", honorees(), Decimal(1000)),
                Award("先进党组织", (Honoree("某某公司党支部", "非公经济联络组", organisation=True),))),
        review_hash="a1b2c3d4e5f6a7b8c9d0", draft=draft, hr_department="中共××县委组织部")


def publicity(draft: bool = True) -> Publicity:
    return Publicity("关于2025年度“四个一”活动拟表彰对象的公示", ISSUER, "经各联络组推荐，拟对以下同志予以表彰，现予公示。",
                     decision().awards, dt.date(2025, 12, 21), dt.date(2025, 12, 27), ("联系电话：0599-1234567",),
                     "a1b2c3", draft)


def notice() -> NoticeList:
    return NoticeList("2025年度“四个一”活动通报名单", "2025年度全年总结 第2版",
                      (NoticeRow("张三", "县委办公室", "55", "不合格", ("全年未提交提案", "无故缺席全体会议2次")),),
                      "a1b2c3", False)


def every() -> dict[str, bytes]:
    return {"awards": word.award_list(decision(), "strokes"), "notice": word.notice_list(notice(), 2025),
            "publicity": word.publicity_notice(publicity()), "letters": word.letters(decision())}


def opened(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def texts(doc: docx.document.Document) -> list[str]:
    """Every paragraph of the body, tables included, in reading order."""
    out = []
    for block in doc.element.body.iter():
        if block.tag.endswith("}p"):
            out.append("".join(t.text or "" for t in block.iter() if t.tag.endswith("}t")))
    return [t for t in out if t]


def fonts_of(doc: docx.document.Document, value: str) -> set[tuple[str | None, float | None]]:
    """(East Asian font, size in pt) of the runs of the paragraph that reads `value`."""
    for paragraph in [*doc.paragraphs, *(p for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs)]:
        if paragraph.text.replace("\n", "") == value:  # a long title is set in two lines
            return {(run._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
                                                 "eastAsia"), run.font.size.pt if run.font.size else None)
                    for run in paragraph.runs if run.text}
    raise AssertionError(f"no paragraph reads {value!r}")


@pytest.mark.parametrize("name", ["awards", "notice", "publicity", "letters"])
def test_every_word_document_has_the_official_page(name):
    data = every()[name]
    doc = opened(data)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    grid = section._sectPr.find(docx.oxml.ns.qn("w:docGrid"))
    assert int(grid.get(docx.oxml.ns.qn("w:linePitch"))) * 22 <= Mm(225).twips  # 22 lines fill the text block
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        settings = package.read("word/settings.xml").decode()
    # named, never embedded: WPS uses the office's own
    assert not any(n.startswith("word/fonts/") or n.endswith(".odttf") for n in names)
    assert "embedTrueTypeFonts" not in settings
    assert data == every()[name]  # the same input, the same bytes


def test_page_numbers_are_a_field_between_dashes_in_4hao_song_odd_right_even_left():
    doc = opened(every()["awards"])
    section = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, side in ((section.footer, "RIGHT"), (section.even_page_footer, "LEFT")):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment.name == side
        xml = paragraph._p.xml
        assert 'w:fldCharType="begin"' in xml and "PAGE" in xml and 'w:fldCharType="end"' in xml
        assert paragraph.text == "— 1 —"  # what the field shows before Word counts the pages
        assert {(r.font.name, r.font.size) for r in paragraph.runs} == {("宋体", Pt(14))}


def test_title_body_and_headings_name_the_official_fonts():
    doc = opened(every()["awards"])
    assert fonts_of(doc, "关于表彰2025年度“四个一”活动先进个人和先进党组织的决定") == {("方正小标宋简体", 22)}
    assert fonts_of(doc, "一、优秀政协委员（5名）") == {("黑体", 16)}
    assert fonts_of(doc, "（一）教育界（2名）") == {("楷体_GB2312", 16)}
    assert fonts_of(doc, "王　五") == {("仿宋_GB2312", 16)}
    assert doc.styles["Normal"].font.name == "仿宋_GB2312" and doc.styles["Normal"].font.size == Pt(16)


def test_the_list_goes_by_award_then_by_the_offices_unit_order_names_in_stroke_order():
    lines = texts(opened(word.award_list(decision(), "strokes")))
    heads = [line for line in lines if line.startswith(("一、", "二、", "（"))]
    # the approval line too long for one line: broken before the 文号, never inside it
    assert lines[lines.index("名　单") + 2] == "×政协发〔2025〕12号）"
    assert heads[:5] == ["（2025年12月20日政协××县第九届常委会第十五次会议审议通过",
                         "一、优秀政协委员（5名）", "（一）教育界（2名）", "（二）县委办公室（1名）", "（三）经济界（2名）"]
    assert heads[5:] == ["二、先进党组织（1个）", "（一）非公经济联络组（1个）"]
    people = [line for line in lines if line.split("（")[0].replace("\u3000", "") in PEOPLE]
    # within a unit 姓氏笔画: 王 (4) before 欧 (8), 丁 (2) before 张 (7)
    assert people == ["王　五", "欧阳明（教育界）", "李　四（中国民主同盟）", "丁　一（经济界）", "张　三（中国共产党）"]


def test_ungrouped_the_list_is_one_run_of_names_in_stroke_order():
    lines = texts(opened(word.award_list(decision(), "strokes", grouped=False)))
    assert not any(line.startswith("（一）") for line in lines)
    people = [n.split("（")[0].replace("\u3000", "") for n in lines if n.split("（")[0].replace("\u3000", "") in PEOPLE]
    assert people == ["丁一", "王五", "李四", "张三", "欧阳明"]  # 2, 4, 7 (横), 7 (折), 8 strokes


def test_letters_one_per_addressee_each_on_a_new_page():
    doc = opened(every()["letters"])
    titles = [p for p in doc.paragraphs if p.text.startswith("关于抄送")]
    assert len(titles) == 3  # the 组织部 and the two employers
    assert [bool(p.paragraph_format.page_break_before) for p in titles] == [False, True, True]
    salutations = [p.text for p in doc.paragraphs if p.text.endswith("：")]
    assert salutations == ["中共××县委组织部：", "县人民医院：", "县第一中学："]  # employers by strokes: 人 before 第
    assert "特此函告。" in texts(doc) and "二〇二五年十二月二十日" in texts(doc)
    hr_table = doc.tables[0]
    assert [c.text for c in hr_table.rows[0].cells] == ["姓名", "奖项", "界别/党派", "工作单位"]
    assert hr_table.rows[0]._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None  # repeats on each page


def test_notice_table_and_publicity_text():
    doc = opened(every()["notice"])
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows == [["序号", "姓名", "单位", "得分", "等次", "通报原因"],
                    ["1", "张三", "县委办公室", "55", "不合格", "全年未提交提案；无故缺席全体会议2次"]]
    assert fonts_of(doc, "通报原因") == {("黑体", 12)} and fonts_of(doc, "县委办公室") == {("仿宋_GB2312", 12)}
    lines = texts(opened(every()["publicity"]))
    assert "公示时间：2025年12月21日至2025年12月27日（共7天）" in lines
    assert lines[-2:] == [ISSUER, "2025年12月21日"]


def test_only_drafts_carry_the_draft_mark():
    assert "样稿" in opened(word.award_list(decision(draft=True))).sections[0].header.paragraphs[0].text
    assert "样稿" not in opened(word.award_list(decision(draft=False))).sections[0].header.paragraphs[0].text


def test_empty_documents_still_open():
    empty = Decision("关于表彰的决定", ISSUER, 2025, Approval(), ())
    assert "（无）" in texts(opened(word.award_list(empty)))
    assert "（无）" in texts(opened(word.notice_list(NoticeList("通报名单", "", ()), 2025)))
    assert "中共××县委组织部：" in texts(opened(word.letters(empty)))


@pytest.mark.parametrize(("stored", "printed"), [("2025-四个一-0001", "2025四个一第0001号"),
                                                 ("2025-四个一-奖状-0012", "2025四个一奖状第0012号"),
                                                 ("2025-双比双争-0003", "2025双比双争第0003号"),
                                                 ("（样稿）", "（样稿）")])
def test_certificate_numbers_read_as_one_number_and_go_back(stored, printed):
    assert certificate_number(stored) == printed
    assert stored_certificate_number(printed) == stored and stored_certificate_number(stored) == stored


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_lays_the_list_out_on_a4_with_page_numbers(tmp_path: Path):
    """Converted as WPS would open it; skipped without LibreOffice's Writer. The PNG: /tmp/shots-docx/."""
    source = tmp_path / "名单.docx"
    source.write_bytes(word.award_list(decision(), "strokes"))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], capture_output=True, timeout=180, check=False)
    converted = tmp_path / "名单.pdf"
    if not converted.exists():
        pytest.skip("LibreOffice cannot open .docx here (no Writer)")
    import pypdf

    pages = pypdf.PdfReader(converted).pages
    assert round(float(pages[0].mediabox.width) / 72 * 25.4) == 210
    text = re.sub(r"\s+", "", pages[0].extract_text())
    assert "—1—" in text and "（一）教育界（2名）" in text
