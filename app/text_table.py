"""Plain-text tables for the terminal that line up Chinese (full-width) and Latin text. Pure."""
from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: two for a full-width character (汉字), one otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def text_table(rows: Sequence[Sequence[str]], right: Collection[int] = (), indent: str = "") -> str:
    """Rows as aligned columns two spaces apart; `right` lists the columns aligned right (numbers)."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(indent + "  ".join(pad(cell, widths[i], i in right) for i, cell in enumerate(row)).rstrip()
                     for row in rows)
