"""The coverage tally (pure): new branches, 百人以上 / 50 人以上 coverage, 空白点; and its PDF and .xlsx."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from conftest import flat, pdf_text

from reports.coverage import BranchFact, EnterpriseFact, coverage_pdf, coverage_workbook, tally

BRANCHES = [BranchFact("宏达纸业党支部", "单独组建", "工业功能区党总支", dt.date(2019, 5, 1), 9, True),
            BranchFact("园区联合党支部", "联合支部", "镇党委", dt.date(2025, 3, 8), 6),
            BranchFact("明年党支部", "单独组建", "镇党委", dt.date(2026, 1, 5), 4)]
ENTERPRISES = [EnterpriseFact("宏达纸业", "宏达纸业党支部", 320, 9, Decimal("12000.50"), Decimal("600"), 2025,
                              owner="周建国（董事长）"),
               EnterpriseFact("园区甲", "园区联合党支部", 60, 0),
               EnterpriseFact("园区乙", "园区联合党支部", 40, 6),
               EnterpriseFact("明年厂", "明年党支部", 150, 4, figures_year=2024),
               EnterpriseFact("顺丰竹木", "", 64, 2),
               EnterpriseFact("惠民合作社", "", 28, 0)]


def test_the_tally_counts_what_stood_at_the_years_end():
    c = tally(2025, BRANCHES, ENTERPRISES)
    assert [b.name for b in c.branches] == ["宏达纸业党支部", "园区联合党支部"]  # 2026's branch not yet
    assert (c.single, c.joint, c.in_park, c.party_members) == (1, 1, 1, 15)
    assert [b.name for b in c.new_branches] == ["园区联合党支部"]
    assert [e.name for e in c.large] == ["宏达纸业", "明年厂"]
    assert [e.name for e in c.large_uncovered] == ["明年厂"]  # its branch is founded in 2026
    assert [e.name for e in c.medium_without_members] == ["园区甲"]
    assert [e.name for e in c.blanks] == ["明年厂", "顺丰竹木"]  # party members, no branch (yet)
    assert tally(2026, BRANCHES, ENTERPRISES).blanks[0].name == "顺丰竹木"


def test_the_pdf_prints_the_figures_and_the_gaps_by_name():
    c = tally(2025, BRANCHES, ENTERPRISES)
    data = coverage_pdf(c)
    assert data.startswith(b"%PDF-") and data == coverage_pdf(c)  # byte-identical for identical input
    text = flat(data)
    assert "2025年度非公企业党组织覆盖情况统计表" in text
    assert "2个（单独组建1个，联合支部1个）" in text and "1/2家" in text
    assert "空白点（有党员、未建党支部的企业）明年厂、顺丰竹木" in text
    assert "园区联合党支部（新增）" in text and "12,000.50" in text
    assert len(pdf_text(data)) >= 1


def test_the_workbook_keeps_numbers_as_numbers():
    from openpyxl import load_workbook
    c = tally(2025, BRANCHES, ENTERPRISES)
    data = coverage_workbook(c)
    assert data == coverage_workbook(c)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["汇总", "党支部", "企业"]
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["空白点"] == "明年厂、顺丰竹木"
    rows = list(book["企业"].iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("宏达纸业", "宏达纸业党支部", 320, 9, 12000.5, 600, 2025, "周建国（董事长）")  # 企业主 last
    assert rows[3][1] is None and rows[3][7] is None  # 明年厂: no branch in 2025, no 企业主 registered


def test_an_empty_township_still_prints():
    c = tally(2025, [], [])
    assert coverage_pdf(c).startswith(b"%PDF-")
    assert c.summary()[0] == ("已组建非公企业党支部", "0 个（单独组建 0 个，联合支部 0 个）")
