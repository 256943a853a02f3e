"""双比双争 coverage of one year: which enterprises have a party branch and which have party members, the branches
new that year and the 空白点, worked out from plain facts and printed as PDF or .xlsx. Pure: no database."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import cells, layout

LARGE = 100  # 百人以上企业: the township's aim is a branch in each
MEDIUM = 50  # 50 人以上企业: the aim is party members in each
SINGLE, JOINT = "单独组建", "联合支部"


@dataclass(frozen=True)
class EnterpriseFact:
    """One enterprise in the year: `branch` is its branch's name ('' for none), `figures_year` the year its
    figures were entered for (an earlier year's carried over; None: none entered, headcount as registered), `key`
    its id where it came from the database (for a link to its figures)."""

    name: str
    branch: str
    employees: int
    party_members: int
    output: Decimal | None = None  # 产值, 万元
    tax: Decimal | None = None  # 税收, 万元
    figures_year: int | None = None
    key: int | None = None
    owner: str = ""  # 企业主 and 职务 (张三（董事长）): the .xlsx's last column


@dataclass(frozen=True)
class BranchFact:
    name: str
    form: str  # SINGLE or JOINT
    parent: str  # 镇党委 or the 党总支 it sits under
    founded_on: dt.date | None
    party_members: int  # active party members on its roll
    in_park: bool = False  # under a 党总支 (支部进园区)


@dataclass(frozen=True)
class Coverage:
    """The year's figures; every list is what its count counts, so a page can name them."""

    year: int
    title: str
    branches: tuple[BranchFact, ...]  # founded by the year's end (or undated)
    enterprises: tuple[EnterpriseFact, ...]

    def _with_branch(self, e: EnterpriseFact) -> bool:
        return e.branch in {b.name for b in self.branches}

    @property
    def new_branches(self) -> tuple[BranchFact, ...]:
        return tuple(b for b in self.branches if b.founded_on is not None and b.founded_on.year == self.year)

    @property
    def single(self) -> int:
        return sum(1 for b in self.branches if b.form == SINGLE)

    @property
    def joint(self) -> int:
        return sum(1 for b in self.branches if b.form == JOINT)

    @property
    def in_park(self) -> int:
        return sum(1 for b in self.branches if b.in_park)

    @property
    def party_members(self) -> int:
        """Party members on the branches' rolls."""
        return sum(b.party_members for b in self.branches)

    @property
    def large(self) -> tuple[EnterpriseFact, ...]:
        return tuple(e for e in self.enterprises if e.employees >= LARGE)

    @property
    def large_uncovered(self) -> tuple[EnterpriseFact, ...]:
        """百人以上企业 without a branch."""
        return tuple(e for e in self.large if not self._with_branch(e))

    @property
    def medium(self) -> tuple[EnterpriseFact, ...]:
        return tuple(e for e in self.enterprises if e.employees >= MEDIUM)

    @property
    def medium_without_members(self) -> tuple[EnterpriseFact, ...]:
        """50 人以上企业 with no party member."""
        return tuple(e for e in self.medium if e.party_members == 0)

    @property
    def blanks(self) -> tuple[EnterpriseFact, ...]:
        """空白点: enterprises with party members and no branch."""
        return tuple(e for e in self.enterprises if e.party_members > 0 and not self._with_branch(e))

    def summary(self) -> list[tuple[str, str]]:
        """The headline figures as (label, value), in the order the township's report gives them."""
        large, medium = len(self.large), len(self.medium)
        return [
            ("已组建非公企业党支部", f"{len(self.branches)} 个（单独组建 {self.single} 个，联合支部 {self.joint} 个）"),
            ("本年新增党支部", f"{len(self.new_branches)} 个"),
            ("设在党总支下（支部进园区）", f"{self.in_park} 个"),
            ("支部党员", f"{self.party_members} 人"),
            ("百人以上企业建立党组织", f"{large - len(self.large_uncovered)} / {large} 家"),
            ("50 人以上企业有党员", f"{medium - len(self.medium_without_members)} / {medium} 家"),
            ("空白点（有党员未建支部）", f"{len(self.blanks)} 家"),
        ]


def tally(year: int, branches: Sequence[BranchFact], enterprises: Sequence[EnterpriseFact],
          title: str = "") -> Coverage:
    """The coverage at the end of `year`: a branch founded later does not count yet, nor do its enterprises."""
    standing = tuple(b for b in branches if b.founded_on is None or b.founded_on.year <= year)
    names = {b.name for b in standing}
    facts = tuple(e if e.branch in names else dataclasses.replace(e, branch="") for e in enterprises)
    return Coverage(year, title or f"{year}年度非公企业党组织覆盖情况统计表", standing, facts)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


BRANCH_HEADER = ("党支部", "组建方式", "上级党组织", "组建日期", "党员")
BRANCH_WIDTHS = (52 * mm, 22 * mm, 44 * mm, 32 * mm, 20 * mm)  # 170 mm
ENTERPRISE_HEADER = ("企业", "所属党支部", "职工", "党员", "产值（万元）", "税收（万元）", "数据年度")
ENTERPRISE_WIDTHS = (40 * mm, 36 * mm, 14 * mm, 14 * mm, 24 * mm, 24 * mm, 18 * mm)  # 170 mm


def _branch_cells(b: BranchFact, year: int) -> list[object]:
    founded = f"{b.founded_on.year}年{b.founded_on.month}月{b.founded_on.day}日" if b.founded_on else "—"
    return [b.name + ("（新增）" if b.founded_on and b.founded_on.year == year else ""), b.form, b.parent, founded,
            b.party_members]


def _enterprise_cells(e: EnterpriseFact) -> list[object]:
    return [e.name, e.branch or "（未建）", e.employees, e.party_members, _money(e.output), _money(e.tax),
            e.figures_year or "—"]


def _names(facts: Sequence[EnterpriseFact]) -> str:
    return "、".join(e.name for e in facts) or layout.NONE


def coverage_pdf(c: Coverage) -> bytes:
    """The year's coverage on A4: the headline figures, the gaps by name, then every branch and enterprise."""
    s = layout.styles()
    width = sum(BRANCH_WIDTHS)
    story: list[Flowable] = [layout.title(c.title, width)]
    story.append(layout.table(("项目", "情况"), c.summary(), (60 * mm, 110 * mm)))
    for heading, facts in (("空白点（有党员、未建党支部的企业）", c.blanks),
                           (f"{LARGE} 人以上未建党支部的企业", c.large_uncovered),
                           (f"{MEDIUM} 人以上尚无党员的企业", c.medium_without_members)):
        story += [layout.text(heading, s["heading"]), layout.text(_names(facts), s["plain"])]
    story.append(layout.text("党支部", s["heading"]))
    rows = [_branch_cells(b, c.year) for b in c.branches]
    story.append(layout.table(BRANCH_HEADER, rows or [layout.empty_row(len(BRANCH_HEADER))], BRANCH_WIDTHS,
                              center=(1, 3), right=(4,)))
    story.append(layout.text("企业", s["heading"]))
    rows = [_enterprise_cells(e) for e in c.enterprises]
    story.append(layout.table(ENTERPRISE_HEADER, rows or [layout.empty_row(len(ENTERPRISE_HEADER))],
                              ENTERPRISE_WIDTHS, right=(2, 3, 4, 5), center=(6,)))
    return layout.build(story, title=c.title)


def coverage_workbook(c: Coverage) -> bytes:
    """The same as an .xlsx: 汇总, 党支部 and 企业 sheets; counts and amounts as numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = layout.sheet(wb, "汇总", ("项目", "情况"), (30, 50), first=True)
    for line in c.summary():
        cells.append(ws, line)
    for label, facts in (("空白点", c.blanks), (f"{LARGE}人以上未建支部", c.large_uncovered),
                         (f"{MEDIUM}人以上无党员", c.medium_without_members)):
        cells.append(ws, (label, _names(facts)))
    ws = layout.sheet(wb, "党支部", BRANCH_HEADER, (30, 12, 24, 14, 8))
    for b in c.branches:
        line = _branch_cells(b, c.year)
        line[3] = b.founded_on
        cells.append(ws, line)
    ws = layout.sheet(wb, "企业", (*ENTERPRISE_HEADER, "企业主"), (30, 24, 8, 8, 14, 14, 10, 24))
    for e in c.enterprises:
        cells.append(ws, [e.name, e.branch, e.employees, e.party_members, e.output, e.tax, e.figures_year, e.owner])
    return layout.workbook_bytes(wb, layout.workbook_stamp(c.year))
