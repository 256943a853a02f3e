"""Work two sessions may do at the same moment (a double click, two tabs, two background jobs), the same on SQLite and
PostgreSQL: a row either may create first, and a read-then-write only one session may do at a time.

Both act in the caller's transaction, which ends (commit or rollback) where it always does.
"""
from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from app.extensions import db


def insert_or_ignore(table: sa.Table, values: Mapping[str, Any], unique: Sequence[str]) -> bool:
    """INSERT the row unless one with the same `unique` columns exists: whether this call inserted it.

    `INSERT … ON CONFLICT (unique) DO NOTHING`, so a row another session inserts at the same moment is never an
    IntegrityError: on PostgreSQL the statement waits for that session to end and then does nothing (or inserts,
    if it rolled back); SQLite has one writer at a time. Read the row afterwards with a SELECT, which sees it.
    """
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise RuntimeError(f"insert_or_ignore: the app runs on SQLite or PostgreSQL, not {name}")
    statement = insert(table).values(dict(values)).on_conflict_do_nothing(index_elements=list(unique))
    if name == "sqlite":  # its row count says it (RETURNING needs SQLite 3.35)
        return db.session.execute(statement).rowcount == 1
    pk = next(iter(table.primary_key.columns))  # PostgreSQL: the row count is -1 with the RETURNING added anyway
    return db.session.execute(statement.returning(pk)).first() is not None


def one_writer(table: sa.Table, key: str) -> None:
    """Until the caller's transaction ends, be the only session doing `key`'s read-then-write (the next version
    number of a review, the next certificate number): another one doing the same waits here.

    PostgreSQL: a transaction-level advisory lock on `key`; work on other keys goes on. SQLite: the database's write
    lock, taken now by an UPDATE of `table` that changes nothing. Without it, what is read before the first write
    is read outside any transaction, and another writer may commit in between (two print runs both taking number
    0001); with it, the reads that follow see every committed write and nobody else writes until the end.
    """
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(key.encode())})
    elif name == "sqlite":
        pk = next(iter(table.primary_key.columns))
        db.session.execute(sa.update(table).where(sa.false()).values({pk.name: pk}))
