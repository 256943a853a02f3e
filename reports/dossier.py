"""A member's 履职档案 for one year: the facts, the verified records, the meetings, the result and how the score
was made (section, rule item, record, with the points before and after each cap)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Table, TableStyle

from reports import fonts, layout
from reports.model import Dossier
from reports.numerals import arabic_date

NONE = "（无）"
WIDTH = 170 * mm  # A4 portrait inside 20 mm margins
MET = {True: "达到", False: "未达到"}  # the 宋体 has no ✓ ✗


def _facts(d: Dossier) -> Flowable:
    s = layout.styles()
    label = ParagraphStyle("fact_label", parent=s["cell"], fontName=fonts.HEI)
    pairs = list(d.facts)
    if len(pairs) % 2:
        pairs.append(("", ""))
    rows = []
    for i in range(0, len(pairs), 2):
        (a, b), (c, e) = pairs[i], pairs[i + 1]
        rows.append([layout.text(a, label), layout.text(b, s["cell"]),
                     layout.text(c, label), layout.text(e, s["cell"])])
    grid = Table(rows, colWidths=[24 * mm, 61 * mm, 24 * mm, 61 * mm])
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 1 / 2, layout.RULE),
        ("BACKGROUND", (0, 0), (0, -1), layout.HEADER_FILL),
        ("BACKGROUND", (2, 0), (2, -1), layout.HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return grid


def _heading(label: str, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    """A section heading, never left alone at the foot of a page (a new page when less than 35 mm remain)."""
    return [CondPageBreak(35 * mm), layout.text(label, s["heading"])]


def _none(s: dict[str, ParagraphStyle]) -> Flowable:
    return layout.text(NONE, s["plain"])


def dossier(d: Dossier) -> bytes:
    """The 履职档案 as PDF bytes."""
    return layout.build(_story(d), title=_title(d), footer=_footer(d), draft=d.draft)


def dossiers(items: Sequence[Dossier], progress: Callable[[int, int], None] | None = None) -> bytes:
    """Many members' 履职档案 in one PDF, each starting a page and numbered on its own."""
    stories = []
    for done, d in enumerate(items, start=1):
        stories.append(_story(d))
        if progress:
            progress(done, len(items))
    return layout.build(layout.parts(stories), title=_title(items[0]), footer=_footer(items[0]),
                        draft=any(d.draft for d in items))


def _title(d: Dossier) -> str:
    return f"{d.name} {d.year}年度履职档案"


def _footer(d: Dossier) -> str:
    return "　".join(part for part in (layout.hash_footer(d.review_hash), d.review_label) if part)


def _story(d: Dossier) -> list[Flowable]:
    s = layout.styles()
    title = f"{d.name} {d.year}年度履职档案"
    story: list[Flowable] = [layout.text(layout.title_lines(title, s["title"], WIDTH), s["title"])]
    if d.review_label:
        story.append(layout.text(d.review_label, s["subtitle"]))
    if d.facts:
        story.append(_facts(d))

    story += _heading("一、履职记录", s)
    if d.records:
        story.append(layout.table(
            ("日期", "类别", "事项", "说明", "状态"),
            [(arabic_date(r.on), r.kind, r.title, r.detail, r.status) for r in d.records],
            (31 * mm, 18 * mm, 53 * mm, 50 * mm, 18 * mm), center=(0, 1, 4)))
    else:
        story.append(_none(s))

    story += _heading("二、会议出勤", s)
    if d.attendance:
        story.append(layout.table(("日期", "会议", "出勤"), [(arabic_date(a.on), a.meeting, a.state) for a in d.attendance],
                                  (28 * mm, 118 * mm, 24 * mm), center=(0, 2)))
    else:
        story.append(_none(s))

    story += _heading("三、考评结果", s)
    results = [(label, value) for label, value in (("得分", d.score), ("等次", d.grade), ("名次", d.rank)) if value]
    results += [(gate, MET[met]) for gate, met in d.gates]
    if results:
        story.append(layout.table(("项目", "结果"), results, (100 * mm, 70 * mm), center=(1,)))
    else:
        story.append(_none(s))

    story += _heading("四、得分说明", s)
    if d.explanation:
        rows = []
        bold = []
        for i, line in enumerate(d.explanation):
            style = ParagraphStyle(f"level{line.level}", parent=s["cell"], leftIndent=line.level * 4 * mm,
                                   fontName=fonts.HEI if line.level == 0 else fonts.SONG)
            rows.append((layout.text(line.label, style), line.before, line.after, line.note))
            if line.level == 0:
                bold.append(i)
        story.append(layout.table(("项目", "封顶前", "封顶后", "说明"), rows, (72 * mm, 20 * mm, 20 * mm, 58 * mm),
                                  right=(1, 2), bold_rows=bold))
    else:
        story.append(_none(s))

    return story
