"""The vectorised path (score_frame) gives exactly what score() gives: every shipped rule file, every period."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scoring_testkit import RULES_DIR, rules

from app.scoring import HistoryEntry, Record, RuleError, RuleSet, Subject, load_ruleset, score
from app.scoring.types import TermSpan
from app.scoring.vector import COUNTED, STATUSES, Unsupported, score_frame, score_or_fallback, to_frames

SHIPPED = sorted(RULES_DIR.glob("*.yaml"))

# Every primitive the shipped files do not use: by_position/equal credit, cumulative ladders, per (whole: false),
# item floors, number conditions, at_most, max_count > 1, from_nth 3, mean periods, overall cap/floor, grades with
# `when` and share limits (all_in), `unit` conditions and rankings, period triggers, max_count gates, item tie-break,
# gates counted each half-year (`window: half`).
EXTRA_BODY = """
base: 5
cap: 95
floor: 0
sections:
  献一智:
    cap: 60
    items:
      提案:
        match: {kind: 提案}
        ladder: {field: outcome, steps: {提交: 2.5, 立案: 10, 优秀: 12.5}, cumulative: true}
        credit: {mode: by_position, factors: {1: 1, 2: "1/3"}, rest: "1/7"}
      第三件起: {match: {kind: 提案, outcome: {at_most: 重点}}, points: 1.25, from_nth: 3, credit: {mode: equal}}
      社情民意: {match: {kind: 社情民意, level: [市, 省]}, table: {field: level, values: {市: 2.5, 省: 5}}, max_count: 2}
  引一企:
    no_double_counting: true
    items:
      引资: {match: {kind: 引进企业, amount: {min: 10.5, max: 15000}}, per: {field: amount, each: 3, points: 1,
             whole: false}, credit: {mode: equal}, floor: 1}
      大额: {match: {kind: 引进企业}, bands: {field: amount, bands: [{min: 100, points: 3}, {min: 5000, points: 7}]},
             max_count: 3}
      捐资: {match: {kind: 捐资助学}, per: {field: amount, each: 1000, points: 0.5}, credit: {mode: first_only}}
  其他:
    base: 2
    floor: -3
    cap: 30
    items:
      结对: {match: {kind: 结对困难户}, by_count: [{min: 1, points: 10}, {min: 3, points: 20}]}
      表彰: {match: {kind: 荣誉}, table: {field: level, values: {市: 4, 省: 8, 国家: 8}}, aggregate: max,
             when: {unit: ["1", "3"]}}
      缺席: {match: {kind: 会议出勤, status: 缺席}, points: -1.5, cap: -1, floor: -4}
gates:
  三个一:
    requires:
      - {label: 献一智, match: {category: 献一智}, min_count: 1}
      - {label: 出勤, match: {kind: 会议出勤, status: 出席}, min_count: 1, max_count: 4}
    effect: {max_grade: 合格, eligible: false}
    when: {active: true}
  本届提案:
    window: term
    requires: [{label: 提案, match: {kind: 提案, outcome: {at_least: 立案}}, min_count: 3}]
    effect: {eligible: false}
  每半年结对:
    window: half
    when: {standing: true}
    requires: [{label: 结对, match: {kind: 结对困难户}, min_count: 2}, {label: 缺席, match: {kind: 会议出勤, status: 缺席},
               max_count: 1}]
    effect: {max_grade: 良好}
vetoes:
  违纪: {match: {kind: 违纪}, effect: {grade: 不合格}}
  届内违纪: {match: {kind: 违纪}, window: term, effect: {max_grade: 合格}}
triggers:
  缺席多: {match: {kind: 会议出勤, status: 缺席}, min_count: 2, effect: {max_grade: 良好}}
  连续低分: {below: 20, years: 3}
  届内缺席全会:
    match: {kind: 会议出勤, meeting: 全体会议, status: 缺席}
    window: term
    levels:
      - {min_count: 1, label: 书面通报批评}
      - {min_count: 2, label: 约谈, effect: {max_grade: 良好}}
      - {min_count: 4, label: 撤销委员资格, effect: {grade: 不合格, eligible: false}}
  迟到:
    match: {kind: 会议出勤, status: 迟到}
    levels: [{min_count: 2, label: 提醒}, {min_count: 3, label: 通报, effect: {eligible: false}}]
grades:
  - {name: 优秀, min: 30, when: {standing: false}, max_share: {share: "1/4", round: half_up, ties: all_in}}
  - {name: 良好, min: 20.5, max_share: {share: "1/3", of: {sector: 经济界}, round: ceil}}
  - {name: 合格, min: 10}
  - {name: 不合格}
rankings:
  总排名: {}
  按单位: {by: unit}
  按界别: {by: sector}
  常委: {by: standing}
tie_break: [total, {item: 提案}, id]
"""
EXTRA_PERIODS = """
periods:
  H1: {from: 01-01, to: 06-30}
  H2: {from: 07-01, to: 12-31}
  全年: {combine: mean, parts: [H1, H2]}
  加权: {combine: weighted, parts: {H1: "1/3", H2: "2/3"}}
"""
EXTRA = rules(EXTRA_BODY, periods=EXTRA_PERIODS, header="precision: 0.1\nrounding: half_even\n")
#: The same with each way of treating a member who served part of the period (EXTRA: the default, exclude).
MEMBERSHIP = [(f"extra-{mode}", rules(EXTRA_BODY, periods=EXTRA_PERIODS,
                                      header=f"precision: 0.1\nrounding: half_up\nmembership: {mode}\n"))
              for mode in ("{partial: prorate}", "{partial: prorate, min_days: 40}", "{partial: full, min_days: 100}",
                           "{partial: full}")]

CASES = [(p.name, load_ruleset(p)) for p in SHIPPED] + [("extra", EXTRA), *MEMBERSHIP]
#: The 届 every comparison scores in (the shipped files count nothing over it; EXTRA does).
TERM = TermSpan(dt.date(2023, 3, 1), dt.date(2027, 2, 28), "第十届")
PARAMS = [(name, rs, period) for name, rs in CASES for period in rs.periods]


def _subjects(rnd: random.Random, n: int, year: int) -> list[Subject]:
    out = []
    for i in range(1, n + 1):
        attrs: dict[str, object] = {}
        for attr, choices in (("standing", [True, False, None]), ("active", [True, True, False]),
                              ("sector", ["经济界", "教育界", None]), ("liaison", ["城郊", "广办", ""]),
                              ("branch", ["一支部", "二支部"]), ("branch_form", ["单独组建", "联合支部"]),
                              ("party_status", ["正式党员", "正式党员", "预备党员"]),
                              ("unit_kind", ["专门委员会", "界别活动组", "乡镇政协联络处"])):
            value = rnd.choice(choices)
            if value is not None:
                attrs[attr] = value
        units = tuple(rnd.sample([1, 2, 3], rnd.randint(0, 2)))
        history = tuple(HistoryEntry(year - k, Decimal(rnd.randint(0, 120)) / 2) for k in (1, 2) if rnd.random() < .7)
        day = lambda: dt.date(year, 1, 1) + dt.timedelta(days=rnd.randint(-30, 395))
        joined = day() if rnd.random() < .25 else None
        left_on = day() if rnd.random() < .2 else None
        if joined and left_on and left_on < joined:
            joined, left_on = left_on, joined
        left = left_on is not None or rnd.random() < .08
        out.append(Subject(i * 3, f"对象{i}", unit_ids=units, attrs=attrs, history=history, joined_on=joined,
                           left_on=left_on, left=left))
    return out


def _value(rnd: random.Random, ftype: str, values: tuple[str, ...], name: str) -> object:
    if rnd.random() < .07:
        return None
    if ftype == "enum":
        return rnd.choice(values)
    if ftype == "integer":
        return rnd.choice([0, 1, 3, 5, 6, 11, 12, 49, 50, 99, 100, 250, 300, 301])
    top = {"amount": 16000, "value": 400}.get(name, 300)
    return Decimal(rnd.randint(-2, top * 100)) / rnd.choice([1, 10, 100])


def _records(rnd: random.Random, rs: RuleSet, subject_ids: list[int], n: int) -> list[Record]:
    out = []
    kinds = list(rs.kinds)
    ids = rnd.sample(range(1, 10 * n + 50), n)
    for rid in ids:
        kind = rnd.choice(kinds)
        spec = rs.kinds[kind]
        fields = {f: _value(rnd, s.type, s.values, f) for f, s in spec.fields.items()}
        fields = {f: v for f, v in fields.items() if v is not None}
        people: tuple[int, ...] = ()
        if rnd.random() < .3:
            people = tuple(rnd.choice([*subject_ids, 999]) for _ in range(rnd.randint(1, 5)))
        work = rnd.choice([None] * 6 + ["W1", "W2", "W3", f"#{rnd.choice(ids)}"])
        day = dt.date(rs.year, 1, 1) + dt.timedelta(days=rnd.randint(-20 if rnd.random() < .8 else -900, 380))
        out.append(Record(rid, rnd.choice([*subject_ids, 999]), kind, day, fields, people, work))
    return out


def _compare(rs: RuleSet, period: str, subjects: list[Subject], records: list[Record]) -> None:
    expected = score(subjects, records, rs, period, TERM)
    sframe, rframe, history = to_frames(subjects, records)
    result = score_frame(sframe, rframe, rs, period, history=history, term=TERM)
    assert result.subjects["subject_id"].tolist() == [c.subject_id for c in expected]
    assert [result.decimal(t) for t in result.subjects["total"]] == [c.total for c in expected]
    grades = result.subjects["grade"].astype(object).where(result.subjects["grade"].notna(), None).tolist()
    assert grades == [c.grade for c in expected]
    for card in expected:
        got = result.card(card.subject_id)
        assert got == card, (card.subject_id, _diff(got, card))


def _diff(got: object, want: object) -> str:
    g, w = got.to_json(), want.to_json()  # type: ignore[attr-defined]
    return "; ".join(f"{k}: {g[k]!r} != {w[k]!r}" for k in w if g[k] != w[k])


@pytest.mark.parametrize(("name", "rs", "period"), PARAMS, ids=[f"{n}-{p}" for n, _, p in PARAMS])
def test_vector_equals_reference_on_random_input(name: str, rs: RuleSet, period: str) -> None:
    for seed in range(12):
        rnd = random.Random(f"{name}-{period}-{seed}")
        subjects = _subjects(rnd, rnd.randint(1, 14), rs.year)
        records = _records(rnd, rs, [s.id for s in subjects], rnd.randint(0, 90))
        _compare(rs, period, subjects, records)


@pytest.mark.parametrize(("name", "rs"), CASES, ids=[n for n, _ in CASES])
def test_vector_equals_reference_with_many_ties(name: str, rs: RuleSet) -> None:
    """Few kinds, many subjects: equal totals, shared places, share limits at a tie."""
    rnd = random.Random(name)
    subjects = _subjects(rnd, 40, rs.year)
    kinds = list(rs.kinds)[:4]
    records = [r for r in _records(rnd, rs, [s.id for s in subjects], 300) if r.kind in kinds]
    for period in rs.periods:
        _compare(rs, period, subjects, records)


def test_columns_as_a_bulk_loader_gives_them() -> None:
    """Categorical enums, int64 numbers, datetime64 dates, int history: the same result as object columns."""
    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    rnd = random.Random(7)
    subjects = _subjects(rnd, 30, rs.year)
    records = _records(rnd, rs, [s.id for s in subjects], 400)
    records = [Record(r.id, r.subject_id, r.kind, r.occurred_on,
                      {k: (int(v) if isinstance(v, Decimal) else v) for k, v in r.fields.items()},
                      r.participants, r.work_id) for r in records]
    subjects = [Subject(s.id, s.name, s.unit_ids, s.attrs, tuple(HistoryEntry(h.year, Decimal(int(h.total)))
                                                                  for h in s.history)) for s in subjects]
    expected = score(subjects, records, rs, "全年")
    sframe, rframe, history = to_frames(subjects, records)
    rframe["kind"] = rframe["kind"].astype("category")
    for name in ("outcome", "level", "instruction_level", "meeting", "status"):
        rframe[name] = rframe[name].astype("category")
    for name in ("amount", "people_helped"):
        rframe[name] = rframe[name].astype("Int64")
    sframe["standing"] = sframe["standing"].astype("boolean")
    rframe["work_id"] = rframe["work_id"].astype(pd.StringDtype(na_value=np.nan))   # pandas 3's `str`: NaN, not None
    history["total"] = history["total"].astype("int64")
    result = score_frame(sframe, rframe, rs, "全年", history=history)
    assert [result.card(c.subject_id) for c in expected] == expected


def _long_participants(records: list[Record]) -> pd.DataFrame:
    """The participants as a join table gives them: one row per (record, person), with the person's position."""
    rows = [(r.id, sid, pos) for r in records for pos, sid in enumerate(r.participants, start=1)]
    return pd.DataFrame(rows, columns=["record_id", "subject_id", "position"], dtype="int64")


def test_participants_as_a_long_frame() -> None:
    """The long form (record_id, subject_id, position), in any row order, scores exactly as the tuple column."""
    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    rnd = random.Random(11)
    subjects = _subjects(rnd, 25, rs.year)
    records = _records(rnd, rs, [s.id for s in subjects], 400)
    records += [Record(10 ** 6, subjects[0].id, "提案", dt.date(rs.year, 3, 1), {"outcome": "立案"},
                       (subjects[1].id, subjects[0].id, subjects[1].id, 999))]      # repeated and unknown people
    expected = score(subjects, records, rs, "全年")
    sframe, rframe, history = to_frames(subjects, records)
    long = _long_participants(records)
    rframe = rframe.drop(columns="participants")
    shuffled = long.sample(frac=1, random_state=3)
    for people in (shuffled, long.drop(columns="position")):
        result = score_frame(sframe, rframe, rs, "全年", history=history, participants=people)
        assert [result.card(c.subject_id) for c in expected] == expected


def test_participants_long_frame_errors() -> None:
    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    subjects = [Subject(1), Subject(2)]
    records = [Record(5, 1, "提案", dt.date(2025, 1, 1), {"outcome": "立案"}, (1, 2))]
    sframe, rframe, _ = to_frames(subjects, records)
    long = _long_participants(records)
    with pytest.raises(ValueError):                     # both forms at once
        score_frame(sframe, rframe, rs, "全年", participants=long)
    rframe = rframe.drop(columns="participants")
    with pytest.raises(RuleError, match="记录 6"):
        score_frame(sframe, rframe, rs, "全年", participants=long.assign(record_id=[5, 6]))
    with pytest.raises(ValueError):                     # positions must run 1, 2, ... within a record
        score_frame(sframe, rframe, rs, "全年", participants=long.assign(position=[1, 3]))


def test_work_ids_as_a_sparse_frame() -> None:
    """The sparse form (record_id, work_id), in any row order, scores exactly as the work_id column."""
    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    rnd = random.Random(13)
    subjects = _subjects(rnd, 25, rs.year)
    records = _records(rnd, rs, [s.id for s in subjects], 400)     # W1-W3 and "#<id>" of another record
    expected = score(subjects, records, rs, "全年")
    sframe, rframe, history = to_frames(subjects, records)
    works = pd.DataFrame({"record_id": [r.id for r in records if r.work_id is not None],
                          "work_id": [r.work_id for r in records if r.work_id is not None]})
    rframe = rframe.drop(columns="work_id")
    for given in (works.sample(frac=1, random_state=5), works.astype({"work_id": "category"}),
                  works.astype({"work_id": pd.StringDtype(na_value=np.nan)}),
                  pd.concat([works, pd.DataFrame({"record_id": [records[0].id], "work_id": [None]})])):
        result = score_frame(sframe, rframe, rs, "全年", history=history, works=given)
        assert [result.card(c.subject_id) for c in expected] == expected


def test_work_ids_sparse_frame_errors() -> None:
    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    subjects = [Subject(1)]
    records = [Record(5, 1, "提案", dt.date(2025, 1, 1), {"outcome": "立案"}, (), "W1")]
    sframe, rframe, _ = to_frames(subjects, records)
    works = pd.DataFrame({"record_id": [5], "work_id": ["W1"]})
    with pytest.raises(ValueError):                     # both forms at once
        score_frame(sframe, rframe, rs, "全年", works=works)
    rframe = rframe.drop(columns="work_id")
    with pytest.raises(RuleError, match="记录 6"):
        score_frame(sframe, rframe, rs, "全年", works=pd.DataFrame({"record_id": [5, 6], "work_id": ["W1", "W2"]}))
    with pytest.raises(RuleError, match="记录 5"):      # one work_id per record
        score_frame(sframe, rframe, rs, "全年", works=pd.DataFrame({"record_id": [5, 5], "work_id": ["W1", "W2"]}))


def test_explanation_tables_add_up() -> None:
    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    rnd = random.Random(3)
    subjects = _subjects(rnd, 20, rs.year)
    sframe, rframe, history = to_frames(subjects, _records(rnd, rs, [s.id for s in subjects], 300))
    result = score_frame(sframe, rframe, rs, "全年", history=history)
    counted = result.records[result.records["status"] == STATUSES[COUNTED]]
    by_line = counted.groupby(["subject_id", "item"], observed=True)["points"].sum()
    lines = result.lines.set_index(["subject_id", "item"])["raw"]
    assert (lines.loc[by_line.index] == by_line).all()
    sections = result.sections.groupby("subject_id")["points"].sum()
    assert (sections.loc[result.subjects["subject_id"]].to_numpy() == result.subjects["before_limits"]).all()
    assert result.scale == 100 and result.subjects["total"].dtype == np.int64


def test_errors_are_the_reference_errors() -> None:
    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    subjects = [Subject(1)]
    bad = [Record(1, 1, "跳广场舞", dt.date(2025, 1, 1)), Record(2, 1, "提案", dt.date(2025, 1, 1), {"outcome": "立按"}),
           Record(2, 1, "引进企业", dt.date(2025, 1, 1), {"amount": "多"})]
    with pytest.raises(RuleError) as want:
        score(subjects, bad, rs, "全年")
    with pytest.raises(RuleError) as got:
        score_frame(*to_frames(subjects, bad)[:2], rs, "全年")
    assert sorted(got.value.errors) == sorted(want.value.errors)
    with pytest.raises(RuleError, match="考评周期"):
        score_frame(*to_frames(subjects, [])[:2], rs, "Q3")
    floats = to_frames(subjects, [Record(3, 1, "引进企业", dt.date(2025, 1, 1), {"outcome": "落地"})])[1]
    floats["amount"] = [0.5]
    with pytest.raises(TypeError):
        score_frame(to_frames(subjects, [])[0], floats, rs, "全年")


def test_what_cannot_be_exact_in_int64_is_refused_and_falls_back() -> None:
    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    subjects = [Subject(1)]
    huge = [Record(1, 1, "义诊义演", dt.date(2025, 3, 1), {"people_helped": 10 ** 20})]
    with pytest.raises(Unsupported):
        score_frame(*to_frames(subjects, huge)[:2], rs, "全年")
    assert score_or_fallback(subjects, huge, rs, "全年") == score(subjects, huge, rs, "全年")


def test_point_one_plus_point_two_is_point_three() -> None:
    rs = rules("""
    sections:
      s:
        items:
          a: {match: {kind: 结对困难户}, points: 0.1}
          b: {match: {kind: 荣誉}, points: 0.2}
    grades:
      - {name: 好, min: 0.3}
      - {name: 差}
    """)
    subjects = [Subject(1)]
    records = [Record(1, 1, "结对困难户", dt.date(2025, 1, 1)), Record(2, 1, "荣誉", dt.date(2025, 1, 1))]
    result = score_frame(*to_frames(subjects, records)[:2], rs, "全年")
    assert result.totals() == {1: Decimal("0.3")} and result.subjects["grade"].tolist() == ["好"]


def test_module_is_importable_without_pandas_elsewhere() -> None:
    assert Path(__file__).name == "test_scoring_vector.py" and pd.__version__ >= "3"


def test_threads_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two-thread path, the same call from inside the pool (where both sides run in line, one after the other)
    and a plain serial run give the same tables; when both sides of the input fail, the error is the serial one."""
    from app.scoring import vector

    rs = load_ruleset(RULES_DIR / "2025-四个一-委员.yaml")
    rnd = random.Random(21)
    subjects = _subjects(rnd, 30, rs.year)
    records = _records(rnd, rs, [s.id for s in subjects], 500)
    sframe, rframe, history = to_frames(subjects, records)
    call = lambda: score_frame(sframe, rframe, rs, "全年", history=history)
    threaded = call()
    nested = vector._pool().submit(call).result()
    monkeypatch.setattr(vector, "_both", lambda first, second: (first(), second()))
    serial = call()
    for name in ("subjects", "places", "gates", "flags", "records", "lines", "sections"):
        pd.testing.assert_frame_equal(getattr(threaded, name), getattr(serial, name), check_exact=True)
        pd.testing.assert_frame_equal(getattr(nested, name), getattr(serial, name), check_exact=True)
    monkeypatch.undo()
    bad = [Record(1, 1, "跳广场舞", dt.date(2025, 1, 1)), Record(2, 1, "提案", dt.date(2025, 1, 1), {"outcome": "立案"})]
    sframe, rframe, _ = to_frames([Subject(1)], bad)
    works = pd.DataFrame({"record_id": [9], "work_id": ["W1"]})     # record 9 does not exist: the other side fails
    for _ in range(3):
        with pytest.raises(RuleError, match="跳广场舞"):
            score_frame(sframe, rframe.drop(columns="work_id"), rs, "全年", works=works)


def test_vector_equals_reference_on_counts_over_the_term_and_levels() -> None:
    """Absences and proposals spread over four years: every level of the 届 trigger is reached by someone, the term
    gate and veto are met and missed, and both engines agree card for card."""
    rnd = random.Random("term")
    subjects = [Subject(s.id, s.name, s.unit_ids, s.attrs, s.history) for s in _subjects(rnd, 12, 2025)]  # whole
    records: list[Record] = []
    ids = iter(range(1, 10**6))
    for index, subject in enumerate(subjects):
        for _ in range(index % 6):
            day = dt.date(rnd.choice([2022, 2023, 2024, 2025]), rnd.randint(1, 12), rnd.randint(1, 28))
            records.append(Record(next(ids), subject.id, "会议出勤", day, {"meeting": "全体会议", "status": "缺席"}))
        for _ in range(index % 4):
            day = dt.date(rnd.choice([2023, 2024, 2025]), rnd.randint(1, 12), rnd.randint(1, 28))
            records.append(Record(next(ids), subject.id, rnd.choice(["提案", "违纪"]), day,
                                  {"outcome": "立案"} if rnd.random() < .8 else {}))
    records = [r if r.kind == "提案" or "outcome" not in r.fields else Record(r.id, r.subject_id, r.kind,
                                                                               r.occurred_on) for r in records]
    levels = set()
    for period in EXTRA.periods:
        _compare(EXTRA, period, subjects, records)
        levels |= {f.level for c in score(subjects, records, EXTRA, period, TERM) for f in c.flags}
    assert {"书面通报批评", "约谈", "撤销委员资格"} <= levels
