"""A member's 履职档案 for one year: the facts, the verified records, the meetings, the result and how the score
was made (section, rule item, record, with the points before and after each cap)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Table, TableStyle

from reports import fonts, layout
from reports.model import Dossier
from reports.numerals import arabic_date

WIDTH = 170 * mm  # A4 portrait inside 20 mm margins
MET = {True: "达到", False: "未达到"}  # the 宋体 has no ✓ ✗


def _facts(d: Dossier) -> Flowable:
    s = layout.styles()
    label = layout.bold(s["cell"])
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
        *layout.RULED,
        ("BACKGROUND", (0, 0), (0, -1), layout.HEADER_FILL),
        ("BACKGROUND", (2, 0), (2, -1), layout.HEADER_FILL),
    ]))
    return grid


def _section(label: str, content: Flowable | None) -> list[Flowable]:
    """A section heading, never left alone at the foot of a page (a new page when less than 35 mm remain), then
    its table or （无）."""
    s = layout.styles()
    return [CondPageBreak(35 * mm), layout.text(label, s["heading"]),
            content if content is not None else layout.text(layout.NONE, s["plain"])]


@cache
def _level(level: int) -> ParagraphStyle:
    """The label of an explanation line: sections in 黑体, items and records indented under them."""
    return ParagraphStyle(f"level{level}", parent=layout.styles()["cell"], leftIndent=level * 4 * mm,
                          fontName=fonts.HEI if level == 0 else fonts.SONG)


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
    story: list[Flowable] = [layout.title(_title(d), WIDTH)]
    if d.review_label:
        story.append(layout.text(d.review_label, layout.styles()["subtitle"]))
    if d.facts:
        story.append(_facts(d))

    story += _section("一、履职记录", layout.table(
        ("日期", "类别", "事项", "说明", "状态"),
        [(arabic_date(r.on), r.kind, r.title, r.detail, r.status) for r in d.records],
        (31 * mm, 18 * mm, 53 * mm, 50 * mm, 18 * mm), center=(0, 1, 4)) if d.records else None)

    story += _section("二、会议出勤", layout.table(
        ("日期", "会议", "出勤"), [(arabic_date(a.on), a.meeting, a.state) for a in d.attendance],
        (28 * mm, 118 * mm, 24 * mm), center=(0, 2)) if d.attendance else None)

    results = [(label, value) for label, value in (("得分", d.score), ("等次", d.grade), ("名次", d.rank)) if value]
    results += [(gate, MET[met]) for gate, met in d.gates]
    story += _section("三、考评结果", layout.table(("项目", "结果"), results, (100 * mm, 70 * mm), center=(1,))
                      if results else None)

    rows = [(layout.text(line.label, _level(line.level)), line.before, line.after, line.note)
            for line in d.explanation]
    sections = [i for i, line in enumerate(d.explanation) if line.level == 0]
    story += _section("四、得分说明", layout.table(("项目", "封顶前", "封顶后", "说明"), rows,
                                               (72 * mm, 20 * mm, 20 * mm, 58 * mm), right=(1, 2), bold_rows=sections)
                      if rows else None)
    if d.cases is not None:
        story += _section("五、通报及处理", _cases(d) if d.cases else None)
    return story


def _cases(d: Dossier) -> Flowable:
    """Each 通报 of the year: the 通报 and its reasons, every step in order, and where the case stands."""
    rows: list[tuple[str, str, str]] = []
    heads = []
    for case in d.cases or ():
        heads.append(len(rows))
        rows.append((arabic_date(case.noticed_on), "通报", f"{case.review}：{'；'.join(case.reasons)}"))
        rows += [(arabic_date(step.on), step.what, step.detail) for step in case.steps]
        rows.append(("", "办理状态", case.state))
    return layout.table(("日期", "事项", "内容"), rows, (31 * mm, 36 * mm, 103 * mm), center=(0,),
                        bold_rows=heads)
