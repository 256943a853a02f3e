"""The 通报 list: the members a review names for the leading group, each with every reason they are on it."""
from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import layout
from reports.model import NoticeList

HEADER = ("序号", "姓名", "单位", "得分", "等次", "通报原因")
WIDTHS = (12 * mm, 20 * mm, 40 * mm, 15 * mm, 17 * mm, 52 * mm)  # 156 mm: the page of official documents


def notice_list(n: NoticeList) -> bytes:
    """The 通报 list as PDF bytes; the reasons of one row are joined by "；"."""
    story: list[Flowable] = [layout.title(n.title, sum(WIDTHS))]
    if n.subtitle:
        story.append(layout.text(n.subtitle, layout.styles()["subtitle"]))
    rows = [(i, r.name, r.unit, r.score, r.grade, "；".join(r.reasons)) for i, r in enumerate(n.rows, start=1)]
    story.append(layout.table(HEADER, rows or [layout.empty_row(len(HEADER))], WIDTHS, center=(0, 1, 3, 4)))
    return layout.build(story, title=n.title, footer=layout.hash_footer(n.review_hash), draft=n.draft,
                        official=True)
