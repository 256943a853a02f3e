"""The 奖牌 inscription list: for every organisation honoured, what the engraver cuts into its plaque."""
from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import layout
from reports.model import Decision
from reports.numerals import chinese_date

HEADER = ("序号", "受表彰单位", "奖牌刻字内容", "数量")
WIDTHS = (14 * mm, 56 * mm, 84 * mm, 16 * mm)  # 170 mm


def inscription(name: str, category: str, decision: Decision) -> str:
    """某某公司党支部 / 2025年度先进党组织 / 中国人民政治协商会议××县委员会 / 二〇二五年十二月, one per line."""
    day = decision.approval.decided_on or decision.issued_on
    lines = [name, f"{decision.year}年度{category}", decision.issuer, chinese_date(day, with_day=False) if day else ""]
    return "\n".join(line for line in lines if line)


def plaque_list(decision: Decision) -> bytes:
    """The 奖牌 inscription list as PDF bytes (organisation honorees only)."""
    s = layout.styles()
    title = f"{decision.year}年度表彰奖牌刻字清单"
    story: list[Flowable] = [layout.title(title, sum(WIDTHS))]
    if decision.approval.number:
        story.append(layout.text(f"（{decision.approval.number}）", s["subtitle"]))
    honoured = [(award, h) for award in decision.awards for h in award.honorees if h.organisation]
    rows = [(i, h.name, layout.text(inscription(h.name, award.category, decision), s["cell_center"]), 1)
            for i, (award, h) in enumerate(honoured, start=1)]
    if rows:
        story.append(layout.table(HEADER, rows, WIDTHS, center=(0, 3)))
        story.append(layout.text(f"共{len(rows)}块。", ParagraphStyle("plaque_count", parent=s["plain"],
                                                                     spaceBefore=2 * mm)))
    else:
        story.append(layout.text("本次表彰没有受表彰的单位（组织），无需制作奖牌。", s["plain"]))
    return layout.build(story, title=title, footer=layout.hash_footer(decision.review_hash), draft=decision.draft)
