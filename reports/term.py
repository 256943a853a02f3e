"""届末综合评价: each member's official result of every year of a 届, attendance and verified records across it, and
the term score (the mean of the years present), printed as the list for the 换届 nomination (PDF or .xlsx) and as
one member's term report. Pure: plain facts in, bytes out."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import cells, layout

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
RULE = "届末得分为届内各年度正式考评得分的平均分：某年度没有正式结果的记为“无”，不计入平均，并注明计入的年数。"
ATTENDANCE_RULE = "出勤按届内已核实会议的签到统计：迟到、早退计为出席；出席率 = 出席 ÷（出席 + 请假 + 缺席）。"


@dataclass(frozen=True)
class YearResult:
    """A member's official result of one year: the newest frozen annual review's, else as the office entered it
    (`entered`, with no rank)."""

    year: int
    score: Decimal
    grade: str
    rank: int | None
    entered: bool = False


@dataclass(frozen=True)
class TermMember:
    """One member across the 届: `results` holds only the years with a result; `place` is None without any."""

    member_id: int
    name: str
    sector: str
    results: tuple[YearResult, ...]
    present: int
    leave: int
    absent: int
    counts: tuple[tuple[str, int], ...]  # (献一智, 3), (引一企, 0), … verified records across the 届
    place: int | None = None

    @property
    def score(self) -> Decimal | None:
        """The mean of the yearly scores present, to 0.01 (half up); None when no year has a result."""
        if not self.results:
            return None
        total = sum((r.score for r in self.results), Decimal(0))
        return (total / len(self.results)).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def invited(self) -> int:
        return self.present + self.leave + self.absent

    @property
    def rate(self) -> Decimal | None:
        """出席率 in per cent, to 0.1; None when never invited."""
        if not self.invited:
            return None
        return (Decimal(100) * self.present / self.invited).quantize(TENTH, rounding=ROUND_HALF_UP)

    def result(self, year: int) -> YearResult | None:
        return next((r for r in self.results if r.year == year), None)


@dataclass(frozen=True)
class TermReport:
    title: str
    term_name: str
    years: tuple[int, ...]
    members: tuple[TermMember, ...]  # ranked: place order, members without a result last


def ranked(members: Sequence[TermMember]) -> tuple[TermMember, ...]:
    """Highest term score first; equal scores share a place (1, 2, 2, 4) and keep member id order; members with no
    yearly result come last, unplaced."""
    scored = sorted((m for m in members if m.score is not None), key=lambda m: (-m.score, m.member_id))  # type: ignore[operator]
    out: list[TermMember] = []
    for position, m in enumerate(scored, start=1):
        tied = out and out[-1].score == m.score
        out.append(replace(m, place=out[-1].place if tied else position))
    out += sorted((replace(m, place=None) for m in members if m.score is None), key=lambda m: m.member_id)
    return tuple(out)


def number(value: Decimal | None) -> str:
    return "无" if value is None else f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def rate_text(m: TermMember) -> str:
    return "—" if m.rate is None else f"{m.rate}%"


def year_text(r: YearResult | None) -> str:
    """“87.5 良好”, “无” for a year without a result."""
    if r is None:
        return "无"
    return " ".join(p for p in (number(r.score), r.grade) if p)


def score_text(m: TermMember) -> str:
    """“86.25（2 年）”: the term score with the number of years it averages."""
    return "无" if m.score is None else f"{number(m.score)}（{len(m.results)} 年）"


def header(report: TermReport) -> tuple[str, ...]:
    return ("名次", "姓名", "界别", *(f"{y}年" for y in report.years), "出席率", "届末得分")


def _row(report: TermReport, m: TermMember) -> list[object]:
    return [m.place or "—", m.name, m.sector, *(year_text(m.result(y)) for y in report.years), rate_text(m),
            score_text(m)]


def term_pdf(report: TermReport) -> bytes:
    """The list for the 换届 nomination on landscape A4: rank, name, 界别, each year's score and grade, the
    attendance rate and the term score; the rule under it."""
    s = layout.styles()
    page = landscape(A4)
    width = page[0] - 2 * layout.MARGIN
    fixed = (14 * mm, 22 * mm, 34 * mm, 20 * mm, 28 * mm)
    year_width = (width - sum(fixed)) / max(len(report.years), 1)
    widths = (*fixed[:3], *(year_width,) * len(report.years), *fixed[3:])
    rows = [_row(report, m) for m in report.members] or [layout.empty_row(len(widths))]
    story: list[Flowable] = [layout.title(report.title, width),
                             layout.table(header(report), rows, widths, center=(0,),
                                          right=tuple(range(3, len(widths)))),
                             layout.text(RULE, s["small"]), layout.text(ATTENDANCE_RULE, s["small"])]
    return layout.build(story, title=report.title, pagesize=page)


def term_workbook(report: TermReport) -> bytes:
    """The same list as an .xlsx (scores and counts as numbers; a year without a result left empty), with the
    attendance and record counts beside it."""
    from openpyxl import Workbook

    categories = [c for c, _n in report.members[0].counts] if report.members else []
    head = ("名次", "姓名", "界别", *(f"{y}年得分" for y in report.years), *(f"{y}年等次" for y in report.years),
            "计入年数", "届末得分", "出席", "请假", "缺席", "出席率（%）", *categories)
    wb = Workbook()
    ws = layout.sheet(wb, "届末综合评价", head, (6, 10, 16, *(9,) * (2 * len(report.years)), 8, 10, 6, 6, 6, 10,
                                              *(8,) * len(categories)), first=True)
    for m in report.members:
        results = [m.result(y) for y in report.years]
        cells.append(ws, [m.place, m.name, m.sector, *(r.score if r else None for r in results),
                          *(r.grade if r else "无" for r in results), len(m.results), m.score, m.present, m.leave,
                          m.absent, m.rate, *(n for _c, n in m.counts)])
    cells.append(ws, [])
    cells.append(ws, [RULE])
    cells.append(ws, [ATTENDANCE_RULE])
    return layout.workbook_bytes(wb, layout.workbook_stamp(report.years[-1] if report.years else 2000))


def member_pdf(report: TermReport, m: TermMember) -> bytes:
    """One member's term report: each year's result, the term score and place, attendance and records."""
    s = layout.styles()
    width = layout.frame_width()
    title = f"{report.term_name}政协委员届末综合评价表"
    place = "—" if m.place is None else f"第 {m.place} 名（共 {len(report.members)} 人）"
    story: list[Flowable] = [layout.title(title, width),
                             layout.table(("项目", "内容"), [("姓名", m.name), ("界别", m.sector),
                                                          ("届末得分", score_text(m)), ("届内名次", place)],
                                          (40 * mm, width - 40 * mm)),
                             layout.text("各年度考评结果", s["heading"])]
    years = []
    for y in report.years:
        r = m.result(y)
        years.append((f"{y}年", number(r.score) if r else "无", (r.grade if r else "") or "—",
                      (r.rank if r and r.rank else "—"), ("历年录入" if r.entered else "年度考评") if r else "不计入平均"))
    story.append(layout.table(("年度", "得分", "等次", "名次", "来源"), years,
                              (30 * mm, 30 * mm, 30 * mm, 30 * mm, width - 120 * mm), center=(2, 3), right=(1,)))
    story.append(layout.text("出勤情况", s["heading"]))
    story.append(layout.table(("出席", "请假", "缺席", "出席率"), [(m.present, m.leave, m.absent, rate_text(m))],
                              (width / 4,) * 4, center=(0, 1, 2, 3)))
    story.append(layout.text("届内已核实的履职记录", s["heading"]))
    story.append(layout.table([c for c, _n in m.counts] or ["—"], [[n for _c, n in m.counts] or ["—"]],
                              (width / max(len(m.counts), 1),) * max(len(m.counts), 1),
                              center=tuple(range(len(m.counts)))))
    story += [layout.text(RULE, s["small"]), layout.text(ATTENDANCE_RULE, s["small"])]
    return layout.build(story, title=title)
