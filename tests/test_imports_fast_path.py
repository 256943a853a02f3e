"""The records import's block path (columns typed and checked a block at a time, new records sent by COPY in batches
from a writer thread) gives exactly what the row-by-row path gives: the same problems, the same plan, the same
records stored. Each file is imported twice, once as shipped and once with every row forced the row-by-row way."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from conftest import xlsx

from app.extensions import db
from app.imports import base as imports_base
from app.imports import records
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import Activity, ActivityParticipant, Role
from app.spreadsheets import rows as spreadsheet_rows

HEADERS = ["记录编号", "对象编号", "姓名", "类型", "日期", "标题", "结果", "级别", "批示级别", "金额", "受益人数", "联名",
           "事项编号", "对象类别", "内容", "对接对象", "帮扶内容", "状态"]
D = dt.date(2025, 3, 2)


def row(subject="W001", kind="提案", on=D, title="关于修缮城关小学的提案", **cells):
    values = {"对象编号": subject, "类型": kind, "日期": on, "标题": title, **cells}
    return [values.get(h) for h in HEADERS]


# Rows a file may hold that are all correct, in every shape a cell can take.
GOOD = [
    row(),
    row("W002", "社情民意", "2025-04-01", "关于农村饮水的社情民意", 结果="采用", 级别="市"),  # a date as text
    row(kind="捐资助学", title="助学一", 金额=3000, 受益人数=12, 内容="  资助三名学生  "),  # numbers as numbers
    row(kind="捐资助学", title="助学二", 金额="1,234.5", 受益人数="7"),                    # … and as text
    row(kind="扶贫济困", title="济困", 金额=100.1, 受益人数=0),  # inexact as a float; 100 元 or more
    row(title="'=联名的提案", 联名="W002"),                                                 # 联名, an apostrophe
    row(title=12345),                                                                       # a number as a title
    row(" W001 ", "结对困难户", dt.date(2025, 5, 6), "结对", 对接对象="张家村", 帮扶内容="送米", 状态="草稿"),
    row("W001", "意见建议", D, "有事项编号", 事项编号="K-1", 对象类别="委员"),
    row("U004", "集体提案", D, "单位的集体提案"),                                           # a unit (committee_a)
    [None] * len(HEADERS),                                                                  # an empty row
    row("W002", "意见建议", dt.datetime(2025, 6, 1, 0, 0), "日期带时间"),
    row(姓名="张三", title="有姓名"),
]

# Rows with a problem each, among correct ones.
BAD = [
    *GOOD,
    row(kind="扶贫济困", title="负数", 金额=-5),
    row(kind="修桥补路", title="不该有人数", 受益人数=3),
    row(title="结果不对", 结果="采用"),
    row(kind="植树", title="未知类型"),
    row(on=dt.date(2030, 1, 1), title="将来"),
    row(on=dt.date(2024, 5, 1), title="往年"),
    row("W009", title="别的联络处的委员"),
    row(姓名="王五", title="姓名不符"),
    row(),                                                                                  # the first row again
    row(title="长" * 300),
    row("ｗ００１", title="全角编号"),
    row("W005", title="已停用"),
    row(kind="捐资助学", title="小数太多", 金额="1.23456"),
    row(kind="捐资助学", title="人数不是数", 受益人数="12人"),
    row(title="已核实", 状态="已核实"),
    row(title="编号不存在", 记录编号="99999"),
    row(title="联名不存在", 联名="W777"),
    row(None, title="没有对象"),
]


@pytest.fixture
def people(year, make_member, make_user):
    make_member("张三", code="W001", liaison="liaison_a")
    make_member("李红", code="W002", liaison="liaison_a")
    make_member("王五", code="W009", sector="sector_b", committee="committee_b", liaison="liaison_b")
    make_member("赵六", code="W005", liaison="liaison_a", active=False)
    db.session.commit()
    assert year["committee_a"].code == "U004"
    return {"clerk": make_user("clerk1", Role.CLERK, units=("liaison_a", "committee_a")), "office": None}


def stored() -> list[tuple]:
    activities = db.session.execute(sa.select(
        Activity.kind, Activity.category, Activity.title, Activity.occurred_on, Activity.outcome, Activity.level,
        Activity.instruction_level, Activity.amount, Activity.people_helped, Activity.description,
        Activity.counterpart, Activity.support, Activity.work_key, Activity.unit_id, Activity.member_id,
        Activity.party_member_id, Activity.state, Activity.created_by_id, Activity.version,
        Activity.submitted_at.is_(None), Activity.verified_at.is_(None), Activity.entered_by_unit_id)
        .order_by(Activity.title)).all()
    signers = db.session.execute(sa.select(Activity.title, ActivityParticipant.position, ActivityParticipant.member_id)
                                 .join(Activity).order_by(Activity.title, ActivityParticipant.position)).all()
    return [tuple(r) for r in activities] + [tuple(s) for s in signers]


def run_both(monkeypatch, data: bytes, user, dry_run: bool):
    """(block path, row-by-row path): each import's plan, problems and the records it stored (rolled back after)."""
    results = []
    for forced in (False, True):
        with monkeypatch.context() as patch:
            # small batches, so that a few rows take several COPY statements and a queue
            patch.setattr(imports_base, "COPY_FIRST", 2)
            patch.setattr(imports_base, "COPY_BATCH", 3)
            if forced:
                patch.setattr(records._Quick, "check", lambda self, block: [(i, None) for i in range(len(block))])
                patch.setattr(spreadsheet_rows.Block, "row", lambda self, i: self.rows.typed(*self.raw[i]))
            outcome = run_import(DATASETS["records"], data, "records.xlsx", user, dry_run=dry_run)
            results.append((outcome.planned, outcome.problems, outcome.written, stored()))
            db.session.rollback()
    return results


@pytest.mark.parametrize("who", ["clerk", "office"])
def test_a_correct_file_is_stored_the_same_either_way(monkeypatch, people, who):
    fast, slow = run_both(monkeypatch, xlsx("履职记录", HEADERS, GOOD), people[who], dry_run=False)
    assert fast == slow
    planned, problems, written, records_stored = fast
    assert problems == [] and written and len(planned) == len(GOOD) - 1  # the empty row is skipped
    by_title = {r[2]: r for r in records_stored if len(r) > 3}
    assert by_title["助学二"][7:9] == (Decimal("1234.5"), 7)
    assert by_title["=联名的提案"] and by_title["12345"] and by_title["结对"][16].name == "DRAFT"
    assert ("=联名的提案", 2, by_title["=联名的提案"][14] + 1) in records_stored  # W002, the second signer


@pytest.mark.parametrize("who", ["clerk", "office"])
def test_a_file_with_problems_is_reported_the_same_either_way(monkeypatch, people, who):
    fast, slow = run_both(monkeypatch, xlsx("履职记录", HEADERS, BAD), people[who], dry_run=False)
    assert fast == slow
    _planned, problems, written, _records_sent = fast
    assert not written  # the caller rolls back what was sent
    reasons = {row: reason for _sheet, row, _header, reason in problems}
    first_bad = len(GOOD) + 2  # the header is row 1
    assert "不能为负数" in reasons[first_bad]
    assert "是同一条记录" in reasons[first_bad + 8]
    # every bad row is reported; the office may import another unit's member and 已核实 rows
    assert len({row for _s, row, _h, _r in problems}) == len(BAD) - len(GOOD) - 2 * (who == "office")


def test_a_duplicate_is_reported_on_the_later_row_whichever_path_the_earlier_one_took(monkeypatch, people):
    """The first row (a date as text: the row-by-row way) and the second (the block way) are one record."""
    data = xlsx("履职记录", HEADERS, [row(on="2025-03-02"), row(on=D)])
    fast, slow = run_both(monkeypatch, data, None, dry_run=True)
    assert fast[:3] == slow[:3]
    assert [(p.row, p.action) for p in fast[0]] == [(2, "新增")]
    assert [(r, reason[:8]) for _s, r, _h, reason in fast[1]] == [(3, "与第 2 行是同")]


def test_a_dry_run_of_a_file_already_imported_plans_the_same_either_way(monkeypatch, people):
    assert run_import(DATASETS["records"], xlsx("履职记录", HEADERS, GOOD), "records.xlsx", None, dry_run=False).ok
    db.session.commit()
    changed = [r if r[5] != "有姓名" else row(姓名="张三", title="有姓名", 结果="立案") for r in GOOD]
    fast, slow = run_both(monkeypatch, xlsx("履职记录", HEADERS, changed), None, dry_run=True)
    assert fast == slow
    assert [p.action for p in fast[0]].count("修改") == 1


def new_record(title: str | None, unit_id: int) -> tuple:
    """A new record's values in the order of records.INSERT_COLUMNS."""
    from app.models import Category, RecordState
    values = {"kind": "提案", "category": Category.IDEA, "title": title, "occurred_on": D, "outcome": "", "level": "",
              "instruction_level": "", "amount": None, "people_helped": None, "description": "", "counterpart": "",
              "support": "", "work_key": "", "details": {}, "unit_id": unit_id, "member_id": None,
              "party_member_id": None, "entered_by_unit_id": None,
              **records._state_columns(RecordState.DRAFT, None, dt.datetime(2025, 1, 1))}
    return tuple(values[k] for k in records.INSERT_COLUMNS)


def test_a_batch_the_database_refuses_fails_the_whole_insert(monkeypatch, people):
    """A row the server refuses, after several batches went well, surfaces in the caller (at a later row or at the
    end); the caller's rollback leaves nothing."""
    monkeypatch.setattr(imports_base, "COPY_FIRST", 2)
    monkeypatch.setattr(imports_base, "COPY_BATCH", 3)
    unit_id = people_unit()
    with pytest.raises(Exception, match="(?i)null") as raised:  # psycopg's own error, or SQLAlchemy's
        with imports_base.inserting(Activity.__table__, records.INSERT_COLUMNS) as send:
            for n in range(20):
                send(new_record(None if n == 10 else f"t{n}", unit_id))  # a title is required
    assert type(raised.value).__name__ in ("NotNullViolation", "IntegrityError")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_an_error_in_the_caller_stops_the_writer_and_keeps_the_callers_error(monkeypatch, people):
    monkeypatch.setattr(imports_base, "COPY_FIRST", 2)
    monkeypatch.setattr(imports_base, "COPY_BATCH", 3)
    unit_id = people_unit()
    with pytest.raises(RuntimeError, match="the caller's"):
        with imports_base.inserting(Activity.__table__, records.INSERT_COLUMNS) as send:
            for n in range(8):
                send(new_record(f"t{n}", unit_id))
            raise RuntimeError("the caller's")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_every_batch_is_stored(monkeypatch, people):
    monkeypatch.setattr(imports_base, "COPY_FIRST", 2)
    monkeypatch.setattr(imports_base, "COPY_BATCH", 3)
    with imports_base.inserting(Activity.__table__, records.INSERT_COLUMNS) as send:
        for n in range(11):  # 2, 3, 3, 3
            send(new_record(f"t{n:02d}", people_unit()))
    assert db.session.scalars(sa.select(Activity.title).order_by(Activity.title)).all() == [
        f"t{n:02d}" for n in range(11)]


def people_unit() -> int:
    from app.models import Unit
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == "U004"))
