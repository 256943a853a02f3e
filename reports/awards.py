"""The 表彰名单: the honorees of a decision by award and recommending unit, each name with its 界别 or 党派.

Names are ordered by score (rank, then score, as the review gave them) or by surname strokes (姓氏笔画, the order
of official lists); within an award they are grouped by unit, the units in the order the office set for them
(`Honoree.unit_order`, then the order they first appear), or not grouped at all. The same name grid prints the 公示
notice and the .docx versions (reports.docx). `award_workbook` gives the same list as an .xlsx, one row per honoree.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import cache

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle
from xml.sax.saxutils import escape  # escapes text we write; parses nothing  # nosec B406

from reports import cells, fonts, layout
from reports.model import Approval, Award, Decision, Honoree
from reports.numerals import arabic_date, chinese_number

ORDERS = ("score", "strokes")
FULL_SPACE = "\u3000"
WIDTH = layout.OFFICIAL_WIDTH  # the 表彰名单, the 公示 and the 抄送函 are set on the page of official documents


def _score(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value and value.strip() else None
    except InvalidOperation:
        return None


def _score_key(honoree: Honoree) -> tuple:
    score = _score(honoree.score)
    return (honoree.rank is None, honoree.rank or 0, score is None, -(score or Decimal(0)))


def ordered(honorees: Sequence[Honoree], order: str = "score") -> list[Honoree]:
    """The honorees in print order: "score" by rank then score (highest first), "strokes" by surname strokes;
    ties keep the order given. Honorees without a rank follow the ranked ones, and those without a score last."""
    if order == "score":
        return sorted(honorees, key=_score_key)
    if order == "strokes":
        from reports.strokes import by_strokes

        return by_strokes(honorees, name=lambda h: h.name)
    raise ValueError(f"unknown order {order!r}: use one of {ORDERS}")


def by_unit(honorees: Sequence[Honoree], grouped: bool = True) -> list[tuple[str, list[Honoree]]]:
    """(unit, honorees), the units in the office's order (`unit_order`; equal ones in the order each first
    appears); the honorees keep their order. Not `grouped`: one group ("", every honoree)."""
    if not grouped:
        return [("", list(honorees))] if honorees else []
    groups: dict[str, list[Honoree]] = {}
    for honoree in honorees:
        groups.setdefault(honoree.unit, []).append(honoree)
    return sorted(groups.items(), key=lambda group: min(h.unit_order for h in group[1]))


def printed_name(name: str) -> str:
    """A two-character name takes a full-width space in the middle, as official lists print it (张三 → 张　三)."""
    name = name.strip()
    if len(name) == 2 and all("\u4e00" <= c <= "\u9fff" for c in name):
        return name[0] + FULL_SPACE + name[1]
    return name


def approval_lines(approval: Approval, style: ParagraphStyle, width: float) -> list[str]:
    """The approval line, or two lines broken at the space before the 文号 when one does not fit the width (a 文号
    is never broken inside)."""
    line = approval_line(approval)
    if not line:
        return []
    if stringWidth(line, style.fontName, style.fontSize) <= width or FULL_SPACE not in line:
        return [line]
    head, number = line.split(FULL_SPACE, 1)
    return [head, number]


def approval_line(approval: Approval) -> str:
    """（2025年12月20日政协××县第九届常委会第十五次会议审议通过　×政协发〔2025〕12号）, leaving out what is empty."""
    where = approval.meeting or approval.body
    parts = []
    if where or approval.decided_on:
        day = arabic_date(approval.decided_on) if approval.decided_on else ""
        parts.append(f"{day}{where}审议通过")
    if approval.number:
        parts.append(approval.number)
    return f"（{FULL_SPACE.join(parts)}）" if parts else ""


def counted(honorees: Sequence[Honoree]) -> str:
    """12名, or 3个 when every one is an organisation."""
    measure = "个" if honorees and all(h.organisation for h in honorees) else "名"
    return f"{len(honorees)}{measure}"


def award_heading(index: int, award: Award) -> str:
    """一、优秀政协委员（12名）; organisations are counted as 个."""
    return f"{chinese_number(index)}、{award.category}（{counted(award.honorees)}）"


@cache
def _grid_styles() -> dict[str, ParagraphStyle]:
    s = layout.styles()
    return {
        "name": ParagraphStyle("grid_name", parent=s["names"], fontName=fonts.SONG, leading=19),
        "unit": ParagraphStyle("grid_unit", parent=s["subheading"], leftIndent=2 * mm,
                               spaceBefore=3 * mm, spaceAfter=1 * mm, keepWithNext=1),  # never alone at a foot
        "none": ParagraphStyle("grid_none", parent=s["names"], leftIndent=8 * mm),
    }


def name_grid(honorees: Sequence[Honoree], width: float, columns: int | None = None) -> Flowable:
    """The names in rows of 3 (2 when organisations or 企业主 are listed), each 姓名（界别或党派, a 企业主's
    enterprise and 职务）; a long affiliation wraps inside its cell. The grid has no rules: it reads as the flowing
    rows of an official list."""
    st = _grid_styles()
    if not honorees:
        return layout.text(layout.NONE, st["none"])
    if columns is None:
        columns = 2 if any(h.organisation or h.owner or len(h.name) > 6 for h in honorees) else 3
    names = []
    for h in honorees:
        markup = escape(printed_name(h.name))
        if h.affiliation:
            markup += f"（{escape(h.affiliation)}）"
        names.append(Paragraph(markup, st["name"]))
    rows = [names[i:i + columns] for i in range(0, len(names), columns)]
    rows[-1] += [""] * (columns - len(rows[-1]))
    indent = 8 * mm
    grid = Table(rows, colWidths=[(width - indent) / columns] * columns, hAlign="RIGHT")
    grid.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return grid


def award_sections(awards: Sequence[Award], order: str, width: float, grouped: bool = True) -> list[Flowable]:
    """For each award its heading 一、… (N名), then per recommending unit a subheading and the grid of names."""
    heading = layout.styles()["heading"]
    st = _grid_styles()
    if not awards:
        return [layout.text(layout.NONE, st["none"])]
    story: list[Flowable] = []
    for index, award in enumerate(awards, start=1):
        story.append(layout.text(award_heading(index, award), heading))
        honorees = ordered(award.honorees, order)
        if not honorees:
            story.append(layout.text(layout.NONE, st["none"]))
            continue
        for unit, members in by_unit(honorees, grouped):
            if unit:
                story.append(layout.text(f"{unit}（{counted(members)}）", st["unit"]))
            story.append(name_grid(members, width))
    return story


def award_list(decision: Decision, order: str = "score", grouped: bool = True) -> bytes:
    """The 表彰名单 of a decision as PDF bytes."""
    return layout.build(award_list_story(decision, order, grouped), title=decision.title,
                        footer=layout.hash_footer(decision.review_hash), draft=decision.draft, official=True)


def award_list_story(decision: Decision, order: str = "score", grouped: bool = True) -> list[Flowable]:
    """What the 表彰名单 prints: the decision's title, 名　单, the approval line, each award's names. The 表彰决定
    prints the same as its 附件 (reports.decision)."""
    s = layout.styles()
    subtitle = ParagraphStyle("approval", parent=s["subtitle"], fontName=fonts.KAI, fontSize=12, leading=19,
                              alignment=TA_CENTER, spaceAfter=4 * mm)
    story: list[Flowable] = [layout.title(decision.title, WIDTH),
                             layout.text("名" + FULL_SPACE + "单", ParagraphStyle(
                                 "list_word", parent=s["title"], fontSize=16, leading=22, spaceAfter=2 * mm))]
    lines = approval_lines(decision.approval, subtitle, WIDTH)
    if lines:
        story.append(layout.text("\n".join(lines), subtitle))
    story.append(Spacer(1, 2 * mm))
    story += award_sections(decision.awards, order, WIDTH, grouped)
    return story


def award_workbook(decision: Decision, order: str = "score", grouped: bool = True) -> bytes:
    """The 表彰名单 as an .xlsx: one row per honoree, in the order and grouping of the PDF."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = layout.sheet(wb, "表彰名单", ("奖项", "单位", "序号", "姓名", "界别/党派", "得分", "名次", "证书编号"),
                      (18, 30, 6, 16, 20, 10, 8, 22), first=True)
    for award in decision.awards:
        number = 0
        for _unit, members in by_unit(ordered(award.honorees, order), grouped):
            for h in members:
                number += 1
                cells.append(ws, [award.category, h.unit, number, h.name, h.affiliation, _score(h.score), h.rank,
                           h.number])
    return layout.workbook_bytes(wb, layout.workbook_stamp(decision.year))
