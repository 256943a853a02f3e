"""Fuzzing every import kind with generated sheets: a clean import, or located problems and nothing written.

Each example builds a workbook (or a CSV file) from the dataset's own columns, with headers dropped, repeated,
added and shuffled, and cells that are plausible values, wrong types, formulas, very long text, control
characters, dates, numbers and blanks. The outcome must be either a clean import (committed) or a list of
problems, each with a Chinese reason at sheet/row/column, after which every table holds what it held before.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.extensions import db
from app.imports.base import run_import
from app.imports.datasets import DATASETS
from app.models import Role

EXAMPLES = 50  # per import kind: 11 kinds × 50 = 550 examples
CJK = re.compile(r"[\u4e00-\u9fff]")

# Correct values by import and column key: a file made of them alone imports cleanly (or nearly), so the examples
# reach the writing code; the cells `files` then spoils come from NEAR_MISSES and CHAOS.
VALID: dict[str, dict[str, list[object]]] = {
    "members": {"code": ["W101", "W102", "W103", "M0001"], "name": ["赵一", "钱二", "孙三"], "gender": ["男", "女"],
                "sector": ["经济界", "教育界"], "committee": [None, "提案委员会", "经济委员会"],
                "liaison": [None, "城关镇联络处", "大源镇联络处"], "standing": [None, "是", "否"],
                "employer": [None, "宏达纸业"], "phone": [None, "13800000000", 13800000000]},
    "records": {"subject": ["M0001", "M0002"], "kind": ["提案", "学习笔记"], "occurred_on": [
                dt.date(2025, 3, 2), "2025-03-02", "2025/4/1", "2025年6月1日"], "title": ["关于修缮城关小学的提案",
                "关于农村饮水的提案", "关于垃圾分类的提案"], "outcome": [None, "提交", "立案"], "state": [None, "草稿", "已提交"]},
    "attendance": {"meeting": ["全体会议", "常委会议"], "meeting_title": [None, "2025年全体会议"], "occurred_on": [
                   dt.date(2025, 3, 2), "2025-03-02"], "subject": ["M0001", "M0002"], "status": ["出席", "请假", "缺席"]},
    "branches": {"code": ["B01", "B02", "U010"], "name": ["新材料联合党支部", "宏达纸业党支部", "甲公司党支部"],
                 "branch_form": [None, "联合支部"], "parent": [None, "镇党委", "工业功能区党总支"],
                 "enterprises": [None, "甲公司、乙公司"]},
    "party-members": {"code": ["P0001", "P0101", "P0102"], "name": ["刘一", "陈二", "杨三"], "gender": ["男", "女"],
                      "branch": ["宏达纸业党支部", "园区联合党支部"], "party_status": [None, "正式党员", "预备党员"],
                      "joined_on": [None, dt.date(2010, 7, 1), "2010-07-01"], "active": [None, "是", "否"]},
    "branch-results": {"subject": ["U010", "U011"], "period": ["2025H1", "2025H2", "2025年上半年"],
                       "kind": ["组织建设", "活动开展", "税收"], "number": ["12", 8, "15.5"], "state": ["草稿", "草稿", None]},
    "history": {"kind": [None, "委员", "党员", "单位"], "code": [None, "M0001", "M0002", "P0001"],
                "name": [None, "张三", "李红", "刘一", "提案委员会"], "year": [2023, 2024, "2024"],
                "score": [52, "88.5", 100], "grade": [None, "合格", "不合格"], "note": [None, "据考核通报"]},
    "pairings": {"code": ["JD0001", "JD0002"], "subject_type": ["委员", "单位"], "subject_code": ["M0001", "M0002", "U004"],
                 "kind": ["结对困难户", "结对企业"], "counterpart_kind": ["困难家庭", "重点企业"],
                 "counterpart": ["刘某某家庭", "宏达纸业"], "phone": [None, "13900001234"],
                 "starts_on": [dt.date(2025, 2, 1), "2025-02-01"], "ends_on": [None, "2025-12-31"]},
    "projects": {"code": ["YQ0001", "YQ0002"], "name": ["新材料项目", "物流园项目"], "subject_type": ["委员", "单位"],
                 "subject_code": ["M0001", "U004"], "amount": [None, "500"], "stage_info": [None, "2025-03-01"],
                 "stage_landed": [None, dt.date(2025, 6, 1)]},
    "contact-links": {"kind": ["常委联系委员", "县政协领导联系常委", "专委会联系界别和联络处"],
                      "from_code": [None, "M0001", "U001"], "from_name": [None, "主席 王某", "张三", "提案委员会"],
                      "to_code": [None, "M0002", "U004"], "to_name": [None, "李红", "经济界", "大源镇联络处"],
                      "starts_on": [None, dt.date(2025, 1, 1), "2025-07-01"], "ends_on": [None, "2025-06-30"]},
    "mass-contacts": {"member_code": [None, "M0001", "M0002"], "member_name": [None, "张三", "李红"],
                      "occurred_on": [dt.date(2025, 3, 2), "2025-04-01"], "form": ["走访", "电话", "座谈", "微信"],
                      "people": ["个体户张某", "村民代表"], "sector": [None, "经济界", "教育界"],
                      "content": [None, "听取意见"], "issues": [None, "道路失修"]},
    "enterprises": {"name": ["宏达纸业", "甲公司", "乙公司"], "branch": [None, "无", "宏达纸业党支部", "园区联合党支部", "U010"],
                    "industry": [None, "造纸"], "year": [2025, "2025"], "employees": [120, "64", 0],
                    "party_members": [None, 0, 3], "output": [None, "1200.5"], "tax": [None, "36"]},
}
NEAR_MISSES: list[object] = [
    "W101", "B01", "P0001", 1001, "M0003", "U004", "U008", 2**40, "abc", "未知", "农业界", "大源镇联络处", "没有的支部",
    "县政协", "混合", "群众", "引进企业", "劳资关系", "飞行", "2025-02-30", "2031-01-01", "2024-12-31", "2010-13-01",
    "立按", "落地", "国家", "1e400", "1,000.5", -1, 2.5, "十", "M0001、M0002", "X999", "组织生活", "舞会", "旷工",
    "2025H3", "2019H1", "和谐", "已核实", "作废", "委员", "党员", "也许", True, False]
CHAOS = st.one_of(
    st.none(), st.just(""), st.just("   "),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=("Cc", "Cf", "Zl", "Zp", "Co")), max_size=10),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.booleans(),
    st.sampled_from(["=1/0", "=A1", "=SUM(A:A)", '=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)",
                     "长" * 5000, "x" * 40_000, "2025-02-30", "0000-00-00", "1e400", "NaN", "inf", "'; DROP TABLE"
                     " member; --", "<script>alert(1)</script>", "\u202e反转", "W001\u200b", "１２３"]),
    st.sampled_from(NEAR_MISSES),
)


def cell(name: str, key: str) -> st.SearchStrategy[object]:
    return st.sampled_from(VALID[name].get(key) or [None])


@st.composite
def files(draw: st.DrawFn, name: str) -> tuple[bytes, str]:
    """A file for import `name`: (bytes, file name)."""
    spec = DATASETS[name].sheets[0]
    columns = list(spec.columns)
    rare = st.integers(0, 9).map(lambda n: n == 7)  # true one time in ten (not 0: hypothesis favours it)
    headers = [(c.header, c.key) for c in columns
               if not draw(rare if c.required or c.key in VALID[name] else st.booleans())]
    if draw(rare) and headers:  # a repeated header
        headers.append(draw(st.sampled_from(headers)))
    if draw(rare):  # an unknown header, or a blank one
        headers.append((draw(st.one_of(st.text(max_size=12), st.just(""), st.just("错误原因"))), ""))
    if draw(rare):
        headers = draw(st.permutations(headers))
    header_texts: list[object] = [f" {h} *" if draw(rare) else h for h, _ in headers]
    rows = draw(st.lists(st.tuples(*[cell(name, k) for _, k in headers]).map(list), min_size=draw(st.sampled_from(
        [1, 1, 1, 1, 1, 0])), max_size=6, unique_by=lambda row: tuple(map(str, row))))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 5]))):  # spoilt cells (none, half the time)
        if rows and headers:
            row = draw(st.sampled_from(rows))
            row[draw(st.integers(0, len(row) - 1))] = draw(CHAOS)
    for row in rows:
        if draw(rare):
            del row[draw(st.integers(0, len(row))):]  # a short row
        elif draw(rare):
            row.append(draw(CHAOS))  # a long row
    as_csv = draw(st.integers(0, 4)) == 3
    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header_texts)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
        return out.getvalue().encode(encoding, "replace"), draw(st.sampled_from(["f.csv", "F.CSV"]))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = draw(st.sampled_from([spec.name] * 12 + [f" {spec.name} ", "Sheet1", "说明"]))
    if draw(rare):
        book.create_sheet(draw(st.sampled_from(["说明", spec.name + "2", "Sheet9"])), 0)
    for row in [header_texts, *rows]:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("?", v) if isinstance(v, str) else v for v in row])
    if rows and draw(rare) and draw(st.booleans()):  # a merged range over the data
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), draw(st.sampled_from(["f.xlsx"] * 4 + ["f.xlsm", "../../f.xlsx"]))


def counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@pytest.fixture
def people(year, make_member, make_party_member, make_user):
    make_member("张三")
    make_member("李红")
    make_member("王五", sector="sector_b", committee="committee_b", liaison="liaison_b")
    make_party_member("刘一")
    db.session.commit()
    return {None: None, "office": make_user("office", Role.OFFICE), "clerk": make_user("clerk", Role.CLERK,
            units=("liaison_a",)), "liaison": make_user("liaison", Role.LIAISON, units=("zone",))}


def check(name: str, data: bytes, filename: str, user: object, dry_run: bool) -> None:
    before = counts()
    outcome = run_import(DATASETS[name], data, filename, user, dry_run)  # type: ignore[arg-type]
    if outcome.ok and not dry_run:
        db.session.commit()
    else:
        db.session.rollback()
        assert counts() == before
        assert not outcome.written
    for sheet, row, header, reason in outcome.problems:
        assert CJK.search(reason), reason
        assert row is None or (isinstance(row, int) and row >= 1)
        assert header is None or isinstance(header, str)
        assert isinstance(sheet, str)
    for error in outcome.errors:
        assert error.startswith(outcome.file + ":") or error.startswith(outcome.file), error
    for sheet, row, header, reason in outcome.warnings:  # a value to confirm (金额 in the wrong unit?): at its cell
        assert CJK.search(reason) and isinstance(row, int) and row >= 1 and header and sheet, reason


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_a_generated_sheet_is_imported_cleanly_or_reported_with_nothing_written(name, people):
    allowed = [key for key, user in people.items() if user is None or user.role in DATASETS[name].roles]

    @FUZZ
    @given(file=files(name), who=st.sampled_from(allowed), dry_run=st.booleans())
    def run(file: tuple[bytes, str], who: str | None, dry_run: bool) -> None:
        check(name, *file, people[who], dry_run)
    run()
