"""Reading a roster as offices keep it, and telling who each row is: pure, no database. Every name is made up."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from roster_files import Table, ods, roster_table, xls, xlsx

from app.roster.mapping import parse_choice
from app.roster.matching import NEW, SKIP_ROW, Person, Row, decide, next_codes
from app.spreadsheets.roster import CLEAR, SKIP, read_roster, split_employer
from app.spreadsheets.rows import read_month
from app.spreadsheets.workbook import ANY_SUFFIXES, FileError, RawSheet, read_sheets

TODAY = dt.date(2026, 6, 15)


def sheet_of(table: Table, remembered=None, maker=xlsx, name="名单.xlsx"):
    (raw,) = [s for s in read_sheets(maker(table), name, ANY_SUFFIXES) if s.name == table.name]
    return read_roster(RawSheet(raw.name, list(raw.rows), raw.merged, raw.height), remembered, TODAY)


def test_the_header_is_found_under_title_rows_and_each_merged_sector_fills_its_block():
    sheet = sheet_of(roster_table())
    assert (sheet.header_row, sheet.data_row) == (3, 4)
    assert [(c.letter, c.key, c.how) for c in sheet.columns[:3]] == [("A", SKIP, "auto"), ("B", "name", "auto"),
                                                                      ("C", "gender", "auto")]
    assert [r.values["sector"] for r in sheet.rows] == ["中共"] * 3 + ["经济界"] * 3 + ["农业界"] * 2
    assert [r.values.get("standing") for r in sheet.rows] == [True, None, True, None, None, None, None, True]
    assert sheet.problems == [] and sheet.notes == []


def test_a_two_row_header_a_group_heading_and_a_footer():
    rows = [["某县政协委员通讯录", None, None, None, None],
            ["姓名", "性别", "界别", "联系方式", None],
            [None, None, None, "手机", "办公电话"],
            ["一、经济界(2人)", None, None, None, None],
            ["甘露白", "女", "经济界", "13911113333", "0571-88886666"],
            ["石青岚", "男", "经济界", 13911114444.0, None],
            ["制表:县政协办公室", None, None, None, None]]
    table = Table("通讯录", rows, [(1, 1, 1, 5), (2, 1, 3, 1), (2, 2, 3, 2), (2, 3, 3, 3), (2, 4, 2, 5), (4, 1, 4, 5)])
    sheet = sheet_of(table)
    assert (sheet.header_row, sheet.data_row) == (2, 4)
    assert [(c.header, c.key, c.how) for c in sheet.columns] == [
        ("姓名", "name", "auto"), ("性别", "gender", "auto"), ("界别", "sector", "auto"), ("手机", "phone", "auto"),
        ("联系方式/办公电话", None, "unplaced")]
    assert [(r.number, r.values["name"], r.values["phone"]) for r in sheet.rows] == [
        (5, "甘露白", "13911113333"), (6, "石青岚", "13911114444")]
    assert sheet.notes == ["第 4 行“一、经济界(2人)”是分组标题，已跳过",
                           "第 7 行只有“制表:县政协办公室”，不是委员的一行，已跳过"]
    assert sheet.problems == [] and sheet.columns[0].samples == ("甘露白", "石青岚", "制表:县政协办公室")
    sheet = sheet_of(table, {"联系方式/办公电话": SKIP})
    assert sheet.columns[-1].how == "remembered" and sheet.unplaced == []


def test_cells_are_read_as_offices_write_them():
    header = ["序号", "姓 名", "性别", "出生\n年月", "政治面貌", "界别", "专委会", "工作单位及职务", "手机", "常委", "备注"]
    rows = [[1, "王　 伟", "男性", "1968年3月", "中共党员", "经济界", "/", "县人民医院\n院长", "13900000001、0571-8888 6666", "√", "清空"],
            [2, "李四", "女", 1968.1, "民盟盟员", "经济界", "—", "华盛纸业有限公司董事长", "138abc", "也许", "无"],
            [None, None, "男", None, None, "经济界", None, "某公司", None, None, None],
            [4, "赵六:张三", "女", "1968-13", None, "经济界", None, None, None, "×", None]]
    sheet = sheet_of(Table("名单", [header, *rows]))
    first, second, fourth = sheet.rows
    assert first.values == {"name": "王伟", "gender": "男", "birth_month": "1968-03", "party": "中共",
                            "sector": "经济界", "employer": "县人民医院", "position": "院长",
                            "phone": "13900000001 0571-8888 6666", "standing": True, "note": CLEAR}
    assert second.values["party"] == "民盟" and "committee" not in second.values and "note" not in second.values
    assert (second.values["employer"], second.values["position"]) == ("华盛纸业有限公司", "董事长")
    assert second.bad == {"birth_month", "phone", "standing"} and fourth.bad == {"name", "birth_month"}
    assert [(row, header, re.split(r"[(（:：]", reason)[0]) for row, header, reason in sheet.problems] == [
        (2 + 1, "出生年月", "“1968.1”可能是 1 月也可能是 10 月"),
        (3, "手机", "“138abc”不是电话号码"), (3, "常委", "“也许”应填 是"),
        (4, "姓名", "缺少姓名"),
        (5, "姓名", "“赵六"), (5, "出生年月", "“1968-13”不是有效的年月")]


@pytest.mark.parametrize(("text", "employer", "position"), [
    ("青溪县教育局党组书记、局长", "青溪县教育局", "党组书记、局长"),
    ("恒川纸业有限公司董事长", "恒川纸业有限公司", "董事长"),
    ("青溪县人民医院 院长", "青溪县人民医院", "院长"),
    ("大源镇石门村党支部书记、村委会主任", "大源镇石门村", "党支部书记、村委会主任"),
    ("县工商联副主席", "县工商联", "副主席"),
    ("青溪县第一中学教师", "青溪县第一中学", "教师"),
    ("县政协", "县政协", ""),
    ("个体工商户", "个体工商户", ""),
    ("退休干部", "退休干部", ""),
])
def test_employer_and_position_are_split_where_a_usual_title_follows_an_organisation(text, employer, position):
    assert split_employer(text) == (employer, position)


@pytest.mark.parametrize(("value", "month"), [
    ("1968-03", "1968-03"), ("1968.3", "1968-03"), ("1968.03", "1968-03"), (1968.03, "1968-03"),
    (1968.12, "1968-12"), ("1968.10", "1968-10"), ("1968年3月", "1968-03"), ("1968-03-05", "1968-03"),
    ("196803", "1968-03"), (dt.date(1968, 3, 5), "1968-03"), (dt.datetime(1968, 3, 5), "1968-03")])
def test_a_birth_month_is_read_in_the_ways_rosters_write_it(value, month):
    assert read_month(value, TODAY) == month


@pytest.mark.parametrize("value", [1968.1, "1968", "1968-13", "abc", "2030-01", "1850-01", True])
def test_a_birth_month_that_is_not_one_is_refused(value):
    with pytest.raises(ValueError):
        read_month(value, TODAY)


def test_a_column_with_a_header_used_twice_is_remembered_by_its_place():
    header = ["姓名", "性别", "界别", "工作单位及职务", "工作单位及职务"]
    table = Table("名单", [header, ["甘露白", "女", "经济界", "青溪县实验小学", "校长"]], [])
    sheet = sheet_of(table)
    assert [(c.header, c.how, c.remember_as) for c in sheet.columns[3:]] == [
        ("工作单位及职务", "auto", "工作单位及职务"), ("工作单位及职务（第 2 个）", "unplaced", "工作单位及职务#2")]
    sheet = sheet_of(table, {"工作单位及职务": "employer", "工作单位及职务#2": "position"})
    assert (sheet.rows[0].values["employer"], sheet.rows[0].values["position"]) == ("青溪县实验小学", "校长")


def test_a_merged_name_cell_is_refused_and_no_header_is_said_so():
    table = Table("名单", [["姓名", "性别", "界别"], ["甘露白", "女", "经济界"], [None, "女", "经济界"]], [(2, 1, 3, 1)])
    assert sheet_of(table).problems == [(2, "姓名", "姓名所在列有合并单元格 A2:A3：每位委员一行，请取消合并")]
    assert sheet_of(Table("名单", [["说明"], ["名单见下一页"]])).problems[0][2].startswith("找不到列名行")


def test_ods_merged_cells_are_found_through_repeated_rows_and_cells():
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="甲"><table:table-row table:number-rows-repeated="3">'
               '<table:table-cell table:number-columns-repeated="5"/></table:table-row>'
               '<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
               '<table:table-cell table:number-rows-spanned="2" table:number-columns-spanned="1" '
               'office:value-type="string"><text:p>经济界</text:p></table:table-cell></table:table-row>'
               '<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:covered-table-cell/>'
               '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                         'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                         '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                         '</manifest:manifest>')
        archive.writestr("content.xml", content)
    (sheet,) = read_sheets(out.getvalue(), "x.ods", ANY_SUFFIXES)
    assert [m.ref for m in sheet.merged] == ["C4:C5"]


def test_the_same_roster_reads_alike_as_xlsx_ods_and_xls():
    found = [[(r.number, r.values) for r in sheet_of(roster_table(), maker=maker, name=name).rows]
             for maker, name in ((xlsx, "a.xlsx"), (ods, "a.ods"), (xls, "a.xls"))]
    assert found[0] == found[1] == found[2] and len(found[0]) == 8


def test_old_formats_are_only_read_where_asked_for():
    with pytest.raises(FileError, match="旧版 Excel"):
        read_sheets(xls(roster_table()), "名单.xls")
    with pytest.raises(FileError, match="不支持的文件类型"):
        read_sheets(ods(roster_table()), "名单.ods")
    assert read_sheets(xls(roster_table()), "名单.xlsx", ANY_SUFFIXES)[0].name == "委员名单"  # told by its content


# --- who each row is --------------------------------------------------------------------------------------------

def person(pid: int, name: str, phone: str = "", born: str = "") -> Person:
    return Person(pid, f"W{pid:04d}", name, frozenset({phone} if phone else ()), born, f"W{pid:04d} {name}")


def row(number: int, name: str, phone: str = "", born: str = "") -> Row:
    return Row(number, name, frozenset({phone} if phone else ()), born)


def test_a_row_is_matched_only_when_nothing_is_left_to_guess():
    people = [person(1, "王伟", "13900000001", "1968-03"), person(2, "王伟", "13900000002"), person(3, "李红"),
              person(4, "周五", "13900000004")]
    decided = decide([row(2, "王伟", "13900000002"), row(3, "王伟"), row(4, "李红", born="1970-01"),
                      row(5, "周五", "13800000000"), row(6, "赵六")], people, {})
    assert [(d.person.code if d.person else d.choice, bool(d.question)) for d in decided] == [
        ("W0002", False),  # the phone tells which 王伟
        ("", True),        # two 王伟 and nothing to tell them apart
        ("W0003", False),  # the only 李红, nothing against her
        ("", True),        # the only 周五, but another phone: a new number or a namesake
        (NEW, False)]      # nobody of that name
    decided = decide([row(3, "王伟"), row(5, "周五", "13800000000")], people, {3: "W0001", 5: NEW})
    assert [(d.person.code if d.person else d.choice, d.answered) for d in decided] == [("W0001", True), (NEW, True)]
    decided = decide([row(3, "王伟")], people, {3: "W0003"})  # not one of the row's candidates: still open
    assert decided[0].is_question


def test_two_rows_on_one_member_or_indistinguishable_are_asked():
    people = [person(1, "王伟", "13900000001")]
    decided = decide([row(2, "王伟", "13900000001"), row(3, "王伟")], people, {})
    assert [(d.person.code if d.person else "", bool(d.question)) for d in decided] == [("W0001", False), ("", True)]
    decided = decide([row(2, "赵六"), row(3, "赵六"), row(4, "钱七", born="1970-01"), row(5, "钱七", born="1971-01")],
                     [], {2: NEW, 3: SKIP_ROW})
    assert [(d.choice, d.answered, bool(d.question)) for d in decided] == [
        (NEW, True, True), (SKIP_ROW, True, True), (NEW, False, False), (NEW, False, False)]


def test_new_codes_continue_the_countys_own_in_order():
    assert next_codes([], 3) == ["W0001", "W0002", "W0003"]
    assert next_codes([f"W{n:04d}" for n in range(1, 261)], 2) == ["W0261", "W0262"]
    assert next_codes(["M001", "M002", "M010", "X9"], 2, taken=["M011"]) == ["M012", "M013"]
    assert next_codes(["JB01", "JB12"], 1, default=("JB", 2)) == ["JB13"]
    assert next_codes([], 1, default=("LL", 2)) == ["LL01"]


@pytest.mark.parametrize(("text", "key"), [("联系电话", "phone"), ("phone", "phone"), ("不导入", SKIP), ("skip", SKIP),
                                           ("工作单位及职务", "employer_position"), ("籍贯", None)])
def test_a_column_choice_is_named_by_its_field_or_label(text, key):
    assert parse_choice(text) == key


def test_a_name_column_once_set_aside_still_marks_the_header_and_is_said_missing():
    sheet = sheet_of(roster_table(), {"姓名": SKIP})
    assert sheet.header_row == 3 and sheet.header_of("name") is None and sheet.rows == []


def test_a_csv_holding_nul_is_refused_whole_and_control_characters_never_reach_a_value():
    with pytest.raises(FileError, match="空字符"):
        read_sheets("姓名,性别\r\n王\x00伟,男\r\n".encode(), "名单.csv")
    table = Table("名单", [["姓名", "性别", "界别", "备注"], ["王伟", "男", "经济界", "新\x01增\x1f补"]])
    assert sheet_of(table, maker=xls, name="名单.xls").rows[0].values["note"] == "新增补"
