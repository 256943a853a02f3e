"""The fields a rule file declares for a record kind beyond the record's own columns (培训天数, 发言会议 …).

One place reads such a value as a form or a spreadsheet cell gives it (checked by the declared type, the error in
Chinese), keeps it on the record (`Activity.details`), and hands it to the engine. Pure: no Flask, no database.

Kept values: text, choice and date values as text (a date as 2025-03-02); numbers as {"d": "2.5"}, exact and
self-describing, so the scoring seam needs no rule file to read them back (the content hash writes numbers alike).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from app.scoring.exact import plain, whole_as_int
from app.scoring.rules import FieldSpec, KindSpec
from app.scoring.types import COLUMN_FIELDS, FieldValue
from app.spreadsheets.rows import read_date, read_decimal

MAX_TEXT = 200  # characters of a text field
Stored = str | dict[str, str]

TYPE_WORDS = {"number": "数字", "integer": "整数", "text": "文字", "enum": "选项", "date": "日期"}


def detail_fields(kind: KindSpec) -> list[FieldSpec]:
    """The fields `kind` declares that the record keeps in `details` (not in a column of its own), in order."""
    return [spec for name, spec in kind.fields.items() if name not in COLUMN_FIELDS]


def union(kinds: Iterable[KindSpec]) -> dict[str, list[tuple[KindSpec, FieldSpec]]]:
    """Field name → the kinds declaring it (with their declaration), in order of first appearance."""
    found: dict[str, list[tuple[KindSpec, FieldSpec]]] = {}
    for kind in kinds:
        for spec in detail_fields(kind):
            found.setdefault(spec.name, []).append((kind, spec))
    return found


def labels(kinds: Iterable[KindSpec]) -> dict[str, str]:
    """Field name → what people read for it (with its unit), for the fields `kinds` keep in `details`."""
    return {name: label(found[0][1]) + (f"({found[0][1].unit})" if found[0][1].unit else "")
            for name, found in union(kinds).items()}


def label(spec: FieldSpec) -> str:
    """What people read for the field: its label, else its name."""
    return spec.label or spec.name


def describe(spec: FieldSpec) -> str:
    """The field's type in words, for hints: 数字(天)、必填."""
    words = TYPE_WORDS.get(spec.type, spec.type) + (f",单位:{spec.unit}" if spec.unit else "")
    return words + (",必填" if spec.required else "")


def parse(spec: FieldSpec, raw: object) -> Stored | None:
    """The value to keep for `raw` (a form's text, or a cell's text, number or date); None when blank.

    :raises ValueError: a value the declared type refuses, with the reason in Chinese.
    """
    if raw is None or isinstance(raw, str) and not raw.strip():
        return None
    if spec.type in ("number", "integer"):
        try:
            number = read_decimal(raw)
        except ValueError as problem:  # its own words: 不是数字, 小数位数过多, 太大
            if spec.type == "integer" and str(problem).endswith("不是数字"):
                raise ValueError(f"“{_shown_raw(raw)}”不是整数") from None
            raise
        if spec.type == "integer" and number != number.to_integral_value():
            raise ValueError(f"“{_shown_raw(raw)}”不是整数")
        if number < 0:
            raise ValueError("不能为负数")
        return {"d": plain(number)}
    if spec.type == "date":
        day = read_date(raw)
        return day.isoformat()
    text = raw.strip() if isinstance(raw, str) else _shown_raw(raw)
    if spec.type == "enum":
        if text not in spec.values:
            raise ValueError(f"“{text}”不是可选的值(可选:{'、'.join(spec.values)})")
        return text
    if len(text) > MAX_TEXT:
        raise ValueError(f"太长(至多 {MAX_TEXT} 字)")
    return text


def _shown_raw(raw: object) -> str:
    if isinstance(raw, float):
        return format(raw, ".15g")
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


def value(stored: object) -> FieldValue | None:
    """A kept value as the engine takes it: numbers Decimal (whole ones int), the rest text."""
    if isinstance(stored, dict):
        number = stored.get("d")
        return whole_as_int(Decimal(number)) if isinstance(number, str) else None
    if isinstance(stored, str):
        return stored
    return None


def engine_fields(details: Mapping[str, object] | None) -> dict[str, FieldValue]:
    """A record's kept fields as the engine takes them (blank and unreadable ones left out)."""
    out: dict[str, FieldValue] = {}
    for name, stored in (details or {}).items():
        got = value(stored)
        if got is not None and got != "":
            out[name] = got
    return out


def shown(stored: object) -> str:
    """A kept value as people read it (and as a form shows it again): 2.5, 2025-03-02, 专题协商会."""
    got = value(stored)
    if isinstance(got, (Decimal, int)):
        return plain(Decimal(got))
    return got or ""


def cell(stored: object) -> Decimal | str | None:
    """A kept value as a spreadsheet cell: a number as a Decimal (an Excel number), the rest as text."""
    got = value(stored)
    if isinstance(got, (Decimal, int)):
        return Decimal(got)
    return got or None
