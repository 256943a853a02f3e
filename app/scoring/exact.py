"""Exact arithmetic helpers: Decimal and Fraction only, never binary float; named rounding functions."""
from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

# Enough digits that adding and multiplying rule points never rounds; division is quantised explicitly.
CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)

#: How a rule file may round a point value that is not exact at its `precision` (YAML key `rounding`).
DECIMAL_ROUNDINGS: dict[str, str] = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN,
                                     "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}

#: How a quota share is turned into a whole number of people (YAML key `round` of a quota or a share limit).
COUNT_ROUNDINGS: dict[str, Callable[[Fraction], int]] = {
    "floor": math.floor,
    "ceil": math.ceil,
    "half_up": lambda x: math.floor(x + Fraction(1, 2)),
}

ZERO = Decimal(0)


def to_fraction(value: Decimal | int | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def fraction_to_decimal(value: Fraction, precision: Decimal, rounding: str) -> Decimal:
    """Exact when `value` has a finite decimal expansion at `precision`; otherwise rounded as declared."""
    exact = _exact_decimal(value)
    if exact is not None and exact == exact.quantize(precision, rounding=ROUND_HALF_EVEN, context=CONTEXT):
        return exact
    scaled = CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return scaled.quantize(precision, rounding=DECIMAL_ROUNDINGS[rounding], context=CONTEXT)


def _exact_decimal(value: Fraction) -> Decimal | None:
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    digits = max(twos, fives)
    scaled = value * 10 ** digits
    return Decimal(scaled.numerator).scaleb(-digits, context=CONTEXT)


def whole_as_int(value: Decimal | None) -> Decimal | int | None:
    """Whole numbers as int, so a rule file's `integer` fields accept them; others stay exact Decimals."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def plain(value: Decimal) -> str:
    """A decimal as people write it: 7.5, 20, -1.5 (never 2E+1, never 7.50)."""
    text = f"{value.normalize(context=CONTEXT):f}"
    return "0" if text in ("-0", "0") else text
