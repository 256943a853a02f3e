"""A sheet typed a block at a time gives exactly the rows, values and problems that typing it row by row gives,
whatever the cells hold. Pure: no database."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from app.spreadsheets.columns import ACTIVITIES, ATTENDANCE, INDICATORS, MEMBERS, PARTY_MEMBERS, Column, Sheet
from app.spreadsheets.rows import Book, open_sheet
from app.spreadsheets.workbook import MergedRange, RawSheet

# What a cell may hold, as calamine or the CSV reader hands it over: text of every shape, numbers, dates, blanks.
def exactly(values) -> dict[str, tuple[type, str]]:
    """Values compared by type and repr: Decimal("-0") is not Decimal("0"), 1 is not True."""
    return {key: (type(value), repr(value)) for key, value in values.items()}


CELLS = ["", None, "  ", "\u3000", "W001", " W001 ", "ｗ００１", "W001、W002", "提案", "已提交", "已核实", "草稿",
         "出席", "是", "否", "正式党员", "2025H1", "2025年上半年", "'=SUM(A1)", "'+86", "'abc", "=1+1", "12人",
         "1,234.5", "1.23456", "-5", "0", "3000", "2025-03-02", "2025/3/2", "20250302", "2025-02-30", "张三",
         0, 1, -3, 12, 3000, 0.1, 1.5, 1e20, 0.0, -0.0, 2**40, True, False, dt.time(9, 30), dt.date(2025, 3, 2), dt.datetime(2025, 3, 2),
         dt.datetime(2025, 3, 2, 9, 30), "长" * 300]
BLOCK = 40


def raw_sheet(spec: Sheet, rows: int, seed: int, merged: bool) -> RawSheet:
    """A sheet of `rows` rows in runs of BLOCK: a run of rows that all look right (whole columns of one kind, as
    most files are), or a run of anything anywhere (empty rows, short rows, odd cells)."""
    rng = random.Random(seed)
    width = len(spec.columns)
    header = tuple(c.header for c in spec.columns)
    body = []
    for start in range(2, rows + 2, BLOCK):
        mode = ["clean", "uniform", "messy"][start // BLOCK] if start < 3 * BLOCK else \
            rng.choice(["uniform", "clean", "messy"])
        same = tuple(rng.choice(_usual(c) + _odd(c) + ["", None]) for c in spec.columns)  # blank, even if required
        for number in range(start, min(start + BLOCK, rows + 2)):
            if mode == "uniform":  # each column one value all the way down (or left blank)
                cells = same
            elif mode == "clean":
                cells = tuple(rng.choice(_usual(c)) if rng.random() < 0.99 else rng.choice(_odd(c))
                              for c in spec.columns)
            elif rng.random() < 0.1:  # an empty row
                cells = tuple(rng.choice(["", None, "  "]) for _ in range(width))
            else:
                cells = tuple(rng.choice(CELLS) for _ in range(width))
                if rng.random() < 0.1:
                    cells = cells[:rng.randrange(1, width)]  # a short row, as a CSV line may be
            body.append((number, cells))
    ranges = (MergedRange("B5:B7", 5, 2, 7, 2),) if merged else ()
    return RawSheet(spec.name, [(1, header), *body], ranges, height=rows + 1)


def _usual(column: Column) -> list[object]:
    """Cells that look right for `column` (a blank only where it may be blank)."""
    blank = [] if column.required else [None, ""]
    return {"date": [dt.date(2025, 3, 2), dt.date(2025, 7, 1)], "decimal": [3000, "1250.5", 0.1, 0, 0.0, -0.0],
            "integer": [12, 0], "yes_no": ["是", "否", True, False],
            "choice": [*column.choices, f" {column.choices[0]} "] if column.choices else [],
            "codes": [], "code": ["W001", " W002 ", "U004"], "period": ["2025H1"],
            "month": ["1968-03", "1975年8月", dt.date(1968, 3, 5)],
            }.get(column.type, ["关于修缮城关小学的提案", " 两边有空格 "]) + blank


def _odd(column: Column) -> list[object]:
    """Cells that a column of its type must not take as they are."""
    return {"date": [dt.datetime(2025, 3, 2), "2025-03-02", 45000], "decimal": ["12人", "1.23456"],
            "integer": ["1.5"], "choice": ["不是选项", 1], "codes": ["W002、W003"], "code": ["ｗ００１", 1001.0],
            "month": [1968.1, "1968-13", "三月"],
            }.get(column.type, ["'=SUM(A1)", 0, dt.date(2025, 1, 1)])


@pytest.mark.parametrize("spec", [ACTIVITIES, ATTENDANCE, INDICATORS, MEMBERS, PARTY_MEMBERS],
                         ids=lambda s: s.name)
@pytest.mark.parametrize("seed", range(4))
def test_blocks_type_every_row_as_iterating_does(spec, seed):
    for merged in (False, True):
        by_row, by_block = Book("f.xlsx"), Book("f.xlsx")
        expected = list(open_sheet(by_row, raw_sheet(spec, 300, seed, merged), spec))
        typed = open_sheet(by_block, raw_sheet(spec, 300, seed, merged), spec)
        blocks = list(typed.blocks(size=BLOCK))
        got = [row for block in blocks for i in range(len(block)) if (row := block.row(i)) is not None]
        assert [(r.number, exactly(r.values), r.bad) for r in got] == \
            [(r.number, exactly(r.values), r.bad) for r in expected]
        assert by_block.problems == by_row.problems
        assert typed.count == len(expected)
        assert any(block_row.bad for block_row in got)  # the random cells did reach the row-by-row path
        assert sum(block.fast for block in blocks) >= BLOCK / 2  # … and the usual rows were typed by column
