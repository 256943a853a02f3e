"""What every import shares: the outcome, the checking context, and `run_import`.

A dataset reads its sheets (app/spreadsheets), checks every row against the database, the user's data scope and
the open year's rule files, and plans each row as 新增 / 修改 / 不变 by its natural key. Only when not a single row
has a problem, and it is not a dry run, does it write: in the caller's transaction (flush, never commit), so the
file lands whole or not at all.
"""
from __future__ import annotations

import abc
import contextlib
import datetime as dt
import functools
import gc
import itertools
import json
import queue
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app import audit, timetable
from app.auth.scope import unit_ids
from app.extensions import db
from app.models import AppraisalYear, RecordState, Role, User
from app.names import has_control_characters
from app.sheetlimits import sheet_limits
from app.spreadsheets.columns import STATES, Sheet
from app.spreadsheets.rows import Book, SheetRow, TypedRows, read_book, where
from app.timeutil import beijing_today, utcnow

ADDED, CHANGED, SAME = "新增", "修改", "不变"
STATE_BY_LABEL = {STATES[0]: RecordState.DRAFT, STATES[1]: RecordState.SUBMITTED, STATES[2]: RecordState.VERIFIED}


class Planned(NamedTuple):
    """What importing one row does: 新增, 修改 (naming the changed columns) or 不变. (A named tuple: a 100,000-row
    file plans 100,000 of them.)"""

    sheet: str
    row: int
    action: str
    what: str                      # the row's subject as a user recognises it: "1001 张三 提案 2025-03-02"
    fields: tuple[str, ...] = ()   # the headers of the changed columns


@dataclass
class Outcome:
    """The result of reading, checking and (unless a dry run or a problem) writing one file."""

    dataset: str
    file: str
    dry_run: bool
    planned: list[Planned] = field(default_factory=list)
    problems: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False
    warnings: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)  # values to confirm
    confirmed: bool = False  # the user confirmed them (--confirm, the tick on the dry run's page)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.needs_confirmation

    @property
    def needs_confirmation(self) -> bool:
        """Values outside their plausible range, not yet confirmed: nothing is written until they are."""
        return bool(self.warnings) and not self.confirmed

    @property
    def warning_lines(self) -> list[str]:
        """Every value to confirm as `FILE:sheet:row:column: 原因`."""
        return [f"{where(self.file, sheet, row, header)}: {reason}" for sheet, row, header, reason in self.warnings]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(p.action for p in self.planned)
        return {action: found.get(action, 0) for action in (ADDED, CHANGED, SAME)}

    @property
    def errors(self) -> list[str]:
        """Every problem as `FILE:sheet:row:column: 原因`."""
        return [f"{where(self.file, sheet, row, header)}: {reason}" for sheet, row, header, reason in self.problems]

    def summary(self) -> str:
        counts = self.counts
        text = f"新增 {counts[ADDED]} 行，修改 {counts[CHANGED]} 行，不变 {counts[SAME]} 行"
        if self.problems:
            return f"{len(self.problems)} 处错误，整个文件未导入"
        if self.needs_confirmation:
            return f"{len(self.warnings)} 处数值需要确认（请核对单位），整个文件未导入；核对无误后确认导入（命令行加 --confirm）"
        return ("试导入：" + text + "（未写入）") if self.dry_run else ("已导入：" + text)


class Context:
    """One import's checking state: the user and their scope, the book to report problems to, today's date."""

    def __init__(self, user: User | None, book: Book, specs: dict[str, Sheet]) -> None:
        self.user = user
        self.book = book
        self.specs = specs
        self.scope = None if user is None else unit_ids(user)  # None: the whole county (the office, the CLI)
        self.today = beijing_today()
        self.now = utcnow()  # the import's instant: the audit row's, and every record it adds is created at it
        self.open_years = set(db.session.scalars(
            sa.select(AppraisalYear.year).where(AppraisalYear.recording_closed_at.is_(None))))
        # 录入截止 passed: the year is closed to this clerk or liaison (the office still imports)
        self.entry_closed = timetable.entry_closed(user, self.today)
        self.open_years -= set(self.entry_closed)
        self.planned: list[Planned] = []

    @property
    def is_office(self) -> bool:
        return self.user is None or self.user.role in (Role.OFFICE, Role.ADMIN)

    def in_scope(self, *units: int | None) -> bool:
        return self.scope is None or any(u in self.scope for u in units if u is not None)

    def error(self, row: SheetRow, key: str | None, reason: str) -> None:
        """Report `reason` at the row's cell of column `key` (None: the whole row)."""
        header = self.specs[row.sheet].column(key).header if key else None
        self.book.error(row.sheet, row.number, header, reason)

    def warn(self, row: SheetRow, key: str, reason: str) -> None:
        """Report a value that needs confirmation at the row's cell of column `key` (see `Book.warn`)."""
        self.book.warn(row.sheet, row.number, self.specs[row.sheet].column(key).header, reason)

    def plan(self, row: SheetRow, action: str, what: str, fields: Iterable[str] = ()) -> None:
        spec = self.specs[row.sheet]
        headers = tuple(spec.column(k).header if k in spec.keys() else k for k in fields)
        self.planned.append(Planned(row.sheet, row.number, action, what, headers))

    def check_date(self, row: SheetRow, key: str, value: dt.date | None) -> bool:
        """A record's date: not after today, in a year open for recording (for a clerk or liaison: before its
        录入截止)."""
        if value is None:
            return False
        if value > self.today:
            self.error(row, key, f"日期 {value.isoformat()} 晚于今天")
            return False
        if value.year in self.entry_closed:
            self.error(row, key, timetable.entry_closed_text(value.year, self.entry_closed[value.year]))
            return False
        if value.year not in self.open_years:
            years = "、".join(map(str, sorted(self.open_years))) or "无"
            self.error(row, key, f"{value.year} 年不是开放录入的考评年度（开放：{years}）")
            return False
        return True

    def check_lengths(self, row: SheetRow, model: type, values: dict[str, Any], columns: dict[str, str],
                      one_line: Collection[str] = ("name",)) -> bool:
        """Text no longer than the database keeps (PostgreSQL refuses more; SQLite would keep it), and a name (the
        attributes `one_line`) on one line (app.names: a line break in a name broke the file name of its downloads)."""
        limits = _limits(model)
        ok = True
        for attr, value in values.items():
            if attr in one_line and isinstance(value, str) and has_control_characters(value):
                key = columns.get(attr, attr)
                self.error(row, key if key in self.specs[row.sheet].keys() else None, "不能包含换行或控制字符")
                ok = False
                continue
            length = limits.get(attr)
            if length is not None and isinstance(value, str) and len(value) > length:
                key = columns.get(attr, attr)
                self.error(row, key if key in self.specs[row.sheet].keys() else None,
                           f"“{value[:20]}…”太长（至多 {length} 字）")
                ok = False
        return ok

    def check_name(self, row: SheetRow, key: str, code: str, expected: str) -> bool:
        """The row's optional name in column `key` (blank: not checked) is `expected`, the name of `code`."""
        if row[key] and row[key] != expected:
            self.error(row, key, f"{code} 是{expected}，不是{row[key]}")
            return False
        return True

    def check_state(self, row: SheetRow) -> str:
        """The row's 状态 (blank: 已提交). Whether the user may file it so is decided where the row is matched."""
        return row["state"] or STATES[1]

    def may_verify(self, row: SheetRow, already_verified: bool) -> bool:
        """已核实 in a new or changed row is the office's to give; report it otherwise."""
        if row["state"] == STATES[2] and not already_verified and not self.is_office:
            self.error(row, "state", "只有活动领导小组办公室可以把记录导入为已核实，请填 草稿 或 已提交")
            return False
        return True


@functools.cache
def _limits(model: type) -> dict[str, int]:
    """The length of each string column of `model`'s table."""
    return {c.key: c.type.length for c in sa.inspect(model).columns if getattr(c.type, "length", None)}


class Dataset(abc.ABC):
    """One kind of import: its sheets, who may use it, and how its rows are checked and written."""

    name: ClassVar[str]            # the CLI's and the URL's word: members, records …
    label: ClassVar[str]           # 委员名册, 履职记录 …
    sheets: ClassVar[tuple[Sheet, ...]]
    roles: ClassVar[tuple[Role, ...]]
    entity: ClassVar[str]          # the audit log's entity
    instructions: ClassVar[tuple[str, ...]] = ()

    @property
    def csv_sheet(self) -> Sheet:
        return self.sheets[0]

    def choices(self, user: User | None) -> dict[str, list[str]]:
        """Dropdown values per column key that depend on the database or the rule files."""
        return {}

    def dependent(self, user: User | None) -> dict[str, tuple[str, dict[str, list[str]]]]:
        """Dropdowns that follow another column's choice: column key → (that column's key, its value → values)."""
        return {}

    def lookups(self, user: User | None) -> dict[str, tuple[list[str], list[list[object]]]]:
        """Sheets the template adds to look things up in (sheet name → headers, rows), for the user's scope."""
        return {}

    def export_sheets(self) -> tuple[Sheet, ...]:
        """The sheets an export of this dataset is written as (by default the import's own)."""
        return self.sheets

    @abc.abstractmethod
    def run(self, ctx: Context, sheets: dict[str, Iterator[SheetRow]], dry_run: bool) -> None:
        """Check every row (each sheet's rows come as read, once), report problems to `ctx`, plan each row with
        `ctx.plan`; and unless a dry run or a problem, write in the caller's transaction."""


class CheckThenWrite(Dataset):
    """A dataset of modest size: every row is checked first, then the plan is written."""

    def run(self, ctx: Context, sheets: dict[str, Iterator[SheetRow]], dry_run: bool) -> None:
        plan = self.check(ctx, {name: list(rows) for name, rows in sheets.items()})
        if not ctx.book.has_errors and not dry_run:
            self.write(ctx, plan)

    @abc.abstractmethod
    def check(self, ctx: Context, sheets: dict[str, list[SheetRow]]) -> Any:
        """Check every row, report problems, plan each row; return what `write` needs."""

    @abc.abstractmethod
    def write(self, ctx: Context, plan: Any) -> None:
        """Apply the checked plan (called only when there is no problem)."""


Progress = Callable[[int, int, str], None]
PROGRESS_ROWS = 500  # rows between two calls of an import's progress callback


def run_import(dataset: Dataset, data: bytes, filename: str, user: User | None, dry_run: bool,
               progress: Progress | None = None, confirm: bool = False) -> Outcome:
    """Read, check and, unless a dry run or a problem, write one file. The caller commits or rolls back.

    A value outside its plausible range (`Outcome.warnings`) stops the import like a problem unless `confirm`.

    `progress(done, total, message)` is called every few hundred rows read (rows as numbered in the sheets) and
    once at the end; whatever it raises stops the import (the caller rolls back)."""
    book = read_book(data, filename, dataset.sheets, dataset.csv_sheet, lazy=True, limits=sheet_limits())
    book.confirmed = confirm
    outcome = Outcome(dataset.name, book.file, dry_run, confirmed=confirm)
    specs = {s.name: s for s in dataset.sheets}
    if book.found and not book.is_csv and dataset.sheets[0].name not in book.sheets:
        book.error(dataset.sheets[0].name, None, None, f"工作簿中没有“{dataset.sheets[0].name}”表"
                   f"（现有：{'、'.join(book.found) or '无'}）；请使用下载的模板")
    if book.found and (book.is_csv or dataset.sheets[0].name in book.sheets):  # rows with bad cells are skipped
        if not dry_run:
            one_at_a_time(dataset)
        ctx = Context(user, book, specs)
        sheets = {name: book.sheets.get(name) or TypedRows(book, name, iter(()), [], {}, {}) for name in specs}
        if progress is not None:
            _count_rows(book, sheets, progress)
        with _collecting_later():
            dataset.run(ctx, sheets, dry_run)  # type: ignore[arg-type]  # lazy: each sheet is TypedRows
        if sum(s.count for s in sheets.values()) == 0 and not book.has_errors:
            book.error(dataset.sheets[0].name, None, None, "没有数据行")
        rank = {}  # sheet name → its place in the dataset (the first, if named twice), as list.index gives
        for i, s in enumerate(dataset.sheets):
            rank.setdefault(s.name, i)
        outcome.planned = sorted(ctx.planned, key=lambda p: (rank[p.sheet], p.row))
        if not book.has_errors and not dry_run:
            counts = outcome.counts
            audit.record(user, "import", dataset.entity, None,
                         {"file": (None, outcome.file), "added": (None, counts[ADDED]),
                          "changed": (None, counts[CHANGED])}, at=ctx.now)
            db.session.flush()
            outcome.written = True
        if progress is not None:
            total = sum(book.heights.values())
            progress(total, total, "正在保存")
    outcome.problems = book.problems
    outcome.warnings = sorted(book.warnings, key=lambda w: (w[0], w[1] or 0))
    outcome.notes = list(book.notes)
    return outcome


def _count_rows(book: Book, sheets: dict[str, Any], progress: Progress) -> None:
    """Have each sheet's rows, as the dataset reads them, call `progress` every `PROGRESS_ROWS` rows."""
    total = sum(book.heights.get(name, 0) for name in sheets)
    offset = 0
    for name, rows in sheets.items():
        if isinstance(rows, TypedRows):
            rows.source = _counted(rows.source, offset, total, progress)
        offset += book.heights.get(name, 0)
    progress(0, total, "正在检查")


def _counted(source: Iterator[tuple[int, tuple[object, ...]]], offset: int, total: int,
             progress: Progress) -> Iterator[tuple[int, tuple[object, ...]]]:
    step = PROGRESS_ROWS
    for count, item in enumerate(source, start=1):
        if count % step == 0:
            progress(offset + item[0], total, "正在检查并导入")
        yield item


@contextlib.contextmanager
def _collecting_later() -> Iterator[None]:
    """No garbage collection while the rows are checked: an import makes hundreds of thousands of small objects it
    keeps to the end (keys, plans), and each full collection would walk them all again, for no cycle to free.
    Process-wide (a threaded server's other requests collect nothing meanwhile, for seconds); always turned back on
    by whoever turned it off."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def one_at_a_time(dataset: Dataset) -> None:
    """Serialise real imports of one kind until the transaction ends, so that two uploads of the same file at once
    (a double click, two tabs, the command line beside the web) cannot both add its rows. SQLite has one writer."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"import:{dataset.name}"})


def bulk_insert(table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    """Insert many rows (dicts with the same keys) in the caller's transaction; see `inserting`."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    columns = list(first)
    with inserting(table, columns) as send:
        for row in itertools.chain((first,), rows):
            send([row[name] for name in columns])


@contextlib.contextmanager
def inserting(table: sa.Table, columns: Sequence[str]) -> Iterator[Callable[[Sequence[Any]], None]]:
    """A function taking one row's values (in the order of `columns`) at a time, inserted in the caller's
    transaction; values go through each column type's own bind processing, as with any insert.

    On PostgreSQL the rows go by COPY, `COPY_BATCH` to a statement, from a thread of their own: while the server
    stores one batch (and checks its foreign keys, at the statement's end) the caller is already making the next.
    No other statement may run on the session until the block ends. Elsewhere: executemany at the end."""
    connection = db.session.connection()
    dialect = connection.dialect
    width = len(columns)
    if dialect.name != "postgresql":
        kept: list[dict[str, Any]] = []
        yield lambda values: kept.append(dict(zip(columns, values, strict=True)))
        for part in chunks(kept):
            connection.execute(sa.insert(table), part)
        return
    writer = _CopyWriter(connection, table, columns)
    batch: list[Sequence[Any]] = []
    size = COPY_FIRST  # a small first batch: the server starts at once

    def send(values: Sequence[Any]) -> None:
        nonlocal batch, size
        if len(values) != width:
            raise ValueError(f"inserting: a row has {len(values)} values, not {width}")
        batch.append(values)
        if len(batch) >= size:
            writer.put(batch)
            batch, size = [], COPY_BATCH
    try:
        yield send
        if batch:
            writer.put(batch)
    except BaseException:
        writer.close(failed=True)
        raise
    writer.close()


COPY_FIRST, COPY_BATCH = 2_000, 10_000  # rows in the first COPY statement, in each of the others
COPY_QUEUE = 2  # batches made and waiting for the writer, at most


class _CopyWriter:
    """COPY … FROM STDIN of batches of rows, on a thread of its own (psycopg waits for the server without the GIL).

    The connection is the caller's (one transaction); the caller must not use it until `close`. A batch that
    fails stops the writer: the error is raised in the caller at its next `put`, or at `close`."""

    def __init__(self, connection: sa.Connection, table: sa.Table, columns: Sequence[str]) -> None:
        dialect = connection.dialect
        typed = [table.c[name] for name in columns]
        # Only the columns whose type processes bound values; an Enum's or a Boolean's is remembered per value.
        self.processing = [(i, _remembered(p) if isinstance(c.type, (sa.Enum, sa.Boolean)) else p)
                           for i, c in enumerate(typed) if (p := _bind_processor(c.type, dialect))]
        binary = [_binary_type(c.type) for c in typed]
        self.types = binary if None not in binary else None  # else COPY's text format, written by psycopg
        names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in typed)
        self.statement = (f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
                          + (" (FORMAT BINARY)" if self.types else ""))
        self.cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.queue: queue.Queue[list[Sequence[Any]] | None] = queue.Queue(maxsize=COPY_QUEUE)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="copy-writer", daemon=True)
        self.thread.start()

    def put(self, batch: list[Sequence[Any]]) -> None:
        """Queue `batch` (processed here, in the caller's thread: the writer's turn is the server's)."""
        if self.error is not None:
            raise self.error
        if self.processing:  # column by column: an Enum's or a Boolean's values are few, processed once a batch
            columns = list(zip(*batch, strict=True))
            for i, process in self.processing:
                columns[i] = _processed(process, columns[i])  # type: ignore[call-overload]
            batch = list(zip(*columns, strict=True))
        self.queue.put(batch)

    def close(self, failed: bool = False) -> None:
        """Wait until every batch is stored; raise the writer's error, unless the caller's is on its way."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and not failed:
            raise self.error

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the caller learns of the error at its next put
            try:
                self._write(batch)
            except BaseException as error:  # noqa: BLE001  # handed to the caller's thread
                self.error = error

    def _write(self, batch: list[Sequence[Any]]) -> None:
        with self.cursor.copy(self.statement) as copy:
            if self.types:
                copy.set_types(self.types)
            write_row = copy.write_row
            for values in batch:
                write_row(values)


def _bind_processor(column_type: sa.types.TypeEngine[Any], dialect: Any) -> Any:
    """What turns a column's value into what COPY sends: the type's own bind processing, except for JSON, whose
    driver wrapper COPY cannot write: its text, as SQLAlchemy would serialise it (json.dumps)."""
    if isinstance(column_type, sa.JSON):
        return lambda value: None if value is None else json.dumps(value)
    return column_type._cached_bind_processor(dialect)


def _processed(process: Any, values: Sequence[Any]) -> list[Any]:
    """`process` applied to every one of `values`: once a distinct value when it is remembered (`_remembered`).
    The values are told apart by identity: an enum member, True, False and None are each one object."""
    if not getattr(process, "remembered", False):
        return list(map(process, values))
    distinct = {id(v): v for v in values}  # every value is alive (in `values`): no id is reused meanwhile
    done = {key: process(v) for key, v in distinct.items()}
    return list(map(done.__getitem__, map(id, values)))


def _binary_type(column_type: sa.types.TypeEngine[Any]) -> str | None:
    """The PostgreSQL type a value of `column_type` is sent as in a binary COPY (after bind processing)."""
    kind = column_type.impl_instance if isinstance(column_type, sa.TypeDecorator) else column_type
    if isinstance(kind, sa.String):  # an Enum too (kept as its name); text and varchar are the same in binary
        return "text"
    if isinstance(kind, sa.JSON) and not isinstance(kind, postgresql.JSONB):
        return "text"  # json's binary form is its text, as the bind processing wrote it
    if isinstance(kind, sa.Boolean):  # its bind processing keeps True and False as they are
        return "bool"
    for integer, name in ((sa.BigInteger, "int8"), (sa.SmallInteger, "int2"), (sa.Integer, "int4")):
        if isinstance(kind, integer):
            return name
    if isinstance(kind, sa.DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, sa.Date):
        return "date"
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return "numeric"
    return None


def _remembered(process: Any) -> Any:
    """`process` (a pure bind processor of few, hashable values: an Enum's, a Boolean's), remembered per value."""
    known: dict[Any, Any] = {}
    missing = object()

    def remembered(value: Any) -> Any:
        key = (value.__class__, value)  # the type too: a str-valued enum member equals its value
        try:
            found = known.get(key, missing)
        except TypeError:  # unhashable: not remembered
            return process(value)
        if found is missing:
            found = known[key] = process(value)
        return found
    remembered.remembered = True  # type: ignore[attr-defined]
    return remembered


def id_in(column: sa.ColumnElement[int], ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """`column IN ids`: on PostgreSQL one array parameter (= ANY), not one placeholder an id; SQLite takes at most
    32,766 placeholders, so callers pass slices (`chunks`)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.Integer)))
    return column.in_(ids)


def chunks(items: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    """`items` in slices, for IN (…) lists and bulk inserts that stay under the databases' parameter limits."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
