"""四联系覆盖情况 as PDF and as .xlsx: each 常委's members contacted in the period, and the members nobody contacted.
Pure: data in, bytes out (identical for identical input)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reports import cells, layout

STANDING_HEADER = ("编号", "常委", "界别", "联系委员数", "已联系", "覆盖率", "联系次数", "尚未联系的委员")
STANDING_WIDTHS = (16 * mm, 18 * mm, 24 * mm, 16 * mm, 14 * mm, 14 * mm, 14 * mm, 54 * mm)  # 170 mm
STANDING_SHEET = (10, 10, 16, 10, 8, 8, 8, 50)
UNCONTACTED_HEADER = ("委员编号", "姓名", "界别", "联系的常委")
UNCONTACTED_WIDTHS = (30 * mm, 40 * mm, 60 * mm, 40 * mm)
UNCONTACTED_SHEET = (10, 12, 24, 12)


@dataclass(frozen=True)
class StandingLine:
    code: str
    name: str
    sector: str
    assigned: int
    contacted: int
    rate: str
    contacts: int
    missing: tuple[str, ...]


@dataclass(frozen=True)
class UncontactedLine:
    code: str
    name: str
    sector: str
    owner: str  # the 常委 assigned to them, "" for none


@dataclass(frozen=True)
class ContactReport:
    title: str       # 2025年上半年四联系覆盖情况
    year: int
    standing: Sequence[StandingLine]
    uncontacted: Sequence[UncontactedLine]


def _standing(line: StandingLine) -> list[object]:
    return [line.code, line.name, line.sector, line.assigned, line.contacted, line.rate, line.contacts,
            "、".join(line.missing) or "—"]


def _uncontacted(line: UncontactedLine) -> list[object]:
    return [line.code, line.name, line.sector, line.owner or "未分工"]


def contact_pdf(report: ContactReport) -> bytes:
    """Two tables, each running over pages with its header repeated."""
    styles = layout.styles()
    story: list[Flowable] = [layout.title(report.title, sum(STANDING_WIDTHS)),
                             layout.text("一、常委联系委员", styles["subtitle"]),
                             layout.table(STANDING_HEADER, [tuple(_standing(s)) for s in report.standing]
                                          or [layout.empty_row(len(STANDING_HEADER))], STANDING_WIDTHS,
                                          center=(0, 3, 4, 5, 6)),
                             Spacer(1, 6 * mm),
                             layout.text(f"二、无人联系的委员（{len(report.uncontacted)} 人）", styles["subtitle"]),
                             layout.table(UNCONTACTED_HEADER, [tuple(_uncontacted(u)) for u in report.uncontacted]
                                          or [layout.empty_row(len(UNCONTACTED_HEADER))], UNCONTACTED_WIDTHS,
                                          center=(0,))]
    return layout.build(story, title=report.title)


def contact_workbook(report: ContactReport) -> bytes:
    """The same two tables as two sheets; counts as numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = layout.sheet(wb, "常委联系委员", STANDING_HEADER, STANDING_SHEET, first=True)
    for s in report.standing:
        cells.append(ws, _standing(s))
    ws = layout.sheet(wb, "无人联系的委员", UNCONTACTED_HEADER, UNCONTACTED_SHEET)
    for u in report.uncontacted:
        cells.append(ws, _uncontacted(u))
    return layout.workbook_bytes(wb, layout.workbook_stamp(report.year))
