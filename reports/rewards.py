"""The 奖励发放表 for finance: each honoree's reward by recommending unit, a signature cell for whoever collects
it, a 小计 per unit and the 合计. An award whose amount is not set prints "—", stays out of the totals, and the
sheet says so; a 小计 (or the 合计) of nothing but such awards prints "—" too, never a 0.00 beside the dashes."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from reports import cells, layout
from reports.model import Award, Decision, Honoree

DASH = "—"
HEADER = ("序号", "单位", "姓名", "奖项", "金额（元）", "领取人签名")
WIDTHS = (12 * mm, 50 * mm, 30 * mm, 28 * mm, 22 * mm, 28 * mm)  # 170 mm
SIGNATURE_HEIGHT = 9 * mm
MONEY_FORMAT = "#,##0.00"  # the .xlsx's amounts


def money(amount: Decimal | None) -> str:
    """1000 → 1,000.00; no amount → —."""
    return DASH if amount is None else f"{amount:,.2f}"


def sheet_title(decision: Decision) -> str:
    """关于表彰2025年度“四个一”活动先进个人的决定 → 2025年度“四个一”活动先进个人表彰奖励发放表."""
    core = decision.title.strip()
    core = core.removeprefix("关于表彰").removeprefix("关于").removesuffix("的决定")
    if not core.startswith(f"{decision.year}年"):
        core = f"{decision.year}年度{core}"
    return f"{core}表彰奖励发放表"


def by_unit(decision: Decision) -> list[tuple[str, list[tuple[Award, Honoree]]]]:
    """(unit, [(award, honoree) …]) in the order units first appear, awards in the decision's order."""
    groups: dict[str, list[tuple[Award, Honoree]]] = {}
    for award in decision.awards:
        for honoree in award.honorees:
            groups.setdefault(honoree.unit, []).append((award, honoree))
    return list(groups.items())


def unit_total(entries: Sequence[tuple[Award, Honoree]]) -> Decimal | None:
    """The sum of the amounts set (an award without an amount counts nothing); None when none is set."""
    amounts = [award.reward for award, _ in entries if award.reward is not None]
    return sum(amounts, Decimal(0)) if amounts else None


def _plus(total: Decimal | None, amount: Decimal | None) -> Decimal | None:
    """A running total that stays None (shown "—") until some amount is set."""
    return total if amount is None else (total or Decimal(0)) + amount


def unset_note(decision: Decision) -> str:
    """注：… names the categories with no amount set, or "" when every one has one."""
    unset = [a.category for a in decision.awards if a.reward is None and a.honorees]
    if not unset:
        return ""
    names = "、".join(f"“{c}”" for c in unset)
    return f"注：{names}未设定奖励金额，表中以“{DASH}”表示，不计入小计与合计。"


def reward_sheet(decision: Decision) -> bytes:
    """The 奖励发放表 as PDF bytes."""
    s = layout.styles()
    title = sheet_title(decision)
    story: list[Flowable] = [layout.title(title, sum(WIDTHS))]
    line = [decision.issuer, decision.approval.number]
    story.append(layout.text("　".join(p for p in line if p), s["subtitle"]))
    note = unset_note(decision)
    if note:
        story.append(layout.text(note, ParagraphStyle("reward_note", parent=s["plain"], spaceAfter=2 * mm)))
    rows: list[tuple] = []
    bold: list[int] = []
    number = 0
    total: Decimal | None = None
    for unit, entries in by_unit(decision):
        for award, honoree in entries:
            number += 1
            rows.append((number, unit, honoree.name, award.category, money(award.reward), Spacer(1, SIGNATURE_HEIGHT)))
        subtotal = unit_total(entries)
        total = _plus(total, subtotal)
        bold.append(len(rows))
        rows.append(("", f"{unit} 小计", f"{len(entries)}人", "", money(subtotal), ""))
    if rows:
        bold.append(len(rows))
        rows.append(("", "合计", f"{number}人", "", money(total), ""))
    else:
        rows.append(layout.empty_row(len(HEADER)))
    story.append(layout.table(HEADER, rows, WIDTHS, right=(4,), center=(0, 2, 3), bold_rows=bold))
    signers = Table([[layout.text(f"{role}：", s["plain"]) for role in ("制表人", "审核人", "分管领导")]],
                    colWidths=[sum(WIDTHS) / 3] * 3)
    signers.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [Spacer(1, 8 * mm), KeepTogether([signers])]
    return layout.build(story, title=title, footer=layout.hash_footer(decision.review_hash), draft=decision.draft)


def reward_workbook(decision: Decision) -> bytes:
    """The 奖励发放表 as an .xlsx: the same rows, amounts as numbers (小计 and 合计 as values, not formulas), and
    a second sheet 按单位汇总 with each unit's head count and amount."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)

    def add(sheet_: Any, row: list, amount_column: int, strong: bool = False) -> None:
        cells.append(sheet_, row)
        sheet_.cell(row=sheet_.max_row, column=amount_column).number_format = MONEY_FORMAT
        if strong:
            for cell in sheet_[sheet_.max_row]:
                cell.font = bold

    wb = Workbook()
    ws = layout.sheet(wb, "奖励发放表", HEADER, (6, 36, 14, 16, 14, 16), first=True)
    summary = layout.sheet(wb, "按单位汇总", ("单位", "人数", "金额（元）"), (36, 8, 14))
    number = 0
    total: Decimal | None = None
    for unit, entries in by_unit(decision):
        for award, honoree in entries:
            number += 1
            amount = DASH if award.reward is None else award.reward
            add(ws, [number, unit, honoree.name, award.category, amount, None], 5)
        subtotal = unit_total(entries)
        total = _plus(total, subtotal)
        add(ws, [None, f"{unit} 小计", f"{len(entries)}人", None, DASH if subtotal is None else subtotal, None], 5,
            strong=True)
        add(summary, [unit, len(entries), DASH if subtotal is None else subtotal], 3)
    add(ws, [None, "合计", f"{number}人", None, DASH if total is None else total, None], 5, strong=True)
    add(summary, ["合计", number, DASH if total is None else total], 3, strong=True)
    note = unset_note(decision)
    if note:
        cells.append(ws, [])
        cells.append(ws, [None, note])
    return layout.workbook_bytes(wb, layout.workbook_stamp(decision.year))
