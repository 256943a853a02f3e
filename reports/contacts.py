"""四联系情况 as PDF and as .xlsx: each 常委's members contacted in the period, the members nobody contacted, each
专委会's 界别 and 联络处 contacted, and the members' contacts with the masses of their 界别. Pure: data in, bytes out
(identical for identical input)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reports import cells, layout

STANDING_HEADER = ("编号", "常委", "界别", "联系委员数", "已联系", "覆盖率", "联系次数", "尚未联系的委员")
STANDING_WIDTHS = (16 * mm, 18 * mm, 24 * mm, 16 * mm, 14 * mm, 14 * mm, 14 * mm, 54 * mm)  # 170 mm
STANDING_SHEET = (10, 10, 16, 10, 8, 8, 8, 50)
UNCONTACTED_HEADER = ("委员编号", "姓名", "界别", "联系的常委")
UNCONTACTED_WIDTHS = (30 * mm, 40 * mm, 60 * mm, 40 * mm)
UNCONTACTED_SHEET = (10, 12, 24, 12)
COMMITTEE_HEADER = ("专委会", "联系的界别和联络处", "已联系", "覆盖率", "联系次数", "尚未联系的界别和联络处")
COMMITTEE_WIDTHS = (34 * mm, 22 * mm, 14 * mm, 14 * mm, 16 * mm, 70 * mm)  # 170 mm
COMMITTEE_SHEET = (20, 12, 8, 8, 8, 50)
MASSES_HEADER = ("日期", "委员编号", "委员", "界别", "联系方式", "联系的群众", "联系内容", "反映的问题")
MASSES_WIDTHS = (15 * mm, 14 * mm, 15 * mm, 18 * mm, 13 * mm, 28 * mm, 37 * mm, 30 * mm)  # 170 mm
MASSES_SHEET = (12, 10, 10, 14, 8, 24, 40, 36)


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
class CommitteeLine:
    name: str
    assigned: int
    contacted: int
    rate: str
    contacts: int
    missing: tuple[str, ...]


@dataclass(frozen=True)
class MassLine:
    """One contact of a member with the masses of their 界别."""

    day: dt.date
    code: str
    name: str
    sector: str  # the 界别 of the people contacted
    form: str
    people: str
    content: str
    issues: str


@dataclass(frozen=True)
class ContactReport:
    title: str       # 2025年上半年四联系情况
    year: int
    standing: Sequence[StandingLine]
    uncontacted: Sequence[UncontactedLine]
    committees: Sequence[CommitteeLine] = field(default_factory=tuple)
    masses: Sequence[MassLine] = field(default_factory=tuple)


def _standing(line: StandingLine) -> list[object]:
    return [line.code, line.name, line.sector, line.assigned, line.contacted, line.rate, line.contacts,
            "、".join(line.missing) or "—"]


def _uncontacted(line: UncontactedLine) -> list[object]:
    return [line.code, line.name, line.sector, line.owner or "未分工"]


def _committee(line: CommitteeLine) -> list[object]:
    return [line.name, line.assigned, line.contacted, line.rate, line.contacts, "、".join(line.missing) or "—"]


def _mass(line: MassLine, day: object) -> list[object]:
    return [day, line.code, line.name, line.sector, line.form, line.people, line.content, line.issues or "—"]


def _month_day(day: dt.date) -> str:
    """7月2日: the year is the title's."""
    return f"{day.month}月{day.day}日"


def contact_pdf(report: ContactReport) -> bytes:
    """Four tables, each running over pages with its header repeated."""
    styles = layout.styles()

    def section(heading: str, header: Sequence[str], rows: list[tuple[object, ...]], widths: Sequence[float],
                center: Sequence[int]) -> list[Flowable]:
        return [layout.text(heading, styles["subtitle"]),
                layout.table(header, rows or [layout.empty_row(len(header))], widths, center=center),
                Spacer(1, 6 * mm)]

    story: list[Flowable] = [
        layout.title(report.title, sum(STANDING_WIDTHS)),
        *section("一、常委联系委员", STANDING_HEADER, [tuple(_standing(s)) for s in report.standing],
                 STANDING_WIDTHS, (0, 3, 4, 5, 6)),
        *section(f"二、无人联系的委员（{len(report.uncontacted)} 人）", UNCONTACTED_HEADER,
                 [tuple(_uncontacted(u)) for u in report.uncontacted], UNCONTACTED_WIDTHS, (0,)),
        *section("三、专委会联系界别和联络处", COMMITTEE_HEADER, [tuple(_committee(c)) for c in report.committees],
                 COMMITTEE_WIDTHS, (1, 2, 3, 4)),
        *section(f"四、委员联系界别群众（{len(report.masses)} 次）", MASSES_HEADER,
                 [tuple(_mass(m, _month_day(m.day))) for m in report.masses], MASSES_WIDTHS, (1, 4)),
    ]
    return layout.build(story[:-1], title=report.title)


def contact_workbook(report: ContactReport) -> bytes:
    """The same four tables as four sheets; counts as numbers, dates as dates."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = layout.sheet(wb, "常委联系委员", STANDING_HEADER, STANDING_SHEET, first=True)
    for s in report.standing:
        cells.append(ws, _standing(s))
    ws = layout.sheet(wb, "无人联系的委员", UNCONTACTED_HEADER, UNCONTACTED_SHEET)
    for u in report.uncontacted:
        cells.append(ws, _uncontacted(u))
    ws = layout.sheet(wb, "专委会联系界别和联络处", COMMITTEE_HEADER, COMMITTEE_SHEET)
    for c in report.committees:
        cells.append(ws, _committee(c))
    ws = layout.sheet(wb, "委员联系界别群众", MASSES_HEADER, MASSES_SHEET)
    for m in report.masses:
        cells.append(ws, _mass(m, m.day))
    return layout.workbook_bytes(wb, layout.workbook_stamp(report.year))
