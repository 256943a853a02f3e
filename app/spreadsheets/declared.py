"""The 履职记录 sheet's columns for the fields rule files declare (培训天数, 发言会议 …). Pure: no database.

One column per declared field name, over every kind of the rule files given, after the fixed columns. Its header is
the field's label (the same in every kind declaring it), else its name; the unit, when all agree, follows in
brackets (培训天数(天): the reader drops a trailing (unit)). A header that would read as another column's takes the
field's name, then label_name. The name is always accepted as a header too. The column is typed when every kind
declaring it agrees (数字, 整数, 日期), else text; each row's value is checked against its own kind's declaration.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from app import kindfields
from app.scoring.rules import KindSpec
from app.spreadsheets.columns import DATE, DECIMAL, INTEGER, TEXT, Column, Sheet, normalise_header

FIELD_KEY = "field:"  # a declared field's column key: field:<name>


def field_name(key: str) -> str | None:
    """The declared field a column key stands for (None: a fixed column)."""
    return key[len(FIELD_KEY):] if key.startswith(FIELD_KEY) else None


def declared_columns(kinds: Iterable[KindSpec], sheet: Sheet) -> tuple[Column, ...]:
    """The columns of the fields `kinds` declare beyond `sheet`'s own, in order of first declaration."""
    taken = {normalise_header(t) for c in sheet.columns for t in (c.header, *c.aliases)}
    columns = []
    for name, found in kindfields.union(kinds).items():
        specs = [spec for _kind, spec in found]
        labels = {kindfields.label(s) for s in specs}
        base = labels.pop() if len(labels) == 1 else name
        header = next((h for h in (base, name, f"{base}_{name}") if normalise_header(h) not in taken),
                      f"{FIELD_KEY}{name}")
        taken.add(normalise_header(header))
        aliases = ()
        if normalise_header(name) not in taken:
            aliases = (name,)
            taken.add(normalise_header(name))
        units = {s.unit for s in specs}
        unit = units.pop() if len(units) == 1 else ""
        types = {s.type for s in specs}
        kind = INTEGER if types == {"integer"} else DECIMAL if types <= {"number", "integer"} \
            else DATE if types == {"date"} else TEXT
        note = "细则字段：" + "；".join(f"{k.name} {kindfields.describe(s)}" for k, s in found)
        columns.append(Column(f"{header}({unit})" if unit else header, FIELD_KEY + name, kind, note=note,
                              aliases=aliases))
    return tuple(columns)


def with_declared(sheet: Sheet, kinds: Iterable[KindSpec]) -> Sheet:
    """`sheet` with a column for every field `kinds` declare beyond its own, and its own number columns (金额)
    carrying the unit the kinds declare: 金额（万元）, or 金额（万元或元，按类型）with the kinds named in the note."""
    kinds = list(kinds)
    extra = declared_columns(kinds, sheet)
    own = tuple(_with_unit(c, kinds) for c in sheet.columns)
    return Sheet(sheet.name, own + extra, sheet.note) if extra or own != sheet.columns else sheet


def _with_unit(column: Column, kinds: list[KindSpec]) -> Column:
    if column.type not in (DECIMAL, INTEGER):
        return column
    units = [u for u in kindfields.units_of(kinds, column.key) if u]
    if not units:
        return column
    unit = units[0] if len(units) == 1 else "或".join(units) + "，按类型"
    note = f"单位：{kindfields.units_text(kinds, column.key)}" + ("；精确小数" if column.type == DECIMAL else "")
    return dataclasses.replace(column, unit=unit, note=note)


def choices(kinds: Iterable[KindSpec]) -> dict[str, list[str]]:
    """Column key → the values of a declared choice field (every kind's, in order): the template's dropdowns."""
    out: dict[str, list[str]] = {}
    for name, found in kindfields.union(kinds).items():
        if all(spec.type == "enum" for _kind, spec in found):
            values = out.setdefault(FIELD_KEY + name, [])
            values += [v for _kind, spec in found for v in spec.values if v not in values]
    return out
