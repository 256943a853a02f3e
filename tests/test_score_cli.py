"""The command-line contract: `rules check`, `score` (table, csv, json, --explain) and `rules diff`."""
import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from app.extensions import db
from app.models import Activity, Attendance, AttendanceStatus, Category, Meeting, MeetingKind, RecordState

RULES = Path("scoring_rules/2025-四个一-委员.yaml")


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def scored_county(county, make_member):
    """Two members: 张三 with a 立案 proposal (献一智 20), 李四 with a submitted one and one absence."""
    zhang, li = make_member("张三"), make_member("李四")
    db.session.add_all([
        Activity(unit_id=county["committee_a"].id, member_id=zhang.id, category=Category.IDEA, kind="提案",
                 title="关于城区停车难的提案", outcome="立案", occurred_on=dt.date(2025, 3, 2),
                 state=RecordState.VERIFIED),
        Activity(unit_id=county["committee_a"].id, member_id=li.id, category=Category.IDEA, kind="提案",
                 title="尚未核实的提案", outcome="立案", occurred_on=dt.date(2025, 3, 3),
                 state=RecordState.SUBMITTED),
    ])
    meeting = Meeting(kind=MeetingKind.PLENARY, title="县政协全体会议", held_on=dt.date(2025, 1, 8),
                      unit_id=county["cppcc"].id, state=RecordState.VERIFIED)
    meeting.attendance = [Attendance(member_id=zhang.id, status=AttendanceStatus.PRESENT),
                          Attendance(member_id=li.id, status=AttendanceStatus.ABSENT)]
    db.session.add(meeting)
    db.session.commit()
    return {"zhang": zhang, "li": li}


def test_rules_check_says_ok_for_every_shipped_file(runner):
    files = sorted(str(p) for p in Path("scoring_rules").glob("*.yaml"))
    result = runner.invoke(args=["rules", "check", *files])
    assert result.exit_code == 0, result.output
    assert result.output.count(": OK") == len(files)


def test_rules_check_lists_every_error_with_its_position(runner, tmp_path):
    bad = tmp_path / "坏细则.yaml"
    bad.write_text(RULES.read_text(encoding="utf-8").replace("cap: 20", "cap: 二十", 1)
                   .replace("subject: members", "subject: members\nsubject: units"), encoding="utf-8")
    result = runner.invoke(args=["rules", "check", str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("坏细则.yaml:")]
    assert len(lines) >= 2
    assert any("重复" in line for line in lines)
    for line in lines:
        file, row, col, text = line.split(":", 3)
        assert row.isdigit() and col.isdigit() and text.strip()


def test_score_json_follows_the_contract(runner, scored_county):
    result = runner.invoke(args=["score", "--rules", str(RULES), "--period", "2025", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["period"] == "2025"
    assert doc["rules"]["name"].startswith("2025年度") and len(doc["rules"]["sha256"]) == 64
    assert len(doc["hash"]) == 64
    by_name = {r["subject"]["name"]: r for r in doc["results"]}
    zhang, li = by_name["张三"], by_name["李四"]
    assert zhang["rank"] == 1 and li["rank"] == 2
    assert isinstance(zhang["score"], str)
    proposal = next(i for i in zhang["items"] if i["rule"] == "献一智/提案")
    assert proposal["points"] == "20" and len(proposal["records"]) == 1
    # the submitted proposal is not counted; the absence costs 1.5 of the 10 attendance points
    assert not any(i["rule"] == "献一智/提案" for i in li["items"])
    absence = next(i for i in li["items"] if i["rule"].startswith("考勤/"))
    assert absence["points"] == "-1.5" and absence["records"][0] < 0
    gates = {g["name"]: g["met"] for g in zhang["gates"]}
    assert gates == {"四个一": False, "违纪违法": True}  # four 一 not all done; no veto


def test_score_is_the_same_twice_and_the_hash_follows_the_records(runner, scored_county):
    args = ["score", "--rules", str(RULES), "--period", "2025", "--format", "json"]
    first, second = (json.loads(runner.invoke(args=args).output) for _ in range(2))
    assert first == second
    record = db.session.scalars(db.select(Activity).where(Activity.state == RecordState.SUBMITTED)).one()
    record.state = RecordState.VERIFIED
    db.session.commit()
    third = json.loads(runner.invoke(args=args).output)
    assert third["hash"] != first["hash"]


def test_score_table_and_explain_read_in_chinese(runner, scored_county):
    result = runner.invoke(args=["score", "--rules", str(RULES), "--period", "2025H1"])
    assert result.exit_code == 0, result.output
    assert "名次" in result.output and "张三" in result.output and "内容校验码" in result.output
    explained = runner.invoke(args=["score", "--rules", str(RULES), "--period", "2025", "--explain"]).output
    assert "第 1 名  张三" in explained
    zhang = explained[explained.index("第 1 名  张三"):explained.index("第 2 名")]
    assert "  献一智: 20\n    · 提案 20  记录 " in zhang
    assert "[“四个一”每项至少完成一次:未达到" in zhang and "[一票否决 受到党纪政务处分或有违法犯罪行为:无]" in zhang
    li = explained[explained.index("第 2 名  李四"):]
    assert "    · 委员出勤 -1.5  记录 出勤" in li  # an attendance row, not a minus-signed record id


def test_score_csv_has_one_row_per_subject_or_per_line(runner, scored_county):
    plain = runner.invoke(args=["score", "--rules", str(RULES), "--period", "2025", "--format", "csv"]).output
    assert plain.splitlines()[0] == ("名次,编号,姓名,单位,总分,等次,“四个一”每项至少完成一次,常委每半年联系委员不少于 2 次,"
                                     "一票否决：受到党纪政务处分或有违法犯罪行为,表彰,表彰说明")
    # 30 points: no award in reach; not a 常委: the 常委's gate does not apply
    assert next(csv.reader(plain.splitlines()[1:]))[-5:] == ["否", "不适用", "—", "", ""]
    assert len(plain.splitlines()) == 3
    explained = runner.invoke(args=["score", "--rules", str(RULES), "--period", "2025", "--format", "csv",
                                    "--explain"]).output
    assert "献一智/提案" in explained


@pytest.mark.parametrize(("period", "message"), [("2024", "适用于 2025 年"), ("2025Q9", "写法不对"),
                                                 ("2025H2", "没有 2025H2")])
def test_score_refuses_a_period_the_rules_do_not_have(runner, scored_county, period, message):
    result = runner.invoke(args=["score", "--rules", str(RULES), "--period", period])
    assert result.exit_code == 1 and message in result.output


def test_score_refuses_a_subject_kind_other_than_the_rules(runner, scored_county):
    result = runner.invoke(args=["score", "--rules", str(RULES), "--period", "2025", "--subject", "branches"])
    assert result.exit_code == 1 and "考评对象是 members" in result.output


def test_rules_diff_shows_who_changes(runner, scored_county, tmp_path):
    new = tmp_path / "新细则.yaml"
    new.write_text(RULES.read_text(encoding="utf-8").replace("steps: {提交: 10, 立案: 20}",
                                                             "steps: {提交: 5, 立案: 12}"), encoding="utf-8")
    result = runner.invoke(args=["rules", "diff", str(RULES), str(new), "--period", "2025"])
    assert result.exit_code == 0, result.output
    assert "2 个考评对象中 1 个有变化" in result.output
    assert "张三" in result.output and "李四" not in result.output
    same = runner.invoke(args=["rules", "diff", str(RULES), str(RULES), "--period", "2025"])
    assert "0 个有变化" in same.output


def test_a_gate_with_when_shows_not_applicable_in_table_and_csv(runner, scored_county, tmp_path):
    """A gate that applies to some subjects only (`when:`) leaves a cell 不适用 for the others, instead of a crash."""
    rules = tmp_path / "常委要求.yaml"
    rules.write_text(RULES.read_text(encoding="utf-8").replace(
        "    effect: {max_grade: 合格, eligible: false}\n",
        "    effect: {max_grade: 合格, eligible: false}\n    when: {standing: true}\n", 1), encoding="utf-8")
    zhang = scored_county["zhang"]
    zhang.is_standing = True
    db.session.commit()
    table = runner.invoke(args=["score", "--rules", str(rules), "--period", "2025"])
    assert table.exit_code == 0, table.output
    lines = {line.split()[2]: line for line in table.output.splitlines()[3:] if len(line.split()) > 2}
    assert "✗" in lines["张三"] and "不适用" in lines["李四"]
    csv_out = runner.invoke(args=["score", "--rules", str(rules), "--period", "2025", "--format", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    rows = {r.split(",")[2]: r.split(",") for r in csv_out.output.splitlines()[1:]}
    assert rows["张三"][6:9] == ["否", "否", "—"] and rows["李四"][6:9] == ["不适用", "不适用", "—"]
    explained = runner.invoke(args=["score", "--rules", str(rules), "--period", "2025", "--format", "csv",
                                    "--explain"])
    assert explained.exit_code == 0 and "不适用" in explained.output


def _complete(member, unit, on=dt.date(2025, 4, 1), **extra):
    """Verified records of all four 一 and study: 100 points under the shipped members' rules (优秀)."""
    done = [("提案", Category.IDEA, {"outcome": "立案"}), ("引进企业", Category.ENTERPRISE, {"outcome": "落地",
                                                                                     "amount": 1200}),
            ("结对困难户", Category.PAIRING, {}), ("结对困难户", Category.PAIRING, {}),
            ("捐资助学", Category.RELIEF, {"amount": 10000}), ("学习笔记", Category.STUDY, {}),
            ("心得体会", Category.STUDY, {}), *extra.get("more", [])]
    db.session.add_all(Activity(unit_id=unit.id, member_id=member.id, category=category, kind=kind, title=kind,
                                occurred_on=on, state=RecordState.VERIFIED, **fields)
                       for kind, category, fields in done)


def test_score_shows_each_subjects_award_and_why_one_who_could_have_had_it_did_not(runner, county, make_member,
                                                                                   tmp_path):
    """One place (quota count 1): 张三 gets it; 王五 has the same grade and fewer points (over the quota); 赵六 is a
    主席会议成员 (excluded); 李四 does less (合格): nothing to explain beside his grade."""
    rules = tmp_path / "一个名额.yaml"
    rules.write_text(RULES.read_text(encoding="utf-8").replace(
        'quota: {share: "1/10", of: {active: true}, round: floor}', "quota: {count: 1}"), encoding="utf-8")
    zhang, wang, zhao = make_member("张三"), make_member("王五"), make_member("赵六", is_chair_council=True)
    li = make_member("李四", sector="sector_b")
    unit = county["committee_a"]
    _complete(zhang, unit, more=[("荣誉", Category.OTHER, {"level": "省"})])
    _complete(wang, unit)
    _complete(zhao, unit, more=[("荣誉", Category.OTHER, {"level": "全国"})])
    db.session.add(Activity(unit_id=unit.id, member_id=li.id, category=Category.IDEA, kind="提案", title="提案",
                            outcome="立案", occurred_on=dt.date(2025, 3, 1), state=RecordState.VERIFIED))
    db.session.commit()
    doc = json.loads(runner.invoke(args=["score", "--rules", str(rules), "--period", "2025", "--format", "json"]).output)
    awards = {r["subject"]["name"]: r["awards"] for r in doc["results"]}
    assert [a["award"] for a in awards["张三"]] == ["优秀政协委员"] and awards["张三"][0]["selected"]
    assert (awards["王五"][0]["selected"], awards["王五"][0]["near"]) == (False, True)
    assert awards["王五"][0]["reason"] == "超出总名额 1"
    assert awards["赵六"][0]["reason"] == "主席会议成员,不参评" and awards["赵六"][0]["near"]
    assert not awards["李四"][0]["near"]  # 30 points and the four 一 not done: no award was in reach

    table = runner.invoke(args=["score", "--rules", str(rules), "--period", "2025"]).output
    assert table.splitlines()[2].split()[-1] == "表彰"
    lines = {line.split()[2]: line.rstrip() for line in table.splitlines()[3:]}
    assert lines["张三"].endswith(" 优秀政协委员") and lines["王五"].endswith(" 未入选：超出总名额 1")
    assert lines["赵六"].endswith(" 未入选：主席会议成员,不参评") and lines["李四"].endswith(" —")
    rows = {r[2]: r for r in csv.reader(runner.invoke(
        args=["score", "--rules", str(rules), "--period", "2025", "--format", "csv"]).output.splitlines()[1:])}
    assert rows["张三"][-2:] == ["优秀政协委员", ""] and rows["王五"][-2:] == ["", "超出总名额 1"]
    assert rows["李四"][-2:] == ["", ""]
    explained = runner.invoke(args=["score", "--rules", str(rules), "--period", "2025", "--explain"]).output
    assert "表彰 优秀政协委员：入选" in explained and "表彰 优秀政协委员：未入选（超出总名额 1）" in explained
