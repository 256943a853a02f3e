"""The 公示 notice: who is proposed for which award, the 公示 period, and how to raise an objection.

The names print in the grid of the 表彰名单 (by surname strokes unless told otherwise); dates are in Arabic
numerals, as notices posted for the public usually write them.
"""
from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from reports import layout
from reports.awards import WIDTH, award_sections
from reports.model import Publicity
from reports.numerals import arabic_date

OBJECTION = ("公示期间，如对公示对象有异议，请以书面、电话或来访等形式向{issuer}反映。反映问题要实事求是、"
             "客观公正，以个人名义反映的应签署真实姓名，以单位名义反映的应加盖单位公章，并提供联系方式，"
             "以便调查核实。对反映的问题，我们将严格保密，认真调查核实。")


def period_line(p: Publicity) -> str:
    """公示时间：2025年12月21日至2025年12月27日（共7天）."""
    days = (p.ends_on - p.starts_on).days + 1
    return f"公示时间：{arabic_date(p.starts_on)}至{arabic_date(p.ends_on)}（共{days}天）"


def publicity_notice(p: Publicity, order: str = "strokes", grouped: bool = True) -> bytes:
    """The 公示 notice as PDF bytes."""
    s = layout.styles()
    body = ParagraphStyle("notice_body", parent=s["body"], fontSize=12, leading=22, firstLineIndent=24,
                          spaceAfter=2 * mm)
    contact = ParagraphStyle("notice_contact", parent=body, spaceAfter=0)
    sign = ParagraphStyle("notice_sign", parent=s["signature"], fontSize=12, leading=22, rightIndent=8 * mm)
    story: list[Flowable] = [layout.title(p.title, WIDTH), Spacer(1, 2 * mm)]
    if p.intro:
        story.append(layout.text(p.intro, body))
    story += award_sections(p.awards, order, WIDTH, grouped)
    story += [Spacer(1, 4 * mm), layout.text(period_line(p), body),
              layout.text(OBJECTION.format(issuer=p.issuer or "我们"), body)]
    closing: list[Flowable] = [layout.text(line, contact) for line in p.contact]
    closing += [Spacer(1, 12 * mm), layout.text(p.issuer, sign), layout.text(arabic_date(p.starts_on), sign)]
    story.append(KeepTogether(closing))  # the contact lines, issuer and date stay on one page
    return layout.build(story, title=p.title, footer=layout.hash_footer(p.review_hash), draft=p.draft,
                        official=True)
