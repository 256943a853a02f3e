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


#: Built-in plausible ranges by unit, for a field that declares its unit but no `plausible:` range: a sum in 元 below
#: 1 is a sum meant in 万元 or a typo; one in 万元 above 100000 (10 亿元) is a sum meant in 元.
BUILT_IN_RANGES: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "元": (Decimal(1), None), "万元": (None, Decimal(100000))}


def plausible_range(spec: FieldSpec) -> tuple[Decimal | None, Decimal | None]:
    """(min, max) outside which a value is kept only once confirmed: as declared, else built in for its unit."""
    if spec.plausible_min is not None or spec.plausible_max is not None:
        return spec.plausible_min, spec.plausible_max
    return BUILT_IN_RANGES.get(spec.unit, (None, None))


def implausible(spec: FieldSpec, number: Decimal | int | None, shown_as: str = "") -> str | None:
    """Why `number` asks for confirmation (in Chinese, naming the unit), or None when it is plausible.

    `shown_as` names the field as the user sees it (default: its label)."""
    if number is None:
        return None
    low, high = plausible_range(spec)
    name, unit = shown_as or label(spec), f" {spec.unit}" if spec.unit else ""
    check = f"请核对单位（本项以“{spec.unit}”计）" if spec.unit else "请核对数值"
    value = plain(Decimal(number))
    if low is not None and number < low:
        return f"{name} {value}{unit}，少于通常的 {plain(low)}{unit}，{check}"
    if high is not None and number > high:
        return f"{name} {value}{unit}，多于通常的 {plain(high)}{unit}，{check}"
    return None


def with_unit(text: str, unit: str) -> str:
    """A label or a column header with its unit: 金额（万元）."""
    return f"{text}（{unit}）" if unit else text


def units_of(kinds: Iterable[KindSpec], name: str) -> dict[str, list[str]]:
    """Unit → the kinds declaring field `name` with it (a kind declaring no unit under ""), in first-seen order."""
    found: dict[str, list[str]] = {}
    for kind in kinds:
        spec = kind.fields.get(name)
        if spec is not None and kind.name not in found.setdefault(spec.unit, []):
            found[spec.unit].append(kind.name)
    return {unit: names for unit, names in found.items() if names}


def column_label(text: str, kinds: Iterable[KindSpec], name: str) -> str:
    """A column's label with the unit the kinds declare: 金额（万元）; 金额（万元或元，按类型）when they differ."""
    units = [u for u in units_of(kinds, name) if u]
    if len(units) == 1:
        return with_unit(text, units[0])
    return with_unit(text, "或".join(units) + "，按类型") if units else text


def units_text(kinds: Iterable[KindSpec], name: str) -> str:
    """Which kinds count field `name` in which unit: 引进企业：万元；捐资助学、扶贫济困：元 ("" when none declares one)."""
    return "；".join(f"{'、'.join(names)}：{unit}" for unit, names in units_of(kinds, name).items() if unit)


def column_units(kinds: Iterable[KindSpec]) -> dict[str, dict[str, str]]:
    """Kind → {record column (金额 …) → its declared unit}: what a score explanation writes after a value (the
    fields kept in `details` carry their unit in `labels`)."""
    return {kind.name: {name: spec.unit for name, spec in kind.fields.items() if name in COLUMN_FIELDS and spec.unit}
            for kind in kinds}


def label(spec: FieldSpec) -> str:
    """What people read for the field: its label, else its name."""
    return spec.label or spec.name


def describe(spec: FieldSpec) -> str:
    """The field's type in words, for hints: 数字，单位：天，必填."""
    words = TYPE_WORDS.get(spec.type, spec.type) + (f"，单位：{spec.unit}" if spec.unit else "")
    return words + ("，必填" if spec.required else "")


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
            raise ValueError(f"“{text}”不是可选的值（可选：{'、'.join(spec.values)}）")
        return text
    if len(text) > MAX_TEXT:
        raise ValueError(f"太长（至多 {MAX_TEXT} 字）")
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
