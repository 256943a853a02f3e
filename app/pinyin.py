"""Search keys for Chinese names: initials and full pinyin in every reading (单 dan/shan, 曾 zeng/ceng …).

Pure: no database. A key looks like "|zs|zhangsan|" so that `LIKE '%|zs%'` matches from the start of a reading.
"""
from __future__ import annotations

import itertools
import re

from pypinyin import Style, pinyin

MAX_READINGS = 64  # a name of 3 characters with 4 readings each still fits
_LETTERS = re.compile(r"^[a-z]+$")


def _options(name: str) -> list[list[str]]:
    """Each character's readings, looked up alone: a phrase would hide the surname reading (解 xie)."""
    options = []
    for char in name.replace(" ", ""):
        found = pinyin(char, style=Style.NORMAL, heteronym=True, errors=lambda chars: [chars.lower()])[0]
        options.append(list(dict.fromkeys(r.lower() for r in found if r)) or [char.lower()])
    return options


def readings(name: str) -> list[str]:
    """Every full-pinyin reading of `name`, without tones, first reading first."""
    return ["".join(p) for p in itertools.islice(itertools.product(*_options(name)), MAX_READINGS)]


def initials(name: str) -> list[str]:
    """Every string of initials of `name` (张三 → zs)."""
    firsts = [list(dict.fromkeys(r[:1] for r in char)) for char in _options(name)]
    return ["".join(p) for p in itertools.islice(itertools.product(*firsts), MAX_READINGS)]


def search_key(name: str) -> str:
    keys = dict.fromkeys([*initials(name), *readings(name)])
    return "|" + "|".join(k for k in keys if k) + "|"


def as_pinyin_query(text: str) -> str | None:
    """The lower-case letters to look up when `text` is a pinyin query (zs, zhangsan), else None."""
    query = text.strip().lower().replace(" ", "")
    return query if _LETTERS.match(query) else None
