"""Vectorised scoring (pandas/NumPy): the same results as `score()` on columns, exact int64 units inside. Pure.

`score_frame(subjects, records, ruleset, period)` scores a whole province in one pass: totals, grades, gates,
flags and places per subject, and the explanation as tables (one row per record and item, per line, per section;
assembled on first access from the arrays the scoring leaves), so every score still explains itself without
building 100,000 ScoreCards; `FrameResult.card(subject_id)` builds one subject's ScoreCard from those arrays,
equal to what `score()` returns for that subject.

Points are integers in units of 10^-k (k: the most decimal places any number in the rule file has, at least the
rule file's `precision`); `FrameResult.scale` is 10^k. Nothing is ever a binary float. An input this module cannot
score exactly (numbers too large for int64, more than 12 decimal places in a field) raises `Unsupported`; call
`score()` then. Awards are not selected here (`select_awards` needs ScoreCards of the few candidates).
Independent phases run on a module-wide pool of two threads (NumPy releases the GIL in most kernels); results are
assembled in a fixed order, so they never depend on scheduling.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from app.scoring.cards import Flag, GateResult, Line, Note, PartScore, Place, RecordPoints, ScoreCard, SectionScore
from app.scoring.engine import TERM_PREFIX, half_years, term_window, trigger_detail
from app.scoring.membership import Service, serves, service
from app.scoring.ranking import NO_GROUP
from app.scoring.errors import RuleError
from app.scoring.exact import COUNT_ROUNDINGS
from app.scoring.rules import (
    AttrCond,
    Bands,
    Credit,
    FieldCond,
    Fixed,
    Item,
    Ladder,
    Match,
    Per,
    Period,
    RuleSet,
    Table,
)
from app.scoring.types import SUBJECT_ATTRIBUTES, Record, Subject, TermSpan

_LIMIT = 2 ** 62            # int64 headroom: every product is checked against this before it is formed
_BIG = np.iinfo(np.int64).max
_MAX_FIELD_DIGITS = 12

#: Why a (record, item) candidate did not count; the codes of `FrameResult.records["status"]`.
STATUSES = ("计分", "联名不计分", "同一条目同一项工作", "同一部分同一项工作", "未到起计件数", "非最高一项", "超出件数上限")
COUNTED, SHARE_ZERO, SAME_WORK_ITEM, SAME_WORK_SECTION, BEFORE_NTH, NOT_MAX, OVER_MAX = range(7)


class Unsupported(Exception):
    """The vectorised path cannot score this input exactly; the caller should use `score()` instead."""


# --- exact integer helpers ----------------------------------------------------------------------------------

def _digits(value: Decimal | int) -> int:
    if isinstance(value, int):
        return 0
    exponent = value.normalize().as_tuple().exponent
    return max(0, -int(exponent))  # type: ignore[arg-type]


def _round_div(num: np.ndarray, den: np.ndarray | int, mode: str) -> np.ndarray:
    """num / den (den > 0) rounded to an integer as Decimal would: half_up (away from zero), half_even, floor, ceil."""
    q = num // den
    r = num - q * den               # 0 <= r < den
    if mode == "floor":
        return q
    if mode == "ceil":
        return q + (r > 0)
    twice = 2 * r
    if mode == "half_up":
        up = (twice > den) | ((twice == den) & (num >= 0))   # a tie goes away from zero
    else:  # half_even
        up = (twice > den) | ((twice == den) & (q % 2 == 1))
    return q + up


def _check(bound: int, what: str) -> None:
    if bound >= _LIMIT:
        raise Unsupported(f"{what} 超出 64 位整数范围,请用 score()")


def _absmax(values: np.ndarray) -> int:
    return max(abs(int(values.min())), abs(int(values.max()))) if len(values) else 0


# --- two threads --------------------------------------------------------------------------------------------

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_POOL_NAME = "score_frame"


def _pool() -> ThreadPoolExecutor:
    """A module-wide pool of two threads, created on first use (NumPy releases the GIL in most array kernels)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix=_POOL_NAME)
    return _POOL


def _both(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """(first(), second()), the second on the pool while this thread runs the first.

    Both always finish before this returns. An exception from `first` wins over one from `second`, so errors come
    out as they would one after the other. Each function writes only its own results (or fills a cache with the
    value any thread would compute), so the outcome does not depend on which finishes first.
    """
    if threading.current_thread().name.startswith(_POOL_NAME):
        return first(), second()    # already on the pool: waiting there for another task could deadlock it
    later = _pool().submit(second)
    try:
        one = first()
    except BaseException:
        later.exception()       # wait: nothing may still run when the caller sees the error
        raise
    return one, later.result()


def _map2(fn: Callable[[int], Any], costs: Sequence[int]) -> list[Any]:
    """[fn(0), fn(1), …], shared out between this thread and the pool by cost (largest first, to the lighter side).

    `fn` must have no effect but its result (and caches). On any error everything runs again in order, so the error
    raised is the one a plain loop raises.
    """
    sides: tuple[list[int], list[int]] = ([], [])
    load = [0, 0]
    for index in sorted(range(len(costs)), key=lambda i: -costs[i]):
        side = 0 if load[0] <= load[1] else 1
        sides[side].append(index)
        load[side] += costs[index]
    try:
        one, two = _both(lambda: [fn(i) for i in sides[0]], lambda: [fn(i) for i in sides[1]])
    except Exception:  # noqa: BLE001 - any error: run again in order, to raise the one a plain loop raises
        return [fn(i) for i in range(len(costs))]
    out: list[Any] = [None] * len(costs)
    for index, value in zip(sides[0] + sides[1], one + two):
        out[index] = value
    return out


# --- compiled rule set --------------------------------------------------------------------------------------

@dataclass
class _Plan:
    """The rule set in integer units: item, section and grade tables the vectorised code indexes by position."""

    rs: RuleSet
    k: int
    unit: int
    quantum: int                    # units per step of `precision`
    items: list[Item]
    item_section: np.ndarray        # item → section index
    sections: list[Any]
    kinds: list[str]
    kind_index: dict[str, int]

    def units(self, value: Decimal | int) -> int:
        scaled = Decimal(value).scaleb(self.k)
        if scaled != scaled.to_integral_value():
            raise Unsupported(f"{value} 的小数位多于计分单位 10^-{self.k}")
        return int(scaled)

    def units_ceil(self, value: Decimal) -> int:
        return math.ceil(Fraction(value) * self.unit)

    def dec(self, units: int) -> Decimal:
        return Decimal(int(units)).scaleb(-self.k)


def _plan(rs: RuleSet) -> _Plan:
    numbers: list[Decimal] = [rs.base]
    numbers += [v for v in (rs.cap, rs.floor) if v is not None]
    items = [i for s in rs.sections for i in s.items]
    for section in rs.sections:
        numbers += [section.base] + [v for v in (section.cap, section.floor) if v is not None]
    for item in items:
        numbers += [v for v in (item.cap, item.floor) if v is not None]
        numbers += [p for _, p in item.by_count]
        src = item.source
        if isinstance(src, Fixed):
            numbers.append(src.points)
        elif isinstance(src, Table):
            numbers += list(src.values.values())
        elif isinstance(src, Ladder):
            numbers += [p for _, p in src.steps]
        elif isinstance(src, Per):
            numbers.append(src.points)
        elif isinstance(src, Bands):
            numbers += [p for _, p in src.bands]
    numbers += [g.min for g in rs.grades if g.min is not None]
    numbers += [t.below for t in rs.triggers if t.below is not None]
    p = -int(rs.precision.as_tuple().exponent)  # type: ignore[arg-type]
    k = max([0, p, *(_digits(n) for n in numbers)])
    if k > 9:
        raise Unsupported("细则中的数字小数位过多")
    unit = 10 ** k
    section_of = {i.name: n for n, s in enumerate(rs.sections) for i in s.items}
    kinds = list(rs.kinds)
    return _Plan(rs, k, unit, 10 ** (k - p), items, np.array([section_of[i.name] for i in items], dtype=np.int64),
                 list(rs.sections), kinds, {name: n for n, name in enumerate(kinds)})


# --- input columns ------------------------------------------------------------------------------------------

def _is_missing(value: Any) -> bool:
    if value is None or (isinstance(value, str) and value == ""):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _raw_codes(col: pd.Series) -> tuple[list[Any], np.ndarray]:
    """(categories, codes) of a column: free for a categorical, one hash pass otherwise; -1 for missing."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.categories.tolist(), col.cat.codes.to_numpy()
    codes, uniques = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=True)
    return list(uniques), codes


def _recode(cats: list[Any], codes: np.ndarray, names: Sequence[str], dtype: type = np.int16) -> np.ndarray:
    index = {name: n for n, name in enumerate(names)}

    def code(value: Any) -> int:
        if _is_missing(value):
            return -1
        return index.get(value, -2) if isinstance(value, str) else -2

    lut = np.array([code(c) for c in cats] + [-1], dtype=dtype)
    return lut[codes.astype(np.intp, copy=False)]    # indexing with small ints casts slowly; cast first


def _factorize(col: pd.Series) -> tuple[list[Any], np.ndarray]:
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return list(uniques), np.asarray(codes)


def _dates(col: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 as int64."""
    values = col.to_numpy()
    if not np.issubdtype(values.dtype, np.datetime64):
        values = pd.to_datetime(col).to_numpy()
    unit, count = np.datetime_data(values.dtype)
    per_day = {"D": 1, "h": 24, "m": 1440, "s": 86400, "ms": 86400 * 10**3, "us": 86400 * 10**6,
               "ns": 86400 * 10**9}.get(unit)
    if per_day is None or count != 1 or per_day == 1:
        return values.astype("datetime64[D]").astype(np.int64)
    return values.view(np.int64) // per_day       # floor division: days before 1970 stay right


def _day(date: dt.date) -> int:
    return int(np.datetime64(date, "D").astype(np.int64))


@dataclass
class _Number:
    values: np.ndarray      # int64, the field × 10^digits
    present: np.ndarray     # bool
    digits: int


def _numbers(col: pd.Series | None, rows: np.ndarray, integer: bool, name: str, ids: np.ndarray,
             errors: list[tuple[int, str]], where: str) -> _Number:
    n = len(rows)
    if col is None:
        return _Number(np.zeros(n, np.int64), np.zeros(n, bool), 0)
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        sub = col.to_numpy(dtype=object)[rows]
        if any(not _is_missing(v) for v in sub):
            raise TypeError(f"记录的字段 {name} 不能是布尔值")
        return _Number(np.zeros(n, np.int64), np.zeros(n, bool), 0)
    if pd.api.types.is_integer_dtype(dtype):
        if isinstance(dtype, np.dtype):
            return _Number(col.to_numpy()[rows].astype(np.int64), np.ones(n, bool), 0)
        arr = col.array.take(rows)
        return _Number(arr.to_numpy(dtype=np.int64, na_value=0), ~np.asarray(arr.isna(), dtype=bool), 0)
    if pd.api.types.is_float_dtype(dtype):
        sub = col.to_numpy()[rows]
        if not np.isnan(sub).all():
            raise TypeError(f"记录的字段 {name} 是二进制浮点数;请用 Decimal、整数或字符串")
        return _Number(np.zeros(n, np.int64), np.zeros(n, bool), 0)
    sub = col.to_numpy(dtype=object)[rows]
    present = np.zeros(n, bool)
    clean: list[int | Decimal] = []
    digits = 0
    for index, value in enumerate(sub):
        if _is_missing(value):
            clean.append(0)
            continue
        if isinstance(value, bool):
            raise TypeError(f"记录 {ids[rows[index]]} 的字段 {name} 不能是布尔值")
        if isinstance(value, float):
            raise TypeError(f"记录 {ids[rows[index]]} 的字段 {name} 是二进制浮点数;请用 Decimal 或字符串")
        if isinstance(value, (int, np.integer)):
            clean.append(int(value))
        elif isinstance(value, Decimal) and not integer and value.is_finite():
            clean.append(value)
            digits = max(digits, _digits(value))
        else:
            errors.append((int(ids[rows[index]]), (f"{where}: 记录 {ids[rows[index]]} 的字段 {name} 应为"
                                                  f"{'整数' if integer else '数字'}")))
            clean.append(0)
            continue
        present[index] = True
    if digits > _MAX_FIELD_DIGITS:
        raise Unsupported(f"字段 {name} 的小数位过多")
    scaled = [int(v.scaleb(digits)) if isinstance(v, Decimal) else v * 10 ** digits for v in clean]
    _check(max((abs(v) for v in scaled), default=0), f"字段 {name}")
    return _Number(np.array(scaled, dtype=np.int64), present, digits)


@dataclass
class _Kind:
    """The records of one kind: their global rows, field values, and the credits they give."""

    name: str
    code: int                             # position in the rule set's kinds
    rec: np.ndarray                       # global record rows, ascending
    enum: dict[str, np.ndarray] = field(default_factory=dict)      # codes into the kind's declared values
    num: dict[str, _Number] = field(default_factory=dict)
    cl: np.ndarray | None = None          # credit → local record (None: one credit per record, in order)
    subj: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pos: np.ndarray | None = None         # None: every credit is position 1 of 1
    people: np.ndarray | None = None
    has_work: np.ndarray | None = None    # local: the record has a work_id (None: none of them has)
    cache: dict[Any, Any] = field(default_factory=dict)

    def credits(self, local_ok: np.ndarray | None) -> np.ndarray | None:
        """Credit rows whose record passes `local_ok` (None: every credit)."""
        if local_ok is None:
            return None
        if self.cl is None:
            return np.flatnonzero(local_ok)
        return np.flatnonzero(local_ok[self.cl])

    def local(self, credits: np.ndarray | None) -> np.ndarray | None:
        if credits is None:
            return self.cl
        return credits if self.cl is None else self.cl[credits]


@dataclass
class _Input:
    ids: np.ndarray
    dates: np.ndarray
    work: np.ndarray
    id_key: np.ndarray | None   # id order as small non-negative ints (id - min id, or the id's rank); None: rows
    kinds: list[_Kind]
    subject_ids: np.ndarray     # sorted
    attrs: pd.DataFrame         # subject attributes, in subject_ids order
    units: list[tuple[int, str]]  # (subject row, unit id as text)
    kind_raw: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))    # the kind column's own codes
    kind_lut: np.ndarray = field(default_factory=lambda: np.full(1, -1, np.int16))  # raw code → kind (-1: none)
    cache: dict[Any, Any] = field(default_factory=dict)

    def id_order(self, rows: np.ndarray) -> np.ndarray:
        """A key that orders records by id (small non-negative ints)."""
        return rows if self.id_key is None else self.id_key[rows]

    def kind_of(self, rows: np.ndarray) -> np.ndarray:
        """The rule set's kind code of some rows."""
        return self.kind_lut[self.kind_raw[rows].astype(np.intp)]

    def inside(self, window: tuple[int, int], kind: _Kind) -> np.ndarray | None:
        """Which of one kind's records are dated inside the window (None: all of them); one scan of all dates per
        window."""
        if window not in self.cache:
            out = (self.dates < window[0]) | (self.dates > window[1])
            self.cache[window] = (out, set(np.unique(self.kind_of(np.flatnonzero(out))).tolist()))
        out, codes = self.cache[window]
        return ~out[kind.rec] if kind.code in codes else None


def _subject_frame(subjects: pd.DataFrame, where: str) -> tuple[np.ndarray, pd.DataFrame]:
    ids = subjects["id"].to_numpy().astype(np.int64, copy=False)
    if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        if (ids[1:] == ids[:-1]).any():
            raise RuleError(f"{where}: 考评对象编号重复")
        subjects = subjects.iloc[order]
    return ids, subjects.reset_index(drop=True)


def _lookup(sorted_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each wanted id in sorted_ids, -1 when absent."""
    if len(sorted_ids) == 0:
        return np.full(len(wanted), -1, np.int64)
    low, high = int(sorted_ids[0]), int(sorted_ids[-1])
    if high - low == len(sorted_ids) - 1:       # no gaps (ids ascend, so each id is at id - low)
        at = wanted - low
        if len(at) and (int(at.min()) < 0 or int(at.max()) > high - low):
            at = np.where((at >= 0) & (at <= high - low), at, -1)
        return at
    if high - low <= 8 * len(sorted_ids) + 1024:
        lut = np.full(high - low + 3, -1, np.int64)          # a -1 on either side catches ids out of range
        lut[sorted_ids - low + 1] = np.arange(len(sorted_ids))
        at = wanted - (low - 1)
        np.clip(at, 0, high - low + 2, out=at)
        return lut[at]
    at = np.searchsorted(sorted_ids, wanted).clip(0, len(sorted_ids) - 1)
    return np.where(sorted_ids[at] == wanted, at, -1)


def _record_ids(records: pd.DataFrame, where: str,
                errors: list[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """The ids (int64), an order key for them (small non-negative ints; None: the rows themselves) and whether they
    ascend; repeated ids are errors."""
    ids = records["id"].to_numpy().astype(np.int64, copy=False)
    n = len(ids)
    if not n:
        return ids, None, True
    if n == 1 or (ids[1:] > ids[:-1]).all():      # the usual case: loaded in id order: rows order the ids
        return ids, None, True
    low = int(ids.min())
    span = int(ids.max()) - low + 1
    if span <= 4 * n + 1024:
        id_key = ids - low
        counts = np.bincount(id_key, minlength=span)
        repeated = np.flatnonzero(counts > 1) + low
    else:
        order = np.argsort(ids, kind="stable")
        id_key = np.empty(n, np.int64)
        id_key[order] = np.arange(n)
        sorted_ids = ids[order]
        repeated = np.unique(sorted_ids[1:][sorted_ids[1:] == sorted_ids[:-1]])
    for r in repeated.tolist():
        errors += [(r, f"{where}: 记录编号 {r} 重复")] * (int((ids == r).sum()) - 1)
    return ids, id_key, False


def _prepare(subjects: pd.DataFrame, records: pd.DataFrame, plan: _Plan,
             participants: pd.DataFrame | None = None, works: pd.DataFrame | None = None) -> _Input:
    rs = plan.rs
    where = rs.source_name or rs.name
    subject_ids, attrs = _subject_frame(subjects, rs.source_name)
    units: list[tuple[int, str]] = []
    if "unit_ids" in attrs.columns:
        for row, value in enumerate(attrs["unit_ids"].tolist()):
            if isinstance(value, (tuple, list)):
                units += [(row, str(u)) for u in value]
    errors: list[tuple[int, str]] = []
    n = len(records)
    ids, id_key, ascending = _record_ids(records, where, errors)
    kind_cats, kind_raw = _raw_codes(records["kind"])
    small = np.int8 if len(kind_cats) < 127 else np.int16 if len(kind_cats) < 2 ** 15 else np.int64
    kind_raw = kind_raw.astype(small, copy=False)               # radix sort for small codes
    kind_lut = np.append(_recode(kind_cats, np.arange(len(kind_cats)), plan.kinds, np.int16), -1).astype(np.int16)
    kind_of = lambda rows: kind_lut[kind_raw[rows].astype(np.intp)]   # raw code -1 (missing) reads the last slot

    # this thread sorts by kind and looks the subjects up in that order, then reads and checks the declared fields
    # and the dates; the other thread reads work_ids and participants, then (once the sort is there) puts each
    # kind's subjects and credits together
    sorted_kinds: list[Any] = []        # filled by this thread: (slices, kind_start, subject rows in kind order)
    sort_done = threading.Event()

    def fields() -> tuple[list[_Kind], np.ndarray]:
        try:
            perm, kind_start, slices = _kind_sort(records, plan, ids, kind_cats, kind_raw, kind_lut, errors, where)
            subject_id = records["subject_id"].to_numpy().astype(np.int64, copy=False)
            sorted_kinds.append((slices, kind_start, _lookup(subject_ids, subject_id[perm])))
        finally:
            sort_done.set()             # the other side never waits for a sort that failed
        kinds = _kind_fields(records, plan, ids, slices, errors, where)
        return kinds, _dates(records["occurred_on"]) if n else np.zeros(0, np.int64)

    def columns() -> tuple[Any, ...]:
        work, worked_rows = _work_keys(records, works, ids, ascending, n, where)
        joint = _joint_parts(_joint(records, participants, ids, ascending, where), subject_ids, kind_of,
                             len(plan.kinds))
        sort_done.wait()
        if not sorted_kinds:
            return None
        return work, _credits(*sorted_kinds[0], worked_rows, kind_of, joint)

    (kinds, dates), (work, credits) = _both(fields, columns)
    for kind, kind_credits in zip(kinds, credits):
        kind.has_work, kind.cl, kind.subj, kind.pos, kind.people = kind_credits
    return _Input(ids, dates, work, id_key, kinds, subject_ids, attrs, units, kind_raw, kind_lut)


def _credits(slices: list[np.ndarray], kind_start: np.ndarray, subj_sorted: np.ndarray, worked_rows: np.ndarray,
             kind_of: Callable[[np.ndarray], np.ndarray],
             joint: tuple[np.ndarray | None, np.ndarray | None, dict[int, tuple[np.ndarray, ...]]]) -> list[tuple]:
    """Per kind: (has_work, cl, subj, pos, people) of `_Kind`, from the subject rows in kind order."""
    joint_listed, joint_kind, joint_parts = joint
    worked_kind = kind_of(worked_rows)
    joint_codes = set() if joint_listed is None else set(np.unique(joint_kind).tolist())
    if joint_codes:
        is_listed = np.zeros(len(subj_sorted), bool)        # global rows of the records that list participants
        is_listed[joint_listed] = True
    out: list[tuple] = []
    for code, rows in enumerate(slices):
        has_work = None
        mine = worked_rows[worked_kind == code]
        if len(mine):
            has_work = np.zeros(len(rows), bool)
            has_work[np.searchsorted(rows, mine)] = True
        subj = subj_sorted[kind_start[code]:kind_start[code] + len(rows)]   # a view: one gather for all kinds
        base = subj >= 0
        listed_local = None
        if code in joint_codes:         # a record that lists participants credits them, not subject_id
            listed_local = np.flatnonzero(is_listed[rows])
            base[listed_local] = False
        if code not in joint_parts:
            if base.all():
                out.append((has_work, None, subj, None, None))
            else:
                cl = np.flatnonzero(base)
                out.append((has_work, cl, subj[cl], None, None))
            continue
        rec_j, subj_j, pos_j, people_j = joint_parts[code]
        cl = np.flatnonzero(base)
        # participants come grouped by record: look each record up once
        first = np.flatnonzero(np.r_[True, rec_j[1:] != rec_j[:-1]])
        if listed_local is not None and len(listed_local) == len(first):
            local_first = listed_local              # every listed record kept someone: the same rows, in order
        else:
            local_first = np.searchsorted(rows, rec_j[first])
        local_j = np.repeat(local_first, np.diff(np.append(first, len(rec_j))))
        out.append((has_work, np.concatenate([cl, local_j]), np.concatenate([subj[cl], subj_j]),
                    np.concatenate([np.ones(len(cl), np.int64), pos_j]),
                    np.concatenate([np.ones(len(cl), np.int64), people_j])))
    return out


def _joint_parts(joint: tuple[np.ndarray, ...] | None, subject_ids: np.ndarray,
                 kind_of: Callable[[np.ndarray], np.ndarray],
                 n_kinds: int) -> tuple[np.ndarray | None, np.ndarray | None, dict[int, tuple[np.ndarray, ...]]]:
    """(listed rows, their kinds, per kind: record row, subject row, position, people of each credit) of joint
    records; a subject listed twice counts at its first place, an unknown one not at all."""
    joint_parts: dict[int, tuple[np.ndarray, ...]] = {}
    joint_listed = joint_kind = None
    if joint is None:
        return joint_listed, joint_kind, joint_parts
    listed, rec, flat, pos, people = joint
    if len(listed):
        joint_listed, joint_kind = listed, kind_of(listed)
        repeat = np.zeros(len(flat), bool)           # a subject listed twice counts at its first place
        for shift in range(1, int(people.max())):
            same = (flat[shift:] == flat[:-shift]) & (rec[shift:] == rec[:-shift])
            repeat[shift:] |= same
        subj = _lookup(subject_ids, flat)
        keep = ~repeat & (subj >= 0)
        rec, subj, pos, people = rec[keep], subj[keep], pos[keep], people[keep]
        by_kind = kind_of(rec)
        order = np.argsort(by_kind, kind="stable")
        edges = np.searchsorted(by_kind[order], np.arange(n_kinds + 1))
        for code in range(n_kinds):
            part = order[edges[code]:edges[code + 1]]
            if len(part):
                joint_parts[code] = (rec[part], subj[part], pos[part], people[part])
    return joint_listed, joint_kind, joint_parts


def _kind_sort(records: pd.DataFrame, plan: _Plan, ids: np.ndarray, kind_cats: list[Any], kind_raw: np.ndarray,
               kind_lut: np.ndarray, errors: list[tuple[int, str]],
               where: str) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The kind order of all rows, where each kind's run starts in it and each kind's rows (ascending); rows of an
    undeclared or missing kind are added to `errors`."""
    rs = plan.rs
    # sort by the column's own codes (no recoding of every row): each declared kind is one run of the sorted rows
    perm = np.argsort(kind_raw, kind="stable")
    edges = np.searchsorted(kind_raw[perm], np.arange(-1, len(kind_cats) + 1).astype(kind_raw.dtype))
    slices = [np.zeros(0, np.int64)] * len(plan.kinds)
    kind_start = np.zeros(len(plan.kinds), np.int64)            # where each kind's run starts in perm
    bad_parts = [perm[edges[0]:edges[1]]]                       # missing kind
    for raw_code, code in enumerate(kind_lut[:-1].tolist()):
        rows = perm[edges[raw_code + 1]:edges[raw_code + 2]]
        if code >= 0:
            slices[code] = rows
            kind_start[code] = edges[raw_code + 1]
        elif len(rows):
            bad_parts.append(rows)
    bad = np.sort(np.concatenate(bad_parts))
    if len(bad):
        raw = records["kind"].to_numpy(dtype=object)
        errors += [(int(ids[b]), f"{where}: 记录 {ids[b]} 的类型 '{raw[b]}' 未在细则 kinds 中声明,无法计分")
                   for b in bad]
    if "category" in records.columns:
        cats, codes = _raw_codes(records["category"])
        for code, name in enumerate(plan.kinds):
            declared = rs.kinds[name].category
            wrong = _recode(cats, codes[slices[code]], [declared]) == -2
            for r in slices[code][wrong]:
                errors.append((int(ids[r]), (f"{where}: 记录 {ids[r]}('{name}')的类别 "
                                            f"'{records['category'].iloc[r]}' 与细则声明的 '{declared}' 不符")))
    return perm, kind_start, slices


def _kind_fields(records: pd.DataFrame, plan: _Plan, ids: np.ndarray, slices: list[np.ndarray],
                 errors: list[tuple[int, str]], where: str) -> list[_Kind]:
    """Records grouped by kind, with their declared fields read and checked (RuleError listing every problem, with
    those already in `errors`)."""
    rs = plan.rs
    kinds = [_Kind(name, code, slices[code]) for code, name in enumerate(plan.kinds)]
    columns = set(records.columns)
    raw_cache: dict[str, tuple[list[Any], np.ndarray]] = {}
    for kind in kinds:
        rows = kind.rec
        for fname, fspec in rs.kinds[kind.name].fields.items():
            if not fspec.scored:  # text and date: recorded for people, never tested nor counted
                continue
            if fspec.type == "enum":
                if fname not in columns:
                    kind.enum[fname] = np.full(len(rows), -1, np.int16)
                    continue
                if fname not in raw_cache:
                    raw_cache[fname] = _raw_codes(records[fname])
                cats, codes = raw_cache[fname]
                local = _recode(cats, codes[rows], fspec.values)
                if len(local) and local.min() == -2:
                    for b in np.flatnonzero(local == -2):
                        value = records[fname].iloc[rows[b]]
                        errors.append((int(ids[rows[b]]), (f"{where}: 记录 {ids[rows[b]]} 的字段 {fname} = "
                                                          f"'{value}' 不在细则声明的取值中({'、'.join(fspec.values)})")))
                kind.enum[fname] = local
            else:
                kind.num[fname] = _numbers(records[fname] if fname in columns else None, rows,
                                           fspec.type == "integer", fname, ids, errors, where)
    if errors:
        errors.sort(key=lambda e: e[0])
        raise RuleError([e[1] for e in errors])
    return kinds


def _joint(records: pd.DataFrame, participants: pd.DataFrame | None, ids: np.ndarray, ascending: bool,
           where: str) -> tuple[np.ndarray, ...] | None:
    """Joint records as flat arrays: (listed rows, then per participant: record row, subject id, position, people).

    From the long frame (record_id, subject_id, position) when given, else from the `participants` column of
    tuples. Participants come grouped by record row, in position order; `people` counts everyone listed.
    """
    if participants is not None:
        if "participants" in records.columns:
            raise ValueError("联名人员只能给一种形式:records 的 participants 列,或 participants 长表")
        rec_id = participants["record_id"].to_numpy().astype(np.int64, copy=False)
        flat = participants["subject_id"].to_numpy().astype(np.int64, copy=False)
        if not len(rec_id):
            return None
        rec = _row_of(ids, ascending, rec_id)
        if (rec < 0).any():
            raise RuleError([f"{where}: 联名人员表中的记录 {r} 不在记录中"
                             for r in np.unique(rec_id[rec < 0]).tolist()])
        given = "position" in participants.columns
        position = participants["position"].to_numpy().astype(np.int64, copy=False) if given else None
        order = None
        if len(rec) > 1:
            if position is None:
                if (rec[1:] < rec[:-1]).any():
                    order = np.argsort(rec, kind="stable")
            else:
                key = rec * (int(position.max()) + 1) + position if position.min() >= 0 else None
                if key is None or (key[1:] <= key[:-1]).any():
                    order = np.lexsort((position, rec))
        if order is not None:
            rec, flat = rec[order], flat[order]
            position = position[order] if position is not None else None
        start = np.r_[True, rec[1:] != rec[:-1]]
        first = np.flatnonzero(start)
        lengths = np.diff(np.append(first, len(rec)))
        pos = np.arange(len(rec)) - np.repeat(first, lengths) + 1
        if position is not None and (position != pos).any():
            raise ValueError("participants 的 position 在每条记录内应为 1, 2, …, 人数")
        return rec[first], rec, flat, pos, np.repeat(lengths, lengths)
    if "participants" not in records.columns:
        return None
    people_col = records["participants"].to_numpy(dtype=object)
    listed = np.flatnonzero(pd.notna(people_col))
    if len(listed):
        lengths = np.fromiter((len(p) for p in people_col[listed]), np.int64, len(listed))
        listed, lengths = listed[lengths > 0], lengths[lengths > 0]
    if not len(listed):
        return None
    flat = np.fromiter(itertools.chain.from_iterable(people_col[listed]), np.int64, int(lengths.sum()))
    rec = np.repeat(listed, lengths)
    pos = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths) + 1
    return listed, rec, flat, pos, np.repeat(lengths, lengths)


def _row_of(ids: np.ndarray, ascending: bool, wanted: np.ndarray) -> np.ndarray:
    """Row of each wanted record id, -1 when absent (ids are unique: repeated ones were refused before)."""
    if not len(ids):
        return np.full(len(wanted), -1, np.int64)
    if ascending:
        return _lookup(ids, wanted)
    order = np.argsort(ids, kind="stable")
    at = _lookup(ids[order], wanted)
    return np.where(at >= 0, order[np.maximum(at, 0)], -1)


_HASH_ID = re.compile(r"#(-?[0-9]+)")


def _work_keys(records: pd.DataFrame, works: pd.DataFrame | None, ids: np.ndarray, ascending: bool, n: int,
               where: str) -> tuple[np.ndarray, np.ndarray]:
    """One int64 key per piece of work: the row for a record without work_id (its work is "#<id>"), else n + code;
    and the rows (ascending) that have a work_id or are named by one.

    From the sparse frame (record_id, work_id) when given, else from the `work_id` column. A work_id written
    "#<id>" of another record is that record's own work, as in the reference engine.
    """
    none = np.zeros(0, np.int64)
    if works is not None:
        if "work_id" in records.columns:
            raise ValueError("工作编号只能给一种形式:records 的 work_id 列,或 works 表")
        given = works["work_id"]
        values = given.to_numpy(dtype=object)
        present = np.flatnonzero(pd.notna(values))
        rec_id = works["record_id"].to_numpy().astype(np.int64, copy=False)[present]
        rows = _row_of(ids, ascending, rec_id)
        if (rows < 0).any():
            raise RuleError([f"{where}: 工作编号表中的记录 {r} 不在记录中"
                             for r in np.unique(rec_id[rows < 0]).tolist()])
        order = np.argsort(rows, kind="stable")
        listed = rows[order]
        if (listed[1:] == listed[:-1]).any():
            raise RuleError([f"{where}: 工作编号表中的记录 {r} 出现多次"
                             for r in np.unique(ids[listed[1:][listed[1:] == listed[:-1]]]).tolist()])
        values = values[present[order]]
        text = isinstance(given.dtype, pd.StringDtype)
        codes, uniques = pd.factorize(values if text else np.array([str(v) for v in values], dtype=object))
    elif "work_id" not in records.columns:
        return none, none
    else:
        col = records["work_id"]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = col.cat.codes.to_numpy()
            listed = np.flatnonzero(codes >= 0)
            codes, uniques = pd.factorize(np.array([str(v) for v in col.cat.categories], dtype=object)[codes[listed]])
        else:
            values = col.to_numpy(dtype=object)
            listed = np.flatnonzero(pd.notna(values))
            if isinstance(col.dtype, pd.StringDtype):
                codes, uniques = pd.factorize(values[listed])
            else:
                codes, uniques = pd.factorize(np.array([str(v) for v in values[listed]], dtype=object))
    if not len(listed):
        return none, none
    work = np.arange(n, dtype=np.int64)
    named = []
    keys = n + np.arange(len(uniques), dtype=np.int64)
    for index in [i for i, v in enumerate(uniques) if v[:1] == "#"]:
        value = uniques[index]
        m = _HASH_ID.fullmatch(value)
        if m and value == f"#{int(m.group(1))}":
            hit = np.flatnonzero(ids == int(m.group(1)))
            if len(hit):
                keys[index] = hit[0]
                named.append(int(hit[0]))
    work[listed] = keys[codes]
    return work, np.union1d(listed, named) if named else listed


# --- subject conditions -------------------------------------------------------------------------------------

class _Subjects:
    def __init__(self, data: _Input) -> None:
        self.n = len(data.subject_ids)
        self.attrs = data.attrs
        self.units = data.units
        self.cache: dict[Any, np.ndarray] = {}

    def column(self, attr: str) -> tuple[np.ndarray, list[Any]]:
        """Codes and unique values (None for missing) of an attribute."""
        key = ("col", attr)
        if key not in self.cache:
            if attr not in self.attrs.columns:
                self.cache[key] = (np.zeros(self.n, np.int64), [None])  # type: ignore[assignment]
            else:
                uniques, codes = _raw_codes(self.attrs[attr]) if isinstance(self.attrs[attr].dtype,
                                                                            pd.CategoricalDtype) else \
                    _factorize(self.attrs[attr])
                values = [None if _is_missing(v) else v.item() if isinstance(v, np.generic) else v for v in uniques]
                self.cache[key] = (np.where(codes < 0, len(values), codes), [*values, None])  # type: ignore[assignment]
        return self.cache[key]  # type: ignore[return-value]

    def cond(self, cond: AttrCond) -> np.ndarray:
        if cond.attr == "unit":
            mask = np.zeros(self.n, bool)
            for row, unit in self.units:
                if unit in cond.values:
                    mask[row] = True
            return mask
        codes, values = self.column(cond.attr)
        probe = Subject(0, attrs={})
        ok = []
        for value in values:
            attrs = {} if value is None else {cond.attr: value}
            ok.append(cond.test(Subject(0, attrs=attrs)) if attrs else cond.test(probe))
        return np.array(ok, dtype=bool)[codes]

    def when(self, conds: tuple[AttrCond, ...]) -> np.ndarray | None:
        """A mask over subjects, or None when there is no condition."""
        if not conds:
            return None
        key = ("when", conds)
        if key not in self.cache:
            mask = np.ones(self.n, bool)
            for cond in conds:
                mask &= self.cond(cond)
            self.cache[key] = mask
        return self.cache[key]

    def groups(self, attr: str | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(subject rows, group codes, group names sorted) of a ranking; a subject may be in several groups (unit)."""
        rows = np.arange(self.n)
        if attr is None:
            return rows, np.zeros(self.n, np.int64), ["全部"]
        if attr == "unit":
            pairs: dict[int, list[str]] = {}
            for row, unit in self.units:
                pairs.setdefault(row, [])
                if unit not in pairs[row]:
                    pairs[row].append(unit)
            labels = [pairs.get(r, [NO_GROUP]) for r in range(self.n)]
            rows = np.repeat(rows, [len(x) for x in labels])
            flat = [g for x in labels for g in x]
            names = sorted(set(flat))
            index = {g: i for i, g in enumerate(names)}
            return rows, np.array([index[g] for g in flat], dtype=np.int64), names
        codes, values = self.column(attr)
        labels = []
        for value in values:
            if value is None and SUBJECT_ATTRIBUTES.get(attr) is bool:
                value = False
            if isinstance(value, bool):
                labels.append("是" if value else "否")
            else:
                labels.append(str(value) if value not in (None, "") else NO_GROUP)
        names = sorted(set(labels))
        index = {g: i for i, g in enumerate(names)}
        return rows, np.array([index[g] for g in labels], dtype=np.int64)[codes], names


# --- record conditions and point sources, per kind ----------------------------------------------------------


# --- record conditions and point sources, per kind ----------------------------------------------------------

def _cond_mask(kind: _Kind, cond: FieldCond, rs: RuleSet) -> np.ndarray:
    key = ("cond", cond)
    if key in kind.cache:
        return kind.cache[key]
    spec = rs.kinds[kind.name].fields[cond.field]
    if spec.type == "enum":
        codes = kind.enum[cond.field]
        ok = np.ones(len(spec.values) + 1, bool)     # the last slot is "missing" (code -1)
        ok[-1] = False
        if cond.values is not None:
            ok[:-1] &= np.array([v in cond.values for v in spec.values], dtype=bool)
        if cond.at_least is not None:
            ok[:-1] &= np.arange(len(spec.values)) >= spec.order(cond.at_least)
        if cond.at_most is not None:
            ok[:-1] &= np.arange(len(spec.values)) <= spec.order(cond.at_most)
        if cond.min is not None or cond.max is not None:
            ok[:-1] = False
        mask = ok[codes.astype(np.intp)]
    else:
        number = kind.num[cond.field]
        scale = 10 ** number.digits
        mask = number.present.copy()
        x = number.values
        if cond.values is not None:
            hits = np.zeros(len(x), bool)
            for value in cond.values:
                if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                    target = Fraction(value) * scale
                    if target.denominator == 1:
                        hits |= x == target.numerator
            mask &= hits
        if cond.min is not None:
            mask &= x >= math.ceil(Fraction(cond.min) * scale)
        if cond.max is not None:
            mask &= x <= math.floor(Fraction(cond.max) * scale)
    kind.cache[key] = mask
    return mask


def _passing(kind: _Kind, conds: tuple[FieldCond, ...], window: tuple[int, int] | None,
             rs: RuleSet, data: _Input) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(mask, rows) of this kind's records inside the window that meet the field conditions; (None, None): all."""
    key = ("pass", conds, window)
    if key not in kind.cache:
        mask = data.inside(window, kind) if window is not None else None
        for cond in conds:
            m = _cond_mask(kind, cond, rs)
            mask = m if mask is None else mask & m
        kind.cache[key] = (mask, None if mask is None else np.flatnonzero(mask))
    return kind.cache[key]


@dataclass
class _Raw:
    """Points of matched records before sharing: num / den units; `fraction` when not a Decimal (per, whole: no)."""

    num: np.ndarray | int
    ok: np.ndarray | None       # None: every record has a value
    den: int = 1
    fraction: bool = False


def _source(item: Item, kind: _Kind, local: np.ndarray | None, rs: RuleSet, plan: _Plan) -> _Raw:
    """Raw points of the records `local` (rows of this kind; None: all) under the item's point source."""
    src = item.source
    spec = rs.kinds[kind.name]
    pick = (lambda a: a) if local is None else (lambda a: a[local])
    if src is None:       # by_count: a placeholder used only to choose between duplicates
        return _Raw(plan.units(item.by_count[0][1]), None)
    if isinstance(src, Fixed):
        return _Raw(plan.units(src.points), None)
    if isinstance(src, Table):
        size = 1
        index: np.ndarray | int = 0
        for fname in src.fields:
            values = spec.fields[fname].values
            codes = pick(kind.enum[fname]).astype(np.int64)
            index = index * (len(values) + 1) + np.where(codes < 0, len(values), codes)
            size *= len(values) + 1
        points = np.zeros(size, np.int64)
        ok = np.zeros(size, bool)
        for key, value in src.values.items():
            flat = 0
            for fname, part in zip(src.fields, key):
                values = spec.fields[fname].values
                flat = flat * (len(values) + 1) + values.index(part)
            points[flat] = plan.units(value)
            ok[flat] = True
        return _Raw(points[index], ok[index])
    if isinstance(src, Ladder):
        order = spec.fields[src.field].values
        points = np.zeros(len(order) + 1, np.int64)
        ok = np.zeros(len(order) + 1, bool)
        for top in range(len(order)):
            hit = [p for step, p in src.steps if src.order.index(step) <= top]
            if hit:
                ok[top] = True
                points[top] = plan.units(sum(hit, Decimal(0)) if src.cumulative else hit[-1])
        codes = pick(kind.enum[src.field]).astype(np.intp)
        return _Raw(points[codes], ok[codes])          # code -1 (missing) reads the last slot: no value
    number = kind.num[src.field]
    x = pick(number.values)
    present = pick(number.present)
    if isinstance(src, Per):
        each = Fraction(src.each)
        num_each, den_each = each.numerator, each.denominator       # each = num_each / den_each
        # quantity / each = x · den_each / (10^d · num_each)
        _check(_absmax(x) * den_each, f"per {src.field}")
        top = x * den_each
        bottom = 10 ** number.digits * num_each
        _check(bottom, f"per {src.field}")
        points = plan.units(src.points)
        if src.whole:
            whole = np.sign(top) * (np.abs(top) // bottom)           # Decimal divide_int truncates toward zero
            _check(_absmax(whole) * abs(points), f"per {src.field}")
            return _Raw(whole * points, present)
        _check(_absmax(top) * abs(points), f"per {src.field}")
        return _Raw(top * points, present, den=bottom, fraction=True)
    assert isinstance(src, Bands)
    scale = 10 ** number.digits
    got = np.zeros(len(x), np.int64)
    hit = np.zeros(len(x), bool)
    for low, points in src.bands:
        reached = present & (x >= math.ceil(Fraction(low) * scale))
        got[reached] = plan.units(points)
        hit |= reached
    return _Raw(got, hit)


def _share(credit: Credit, pos: np.ndarray, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The credited fraction a / b per credit (a = 0: no credit), as Credit.share computes it."""
    n = len(pos)
    one = np.ones(n, np.int64)
    zero_mask = np.zeros(n, bool)
    if credit.max_people is not None:
        zero_mask = pos > credit.max_people
        people = np.minimum(people, credit.max_people)
    if credit.mode == "all":
        a, b = one, one.copy()
    elif credit.mode == "first_only":
        a, b = (pos == 1).astype(np.int64), one
    elif credit.mode == "equal":
        a, b = one, people.astype(np.int64)
    elif credit.mode == "first_half":
        a = one
        b = np.where(people == 1, 1, np.where(pos == 1, 2, 2 * (people - 1)))
    elif credit.mode == "by_position":
        a = np.full(n, credit.rest.numerator, np.int64)
        b = np.full(n, credit.rest.denominator, np.int64)
        for position, factor in credit.factors.items():
            at = pos == position
            a = np.where(at, factor.numerator, a)
            b = np.where(at, factor.denominator, b)
    else:  # pragma: no cover - the loader only admits the modes above
        raise Unsupported(f"联名分配方式 {credit.mode}")
    alone = people == 1                 # one person alone gets the full points, whatever the mode
    a, b = np.where(alone, 1, a), np.where(alone, 1, b)
    a = np.where(zero_mask, 0, a)
    return a, b


# --- the per-window candidate table ---------------------------------------------------------------------------

@dataclass
class _Cands:
    """One row per (credit, item) that matched, in item order: item i owns rows ranges[i]:ranges[i + 1]."""

    rec: np.ndarray      # global record row
    subj: np.ndarray
    points: np.ndarray   # units, after sharing
    status: np.ndarray   # int8, STATUSES
    ranges: np.ndarray
    worked: np.ndarray   # rows whose record has a work_id
    joint: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)   # (first row, position, people)
    constant: list[int | None] = field(default_factory=list)    # per item: the points of every counted row, if one
    absmax: int = 0                                             # the largest |points| of any row
    notes: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = field(default_factory=list)

    def item(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.ranges) - 1), np.diff(self.ranges))

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the credit's position and the number of people listed (1 and 1 for a record of one)."""
        pos, people = np.ones(len(self.rec), np.int64), np.ones(len(self.rec), np.int64)
        for at, p, n in self.joint:
            pos[at:at + len(p)] = p
            people[at:at + len(p)] = n
        return pos, people

    def note(self, rows: np.ndarray, other: np.ndarray, other_item: np.ndarray | None = None) -> None:
        """Remember, for the rows that lost, the winning record's row and item (same work) or their rank."""
        self.notes.append((rows, other, other_item))

    def others(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the winning record's row (same work) or the rank (before from_nth), and the winner's item."""
        other = np.full(len(self.rec), -1, np.int64)
        other_item = np.full(len(self.rec), -1, np.int64)
        for rows, value, item in self.notes:
            other[rows] = value
            if item is not None:
                other_item[rows] = item
        return other, other_item


def _item_parts(plan: _Plan, data: _Input, subjects: _Subjects, window: tuple[int, int],
                item: Item) -> tuple[list[tuple[Any, ...]], int | None, int]:
    """One item's candidates, per kind it matches: (parts, the points of every counted row if they are all one
    number, the largest |points|)."""
    rs = plan.rs
    parts: list[tuple[Any, ...]] = []
    absmax = 0
    when = subjects.when(item.when)
    same: set[int | None] = set()      # the points of every counted row, when they are all one number
    for kind_name in sorted(item.match.kinds):
        kind = data.kinds[plan.kind_index[kind_name]]
        if not len(kind.subj):
            continue
        mask, local = _passing(kind, item.match.fields, window, rs, data)
        raw = _source(item, kind, local, rs, plan)
        if raw.ok is not None and not raw.ok.all():
            local = np.flatnonzero(raw.ok) if local is None else local[raw.ok]
            raw = _Raw(raw.num[raw.ok], None, raw.den, raw.fraction)  # type: ignore[index]
            mask = np.zeros(len(kind.rec), bool)
            mask[local] = True
        # credits of the passing records, and where each one's record sits in `local`
        if kind.cl is None:
            credits, at = local, None
        elif local is None:
            credits, at = None, kind.cl
        else:
            assert mask is not None
            credits = np.flatnonzero(mask[kind.cl])
            place = np.cumsum(mask) - 1
            at = place[kind.cl[credits]]
        subj = None                     # gathered straight into the candidate arrays unless needed here
        if when is not None:
            subj = kind.subj if credits is None else kind.subj[credits]
            keep = np.flatnonzero(when[subj])
            if len(keep) < len(subj):
                credits = keep if credits is None else credits[keep]
                subj = subj[keep]
                at = keep if at is None else at[keep]
        num = raw.num if isinstance(raw.num, int) or at is None else raw.num[at]
        count = len(kind.subj) if credits is None else len(credits)
        pos = people = None
        if kind.pos is not None:
            pos = kind.pos if credits is None else kind.pos[credits]
            people = kind.people if credits is None else kind.people[credits]  # type: ignore[index]
        trivial = item.credit == Credit() or kind.pos is None     # no joint record: everyone alone, in full
        status = None
        if trivial and not raw.fraction:
            points = num
            same.add(num if isinstance(num, int) else None)
        else:
            ones = np.ones(count, np.int64)
            a, b = (ones, ones) if trivial else _share(item.credit, ones if pos is None else pos,
                                                        ones if people is None else people)
            points = np.array(np.broadcast_to(np.asarray(num, np.int64), (count,)))
            _check(_absmax(points) * (_absmax(a) or 1), "联名分摊")
            den = raw.den * b * plan.quantum
            _check(_absmax(den), "联名分摊")
            zero = a == 0
            shared = np.flatnonzero(~zero & (a != b)) if not raw.fraction else np.flatnonzero(~zero)
            if len(shared):             # only a share below one (or a fraction) needs rounding
                points[shared] = _round_div(points[shared] * a[shared], den[shared], rs.rounding) * plan.quantum
            if zero.any():
                status = np.where(zero, SHARE_ZERO, COUNTED).astype(np.int8)
                points[zero] = 0
            same.add(num if isinstance(num, int) and not len(shared) else None)
        absmax = max(absmax, abs(points) if isinstance(points, int) else _absmax(points))
        rec_local = kind.local(credits)
        worked = None
        if kind.has_work is not None:
            worked = np.flatnonzero(kind.has_work if rec_local is None else kind.has_work[rec_local])
        parts.append((kind, rec_local, subj, credits, points, status, pos, people, worked, count))
    return parts, (same.pop() if len(same) == 1 else None), absmax


def _candidates(plan: _Plan, data: _Input, subjects: _Subjects, window: tuple[int, int]) -> _Cands:
    # items are independent: shared between two threads by the number of records of their kinds
    costs = [sum(len(data.kinds[plan.kind_index[k]].subj) for k in item.match.kinds) for item in plan.items]
    per_item = _map2(lambda i: _item_parts(plan, data, subjects, window, plan.items[i]), costs)
    parts = [part for item_parts, _, _ in per_item for part in item_parts]
    sizes = np.array([sum(part[-1] for part in item_parts) for item_parts, _, _ in per_item], dtype=np.int64)
    constant = [same for _, same, _ in per_item]
    absmax = max((m for _, _, m in per_item), default=0)
    total = int(sizes.sum())
    out = _Cands(np.empty(total, np.int64), np.empty(total, np.int64), np.empty(total, np.int64),
                 np.zeros(total, np.int8), np.concatenate([[0], np.cumsum(sizes)]), np.zeros(0, np.int64))
    out.constant, out.absmax = constant, absmax
    starts = np.concatenate([[0], np.cumsum([part[-1] for part in parts], dtype=np.int64)]).tolist()

    def gather(index: int) -> None:     # writes only rows starts[index]:starts[index + 1] of the arrays
        kind, rec_local, subj, credits, points, status, _, _, _, _ = parts[index]
        at, end = starts[index], starts[index + 1]
        _put(out.rec[at:end], kind.rec, rec_local)
        if subj is not None:
            out.subj[at:end] = subj
        else:
            _put(out.subj[at:end], kind.subj, credits)
        out.points[at:end] = points
        if status is not None:
            out.status[at:end] = status

    _map2(gather, [part[-1] for part in parts])     # disjoint slices: two threads, by rows
    worked_all = []
    for index, (_, _, _, _, _, _, pos, people, worked, _) in enumerate(parts):
        at = starts[index]
        if pos is not None:
            out.joint.append((at, pos, people))
        if worked is not None and len(worked):
            worked_all.append(worked + at)
    if worked_all:
        out.worked = np.concatenate(worked_all)
    return out


def _put(target: np.ndarray, source: np.ndarray, rows: np.ndarray | None) -> None:
    """target[:] = source[rows] (rows None: all of source), gathered in place without a temporary."""
    if rows is None:
        target[:] = source
    else:
        np.take(source, rows, out=target, mode="clip")      # "raise" would buffer; the rows are in range


def _ranks(group: np.ndarray, *keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order by (group, *keys) and each element's 0-based rank within its group."""
    order = _packed_order(group, *keys)
    g = group[order]
    start = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, bool)
    first = np.maximum.accumulate(np.where(start, np.arange(len(g)), 0)) if len(g) else g
    rank = np.empty(len(g), np.int64)
    rank[order] = np.arange(len(g)) - first
    return order, rank


def _packed_order(*keys: np.ndarray) -> np.ndarray:
    """The stable order by keys[0], then keys[1], ...: one int64 sort when the keys pack into one, else lexsort."""
    if not len(keys[0]):
        return np.zeros(0, np.intp)
    first = keys[0]
    low, high = int(first.min()), int(first.max())
    if high - low >= len(first):        # sparse: rank the distinct values first
        _, first = np.unique(first, return_inverse=True)
        low, high = 0, int(first.max())
    parts = [(first - low, high - low + 1)]
    span = high - low + 1
    for key in keys[1:]:
        low, high = int(key.min()), int(key.max())
        parts.append((key - low, high - low + 1))
        span *= high - low + 1
    if span >= _LIMIT:
        return np.lexsort(tuple(reversed(keys)))
    packed = parts[0][0].astype(np.int64)
    for values, size in parts[1:]:
        packed = packed * size + values
    return np.argsort(packed, kind="stable")


def _shared(group: np.ndarray) -> np.ndarray:
    """Positions whose group value occurs more than once (only those can lose to another one)."""
    return np.flatnonzero(pd.Series(group, copy=False).duplicated(keep=False).to_numpy())


def _top_one(groups: np.ndarray, n_groups: int, keys: list[tuple[np.ndarray, int]]) -> np.ndarray | None:
    """Mask of the smallest key per group when the keys pack into one int64 ((values, span) pairs); else None."""
    span = 1
    for _, s in keys:
        span *= s
    if span >= _LIMIT:
        return None
    packed = np.zeros(len(groups), np.int64)
    for values, s in keys:
        packed = packed * s + values
    best = np.full(n_groups, _BIG, np.int64)
    np.minimum.at(best, groups, packed)
    return packed == best[groups]


def _resolve(plan: _Plan, data: _Input, cands: _Cands, n_subjects: int) -> None:
    """Same work counted once (per item, then per section), from_nth, aggregate max and max_count: sets status."""
    dates, id_key = data.dates, data.id_order
    id_span = max(len(data.ids) if data.id_key is None or not len(data.ids) else int(data.id_key.max()) + 1, 1)
    n_items = len(plan.items)
    ranges = cands.ranges
    span = len(data.ids) * 2 + 1
    item_of = lambda rows: np.searchsorted(ranges, rows, side="right") - 1
    # 1. one piece of work counts once per item: best by (-points, date, id)
    risky = cands.worked[cands.status[cands.worked] == COUNTED]
    if len(risky):
        rec = cands.rec[risky]
        group = (cands.subj[risky] * n_items + item_of(risky)) * span + data.work[rec]
        shared = _shared(group)
        if len(shared):
            risky, rec, group = risky[shared], rec[shared], group[shared]
            order, _ = _ranks(group, -cands.points[risky], dates[rec], id_key(rec))
            _mark_losers(cands, risky, order, group, SAME_WORK_ITEM, item_of)
    # 2. and under one item only in a section that does not allow stacking: best by (-points, order, date, id)
    first = 0
    for section in plan.sections:
        last = first + len(section.items)
        a, b = int(ranges[first]), int(ranges[last])
        first_item = first
        first = last
        if not section.no_double_counting or len(section.items) < 2 or a == b:
            continue
        worked = cands.worked[(cands.worked >= a) & (cands.worked < b)]
        overlapping = _overlapping(section.items, plan.rs, data)
        if overlapping:     # a record may match two of these items (a joint one counts once per person)
            risky_mask = np.zeros(b - a, bool)
            risky_mask[worked - a] = True
            for offset in overlapping:
                risky_mask[int(ranges[first_item + offset]) - a:int(ranges[first_item + offset + 1]) - a] = True
            rows = a + np.flatnonzero(risky_mask & (cands.status[a:b] == COUNTED))
            twice = pd.Series(cands.rec[rows] * n_subjects + cands.subj[rows]).duplicated(keep=False).to_numpy()
            rows = rows[twice | np.isin(rows, worked)]
        else:
            rows = worked[cands.status[worked] == COUNTED]
        if not len(rows):
            continue
        rec = cands.rec[rows]
        work = data.work[rec] if len(data.work) else rec
        group = cands.subj[rows] * span + work
        shared = _shared(group)
        if not len(shared):
            continue
        rows, rec, group = rows[shared], rec[shared], group[shared]
        order_in_section = np.array([i.order for i in plan.items])[item_of(rows)]
        order, _ = _ranks(group, -cands.points[rows], order_in_section, dates[rec], id_key(rec))
        _mark_losers(cands, rows, order, group, SAME_WORK_SECTION, item_of)
    # 3. item rules, on what is left; items are independent: two threads, by candidate rows
    def rules(index: int) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None] | None:
        """(the item's new statuses, its from_nth note) or None; reads cands, writes nothing."""
        item = plan.items[index]
        if item.from_nth == 1 and item.aggregate != "max" and item.max_count is None:
            return None
        a, b = int(ranges[index]), int(ranges[index + 1])
        status = cands.status[a:b].copy()
        rows = a + np.flatnonzero(status == COUNTED)
        if not len(rows):
            return None
        note = None
        if item.from_nth > 1:
            rec = cands.rec[rows]
            d = dates[rec]
            d0 = int(d.min())
            early = None
            if item.from_nth == 2:
                early = _top_one(cands.subj[rows], n_subjects, [(d - d0, int(d.max()) - d0 + 1), (id_key(rec), id_span)])
                rank = np.zeros(len(rows), np.int64)
            if early is None:
                _, rank = _ranks(cands.subj[rows], d, id_key(rec))
                early = rank < item.from_nth - 1
            status[rows[early] - a] = BEFORE_NTH
            note = (rows[early], rank[early] + 1)
            rows = rows[~early]
        for rule, limit in (("max", 1), ("count", item.max_count)):
            if rule == "max" and item.aggregate != "max":
                continue
            if limit is None or not len(rows):
                continue
            rec = cands.rec[rows]
            pts = cands.points[rows]
            top = int(pts.max())
            d = dates[rec]
            d0 = int(d.min())
            keep = None
            if limit == 1:
                keep = _top_one(cands.subj[rows], n_subjects,
                                [(top - pts, top - int(pts.min()) + 1), (d - d0, int(d.max()) - d0 + 1),
                                 (id_key(rec), id_span)])
            if keep is None:
                _, rank = _ranks(cands.subj[rows], -pts, d, id_key(rec))
                keep = rank < limit
            status[rows[~keep] - a] = NOT_MAX if rule == "max" else OVER_MAX
            rows = rows[keep]
        return status, note

    for index, done in enumerate(_map2(rules, np.diff(ranges).tolist())):
        if done is not None:
            cands.status[int(ranges[index]):int(ranges[index + 1])] = done[0]
            if done[1] is not None:
                cands.note(*done[1])

def _overlapping(items: Sequence[Item], rs: RuleSet, data: _Input) -> list[int]:
    """Which of a section's items may match the same record as another one (offsets in the section).

    Two items cannot when they share no kind, or when a field (one value per record) or a yes/no subject
    attribute (one value per subject) admits disjoint values in them.
    """
    def allowed(item: Item, kind: str) -> dict[str, set[Any]]:
        out: dict[str, set[Any]] = {}
        for cond in item.match.fields:
            spec = rs.kinds[kind].fields[cond.field]
            if spec.type == "enum":
                ok = {v for n, v in enumerate(spec.values)
                      if (cond.values is None or v in cond.values)
                      and (cond.at_least is None or n >= spec.order(cond.at_least))
                      and (cond.at_most is None or n <= spec.order(cond.at_most))}
                out[cond.field] = out.get(cond.field, ok) & ok
        return out

    def attrs(item: Item) -> dict[str, set[Any]]:
        out: dict[str, set[Any]] = {}
        for cond in item.when:
            if SUBJECT_ATTRIBUTES.get(cond.attr) is bool:
                ok = {v if v is not None else False for v in cond.values}
                out[cond.attr] = out.get(cond.attr, ok) & ok
        return out

    def exclusive(one: Item, two: Item) -> bool:
        a, b = attrs(one), attrs(two)
        if any(not (a[k] & b[k]) for k in a.keys() & b.keys()):
            return True
        for kind in one.match.kinds & two.match.kinds:
            x, y = allowed(one, kind), allowed(two, kind)
            if not any(not (x[f] & y[f]) for f in x.keys() & y.keys()):
                return False
        return True

    out = set()
    for i, one in enumerate(items):
        for j in range(i + 1, len(items)):
            if not exclusive(one, items[j]):
                out |= {i, j}
    return sorted(out)


def _mark_losers(cands: _Cands, rows: np.ndarray, order: np.ndarray, group: np.ndarray, status: int,
                 item_of: Any) -> None:
    sorted_rows = rows[order]
    g = group[order]
    start = np.r_[True, g[1:] != g[:-1]]
    winner = sorted_rows[np.maximum.accumulate(np.where(start, np.arange(len(g)), 0))]
    losers = ~start
    cands.status[sorted_rows[losers]] = status
    cands.note(sorted_rows[losers], cands.rec[winner[losers]], item_of(winner[losers]))


# --- lines, sections and totals per window --------------------------------------------------------------------

@dataclass
class _Window:
    period: Period
    cands: _Cands
    exists: np.ndarray      # (items, subjects) bool: the item has a line
    raw: np.ndarray         # (items, subjects) units, before the item's cap/floor
    points: np.ndarray      # (items, subjects) units, 0 where no line
    section_raw: np.ndarray     # (sections, subjects)
    section_points: np.ndarray
    overall: np.ndarray     # before the overall cap/floor
    total: np.ndarray
    section_base: list[int | np.ndarray] = field(default_factory=list)   # per section: units, or per subject
    by_subject: tuple[np.ndarray, np.ndarray] | None = None
    others: tuple[np.ndarray, np.ndarray] | None = None
    positions: tuple[np.ndarray, np.ndarray] | None = None


@dataclass
class _Share:
    """The subjects prorated by `membership: prorate` (rows) and each one's share of the period, num / den."""

    rows: np.ndarray
    num: np.ndarray
    den: np.ndarray

    def of(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(num, den) for all n subjects: 1 / 1 but for the prorated."""
        num, den = np.ones(n, np.int64), np.ones(n, np.int64)
        num[self.rows], den[self.rows] = self.num, self.den
        return num, den


def _scaled(plan: _Plan, share: _Share | None, value: Decimal | None, n: int) -> int | np.ndarray | None:
    """A base, cap or floor in units: one number, or per subject when some are prorated (× their share, at the rule
    file's precision and rounding, as membership.scaled)."""
    if value is None:
        return None
    units = plan.units(value)
    if share is None:
        return units
    out = np.full(n, units, np.int64)
    _check(abs(units) * int(share.num.max()), "按在任天数折算")
    out[share.rows] = _round_div(units * share.num, share.den * plan.quantum, plan.rs.rounding) * plan.quantum
    return out


def _clamp(values: np.ndarray, floor: int | np.ndarray | None, cap: int | np.ndarray | None) -> np.ndarray:
    if cap is not None:
        values = np.minimum(values, cap)
    if floor is not None:
        values = np.maximum(values, floor)
    return values


def _window(plan: _Plan, data: _Input, subjects: _Subjects, period: Period, share: _Share | None = None) -> _Window:
    assert period.start is not None and period.end is not None
    cands = _candidates(plan, data, subjects, (_day(period.start), _day(period.end)))
    n_items = len(plan.items)
    n = subjects.n
    _check(cands.absmax * max(len(cands.points), 1), "分数合计")
    _resolve(plan, data, cands, n)
    raw = np.zeros((n_items, n), np.int64)
    exists = np.zeros((n_items, n), bool)
    limited = any(i.cap is not None or i.floor is not None for i in plan.items)
    sc = lambda value: _scaled(plan, share, value, n)
    points = np.zeros((n_items, n), np.int64) if limited else raw     # without item caps, points are the raw sums
    # per status: 0 counted, 1 not on the line (no credit, same work), 2 on the line but not counted
    line_class = np.array([0, 1, 1, 1, 2, 2, 2], np.int64)

    def line(index: int) -> None:       # writes row `index` of raw, exists and points
        item = plan.items[index]
        a, b = int(cands.ranges[index]), int(cands.ranges[index + 1])
        if a == b:
            return
        subj, pts, status = cands.subj[a:b], cands.points[a:b], cands.status[a:b]
        summed = not item.by_count and cands.constant[index] is None
        if status.any():                # one count per subject and class
            by_class = np.bincount(subj * 3 + line_class[status.astype(np.intp)], minlength=3 * n).reshape(n, 3)
            counts = by_class[:, 0]
            exists[index] = (counts > 0) | (by_class[:, 2] > 0)
            if summed:
                np.add.at(raw[index], subj, np.where(status == COUNTED, pts, 0))
        else:
            counts = np.bincount(subj, minlength=n)
            exists[index] = counts > 0
            if summed:
                np.add.at(raw[index], subj, pts)
        if item.by_count:
            for low, value in item.by_count:
                raw[index, counts >= low] = plan.units(value)
        elif not summed:                # one value for every counted row: count, then multiply
            raw[index] = counts * cands.constant[index]
        if item.cap is None and item.floor is None:
            if limited:
                points[index] = raw[index]
        else:
            clamped = _clamp(raw[index], sc(item.floor), sc(item.cap))
            points[index] = np.where(exists[index], clamped, 0)

    _map2(line, np.diff(cands.ranges).tolist())     # items are independent: two threads, by candidate rows
    section_raw = np.zeros((len(plan.sections), n), np.int64)
    section_points = np.zeros_like(section_raw)
    overall = np.zeros(n, np.int64) + sc(plan.rs.base)
    section_base: list[int | np.ndarray] = []
    first = 0
    for s_index, section in enumerate(plan.sections):
        last = first + len(section.items)
        base = sc(section.base)
        section_base.append(base)  # type: ignore[arg-type]
        subtotal = base + points[first:last].sum(axis=0)
        first = last
        section_raw[s_index] = subtotal
        after = _clamp(subtotal, sc(section.floor), sc(section.cap))
        section_points[s_index] = after
        overall += after
    rs = plan.rs
    total = _clamp(overall, sc(rs.floor), sc(rs.cap))
    return _Window(period, cands, exists, raw, points, section_raw, section_points, overall, total, section_base)


# --- gates and triggers ---------------------------------------------------------------------------------------

def _count_works(plan: _Plan, data: _Input, match: Match, window: tuple[int, int] | None, n: int) -> np.ndarray:
    """Distinct pieces of work per subject among its credits the match accepts (inside the window, if given)."""
    plain = np.zeros(n, np.int64)
    keyed: list[np.ndarray] = []
    span = len(data.ids) * 2 + 1
    for kind_name in sorted(match.kinds):
        kind = data.kinds[plan.kind_index[kind_name]]
        if not len(kind.subj):
            continue
        mask, _ = _passing(kind, match.fields, window, plan.rs, data)
        credits = kind.credits(mask)
        subj = kind.subj if credits is None else kind.subj[credits]
        if kind.has_work is not None:
            local = kind.local(credits)
            worked = kind.has_work if local is None else kind.has_work[local]
            if worked.any():
                rec = kind.rec if local is None else kind.rec[local]
                keyed.append(subj[worked] * span + data.work[rec[worked]])
                subj = subj[~worked]
        plain += np.bincount(subj, minlength=n)
    if keyed:
        unique = pd.unique(np.concatenate(keyed))         # a hash: no need to sort
        plain += np.bincount(unique // span, minlength=n)
    return plain


def _order(values: list[np.ndarray], n: int) -> np.ndarray:
    """Subjects in the declared order: tie-break values high to low, then subject id (row) low to high."""
    if not n:
        return np.zeros(0, np.int64)
    spans = [(int(v.max()) - int(v.min()) + 1) for v in values]
    if math.prod(spans) * max(n, 1) < _LIMIT:
        packed = np.zeros(n, np.int64)
        for v, s in zip(values, spans):
            packed = packed * s + (int(v.max()) - v)
        return np.argsort(packed * max(n, 1) + np.arange(n))      # distinct keys: no need for a stable sort
    return np.lexsort((np.arange(n), *(-v for v in reversed(values))))


# --- result -------------------------------------------------------------------------------------------------

class FrameResult:
    """Scores of every subject for one period, as columns; `card(subject_id)` explains one subject.

    Points are int64 in units of 1/scale (scale = 10^k), never floats; `decimal(units)` turns one into a Decimal.
    Tables:
      subjects  — subject_id, total, before_limits, grade, eligible, appraised (one row per subject, by id)
      places    — subject_id, ranking, group, place, size (ties share a place: 1, 2, 2, 4)
      gates     — subject_id, gate, requirement, count, met (requirement met), gate_met
      flags     — subject_id, trigger, count (triggers that fired)
      records   — record_id, subject_id, period, section, item, points, status, position, people
                  (one row per record and item it matched; status says whether it counted and why not)
      lines     — subject_id, period, section, item, raw, points (raw: before the item's cap/floor)
      sections  — subject_id, period, section, base, raw, points (raw: base + lines, before cap/floor)
    Everything is computed by score_frame(); all tables but `subjects` are assembled from those arrays on first
    access (the explanation tables run to millions of rows, and most callers read a few cards or none).
    """

    def __init__(self, ruleset: RuleSet, period: str, scale: int, subjects: pd.DataFrame, state: _State) -> None:
        self.ruleset, self.period, self.scale, self.subjects = ruleset, period, scale, subjects
        self._state = state
        self._tables: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"FrameResult({self.ruleset.name!r}, {self.period!r}, {len(self.subjects)} subjects)"

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = getattr(self._state, f"{name}_table")()
        return self._tables[name]

    places = property(lambda self: self._table("places"), doc="subject_id, ranking, group, place, size")
    gates = property(lambda self: self._table("gates"), doc="subject_id, gate, requirement, count, met, gate_met")
    flags = property(lambda self: self._table("flags"), doc="subject_id, trigger, count")
    records = property(lambda self: self._table("records"), doc="one row per record and item it matched")
    lines = property(lambda self: self._table("lines"), doc="one row per subject, period and line")
    sections = property(lambda self: self._table("sections"), doc="one row per subject, period and section")

    def decimal(self, units: int) -> Decimal:
        return Decimal(int(units)).scaleb(-len(str(self.scale)) + 1)

    def totals(self) -> dict[int, Decimal]:
        """Total per subject id, as Decimal (the edge of the vectorised world)."""
        return {int(s): self.decimal(t) for s, t in zip(self.subjects["subject_id"], self.subjects["total"])}

    def card(self, subject_id: int) -> ScoreCard:
        """One subject's ScoreCard, built from the tables; equal to the one `score()` returns."""
        return self._state.card(subject_id)


def score_frame(subjects: pd.DataFrame, records: pd.DataFrame, ruleset: RuleSet, period: str,
                history: pd.DataFrame | None = None, participants: pd.DataFrame | None = None,
                works: pd.DataFrame | None = None, term: TermSpan | None = None) -> FrameResult:
    """Score every subject for one period, vectorised; the same totals, grades, gates, flags and places as score().

    subjects: `id` and the attribute columns rules test (standing, sector, …; bool or str), optionally `unit_ids`
    (tuples) and a member's dates of service `joined_on`, `left_on` (dates or None) and `left` (bool), which the
    rule file's `membership` reads (a subject who served none of the period is left out, as in score()). records: `id`, `subject_id`, `kind`, `occurred_on` (datetime64 or dates), the declared field columns
    (enum fields as str or categorical; number/integer fields as integers or Decimal objects, never float),
    optionally `participants` (tuples, in order), `work_id`, `category`. participants: instead of that column, the
    long form a join table gives, `record_id`, `subject_id` and optionally `position` (1, 2, … within a record;
    without it, the frame's order). works: instead of the `work_id` column, the sparse form a query of the records
    that have one gives, `record_id` and `work_id` (one row per record). history: `subject_id`, `year`, `total`
    (integers or Decimal) for triggers across years. term: the 届 containing the period, for gates and triggers
    with `window: term`. Raises RuleError as score() does; Unsupported when the input cannot be scored exactly here.
    """
    plan = _plan(ruleset)
    if period in ruleset.periods:
        subjects = _serving(subjects, ruleset, ruleset.periods[period])
    data = _prepare(subjects, records, plan, participants, works)
    if period not in ruleset.periods:
        raise RuleError(f"{ruleset.source_name}: 细则没有名为 '{period}' 的考评周期"
                        f"(可用:{'、'.join(ruleset.periods)})")
    state = _State(plan, data, ruleset.periods[period], history, term)
    return state.result()


def _span(ruleset: RuleSet, period: Period) -> tuple[dt.date, dt.date]:
    parts = [ruleset.periods[name] for name, _ in period.parts] if period.combine else [period]
    return min(p.start for p in parts), max(p.end for p in parts)  # type: ignore[type-var, return-value]


def _date(value: Any) -> dt.date | None:
    if _is_missing(value):
        return None
    return value.date() if isinstance(value, (pd.Timestamp, dt.datetime)) else value


def _dated(subjects: pd.DataFrame) -> np.ndarray:
    """Rows of the subjects frame that have dates of service or have left (the rest served every period whole)."""
    found = np.zeros(len(subjects), bool)
    for column in ("joined_on", "left_on"):
        if column in subjects.columns:
            found |= subjects[column].notna().to_numpy()
    if "left" in subjects.columns:
        found |= subjects["left"].eq(True).to_numpy(dtype=bool)
    return np.flatnonzero(found)


def _as_subject(subjects: pd.DataFrame, row: int) -> Subject:
    """A subject with only its dates of service, for membership.serves and .service."""
    get = lambda column: subjects[column].iloc[row] if column in subjects.columns else None
    left = get("left")
    return Subject(0, joined_on=_date(get("joined_on")), left_on=_date(get("left_on")),
                   left=bool(left) if not _is_missing(left) else False)


def _serving(subjects: pd.DataFrame, ruleset: RuleSet, period: Period) -> pd.DataFrame:
    """The subjects who served some of the period (a card each); the others are not in its review, as in score()."""
    start, end = _span(ruleset, period)
    gone = [row for row in _dated(subjects).tolist() if not serves(_as_subject(subjects, row), start, end)]
    return subjects.drop(index=subjects.index[gone]) if gone else subjects


def _services(data: _Input, ruleset: RuleSet, period: Period) -> tuple[np.ndarray, dict[int, Service],
                                                                        _Share | None]:
    """Per subject row: appraised or not; the rows whose service is noted (membership.service); the prorated."""
    start, end = _span(ruleset, period)
    n = len(data.subject_ids)
    appraised = np.ones(n, bool)
    noted: dict[int, Service] = {}
    for row in _dated(data.attrs).tolist():
        found = service(_as_subject(data.attrs, row), ruleset.membership, start, end)
        noted[row] = found
        appraised[row] = found.appraised
    shared = sorted(row for row, found in noted.items() if found.factor != 1)
    share = None
    if shared:
        share = _Share(np.array(shared, np.int64), np.array([noted[r].factor.numerator for r in shared], np.int64),
                       np.array([noted[r].factor.denominator for r in shared], np.int64))
    return appraised, noted, share


def _half_services(data: _Input, ruleset: RuleSet, first: dt.date, last: dt.date) -> tuple[np.ndarray, _Share | None]:
    """For a gate counted `window: half`, per subject row: whether it serves the half-year [first, last] and is
    appraised in it (the rule file's `membership` applied to the half); and the prorated, with their share of it."""
    n = len(data.subject_ids)
    applies = np.ones(n, bool)
    shared: list[tuple[int, Fraction]] = []
    for row in _dated(data.attrs).tolist():
        who = _as_subject(data.attrs, row)
        if not serves(who, first, last):
            applies[row] = False
            continue
        found = service(who, ruleset.membership, first, last)
        applies[row] = found.appraised
        if found.factor != 1:
            shared.append((row, found.factor))
    if not shared:
        return applies, None
    return applies, _Share(np.array([r for r, _ in shared], np.int64), np.array([f.numerator for _, f in shared],
                                                                                np.int64),
                           np.array([f.denominator for _, f in shared], np.int64))


@dataclass
class _GatePart:
    """What one gate counts over one stretch: the whole window (`applies` None), or one half-year of the period for
    a gate counted `window: half` (`applies`: the subjects serving and appraised in it). `prefix` names it on the
    card; `lows` are each requirement's minimum (per subject when prorated)."""

    prefix: str
    counts: list[np.ndarray]
    applies: np.ndarray | None = None
    share: _Share | None = None
    lows: list[int | np.ndarray | None] = field(default_factory=list)


def _frame(parts: list[dict[str, np.ndarray]], cats: dict[str, list[str]]) -> pd.DataFrame:
    joined = {k: (np.concatenate([p[k] for p in parts]) if len(parts) > 1 else parts[0][k]) for k in parts[0]}
    for key, names in cats.items():
        joined[key] = pd.Categorical.from_codes(joined[key], categories=names,  # type: ignore[assignment]
                                                validate=False)
    return pd.DataFrame(joined, copy=False)


def _empty(names: list[str]) -> dict[str, np.ndarray]:
    return {k: np.zeros(0, np.int64) for k in names}


class _State:
    """Everything computed for one call; turns into tables and, on demand, into one subject's ScoreCard."""

    def __init__(self, plan: _Plan, data: _Input, period: Period, history: pd.DataFrame | None,
                 term: TermSpan | None = None) -> None:
        rs = plan.rs
        self.plan, self.data, self.period = plan, data, period
        self.subj = _Subjects(data)
        n = self.subj.n
        if period.combine is None:
            parts: list[tuple[Period, Fraction | None]] = [(period, None)]
        else:
            parts = [(rs.periods[name], weight) for name, weight in period.parts]
        self.parts = parts
        start = min(_day(p.start) for p, _ in parts)  # type: ignore[arg-type]
        end = max(_day(p.end) for p, _ in parts)  # type: ignore[arg-type]
        self.in_period = (start, end)
        in_term = term_window(rs, term, min(p.start for p, _ in parts), max(p.end for p, _ in parts))  # type: ignore
        self.appraised, self.noted, self.share = _services(data, rs, period)
        #: the days each window of a count sees (None: every record given)
        self.count_windows: dict[str, tuple[int, int] | None] = {
            "period": self.in_period, "input": None,
            "term": (_day(in_term[0]), _day(in_term[1])) if in_term is not None else (1, 0)}
        #: the half-years of the period, for gates counted `window: half`
        self.halves = half_years(min(p.start for p, _ in parts), max(p.end for p, _ in parts)) if any(  # type: ignore
            g.window == "half" for g in rs.gates) else []
        # what gates and triggers count does not depend on points: it runs beside the windows
        self.windows, counts = _both(lambda: [_window(plan, data, self.subj, p, self.share) for p, _ in parts],
                                     lambda: self._counts(history))
        if period.combine is None:
            self.total = self.windows[0].total
            self.before = self.windows[0].overall
        else:
            common = math.lcm(*(w.denominator for _, w in parts))  # type: ignore[union-attr]
            num = np.zeros(n, np.int64)
            for win, (_, weight) in zip(self.windows, parts):
                factor = weight.numerator * (common // weight.denominator)  # type: ignore[union-attr]
                _check((_absmax(win.total) + 1) * factor * len(parts), "加权合成")
                num += win.total * factor
            self.total = _round_div(num, common * plan.quantum, rs.rounding) * plan.quantum
            self.before = self.total
        self._gates(*counts)
        self._grades()
        self._places()

    # ---- gates, vetoes, triggers → effects
    def _counts(self, history: pd.DataFrame | None) -> tuple[list[list[_GatePart]], list[np.ndarray]]:
        """Per gate requirement and per trigger, what it counts: distinct works per subject (per half-year for a gate
        counted `window: half`); for a trigger on low totals, whether the history was below in every earlier year it
        looks at."""
        plan, rs, n = self.plan, self.plan.rs, self.subj.n
        # who serves each half-year does not depend on the gate: worked out once for every gate counted by halves
        halves = [(prefix, (_day(first), _day(last)), *_half_services(self.data, rs, first, last))
                  for prefix, first, last in self.halves]
        gates: list[list[_GatePart]] = []
        for gate in rs.gates:
            if gate.window == "half":
                gates.append([_GatePart(prefix, [_count_works(plan, self.data, req.match, days, n)
                                                 for req in gate.requires], applies, share)
                              for prefix, days, applies, share in halves])
            else:
                gates.append([_GatePart(TERM_PREFIX if gate.window == "term" else "",
                                        [_count_works(plan, self.data, req.match, self.count_windows[gate.window], n)
                                         for req in gate.requires], share=self.share)])
        triggers: list[np.ndarray] = []
        for trigger in rs.triggers:
            if trigger.below is not None:
                years = [rs.year - k for k in range(1, trigger.years)]
                triggers.append(self._history_below(history, years, trigger.below) if years else np.ones(n, bool))
            else:
                assert trigger.match is not None
                triggers.append(_count_works(plan, self.data, trigger.match, self.count_windows[trigger.window], n))
        return gates, triggers

    def _gates(self, gate_counts: list[list[_GatePart]], trigger_counts: list[np.ndarray]) -> None:
        plan, rs, n = self.plan, self.plan.rs, self.subj.n
        order = {g.name: i for i, g in enumerate(rs.grades)}
        self.forced = np.full(n, -1, np.int64)
        self.max_grade = np.full(n, -1, np.int64)
        self.eligible = np.ones(n, bool)
        self.gate_applies: list[np.ndarray] = []
        self.gate_parts: list[list[_GatePart]] = []
        self.gate_met: list[np.ndarray] = []

        def apply(effect: Any, where: np.ndarray) -> None:
            if effect.grade is not None:
                self.forced = np.where(where, np.maximum(self.forced, order[effect.grade]), self.forced)
            if effect.max_grade is not None:
                self.max_grade = np.where(where, np.maximum(self.max_grade, order[effect.max_grade]),
                                          self.max_grade)
            if not effect.eligible:
                self.eligible &= ~where

        for gate, parts in zip(rs.gates, gate_counts):
            applies = self.subj.when(gate.when)
            applies = self.appraised.copy() if applies is None else applies & self.appraised
            met = np.ones(n, bool)
            for part in parts:
                p_num, p_den = part.share.of(n) if part.share is not None else (None, None)
                for req, count in zip(gate.requires, part.counts):
                    ok = np.ones(n, bool)
                    low: int | np.ndarray | None = req.min_count
                    if req.min_count is not None:
                        if p_num is not None:     # membership.scaled_count: × share, rounded half up
                            low = (2 * req.min_count * p_num + p_den) // (2 * p_den)
                        ok &= count >= low
                    if req.max_count is not None:
                        ok &= count <= req.max_count
                    part.lows.append(low)
                    met &= ok if part.applies is None else ok | ~part.applies
            self.gate_applies.append(applies)
            self.gate_parts.append(parts)
            self.gate_met.append(met)
            apply(gate.effect, applies & ~met)
        self.trigger_fired: list[np.ndarray] = []
        self.trigger_counts: list[np.ndarray | None] = []
        num, den = self.share.of(n) if self.share is not None else (None, None)
        for trigger, count in zip(rs.triggers, trigger_counts):
            if trigger.below is not None:
                if num is None:
                    fired = (self.total < plan.units_ceil(trigger.below)) & count
                else:                       # a prorated subject's total against below × its share, exactly
                    _check((_absmax(self.total) + abs(plan.units(trigger.below))) * int(den.max()), "按在任天数折算")
                    fired = (self.total * den < plan.units(trigger.below) * num) & count
                self.trigger_counts.append(None)
            else:
                fired = count >= trigger.min_count
                self.trigger_counts.append(count)
            fired = fired & self.appraised
            self.trigger_fired.append(fired)
            if not trigger.levels:
                apply(trigger.effect, fired)
            for index, level in enumerate(trigger.levels):      # the highest level reached replaces the lower
                above = trigger.levels[index + 1].min_count if index + 1 < len(trigger.levels) else None
                apply(level.effect, fired & (count >= level.min_count) & (True if above is None else count < above))
        self.eligible &= self.appraised     # one not appraised is listed with its points only: never a candidate

    def _history_below(self, history: pd.DataFrame | None, years: list[int], below: Decimal) -> np.ndarray:
        n = self.subj.n
        if history is None or not len(history):
            return np.zeros(n, bool)
        rows = _lookup(self.data.subject_ids, history["subject_id"].to_numpy().astype(np.int64, copy=False))
        year = history["year"].to_numpy().astype(np.int64, copy=False)
        slot = np.full(len(year), -1, np.int64)
        for index, y in enumerate(years):
            slot[year == y] = index
        use = np.flatnonzero((rows >= 0) & (slot >= 0))
        last = np.full(n * len(years), -1, np.int64)          # the last entry for a year wins, as in a dict
        np.maximum.at(last, rows[use] * len(years) + slot[use], use)
        at = last[last >= 0]
        totals = history["total"]
        if pd.api.types.is_integer_dtype(totals.dtype) and isinstance(totals.dtype, np.dtype):
            low = totals.to_numpy()[at] < math.ceil(Fraction(below))
        else:
            values = totals.to_numpy(dtype=object)[at]
            low = np.array([isinstance(v, (int, Decimal)) and not isinstance(v, bool) and v < below
                            for v in values], dtype=bool)
        hits = np.bincount(rows[at][low], minlength=n)
        return hits == len(years)

    # ---- order, grades, places
    def _tie_values(self) -> list[np.ndarray]:
        plan = self.plan
        out = []
        for key in plan.rs.tie_break:
            if key.by == "total":
                out.append(self.total)
            elif key.by == "section":
                s = [i for i, sec in enumerate(plan.sections) if sec.name == key.name]
                out.append(sum((w.section_points[j] for w in self.windows for j in s),
                               np.zeros(self.subj.n, np.int64)))
            elif key.by == "item":
                s = [i for i, it in enumerate(plan.items) if it.name == key.name]
                out.append(sum((w.points[j] for w in self.windows for j in s), np.zeros(self.subj.n, np.int64)))
        return out

    def _grades(self) -> None:
        plan, rs, n = self.plan, self.plan.rs, self.subj.n
        values = self._tie_values()
        self.order = _order(values, n)
        self.rank_of = np.empty(n, np.int64)
        self.rank_of[self.order] = np.arange(n)
        tie_group = np.zeros(n, np.int64)
        if n:
            differs = np.zeros(n - 1, bool)
            for v in values:
                ordered = v[self.order]
                differs |= ordered[1:] != ordered[:-1]
            tie_group[self.order] = np.concatenate([[0], np.cumsum(differs)])
        self.tie_group = tie_group
        self.grade = np.full(n, -1, np.int64)
        self.note_kind = np.zeros(n, np.int64)         # 0 none, 1 forced, 2 over a share limit, 3 no grade fits
        self.note_grade = np.full(n, -1, np.int64)
        self.limit_info: dict[int, tuple[int, int]] = {}
        if not rs.grades:
            return
        forced = self.forced >= 0
        self.grade[forced] = self.forced[forced]
        self.note_kind[forced] = 1
        pool = ~forced & self.appraised
        num, den = self.share.of(n) if self.share is not None else (None, None)
        for index, grade in enumerate(rs.grades):
            qualified = pool & ~((self.max_grade >= 0) & (index < self.max_grade))
            if grade.min is not None:
                if num is None:
                    qualified &= self.total >= plan.units_ceil(grade.min)
                else:                       # a prorated subject's threshold is min × its share, exactly
                    _check((_absmax(self.total) + abs(plan.units(grade.min))) * int(den.max()), "按在任天数折算")
                    qualified &= self.total * den >= plan.units(grade.min) * num
            when = self.subj.when(grade.when)
            if when is not None:
                qualified &= when
            if grade.limit is not None:
                lim = grade.limit
                of = self.subj.when(lim.of)
                denominator = int(self.appraised.sum()) if of is None else int((of & self.appraised).sum())
                allowed = int(COUNT_ROUNDINGS[lim.round](lim.share * denominator))
                self.limit_info[index] = (denominator, allowed)
                taken = self._take(qualified, allowed, lim.ties)
                over = qualified & ~taken & (self.note_kind == 0)
                self.note_kind[over] = 2
                self.note_grade[over] = index
                qualified = taken
            self.grade[qualified] = index
            pool &= ~qualified
        leftover = pool & (self.note_kind == 0)
        self.note_kind[leftover] = 3

    def _take(self, mask: np.ndarray, n_take: int, policy: str) -> np.ndarray:
        """take_with_ties over the subjects in `mask`, in the declared order."""
        ordered = self.order[mask[self.order]]
        out = np.zeros(len(mask), bool)
        if n_take >= len(ordered):
            out[ordered] = True
            return out
        if n_take <= 0:
            return out
        groups = self.tie_group[ordered]
        boundary = groups[n_take - 1]
        if groups[n_take] != boundary:
            out[ordered[:n_take]] = True
        elif policy == "all_in":
            out[ordered[:n_take + int((groups[n_take:] == boundary).sum())]] = True
        else:
            out[ordered[:int(np.searchsorted(groups, boundary))]] = True
        return out

    def _places(self) -> None:
        """Per ranking: subject rows by group, then in the declared order, and each one's place (ties share)."""
        self.place_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.group_names: list[list[str]] = []
        for ranking in self.plan.rs.rankings:
            rows, groups, names = self.subj.groups(ranking.by)
            self.group_names.append(names)
            if len(rows) == self.subj.n:          # one group each: walk the subjects in ranking order
                rows = self.order
                groups = groups[rows]
            else:
                by_rank = np.argsort(self.rank_of[rows], kind="stable")
                rows, groups = rows[by_rank], groups[by_rank]
            if not self.appraised.all():            # a subject not appraised is in no ranking
                keep = self.appraised[rows]
                rows, groups = rows[keep], groups[keep]
            sizes = np.bincount(groups, minlength=len(names))
            if len(names) > 1:
                small = groups.astype(np.int16) if len(names) < 2 ** 15 else groups
                regroup = np.argsort(small, kind="stable")      # radix sort: stays in ranking order per group
                rows, groups = rows[regroup], groups[regroup]
            m = len(rows)
            if not m:
                self.place_parts.append((rows, np.zeros(0, np.int64), groups, sizes))
                continue
            tg = self.tie_group[rows]
            new_tie = np.r_[True, (tg[1:] != tg[:-1]) | (groups[1:] != groups[:-1])]
            starts = np.flatnonzero(new_tie)
            tie_start = np.repeat(starts, np.diff(np.append(starts, m)))
            group_start = np.repeat(np.cumsum(sizes) - sizes, sizes)
            self.place_parts.append((rows, tie_start - group_start + 1, groups, sizes))

    # ---- tables
    def result(self) -> FrameResult:
        rs, sid = self.plan.rs, self.data.subject_ids
        grade_names = [g.name for g in rs.grades]
        grade = pd.Categorical.from_codes(self.grade, categories=grade_names) if grade_names else \
            pd.Categorical.from_codes(np.full(len(sid), -1), categories=["-"])
        subjects = pd.DataFrame({"subject_id": sid, "total": self.total, "before_limits": self.before,
                                 "grade": grade, "eligible": self.eligible, "appraised": self.appraised}, copy=False)
        return FrameResult(rs, self.period.name, self.plan.unit, subjects, self)

    def places_table(self) -> pd.DataFrame:
        rs, sid = self.plan.rs, self.data.subject_ids
        ranking_names = [r.name for r in rs.rankings]
        all_groups = sorted({g for names in self.group_names for g in names})
        group_index = {g: i for i, g in enumerate(all_groups)}
        parts = self.place_parts
        lut = [np.array([group_index[g] for g in names], dtype=np.int64) for names in self.group_names]
        cat = lambda arrays: np.concatenate(arrays) if arrays else np.zeros(0, np.int64)
        return pd.DataFrame({
            "subject_id": sid[cat([rows for rows, _, _, _ in parts])],
            "ranking": pd.Categorical.from_codes(cat([np.full(len(p[0]), r, np.int8) for r, p in enumerate(parts)]),
                                                 categories=ranking_names),
            "group": pd.Categorical.from_codes(cat([lut[r][g] for r, (_, _, g, _) in enumerate(parts)]),
                                               categories=all_groups),
            "place": cat([place for _, place, _, _ in parts]),
            "size": cat([sizes[g] for _, _, g, sizes in parts])}, copy=False)

    def gates_table(self) -> pd.DataFrame:
        rs, sid = self.plan.rs, self.data.subject_ids
        gate_parts: list[dict[str, np.ndarray]] = []
        gate_names = [g.name for g in rs.gates]
        req_labels: list[str] = []
        for g_index, gate in enumerate(rs.gates):
            for part in self.gate_parts[g_index]:
                mask = self.gate_applies[g_index] if part.applies is None else \
                    self.gate_applies[g_index] & part.applies
                applies = np.flatnonzero(mask)
                for r_index, req in enumerate(gate.requires):
                    label = f"{req.label}({part.prefix.strip()})" if part.applies is not None else req.label
                    if label not in req_labels:
                        req_labels.append(label)
                    count = part.counts[r_index][applies]
                    ok = np.ones(len(applies), bool)
                    low = part.lows[r_index]
                    if low is not None:
                        ok &= count >= (low if isinstance(low, int) else low[applies])
                    if req.max_count is not None:
                        ok &= count <= req.max_count
                    gate_parts.append({"subject_id": sid[applies], "gate": np.full(len(applies), g_index, np.int16),
                                       "requirement": np.full(len(applies), req_labels.index(label), np.int16),
                                       "count": count, "met": ok, "gate_met": self.gate_met[g_index][applies]})
        return _frame(gate_parts or [_empty(["subject_id", "gate", "requirement", "count", "met", "gate_met"])],
                      {"gate": gate_names, "requirement": req_labels})

    def flags_table(self) -> pd.DataFrame:
        rs, sid = self.plan.rs, self.data.subject_ids
        flag_parts: list[dict[str, np.ndarray]] = []
        for t_index, trigger in enumerate(rs.triggers):
            fired = np.flatnonzero(self.trigger_fired[t_index])
            count = self.trigger_counts[t_index]
            flag_parts.append({"subject_id": sid[fired], "trigger": np.full(len(fired), t_index, np.int16),
                               "count": count[fired] if count is not None else np.full(len(fired), -1, np.int64)})
        return _frame(flag_parts or [_empty(["subject_id", "trigger", "count"])],
                      {"trigger": [t.name for t in rs.triggers]})

    def _names(self) -> dict[str, list[str]]:
        return {"period": [p.name for p, _ in self.parts], "section": [s.name for s in self.plan.sections],
                "item": [i.name for i in self.plan.items]}

    def records_table(self) -> pd.DataFrame:
        data, sid = self.data, self.data.subject_ids
        item_section = self.plan.item_section.astype(np.int16)
        parts = []
        for w_index, win in enumerate(self.windows):
            c = win.cands
            item = c.item().astype(np.int16)
            pos, people = c.positions()
            parts.append({"record_id": data.ids[c.rec], "subject_id": sid[c.subj],
                          "period": np.full(len(c.rec), w_index, np.int8), "section": item_section[item],
                          "item": item, "points": c.points, "status": c.status, "position": pos,
                          "people": people})
        return _frame(parts, {**self._names(), "status": list(STATUSES)})

    def lines_table(self) -> pd.DataFrame:
        sid = self.data.subject_ids
        item_section = self.plan.item_section.astype(np.int16)
        parts = []
        for w_index, win in enumerate(self.windows):
            cols = [np.flatnonzero(row) for row in win.exists]
            sizes = [len(c) for c in cols]
            s_cols = np.concatenate(cols) if cols else np.zeros(0, np.int64)
            i_rows = np.repeat(np.arange(len(cols), dtype=np.int16), sizes)
            parts.append({"subject_id": sid[s_cols], "period": np.full(len(s_cols), w_index, np.int8),
                          "section": item_section[i_rows], "item": i_rows,
                          "raw": np.concatenate([r[c] for r, c in zip(win.raw, cols)]),
                          "points": np.concatenate([r[c] for r, c in zip(win.points, cols)])})
        return _frame(parts, self._names())

    def sections_table(self) -> pd.DataFrame:
        plan, sid = self.plan, self.data.subject_ids
        n, n_sec = len(sid), len(plan.sections)
        parts = []
        for w_index, win in enumerate(self.windows):
            bases = [np.broadcast_to(np.asarray(b, np.int64), (n,)) for b in win.section_base]
            parts.append({"subject_id": np.tile(sid, n_sec), "period": np.full(n * n_sec, w_index, np.int8),
                          "section": np.repeat(np.arange(n_sec), n),
                          "base": np.concatenate(bases) if bases else np.zeros(0, np.int64),
                          "raw": win.section_raw.reshape(-1), "points": win.section_points.reshape(-1)})
        names = self._names()
        return _frame(parts, {"period": names["period"], "section": names["section"]})

    # ---- one card
    def _rows_of(self, w_index: int, row: int) -> np.ndarray:
        """The candidate rows of one subject (an index by subject is built on the first call)."""
        win = self.windows[w_index]
        if win.by_subject is None:
            order = np.argsort(win.cands.subj, kind="stable")
            bounds = np.searchsorted(win.cands.subj[order], np.arange(self.subj.n + 1))
            win.by_subject = (order, bounds)
        order, bounds = win.by_subject
        return order[bounds[row]:bounds[row + 1]]

    def card(self, subject_id: int) -> ScoreCard:
        plan, rs, data = self.plan, self.plan.rs, self.data
        at = np.searchsorted(data.subject_ids, subject_id)
        if at >= len(data.subject_ids) or data.subject_ids[at] != subject_id:
            raise KeyError(subject_id)
        row = int(at)
        dec = plan.dec
        ids, dates = data.ids, data.dates
        lines: list[Line] = []
        sections: list[SectionScore] = []
        notes: list[Note] = []
        parts: list[PartScore] = []
        for w_index, (win, (period, weight)) in enumerate(zip(self.windows, self.parts)):
            c = win.cands
            rows = self._rows_of(w_index, row)
            item_of = np.repeat(np.arange(len(plan.items)), np.diff(c.ranges))[rows]
            c_item = dict(zip(rows.tolist(), item_of.tolist()))
            if win.others is None:
                win.others = c.others()
            c_other, c_other_item = win.others
            name = period.name
            rid = lambda r, c=c: int(ids[c.rec[r]])
            if win.positions is None:
                win.positions = c.positions()
            pos, people = win.positions
            how = lambda r, c_item=c_item, pos=pos, people=people: plan.items[c_item[r]].credit.share(
                int(pos[r]), int(people[r]))[1]
            zero = sorted((r for r in rows if c.status[r] == SHARE_ZERO), key=lambda r: (rid(r), c_item[r]))
            notes += [Note(name, plan.items[c_item[r]].name, rid(r), how(r)) for r in zero]
            for s_index, section in enumerate(plan.sections):
                mine = [r for r in rows if plan.item_section[c_item[r]] == s_index and c.status[r] != SHARE_ZERO]
                dup = sorted((r for r in mine if c.status[r] == SAME_WORK_ITEM),
                             key=lambda r: (-c.points[r], dates[c.rec[r]], rid(r), c_item[r]))
                notes += [Note(name, plan.items[c_item[r]].name, rid(r),
                               f"与记录 {int(ids[c_other[r]])} 是同一项工作,只计一次") for r in dup]
                cross = sorted((r for r in mine if c.status[r] == SAME_WORK_SECTION),
                               key=lambda r: (-c.points[r], plan.items[c_item[r]].order, dates[c.rec[r]], rid(r)))
                notes += [Note(name, plan.items[c_item[r]].name, rid(r),
                               f"同一项工作已在“{plan.items[c_other_item[r]].label}”计分"
                               f"(记录 {int(ids[c_other[r]])}),不重复计分") for r in cross]
                for item in section.items:
                    i_index = plan.items.index(item)
                    if not win.exists[i_index, row]:
                        continue
                    own = [r for r in mine if c_item[r] == i_index]
                    by_date = lambda r, c=c, rid=rid: (dates[c.rec[r]], rid(r))
                    notes += [Note(name, item.name, rid(r), f"第 {int(c_other[r])} 件,本条从第 {item.from_nth} 件起计分")
                              for r in sorted((r for r in own if c.status[r] == BEFORE_NTH), key=by_date)]
                    notes += [Note(name, item.name, rid(r), "本条取最高一项,不累加")
                              for r in sorted((r for r in own if c.status[r] == NOT_MAX), key=by_date)]
                    notes += [Note(name, item.name, rid(r), f"本条最多计 {item.max_count} 件")
                              for r in sorted((r for r in own if c.status[r] == OVER_MAX),
                                              key=lambda r: (-c.points[r], *by_date(r)))]
                    kept = sorted((r for r in own if c.status[r] == COUNTED), key=by_date)
                    if item.by_count:
                        recs = tuple(RecordPoints(rid(r), Decimal(0), f"计件(共 {len(kept)} 件)") for r in kept)
                    else:
                        recs = tuple(RecordPoints(rid(r), dec(c.points[r]), how(r)) for r in kept)
                    lines.append(Line(name, section.name, item.name, item.label, recs, dec(win.raw[i_index, row]),
                                      dec(win.points[i_index, row])))
                base = win.section_base[s_index]
                sections.append(SectionScore(name, section.name, section.label,
                                             dec(base if isinstance(base, int) else base[row]),
                                             dec(win.section_raw[s_index, row]), dec(win.section_points[s_index, row])))
            if weight is not None:
                parts.append(PartScore(name, dec(win.total[row]), str(weight)))
        gates: list[GateResult] = []
        for g_index, gate in enumerate(rs.gates):
            if not self.gate_applies[g_index][row]:
                continue
            details = []
            for part in self.gate_parts[g_index]:
                if part.applies is not None and not part.applies[row]:
                    continue
                for req, counts, low in zip(gate.requires, part.counts, part.lows):
                    count = int(counts[row])
                    low = low if low is None or isinstance(low, int) else int(low[row])
                    ok = (low is None or count >= low) and (req.max_count is None or count <= req.max_count)
                    shrunk = f"(按在任天数折算,至少 {low} 件)" if low != req.min_count else ""
                    suffix = "" if ok else "(一票否决)" if gate.veto else "(未达到)"
                    details.append(f"{req.label}:{part.prefix}{count} 件{shrunk}{suffix}")
            gates.append(GateResult(gate.name, gate.label, bool(self.gate_met[g_index][row]), ";".join(details),
                                    gate.veto))
        flags: list[Flag] = []
        for t_index, trigger in enumerate(rs.triggers):
            if not self.trigger_fired[t_index][row]:
                continue
            if trigger.below is not None:
                flags.append(Flag(trigger.name, trigger.label, f"连续 {trigger.years} 年低于 {trigger.below} 分"))
            else:
                count = int(self.trigger_counts[t_index][row])  # type: ignore[index]
                level = trigger.level(count)
                if level is None:
                    flags.append(Flag(trigger.name, trigger.label, trigger_detail(trigger, count)))
                else:
                    flags.append(Flag(trigger.name, f"{trigger.label}:{level.label}", trigger_detail(trigger, count),
                                      level.label))
        places = []
        for r_index, (rows, place, groups, sizes) in enumerate(self.place_parts):
            for p in np.flatnonzero(rows == row).tolist():
                name = self.group_names[r_index][int(groups[p])]
                places.append((r_index, name, Place(rs.rankings[r_index].name, name, int(place[p]),
                                                    int(sizes[groups[p]]))))
        places.sort(key=lambda x: (x[0], x[1]))
        grade = rs.grades[int(self.grade[row])].name if self.grade[row] >= 0 else None
        served = self.noted.get(row, Service())
        return ScoreCard(subject_id=int(subject_id), period=self.period.name, total=dec(self.total[row]),
                         before_limits=dec(self.before[row]), grade=grade, eligible=bool(self.eligible[row]),
                         gates=tuple(gates), lines=tuple(lines), sections=tuple(sections), notes=tuple(notes),
                         flags=tuple(flags), places=tuple(p for _, _, p in places), parts=tuple(parts),
                         grade_note=self._grade_note(row), appraised=served.appraised, membership=served.note,
                         left=served.left)

    def _grade_note(self, row: int) -> str:
        kind = int(self.note_kind[row])
        if kind == 1:
            return "未满足基本要求或被否决,直接评定"
        if kind == 2:
            index = int(self.note_grade[row])
            grade = self.plan.rs.grades[index]
            denominator, allowed = self.limit_info[index]
            return f"超出“{grade.name}”比例上限 {grade.limit.share}(分母 {denominator} 人,名额 {allowed})"  # type: ignore[union-attr]
        if kind == 3:
            return "没有适用的等次"
        return ""


# --- dataclasses ↔ frames -----------------------------------------------------------------------------------

def to_frames(subjects: Iterable[Subject], records: Iterable[Record]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                               pd.DataFrame]:
    """(subjects, records, history) frames from the engine's dataclasses, for score_frame()."""
    subject_list = list(subjects)
    attrs = sorted({a for s in subject_list for a in s.attrs})
    sframe = pd.DataFrame({"id": pd.Series([s.id for s in subject_list], dtype="int64"),
                           **{a: pd.Series([s.attrs.get(a) for s in subject_list], dtype=object) for a in attrs},
                           "unit_ids": pd.Series([tuple(s.unit_ids) for s in subject_list], dtype=object)})
    if any(s.joined_on or s.left_on or s.left for s in subject_list):   # dates of service, when any subject has them
        sframe["joined_on"] = pd.Series([s.joined_on for s in subject_list], dtype=object)
        sframe["left_on"] = pd.Series([s.left_on for s in subject_list], dtype=object)
        sframe["left"] = pd.Series([s.left for s in subject_list], dtype=bool)
    history = pd.DataFrame({"subject_id": pd.Series([s.id for s in subject_list for _ in s.history], dtype="int64"),
                            "year": pd.Series([h.year for s in subject_list for h in s.history], dtype="int64"),
                            "total": pd.Series([h.total for s in subject_list for h in s.history], dtype=object)})
    record_list = list(records)
    fields = sorted({f for r in record_list for f in r.fields})
    rframe = pd.DataFrame({
        "id": pd.Series([r.id for r in record_list], dtype="int64"),
        "subject_id": pd.Series([r.subject_id for r in record_list], dtype="int64"),
        "kind": pd.Series([r.kind for r in record_list], dtype=object),
        "occurred_on": pd.Series(np.array([np.datetime64(r.occurred_on, "D") for r in record_list],
                                          dtype="datetime64[s]")),
        **{f: pd.Series([r.fields.get(f) for r in record_list], dtype=object) for f in fields},
        "participants": pd.Series([tuple(r.participants) or None for r in record_list], dtype=object),
        "work_id": pd.Series([r.work_id for r in record_list], dtype=object),
        "category": pd.Series([r.category for r in record_list], dtype=object)})
    return sframe, rframe, history


def score_or_fallback(subjects: Sequence[Subject], records: Sequence[Record], ruleset: RuleSet,
                      period: str, term: TermSpan | None = None) -> FrameResult | list[ScoreCard]:
    """score_frame() on the dataclasses, or score() when the vectorised path says it cannot be exact."""
    from app.scoring.engine import score

    sframe, rframe, history = to_frames(subjects, records)
    try:
        return score_frame(sframe, rframe, ruleset, period, history=history, term=term)
    except Unsupported:
        return score(subjects, records, ruleset, period, term)


__all__ = ["STATUSES", "FrameResult", "Unsupported", "score_frame", "score_or_fallback", "to_frames"]
