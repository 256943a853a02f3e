"""Ranking tables of a review (overall or within one group), as PDF and as an .xlsx with one sheet per table."""
from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from reports import cells, layout
from reports.model import RankingRow, RankingTable

HEADER = ("名次", "姓名", "单位", "分组", "得分", "考评等次", "评优资格", "备注")
WIDTHS = (12 * mm, 22 * mm, 28 * mm, 16 * mm, 14 * mm, 19 * mm, 19 * mm, 40 * mm)  # 170 mm
SHEET_WIDTHS = (8, 12, 30, 16, 10, 10, 10, 40)  # in characters
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31


def _eligible(value: bool) -> str:
    return "具备" if value else "不具备"


def _header(t: RankingTable) -> tuple[str, ...]:
    return (HEADER[0], t.name_header, t.unit_header, *HEADER[3:])


def _cells(r: RankingRow) -> list[object]:
    """A row's cells; a vetoed one says so where the place would be, the note before the 通报."""
    return ["一票否决" if r.vetoed else r.place, r.name, r.unit, r.group, r.score, r.grade, _eligible(r.eligible),
            "；".join(filter(None, [r.note, *r.flags]))]


def ranking_table(t: RankingTable) -> bytes:
    """One ranking as PDF bytes; a long one runs over pages with the header repeated on each."""
    return layout.build(_story(t), title=t.title, footer=layout.hash_footer(t.review_hash), draft=t.draft)


def ranking_tables(tables: Sequence[RankingTable]) -> bytes:
    """Several rankings (every group of a review) in one PDF, each starting a page and numbered on its own."""
    first = tables[0]
    return layout.build(layout.parts([_story(t) for t in tables]), title=first.title,
                        footer=layout.hash_footer(first.review_hash), draft=any(t.draft for t in tables))


def _story(t: RankingTable) -> list[Flowable]:
    story: list[Flowable] = [layout.title(t.title, sum(WIDTHS))]
    if t.subtitle:
        story.append(layout.text(t.subtitle, layout.styles()["subtitle"]))
    rows = [tuple(_cells(r)) for r in t.rows]
    story.append(layout.table(_header(t), rows or [layout.empty_row(len(HEADER))], WIDTHS, center=(0, 1, 4, 5, 6)))
    return story


def sheet_titles(names: Sequence[str]) -> list[str]:
    """Names Excel accepts for sheets: none of []:*?/\\, at most 31 characters, not empty, all different
    (a repeated name gets （2）, （3） … within the 31)."""
    result: list[str] = []
    taken: set[str] = set()
    for index, name in enumerate(names, start=1):
        base = SHEET_FORBIDDEN.sub("_", name or "").strip().strip("'") or f"排名{index}"
        title = base[:SHEET_MAX]
        counter = 1
        while title.casefold() in taken:
            counter += 1
            suffix = f"（{counter}）"
            title = base[:SHEET_MAX - len(suffix)] + suffix
        taken.add(title.casefold())
        result.append(title)
    return result


def _decimal(value: str) -> Decimal | str | None:
    try:
        return Decimal(value) if value.strip() else None
    except InvalidOperation:
        return value


def ranking_workbook(tables: Sequence[RankingTable]) -> bytes:
    """The rankings as an .xlsx: one sheet per table, named after its subtitle (or title); scores as numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    titles = sheet_titles([t.subtitle or t.title for t in tables]) or ["排名"]  # no table: one empty sheet
    for index, (title, rows) in enumerate(zip(titles, [t.rows for t in tables] or [()])):
        ws = layout.sheet(wb, title, _header(tables[index]) if tables else HEADER, SHEET_WIDTHS, first=index == 0)
        for r in rows:
            line = _cells(r)
            line[4] = _decimal(r.score)
            cells.append(ws, line)
    # the year the tables are about, from the first title that names one
    year = next((int(m.group(1)) for t in tables if (m := re.search(r"(\d{4})年", t.title))), 2000)
    return layout.workbook_bytes(wb, layout.workbook_stamp(year))
