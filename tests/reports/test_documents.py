"""The printed documents as a reader checks them: the names in the right order, the numbers adding up, the 文号 and
the review's hash on the page, long Chinese text wrapping inside the page, the 样稿 mark only on drafts, and the
same bytes for the same input."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pypdf
import pytest

from reports import awards, dossier, layout, letters, notice, plaques, publicity, ranking, rewards
from reports.model import (Approval, AttendanceRow, Award, Decision, Dossier, DossierRecord, ExplanationLine,
                           Honoree, NoticeList, NoticeRow, Publicity, RankingRow, RankingTable)

LONG_UNIT = "某某县农业农村局乡村振兴综合服务中心暨农村产权交易中心与农业技术推广站联合党总支部"[:40]
LONG_AFFILIATION = "中国农工民主党某某县基层委员会第三支部暨医药卫生界别活动组联络"[:30]
HASH = "a1b2c3d4e5f6a7b8c9d0e1f2"
NUMBER = "×政协发〔2025〕12号"
HR = "中共××县委组织部"

# By hand: 丁 2 strokes, 王 4, 司 5, 李 7 and 张 7 (李 starts with 横, 张 with 折), 欧 8.
STROKE_ORDER = ["丁一", "王五", "司马光", "李四", "张三", "欧阳明"]


def people() -> tuple[Honoree, ...]:
    return (
        Honoree("张三", "县委办公室", "中国共产党", "96.5", 3, employer="县人民医院", number="2025-四个一-0003"),
        Honoree("李四", "县委办公室", "中国民主同盟", "97.25", 2, employer="县第一中学"),
        Honoree("欧阳明", "教育界联络组", "教育界", "98", 1, employer="县人民医院"),
        Honoree("丁一", LONG_UNIT, LONG_AFFILIATION, "95", 4, employer="县第一中学"),
        Honoree("王五", "经济界联络组", "", "94.5", 5),  # no affiliation, no employer
        Honoree("司马光", "经济界联络组", "经济界", "94.5", 5, employer="某某公司"),
    )


def make_decision(draft: bool = True, members: tuple[Honoree, ...] | None = None,
                  organisations: bool = True) -> Decision:
    orgs = (Honoree("某某公司党支部", "非公经济联络组", organisation=True),) if organisations else ()
    award_list = [Award("优秀政协委员", people() if members is None else members, Decimal("1000"))]
    award_list.append(Award("先进党组织", orgs, None) if organisations else
                      Award("优秀党员", (Honoree("赵六", "县委办公室", "中国共产党", employer="某某公司"),),
                            Decimal("500.50")))
    return Decision(
        title="关于表彰2025年度“四个一”活动先进个人和先进党组织的决定",
        issuer="中国人民政治协商会议××县委员会", year=2025,
        approval=Approval("常委会议", "政协××县第九届常委会第十五次会议", dt.date(2025, 12, 20), NUMBER),
        awards=tuple(award_list), review_hash=HASH, draft=draft, hr_department=HR)


@pytest.fixture
def decision() -> Decision:
    return make_decision()


def many(n: int) -> tuple[Honoree, ...]:
    return tuple(Honoree(f"委员{i:03d}", f"第{i % 9}联络组", "无党派人士", str(100 - i // 3), i + 1,
                         employer=f"单位{i % 4}") for i in range(n))


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    """The page's text without line breaks and spaces (a wrapped cell or 张　三 reads as one word)."""
    return re.sub(r"\s+", "", text)


def positions(text: str, names: list[str]) -> list[int]:
    return [flat(text).index(name) for name in names]


def sample_publicity(draft: bool = True, awards_: tuple[Award, ...] | None = None) -> Publicity:
    d = make_decision()
    return Publicity("关于2025年度“四个一”活动拟表彰对象的公示", d.issuer,
                     "经各联络组推荐、考评领导小组审核，拟对以下同志和党组织予以表彰，现予公示。",
                     d.awards if awards_ is None else awards_, dt.date(2025, 12, 21), dt.date(2025, 12, 27),
                     ("联系电话：0599-1234567", "通信地址：××县人民路1号"), HASH, draft)


def sample_notice(draft: bool = True, rows: tuple[NoticeRow, ...] | None = None) -> NoticeList:
    default = (NoticeRow("张三", "县委办公室", "55", "不合格", ("全年未提交提案", "无故缺席全体会议2次")),
               NoticeRow("丁一", LONG_UNIT, "58.5", "基本合格", ("连续两次无故缺席常委会议",)))
    return NoticeList("2025年度“四个一”活动考评通报名单", "2025年度全年总结 第2版", default if rows is None else rows,
                      HASH, draft)


def sample_ranking(n: int = 320, draft: bool = True, subtitle: str = "总排名") -> RankingTable:
    rows = tuple(RankingRow(i + 1, f"委员{i:03d}", LONG_UNIT if i == 3 else f"第{i % 7}联络组", str(100 - i // 4),
                            "优秀" if i < 30 else "合格", "经济界", i % 5 != 0, ("未达出勤要求",) if i % 5 == 0 else ())
                 for i in range(n))
    return RankingTable("2025年度“四个一”活动考评排名", subtitle, rows, HASH, draft)


def sample_dossier(draft: bool = False, empty: bool = False) -> Dossier:
    if empty:
        return Dossier("王五", 2025, (), (), ())
    return Dossier(
        "欧阳明", 2025, (("委员编号", "JY-0012"), ("界别", "教育界"), ("联络处", LONG_UNIT), ("党派", LONG_AFFILIATION)),
        (DossierRecord(dt.date(2025, 3, 3), "献一智", "关于加强农村留守儿童关爱服务的建议", "已立案", "已核实"),),
        (AttendanceRow(dt.date(2025, 1, 10), "政协××县第九届委员会第五次全体会议", "出席"),),
        "98", "优秀", "第 1 名 / 共 260 名",
        (ExplanationLine(0, "献一智", "30", "25"), ExplanationLine(1, "提交提案", "20", "15", "每件5分，封顶15分"),
         ExplanationLine(2, "关于加强农村留守儿童关爱服务的建议", "5", "5")),
        (("全年出席全体会议", True), ("无故缺席不超过2次", False)), HASH, "2025年度全年总结 第2版", draft)


def every_document(draft: bool = True) -> dict[str, bytes]:
    d = make_decision(draft=draft)
    return {
        "award_list": awards.award_list(d, "strokes"),
        "publicity": publicity.publicity_notice(sample_publicity(draft)),
        "notice": notice.notice_list(sample_notice(draft)),
        "ranking": ranking.ranking_table(sample_ranking(40, draft)),
        "dossier": dossier.dossier(sample_dossier(draft)),
        "rewards": rewards.reward_sheet(d),
        "plaques": plaques.plaque_list(d),
        "letters": letters.letters(d),
    }


# ---- order -----------------------------------------------------------------------------------------------------

def test_stroke_order_is_the_order_of_official_lists():
    assert [h.name for h in awards.ordered(people(), "strokes")] == STROKE_ORDER


def test_score_order_follows_rank_then_score_and_ties_keep_their_order():
    assert [h.name for h in awards.ordered(people(), "score")] == ["欧阳明", "李四", "张三", "丁一", "王五", "司马光"]
    unranked = (Honoree("甲", "u", score="80"), Honoree("乙", "u", score="90"), Honoree("丙", "u", score="90"))
    assert [h.name for h in awards.ordered(unranked, "score")] == ["乙", "丙", "甲"]
    with pytest.raises(ValueError):
        awards.ordered(people(), "alphabet")


def test_award_list_prints_names_in_stroke_order_grouped_by_unit(decision):
    text = pages(awards.award_list(decision, "strokes"))[0]
    found = positions(text, STROKE_ORDER)
    assert found == sorted(found)
    # the units follow their first honoree: the long unit (丁一), 经济界, 县委办公室, 教育界
    units = positions(text, [LONG_UNIT, "经济界联络组", "县委办公室", "教育界联络组"])
    assert units == sorted(units)
    assert "一、优秀政协委员（6名）" in flat(text) and "二、先进党组织（1个）" in flat(text)


def test_award_list_in_score_order(decision):
    text = pages(awards.award_list(decision, "score"))[0]
    found = positions(text, ["欧阳明", "李四", "张三", "丁一", "王五", "司马光"])
    assert found == sorted(found)


def test_award_list_shows_approval_reference_hash_and_affiliations(decision):
    text = pages(awards.award_list(decision))[0]
    assert "（2025年12月20日政协××县第九届常委会第十五次会议审议通过" in flat(text)
    assert NUMBER in flat(text)
    assert f"考评校验码 {HASH[:16]}" in text
    assert "张\u3000三" in awards.printed_name("张三") and awards.printed_name("欧阳明") == "欧阳明"
    assert "李四（中国民主同盟）" in flat(text) and f"丁一（{LONG_AFFILIATION}）" in flat(text)
    assert "王五（" not in flat(text)  # no affiliation, no empty parentheses


def test_approval_line_leaves_out_what_is_empty():
    assert awards.approval_line(Approval()) == ""
    assert awards.approval_line(Approval(number=NUMBER)) == f"（{NUMBER}）"
    assert awards.approval_line(Approval("主席会议", decided_on=dt.date(2025, 1, 2))) == "（2025年1月2日主席会议审议通过）"


def test_three_hundred_honorees_paginate_with_page_numbers():
    d = make_decision(members=many(300))
    texts = pages(awards.award_list(d, "score"))
    assert len(texts) > 3
    for number, text in enumerate(texts, start=1):  # an official document's page numbers (GB/T 9704)
        assert f"— {number} —" in text and "页 共" not in text
    assert all(f"委员{i:03d}" in flat("".join(texts)) for i in range(300))


# ---- the pages hold their text -----------------------------------------------------------------------------------

def test_long_unit_names_and_affiliations_wrap_inside_the_page():
    pdfium = pytest.importorskip("pypdfium2")
    for name, data in every_document().items():
        document = pdfium.PdfDocument(data)
        try:
            for page in document:
                width, height = page.get_size()
                textpage = page.get_textpage()
                for i in range(textpage.count_chars()):
                    left, bottom, right, top = textpage.get_charbox(i)
                    if top - bottom > 60:  # the diagonal 样稿 mark
                        continue
                    assert left >= 15 * 72 / 25.4 - 1 and right <= width - 15 * 72 / 25.4 + 1, (name, i)
                    assert bottom >= 0 and top <= height, (name, i)
                textpage.close()
                page.close()
        finally:
            document.close()
    assert LONG_UNIT in flat("".join(pages(rewards.reward_sheet(make_decision()))))
    assert LONG_AFFILIATION in flat("".join(pages(dossier.dossier(sample_dossier()))))


# ---- the same bytes, the draft mark, nothing to print ---------------------------------------------------------

def test_every_document_gives_identical_bytes_twice():
    first, second = every_document(), every_document()
    for name in first:
        assert first[name] == second[name], name
    d = make_decision()
    assert awards.award_workbook(d, "score") == awards.award_workbook(d, "score")
    assert rewards.reward_workbook(d) == rewards.reward_workbook(d)
    assert ranking.ranking_workbook([sample_ranking(10)]) == ranking.ranking_workbook([sample_ranking(10)])


def test_workbooks_carry_a_fixed_date_not_the_clock():
    data = rewards.reward_workbook(make_decision())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 12, 31, 0, 0, 0)}
        assert "2025-12-31T00:00:00Z" in archive.read("docProps/core.xml").decode()


def test_drafts_carry_the_watermark_and_final_documents_do_not():
    for name, data in every_document(draft=True).items():
        if name == "dossier":
            continue  # a 履职档案 is final unless told
        assert "样稿" in pages(data)[0], name
    for name, data in every_document(draft=False).items():
        assert all("样稿" not in text for text in pages(data)), name
    assert "样稿" in pages(dossier.dossier(sample_dossier(draft=True)))[0]


def test_every_document_builds_with_nothing_to_print():
    empty = Decision("关于表彰2025年度先进个人的决定", "政协××县委员会", 2025, Approval(), ())
    no_names = Decision("关于表彰2025年度先进个人的决定", "政协××县委员会", 2025, Approval(),
                        (Award("优秀政协委员", ()),))
    for d in (empty, no_names):
        for data in (awards.award_list(d), awards.award_list(d, "strokes"), rewards.reward_sheet(d),
                     letters.letters(d), publicity.publicity_notice(sample_publicity(awards_=d.awards))):
            assert "（无）" in "".join(pages(data))
        assert "无需制作奖牌" in pages(plaques.plaque_list(d))[0]
        assert openpyxl.load_workbook(io.BytesIO(awards.award_workbook(d))).active.max_row == 1
        assert rewards.reward_workbook(d)
    assert "（无）" in pages(notice.notice_list(sample_notice(rows=())))[0]
    assert "（无）" in pages(ranking.ranking_table(sample_ranking(0)))[0]
    assert flat(pages(dossier.dossier(sample_dossier(empty=True)))[0]).count("（无）") == 4
    assert ranking.ranking_workbook([])


# ---- the 公示, the 通报, the ranking, the 履职档案 -------------------------------------------------------------

def test_publicity_notice_names_the_period_and_how_to_object():
    text = flat("".join(pages(publicity.publicity_notice(sample_publicity()))))
    assert "公示时间：2025年12月21日至2025年12月27日（共7天）" in text
    assert "如对公示对象有异议" in text and "以个人名义反映的应签署真实姓名" in text
    assert "联系电话：0599-1234567" in text and "通信地址：××县人民路1号" in text
    found = positions(text, STROKE_ORDER)
    assert found == sorted(found)
    assert re.search(r"通信地址：××县人民路1号中国人民政治协商会议××县委员会2025年12月21日(样稿)?考评校验码", text)


def test_notice_list_joins_the_reasons():
    text = flat(pages(notice.notice_list(sample_notice()))[0])
    for word in ("序号", "姓名", "单位", "得分", "等次", "通报原因"):
        assert word in text
    assert "全年未提交提案；无故缺席全体会议2次" in text
    assert f"考评校验码{HASH[:16]}" in text


def test_ranking_of_320_rows_repeats_the_header_on_every_page():
    texts = pages(ranking.ranking_table(sample_ranking(320)))
    assert len(texts) > 5
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页 共 {len(texts)} 页" in text
        assert all(word in flat(text) for word in ("名次", "姓名", "单位", "分组", "得分", "考评等次", "评优资格", "备注"))
    whole = flat("".join(texts))
    assert whole.index("委员000") < whole.index("委员001") < whole.index("委员319")


def test_ranking_workbook_one_sheet_per_table_with_valid_names():
    tables = [sample_ranking(5, subtitle="总排名"), sample_ranking(3, subtitle="按界别：经济界/工商联[一]"),
              sample_ranking(2, subtitle="按界别：经济界/工商联[一]"), sample_ranking(1, subtitle="某" * 40)]
    wb = openpyxl.load_workbook(io.BytesIO(ranking.ranking_workbook(tables)))
    titles = wb.sheetnames
    assert len(titles) == 4 and len(set(titles)) == 4
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)
    first = list(wb[titles[0]].iter_rows(values_only=True))
    assert first[0] == ranking.HEADER
    assert first[1][:3] == (1, "委员000", "第0联络组") and first[1][4] == 100 and first[1][6] == "不具备"
    assert len(first) == 6


def test_dossier_has_every_section_and_the_gates_in_words():
    text = flat("".join(pages(dossier.dossier(sample_dossier()))))
    for heading in ("欧阳明2025年度履职档案", "一、履职记录", "二、会议出勤", "三、考评结果", "四、得分说明"):
        assert heading in text
    assert "全年出席全体会议达到" in text and "无故缺席不超过2次未达到" in text
    assert "2025年3月3日" in text and "第1名/共260名" in text
    assert "提交提案2015每件5分，封顶15分" in text
    assert f"考评校验码{HASH[:16]}" in text and "2025年度全年总结第2版" in text


# ---- money ------------------------------------------------------------------------------------------------------

def expected_totals(d: Decision) -> tuple[dict[str, Decimal], Decimal]:
    units: dict[str, Decimal] = {}
    for award in d.awards:
        for h in award.honorees:
            units[h.unit] = units.get(h.unit, Decimal(0)) + (award.reward or Decimal(0))
    return units, sum(units.values(), Decimal(0))


def test_reward_sheet_totals_per_unit_and_grand_total():
    d = make_decision(organisations=False)
    units, total = expected_totals(d)
    assert units["县委办公室"] == Decimal("2500.50") and total == Decimal("6500.50")
    text = flat("".join(pages(rewards.reward_sheet(d))))
    assert text.startswith("2025年度“四个一”活动先进个人和先进党组织表彰奖励发放表")
    counts = {unit: sum(h.unit == unit for a in d.awards for h in a.honorees) for unit in units}
    for unit, amount in units.items():
        assert f"{unit}小计{counts[unit]}人{amount:,.2f}" in text
    assert f"合计{len(people()) + 1}人{total:,.2f}" in text
    assert "领取人签名" in text and "未设定奖励金额" not in text


def test_reward_sheet_says_which_award_has_no_amount(decision):
    units, total = expected_totals(decision)
    text = flat("".join(pages(rewards.reward_sheet(decision))))
    assert "注：“先进党组织”未设定奖励金额" in text
    assert "某某公司党支部先进党组织—" in text
    assert f"合计7人{total:,.2f}" in text and total == Decimal("6000")
    assert "非公经济联络组小计1人—" in text and "人0.00" not in text  # a dash beside dashes, not a zero


def test_reward_workbook_has_numbers_and_a_summary_sheet():
    d = make_decision(organisations=False)
    units, total = expected_totals(d)
    wb = openpyxl.load_workbook(io.BytesIO(rewards.reward_workbook(d)))
    assert wb.sheetnames == ["奖励发放表", "按单位汇总"]
    rows = list(wb["奖励发放表"].iter_rows(values_only=True))
    assert rows[0] == rewards.HEADER
    people_rows = [r for r in rows[1:] if isinstance(r[0], int)]
    assert len(people_rows) == 7 and ("赵六", "优秀党员") == people_rows[2][2:4]
    assert Decimal(str(people_rows[2][4])) == Decimal("500.50")
    subtotals = {r[1].removesuffix(" 小计"): Decimal(str(r[4])) for r in rows if r[1] and r[1].endswith(" 小计")}
    assert subtotals == units
    assert rows[-1][1] == "合计" and Decimal(str(rows[-1][4])) == total
    assert wb["奖励发放表"].cell(row=2, column=5).number_format == "#,##0.00"
    summary = list(wb["按单位汇总"].iter_rows(values_only=True))
    assert {r[0]: Decimal(str(r[2])) for r in summary[1:-1]} == units
    assert summary[-1][0] == "合计" and Decimal(str(summary[-1][2])) == total


def test_reward_workbook_shows_a_dash_where_no_amount_is_set(decision):
    wb = openpyxl.load_workbook(io.BytesIO(rewards.reward_workbook(decision)))
    rows = {r[1]: r[4] for r in wb["奖励发放表"].iter_rows(values_only=True) if r[1]}
    assert rows["非公经济联络组 小计"] == "—"
    summary = {r[0]: r[2] for r in wb["按单位汇总"].iter_rows(values_only=True)}
    assert summary["非公经济联络组"] == "—" and Decimal(str(summary["合计"])) == Decimal("6000")


def test_award_workbook_one_row_per_honoree(decision):
    wb = openpyxl.load_workbook(io.BytesIO(awards.award_workbook(decision, "strokes")))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0] == ("奖项", "单位", "序号", "姓名", "界别/党派", "得分", "名次", "证书编号")
    assert [r[3] for r in rows[1:7]] == STROKE_ORDER
    zhang = next(r for r in rows if r[3] == "张三")
    assert zhang[0] == "优秀政协委员" and zhang[2] == 5 and zhang[5] == 96.5 and zhang[6] == 3
    assert zhang[7] == "2025-四个一-0003"
    assert rows[-1][:4] == ("先进党组织", "非公经济联络组", 1, "某某公司党支部")
    assert wb.active["A1"].font.b


# ---- plaques and letters ----------------------------------------------------------------------------------------

def test_plaque_list_engraves_organisations_with_a_chinese_date(decision):
    text = pages(plaques.plaque_list(decision))[0]
    assert "二〇二五年十二月" in text and "2025年度先进党组织" in text
    assert "张三" not in text and flat(text).count("某某公司党支部") == 2
    nobody = pages(plaques.plaque_list(make_decision(organisations=False)))[0]
    assert "无需制作奖牌" in nobody


def test_letters_one_for_the_hr_department_and_one_per_employer(decision):
    texts = pages(letters.letters(decision))
    heads = [line for text in texts for line in text.splitlines() if line.strip().endswith("：")]
    # 县 7 strokes before 某 9; 县人民医院 before 县第一中学 (人 2 strokes, 第 11)
    assert [h.strip() for h in heads] == [f"{HR}：", "县人民医院：", "县第一中学：", "某某公司："]
    assert len(texts) == 4
    assert all("（×政协发〔2025〕12号）" in flat(t) for t in texts)
    assert all("二〇二五年十二月二十日" in t for t in texts)
    assert all(name in flat(texts[0]) for name in STROKE_ORDER + ["某某公司党支部"])
    hospital = flat(texts[1])
    assert "决定对贵单位张三、欧阳明同志予以表彰" in hospital and "李四" not in hospital
    assert "经政协××县第九届常委会第十五次会议审议" in hospital


def test_title_lines_break_long_titles_between_words():
    style = layout.styles()["title"]
    broken = layout.title_lines("关于表彰2025年度“四个一”活动先进个人和先进党组织的决定", style, 160 * 72 / 25.4)
    assert broken == "关于表彰2025年度“四个一”活动\n先进个人和先进党组织的决定"
    assert layout.title_lines("短标题", style, 100) == "短标题"
