"""Names (of people, units, enterprises, accounts) and other one-line text: what they may not hold. Pure.

A line break or another control character in a name breaks what is made from it: the file name of a download
(a header cannot hold a line break), a line of a printed list, a cell of an export. Browsers never send one from a
one-line box; a forged post, a paste or an imported cell can.
"""
from __future__ import annotations

import unicodedata

# Control characters (CR, LF, tab, NUL, DEL …) and the line and paragraph separators
NOT_ON_ONE_LINE = frozenset({"Cc", "Zl", "Zp"})


def has_control_characters(text: str | None) -> bool:
    return any(unicodedata.category(ch) in NOT_ON_ONE_LINE for ch in text or "")
