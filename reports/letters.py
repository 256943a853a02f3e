"""The 抄送函: the decision copied to the 组织人事部门 with every honoree, and to each member's employer with that
employer's own people, one letter per addressee, each starting on a new page."""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer

from reports import layout
from reports.awards import WIDTH
from reports.model import Award, Decision, Honoree
from reports.numerals import chinese_date


def _who(people: Sequence[Honoree]) -> str:
    """张三同志 / 张三、李四同志 / 张三等5名同志; an organisation counts as a 单位."""
    persons = [h.name for h in people if not h.organisation]
    units = [h.name for h in people if h.organisation]
    parts = []
    if persons:
        parts.append(f"{'、'.join(persons)}同志" if len(persons) <= 3 else f"{persons[0]}等{len(persons)}名同志")
    if units:
        parts.append("、".join(units) if len(units) <= 2 else f"{units[0]}等{len(units)}个单位")
    return "和".join(parts)


def addressees(decision: Decision) -> list[tuple[str, list[tuple[Award, Honoree]]]]:
    """(addressee, [(award, honoree) …]): the 组织人事部门 with everyone, then each employer of a member (in
    surname-stroke order of the employer's name) with its own people."""
    from reports.strokes import by_strokes

    everyone = [(a, h) for a in decision.awards for h in a.honorees]
    employers: dict[str, list[tuple[Award, Honoree]]] = {}
    for award, h in everyone:
        if not h.organisation and h.employer.strip():
            employers.setdefault(h.employer.strip(), []).append((award, h))
    return [(decision.hr_department, everyone), *((e, employers[e]) for e in by_strokes(employers))]


@cache
def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    """The letter's body, its salutation and its signature lines."""
    s = layout.styles()
    body = ParagraphStyle("letter_body", parent=s["body"], fontSize=12, leading=24, firstLineIndent=24,
                          spaceAfter=1 * mm)
    plain = ParagraphStyle("letter_plain", parent=body, firstLineIndent=0, spaceBefore=4 * mm)
    sign = ParagraphStyle("letter_sign", parent=s["signature"], fontSize=12, leading=24, rightIndent=8 * mm)
    return body, plain, sign


def letter_text(decision: Decision, entries: list[tuple[Award, Honoree]], to_hr: bool) -> str:
    """The letter's one paragraph: who decided what about whom, and what the addressee is asked to do."""
    approval = decision.approval
    where = approval.meeting or approval.body
    number = f"（{approval.number}）" if approval.number else ""
    who = _who([h for _, h in entries])
    if to_hr:
        decided = f"决定对{who}予以表彰{number}。" if who else f"作出《{decision.title}》{number}。"
        rest = "现将受表彰人员名单抄送你们，请在干部考察、年度考核和评先评优等工作中参考使用。"
    else:
        decided = f"决定对贵单位{who}予以表彰{number}。"
        rest = "现将贵单位受表彰人员名单抄送你们，望贵单位对受表彰同志予以鼓励，并继续支持他们履行委员职责。"
    opening = f"经{where}审议，{decision.issuer}" if where else f"{decision.issuer}"
    return opening + decided + rest


def letter_table(entries: list[tuple[Award, Honoree]], to_hr: bool) -> tuple[list[str], list[list[str]]]:
    """The letter's table: header and rows (the 组织人事部门's letter also names each employer)."""
    header = ["姓名", "奖项", "界别/党派"] + (["工作单位"] if to_hr else [])
    return header, [[h.name, a.category, h.affiliation] + ([h.employer] if to_hr else []) for a, h in entries]


def _letter(decision: Decision, addressee: str, entries: list[tuple[Award, Honoree]], to_hr: bool) -> list[Flowable]:
    body, plain, sign = _styles()
    story: list[Flowable] = [layout.title(letter_title(decision), WIDTH),
                             Spacer(1, 4 * mm), layout.text(f"{addressee}：", plain),
                             layout.text(letter_text(decision, entries, to_hr), body)]
    header, rows = letter_table(entries, to_hr)
    widths = [32 * mm, 40 * mm, 38 * mm, 46 * mm] if to_hr else [44 * mm, 56 * mm, 56 * mm]  # 156 mm
    story += [Spacer(1, 2 * mm), layout.table(header, rows or [layout.empty_row(len(header), at=0)], widths,
                                              center=(0, 1)),
              Spacer(1, 2 * mm), layout.text("特此函告。", body)]
    day = decision.issued_on or decision.approval.decided_on
    closing: list[Flowable] = [Spacer(1, 14 * mm), layout.text(decision.issuer, sign)]
    if day:
        closing.append(layout.text(chinese_date(day), sign))
    story.append(KeepTogether(closing))
    return story


def letter_title(decision: Decision) -> str:
    """关于抄送《…的决定》的函."""
    return f"关于抄送《{decision.title}》的函"


def letters(decision: Decision) -> bytes:
    """Every 抄送函 of a decision in one PDF, each letter starting on a new page."""
    story: list[Flowable] = []
    for index, (addressee, entries) in enumerate(addressees(decision)):
        if index:
            story.append(PageBreak())
        story += _letter(decision, addressee, entries, index == 0)
    return layout.build(story, title=letter_title(decision), draft=decision.draft, official=True)
