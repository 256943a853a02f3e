"""Did you mean …: the closest known name to a misspelt one, for the hints (是否想写…) of the rule-file loader and
the spreadsheet reader. Pure: no database, no Flask."""
from __future__ import annotations

import difflib


def suggest(word: str, options: list[str]) -> list[str]:
    """The closest of `options` to a misspelt `word` (at most one)."""
    # 0.5, not difflib's 0.6: two-character Chinese names (提按 / 提案) differ by half
    return difflib.get_close_matches(word, options, n=1, cutoff=0.5)
