"""Column types shared by the models."""
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from app.models.enums import MeetingKind


class ScaledDecimal(TypeDecorator[Decimal]):
    """An exact Decimal kept as a scaled integer (10^-4 by default).

    SQLite has no exact decimal type and SQLAlchemy would go through float; an integer is exact, sortable
    and the same on SQLite and PostgreSQL.
    """

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, scale: int = 4) -> None:
        super().__init__()
        self.scale = scale
        self.factor = Decimal(10) ** scale

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        scaled = Decimal(str(value)) * self.factor
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value) / self.factor  # exact: the ideal exponent keeps 150 as 1.5, 1000000 as 100


class MeetingKindName(TypeDecorator[str]):
    """A meeting type's Chinese name; a built-in type's reads back as its MeetingKind (a str equal to the name)."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(value)  # a StrEnum's str() is its value

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return MeetingKind(value)
        except ValueError:
            return str(value)


def enum_column(enum_cls: type, length: int = 24) -> sa.Enum:
    """Store an enum's name as a short string with a CHECK, the same on every database."""
    return sa.Enum(enum_cls, native_enum=False, length=length, create_constraint=True,
                   validate_strings=True, name=enum_cls.__name__.lower())
