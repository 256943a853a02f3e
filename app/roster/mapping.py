"""The office's remembered column choices for rosters: header text → member field (or 不导入), kept in the settings
store (app/settings.py) under one key, so the next file with the same headers needs no choosing. Flush, never commit.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

from app.models import User
from app.settings import save_settings, setting
from app.spreadsheets.roster import FIELD_BY_KEY, LABELS, SKIP, header_key

KEY = "roster.columns"
MAX_HEADER = 60     # characters of a header kept
MAX_ENTRIES = 300   # headers remembered at most (the oldest choices go first)
CHOICES = tuple(LABELS)  # every field key and SKIP


def remembered() -> dict[str, str]:
    """The remembered choices (anything unreadable in the store is ignored)."""
    try:
        found = json.loads(setting(KEY) or "{}")
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and v in LABELS}


def parse_choice(text: str) -> str | None:
    """A field as the office names it: its key (phone), its label (联系电话), or 不导入 / skip; None if unknown."""
    text = (text or "").strip()
    if text in LABELS:
        return text
    by_label = {label: key for key, label in LABELS.items()}
    return by_label.get(text) or by_label.get(FIELD_BY_KEY[text].label if text in FIELD_BY_KEY else "")


def remember(choices: Mapping[str, str], user: User | None, ip: str = "") -> dict[str, str]:
    """Add `choices` (header → field key or SKIP) to the remembered ones, audited; returns what is remembered now."""
    current = remembered()
    for header, key in choices.items():
        header = header_key(header)[:MAX_HEADER]
        if header and key in LABELS:
            current.pop(header, None)
            current[header] = key  # last: the newest choice is kept longest
    while len(current) > MAX_ENTRIES:
        current.pop(next(iter(current)))
    save_settings({KEY: json.dumps(current, ensure_ascii=False)}, user, ip=ip)  # type: ignore[arg-type]
    return current


def describe(choices: Mapping[str, str]) -> str:
    """“籍贯 → 不导入、手机号 → 联系电话”, for messages."""
    return "、".join(f"{header} → {LABELS[key]}" for header, key in choices.items())


__all__ = ["CHOICES", "KEY", "SKIP", "describe", "parse_choice", "remember", "remembered"]
