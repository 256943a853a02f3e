"""The .docx versions of the 表彰决定, the 表彰名单, the 通报 list, the 公示 notice and the 抄送函, for the office
to edit, put under its 红头 and file. Pure: plain data in (reports.model), bytes out; the same input gives the same bytes.

Laid out as GB/T 9704-2012 sets official documents: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm;
22 lines a page; the title in 方正小标宋简体 二号, the body in 仿宋_GB2312 三号, headings in 黑体 (一、) and
楷体_GB2312 (（一）); the page number "— 1 —" in 4号 半角宋体 at the foot, odd pages on the right and even pages on
the left. Fonts are named, never embedded: Word and WPS use the office's own (a machine without 方正小标宋简体 shows
a substitute until it is installed). The texts and orders are those of the PDFs (reports.awards, .decision, .letters,
.notice, .publicity).
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from docx import Document as new_document
from docx.document import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from reportlab.lib.styles import ParagraphStyle

from reports import fonts, layout
from reports.awards import FULL_SPACE, approval_lines, award_heading, by_unit, counted, ordered, printed_name
from reports.decision import ANNEX_LINE, ANNEX_MARK, paragraphs
from reports.letters import addressees, letter_table, letter_text, letter_title
from reports.model import Award, Decision, DecisionText, NoticeList, Publicity
from reports.notice import HEADER as NOTICE_HEADER
from reports.numerals import arabic_date, chinese_date, chinese_number
from reports.publicity import OBJECTION, period_line

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"  # 一、
SUBHEADING_FONT = "楷体_GB2312"  # （一）
PAGE_FONT = "宋体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(12)  # 小四: a table of six columns does not fit in 三号
MARGINS = {"top": 37, "bottom": 35, "left": 28, "right": 26}  # mm
LINES = 22
TEXT_HEIGHT = Mm(297 - MARGINS["top"] - MARGINS["bottom"])
TEXT_WIDTH = Mm(210 - MARGINS["left"] - MARGINS["right"])
LINE_PITCH = Twips(TEXT_HEIGHT // LINES // 635)  # 579 twips (28.95 pt), rounded down: 22 lines fit, not 21
INDENT = Pt(32)  # two characters of 三号: the first line of a paragraph
DASH = "—"  # the 一字线 either side of the page number


# --- the page ------------------------------------------------------------------------------------------------------

def _fonts(run: Run, name: str, size: Pt, bold: bool = False) -> None:
    """Name the font for Chinese and Latin text alike (w:eastAsia as well as w:ascii), so digits and letters are set
    in the same face as the Chinese, as official documents print them."""
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _paragraph(doc: Document | object, value: str, font: str = BODY_FONT, size: Pt = BODY_SIZE,
               align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False, right: Pt | None = None,
               bold: bool = False, pitch: bool = True) -> Paragraph:
    """One paragraph of one run; `indent` for a body paragraph's two characters, `pitch` for the page's line grid
    (a table's cells are set tighter)."""
    paragraph = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = INDENT
    if right is not None:
        fmt.right_indent = right
    fmt.space_before = fmt.space_after = Pt(0)
    if pitch:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_PITCH
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _fonts(paragraph.add_run(value), font, size, bold)
    return paragraph


def _page_number(paragraph: Paragraph) -> None:
    """— PAGE —: the number is a field, so Word and WPS count the pages as the office edits."""
    def run(value: str = "") -> Run:
        added = paragraph.add_run(value)
        _fonts(added, PAGE_FONT, PAGE_SIZE)
        return added

    run(DASH + " ")
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        element = run()._element
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            element.append(char)
        elif instruction == "1":
            text = OxmlElement("w:t")
            text.text = "1"
            element.append(text)
        else:
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = instruction
            element.append(code)
    run(" " + DASH)


def _new(draft: bool) -> Document:
    """An empty A4 document with the margins, line grid, page numbers (and the 样稿 mark) of an official one."""
    doc = new_document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS["top"]), Mm(MARGINS["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS["left"]), Mm(MARGINS["right"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(24)  # the number 7 mm below the text block
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH.twips))
    for footer, align, indent in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                  (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        setattr(paragraph.paragraph_format, f"{indent}_indent", PAGE_SIZE)  # one character in from the edge
        _page_number(paragraph)
    if draft:
        for header in (section.header, section.even_page_header):
            paragraph = header.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            mark = paragraph.add_run(f"{layout.WATERMARK}：名单尚未定稿")
            _fonts(mark, HEADING_FONT, PAGE_SIZE)
            mark.font.color.rgb = RGBColor(0xC0, 0x10, 0x10)
    return doc


def _save(doc: Document, title: str, year: int, review_hash: str = "") -> bytes:
    """The .docx bytes, dated the last day of the year (never the clock), the review's hash in its properties."""
    stamp = dt.datetime(year, 12, 31)
    props = doc.core_properties
    props.title = title
    props.author = props.last_modified_by = ""
    props.subject = layout.hash_footer(review_hash)
    props.created = props.modified = stamp
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return layout.fixed_zip(out.getvalue(), stamp)


# --- the parts of a document ---------------------------------------------------------------------------------------

def _measure(size: Pt) -> ParagraphStyle:
    """A style to measure a line with: the PDFs' 宋体 at `size` (a CJK character is one em wide in any face)."""
    fonts.register()
    return ParagraphStyle(f"docx_{size.pt}", fontName=fonts.SONG, fontSize=size.pt)


def _title(doc: Document, value: str, new_page: bool = False) -> None:
    """The title in 方正小标宋简体 二号, centred; a long one in two balanced lines broken between words, as the PDFs
    break it (measured in the PDFs' 宋体: the CJK characters of both are one em wide)."""
    lines = layout.title_lines(value, _measure(TITLE_SIZE), TEXT_WIDTH.pt).split("\n")
    paragraph = _paragraph(doc, lines[0], TITLE_FONT, TITLE_SIZE, WD_ALIGN_PARAGRAPH.CENTER)
    for line in lines[1:]:
        paragraph.runs[-1].add_break()
        _fonts(paragraph.add_run(line), TITLE_FONT, TITLE_SIZE)
    if new_page:
        paragraph.paragraph_format.page_break_before = True


def _blank(doc: Document) -> None:
    _paragraph(doc, "")


def _borders(table: Table, width: str = "4") -> None:
    """Single rules round every cell (the table style of the default template may be missing in WPS)."""
    props = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        rule = OxmlElement(f"w:{edge}")
        rule.set(qn("w:val"), "single")
        rule.set(qn("w:sz"), width)
        rule.set(qn("w:space"), "0")
        rule.set(qn("w:color"), "000000")
        borders.append(rule)
    props.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                                "w:tblDescription", "w:tblPrChange")  # the schema's order: Word is strict


def _widths(table: Table, widths: Sequence[int]) -> None:
    """Fixed column widths (EMU) in the grid and in every cell: Word reads the cells, WPS and LibreOffice the grid."""
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = Emu(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Emu(width)


def _table(doc: Document, header: Sequence[str], rows: Sequence[Sequence[object]], widths_mm: Sequence[int],
           center: Sequence[int] = ()) -> Table:
    """A ruled table, its header in 黑体 repeated on each page, the cells in 仿宋 小四."""
    table = doc.add_table(rows=0, cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table)
    body = list(rows) or [[layout.NONE] + [""] * (len(header) - 1)]
    for r, values in enumerate([list(header), *body]):
        row = table.add_row()
        row_props = row._tr.get_or_add_trPr()
        row_props.append(OxmlElement("w:cantSplit"))  # a row is never cut across two pages
        if r == 0:
            row_props.append(OxmlElement("w:tblHeader"))
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
            _paragraph(cell, str(value), HEADING_FONT if r == 0 else BODY_FONT, TABLE_SIZE,
                       WD_ALIGN_PARAGRAPH.CENTER if r == 0 or c in center else None, pitch=False)
    _widths(table, [Mm(w) for w in widths_mm])
    return table


def _names(doc: Document, honorees: Sequence, columns: int | None = None) -> None:
    """The names in rows of 3 (2 for organisations or long names), each 姓名（界别或党派）, in a table without rules
    that the office can reflow."""
    if not honorees:
        _paragraph(doc, layout.NONE, indent=True)
        return
    values = [printed_name(h.name) + (f"（{h.affiliation}）" if h.affiliation else "") for h in honorees]
    if columns is None:  # three columns hold 9 characters of 三号 each, two hold 13
        columns = 2 if any(h.organisation for h in honorees) or max(map(len, values)) > 9 else 3
    table = doc.add_table(rows=0, cols=columns)
    for start in range(0, len(values), columns):
        row = table.add_row()
        for cell, value in zip(row.cells, values[start:start + columns], strict=False):
            cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
            _paragraph(cell, value)
    _widths(table, [TEXT_WIDTH // columns] * columns)


def _sections(doc: Document, awards: Sequence[Award], order: str, grouped: bool) -> None:
    """一、each award (N名), （一）each recommending unit (N名) in the office's order, then the names."""
    if not awards:
        _paragraph(doc, layout.NONE, indent=True)
        return
    for index, award in enumerate(awards, start=1):
        _paragraph(doc, award_heading(index, award), HEADING_FONT, indent=True)
        honorees = ordered(award.honorees, order)
        if not honorees:
            _paragraph(doc, layout.NONE, indent=True)
            continue
        for number, (unit, members) in enumerate(by_unit(honorees, grouped), start=1):
            if unit:
                _paragraph(doc, f"（{chinese_number(number)}）{unit}（{counted(members)}）", SUBHEADING_FONT,
                           indent=True)
            _names(doc, members)


def _signature(doc: Document, issuer: str, day: str) -> None:
    """The issuer and the date at the foot, the date four characters in from the right (右空四字)."""
    _blank(doc)
    _blank(doc)
    _paragraph(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, right=Pt(32))
    if day:
        _paragraph(doc, day, align=WD_ALIGN_PARAGRAPH.RIGHT, right=Pt(64))


# --- the documents -------------------------------------------------------------------------------------------------

def _award_list(doc: Document, decision: Decision, order: str, grouped: bool) -> None:
    """The 表彰名单: the decision's title, 名单, the approval line, the names."""
    _title(doc, decision.title)
    _paragraph(doc, "名" + FULL_SPACE + "单", TITLE_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.CENTER)
    for line in approval_lines(decision.approval, _measure(BODY_SIZE), TEXT_WIDTH.pt):
        _paragraph(doc, line, SUBHEADING_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _blank(doc)
    _sections(doc, decision.awards, order, grouped)


def award_list(decision: Decision, order: str = "score", grouped: bool = True) -> bytes:
    """The 表彰名单 of a decision as .docx bytes."""
    doc = _new(decision.draft)
    _award_list(doc, decision, order, grouped)
    return _save(doc, decision.title, decision.year, decision.review_hash)


def decision_document(decision: Decision, text: DecisionText, order: str = "strokes", grouped: bool = True) -> bytes:
    """The 表彰决定 as .docx bytes: 文号, title, 主送, the body and closing paragraphs, 附件 line, issuer and date;
    then on a new page 附件 (黑体, at the left) and the 名单 as the 表彰名单 has it (reports.decision)."""
    doc = _new(decision.draft)
    if decision.approval.number:
        _paragraph(doc, decision.approval.number, align=WD_ALIGN_PARAGRAPH.CENTER)
        _blank(doc)
    _title(doc, decision.title)
    _blank(doc)
    _paragraph(doc, text.addressees)
    for value in (*text.body, *paragraphs(text.closing)):
        _paragraph(doc, value, indent=True)
    _blank(doc)
    _paragraph(doc, ANNEX_LINE, indent=True)
    day = decision.approval.decided_on
    _signature(doc, decision.issuer, chinese_date(day) if day else "")
    _paragraph(doc, ANNEX_MARK, HEADING_FONT).paragraph_format.page_break_before = True
    _award_list(doc, decision, order, grouped)
    return _save(doc, decision.title, decision.year, decision.review_hash)


def notice_list(n: NoticeList, year: int) -> bytes:
    """The 通报 list as .docx bytes: the title, the subtitle in 楷体, the table (reasons joined by "；")."""
    doc = _new(n.draft)
    _title(doc, n.title)
    if n.subtitle:
        _paragraph(doc, n.subtitle, SUBHEADING_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _blank(doc)
    rows = [(i, r.name, r.unit, r.score, r.grade, "；".join(r.reasons)) for i, r in enumerate(n.rows, start=1)]
    _table(doc, NOTICE_HEADER, rows, (14, 20, 38, 14, 18, 52), center=(0, 1, 3, 4))
    return _save(doc, n.title, year, n.review_hash)


def publicity_notice(p: Publicity, order: str = "strokes", grouped: bool = True) -> bytes:
    """The 公示 notice as .docx bytes."""
    doc = _new(p.draft)
    _title(doc, p.title)
    _blank(doc)
    if p.intro:
        _paragraph(doc, p.intro, indent=True)
    _sections(doc, p.awards, order, grouped)
    _paragraph(doc, period_line(p), indent=True)
    _paragraph(doc, OBJECTION.format(issuer=p.issuer or "我们"), indent=True)
    for line in p.contact:
        _paragraph(doc, line, indent=True)
    _signature(doc, p.issuer, arabic_date(p.starts_on))
    return _save(doc, p.title, p.starts_on.year, p.review_hash)


def letters(decision: Decision) -> bytes:
    """Every 抄送函 of a decision as .docx bytes, each letter starting on a new page."""
    doc = _new(decision.draft)
    day = decision.issued_on or decision.approval.decided_on
    for index, (addressee, entries) in enumerate(addressees(decision)):
        to_hr = index == 0
        _title(doc, letter_title(decision), new_page=index > 0)
        _blank(doc)
        _paragraph(doc, f"{addressee}：")
        _paragraph(doc, letter_text(decision, entries, to_hr), indent=True)
        header, rows = letter_table(entries, to_hr)
        _table(doc, header, rows, (30, 44, 40, 42) if to_hr else (44, 56, 56), center=(0, 1))
        _paragraph(doc, "特此函告。", indent=True)
        _signature(doc, decision.issuer, chinese_date(day) if day else "")
    return _save(doc, letter_title(decision), decision.year, decision.review_hash)
