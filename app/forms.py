"""Helpers shared by the feature forms."""
from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def select_choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 choices (plain tuples are deprecated there)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
