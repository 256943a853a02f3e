"""The 通报 list: the members a review names for the leading group, each with every reason they are on it."""
from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import layout
from reports.model import NoticeList

HEADER = ("序号", "姓名", "单位", "得分", "等次", "通报原因")
WIDTHS = (12 * mm, 20 * mm, 46 * mm, 16 * mm, 16 * mm, 60 * mm)  # 170 mm: A4 portrait inside 20 mm margins


def notice_list(n: NoticeList) -> bytes:
    """The 通报 list as PDF bytes; the reasons of one row are joined by "；"."""
    s = layout.styles()
    story: list[Flowable] = [layout.text(layout.title_lines(n.title, s["title"], sum(WIDTHS)), s["title"])]
    if n.subtitle:
        story.append(layout.text(n.subtitle, s["subtitle"]))
    rows = [(i, r.name, r.unit, r.score, r.grade, "；".join(r.reasons)) for i, r in enumerate(n.rows, start=1)]
    if rows:
        story.append(layout.table(HEADER, rows, WIDTHS, center=(0, 1, 3, 4)))
    else:
        story.append(layout.table(HEADER, [("", "（无）", "", "", "", "")], WIDTHS, center=(1,)))
    return layout.build(story, title=n.title, footer=layout.hash_footer(n.review_hash), draft=n.draft)
