"""Properties (hypothesis): accumulation never goes down, input order never matters, the loader fails only well."""
from __future__ import annotations

import copy
import datetime as dt
import functools
import os
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_testkit import RULES_DIR, rules

from app.scoring import Record, RuleError, Subject, content_hash, load_ruleset, score

# The default run (CI included) uses a fixed set of examples, so a submission never fails by chance;
# SCORING_EXAMPLES=5000 explores fresh random examples locally.
EXPLORE = "SCORING_EXAMPLES" in os.environ
SETTINGS = settings(max_examples=int(os.environ.get("SCORING_EXAMPLES", "150")), deadline=None, database=None,
                    derandomize=not EXPLORE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ACCUMULATE = rules("""
sections:
  献一智:
    cap: 60
    items:
      提案:
        match: {kind: 提案}
        ladder: {field: outcome, steps: {提交: 2.5, 立案: 10, 优秀: 12.5}}
        credit: {mode: first_half}
      第二件起: {match: {kind: 提案, outcome: {at_least: 立案}}, points: 5, from_nth: 2}
      社情民意: {match: {kind: 社情民意}, table: {field: level, values: {县: 1, 市: 2.5, 省: 5, 全国: 10}}, cap: 15}
  引一企:
    items:
      引资: {match: {kind: 引进企业}, bands: {field: amount, bands: [{min: 0, points: 5}, {min: 500, points: 10}]}}
      捐资: {match: {kind: 捐资助学}, per: {field: amount, each: 1000, points: 0.5}, max_count: 3}
  其他:
    items:
      结对: {match: {kind: 结对困难户}, by_count: [{min: 1, points: 10}, {min: 3, points: 20}]}
      表彰: {match: {kind: 荣誉}, table: {field: level, values: {市: 4, 省: 8}}, aggregate: max}
      集体: {match: {kind: 社情民意}, points: 1, credit: {mode: all, max_people: 3}}
grades:
  - {name: 优秀, min: 50}
  - {name: 合格, min: 20}
  - {name: 不合格}
rankings:
  总排名: {}
  按界别: {by: sector}
""")

SUBJECT_IDS = (1, 2, 3, 4)


@st.composite
def records(draw: st.DrawFn, id_start: int = 1) -> list[Record]:
    n = draw(st.integers(0, 12))
    out = []
    for index in range(n):
        kind = draw(st.sampled_from(["提案", "社情民意", "引进企业", "捐资助学", "结对困难户", "荣誉", "会议出勤"]))
        fields: dict[str, object] = {}
        if kind == "提案":
            fields["outcome"] = draw(st.sampled_from(["提交", "立案", "重点", "优秀"]))
        elif kind == "社情民意":
            fields["level"] = draw(st.sampled_from(["县", "市", "省", "全国"]))
        elif kind in ("引进企业", "捐资助学"):
            fields["amount"] = Decimal(draw(st.integers(0, 200000))) / 100
        elif kind == "荣誉":
            fields["level"] = draw(st.sampled_from(["市", "地", "省", "国家"]))
        elif kind == "会议出勤":
            fields["meeting"] = "全体会议"
            fields["status"] = draw(st.sampled_from(["出席", "缺席"]))
        people = draw(st.lists(st.sampled_from(SUBJECT_IDS), max_size=4, unique=True))
        out.append(Record(id=id_start + index, subject_id=draw(st.sampled_from(SUBJECT_IDS)), kind=kind,
                          occurred_on=dt.date(2025, draw(st.integers(1, 12)), draw(st.integers(1, 28))),
                          fields=fields, participants=tuple(people),
                          work_id=draw(st.sampled_from([None, None, "W1", "W2"]))))
    return out


SUBJECTS = [Subject(i, f"委员{i}", attrs={"sector": "经济界" if i % 2 else "教育界"}) for i in SUBJECT_IDS]


@SETTINGS
@given(records(), records(id_start=1000))
def test_adding_a_record_never_lowers_an_accumulated_score(before: list[Record], added: list[Record]) -> None:
    old = {c.subject_id: c.total for c in score(SUBJECTS, before, ACCUMULATE, "全年")}
    for record in added[:1]:
        record = Record(record.id, record.subject_id, record.kind, record.occurred_on, record.fields,
                        record.participants, None)   # a new piece of work
        new = {c.subject_id: c.total for c in score(SUBJECTS, [*before, record], ACCUMULATE, "全年")}
        assert all(new[i] >= old[i] for i in SUBJECT_IDS), (old, new)


@SETTINGS
@given(records(), st.randoms(use_true_random=False))
def test_input_order_never_changes_the_result_or_the_hash(recs: list[Record], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled_records = list(recs)
    rnd.shuffle(shuffled_records)
    shuffled_subjects = list(SUBJECTS)
    rnd.shuffle(shuffled_subjects)
    first = score(SUBJECTS, recs, ACCUMULATE, "全年")
    second = score(shuffled_subjects, shuffled_records, ACCUMULATE, "全年")
    assert [c.to_json() for c in first] == [c.to_json() for c in second]
    assert content_hash(ACCUMULATE, SUBJECTS, recs, "全年") == \
        content_hash(ACCUMULATE, shuffled_subjects, shuffled_records, "全年")


def test_hash_changes_with_a_record_or_the_rules() -> None:
    one = [Record(1, 1, "提案", dt.date(2025, 1, 1), {"outcome": "立案"})]
    two = [Record(1, 1, "提案", dt.date(2025, 1, 1), {"outcome": "优秀"})]
    assert content_hash(ACCUMULATE, SUBJECTS, one, "全年") != content_hash(ACCUMULATE, SUBJECTS, two, "全年")
    assert content_hash(ACCUMULATE, SUBJECTS, one, "全年") != content_hash(ACCUMULATE.source + b"\n", SUBJECTS, one,
                                                                        "全年")
    same_value = [Record(1, 1, "引进企业", dt.date(2025, 1, 1), {"amount": Decimal("1.50")})]
    other_form = [Record(1, 1, "引进企业", dt.date(2025, 1, 1), {"amount": Decimal("1.5")})]
    assert content_hash(b"", [], same_value, "x") == content_hash(b"", [], other_form, "x")


POSITIONED = re.compile(r"^fuzz\.yaml:\d+:\d+: \S")
YAMLISH = st.lists(st.sampled_from(list("ab提案: -[]{},&*!|>'\"#\t0123456789.%@`?") + ["\n", "\n  ", "\n    "]),
                   max_size=120).map("".join)
SHIPPED = [p.read_bytes() for p in sorted(RULES_DIR.glob("*.yaml"))]


def _loads_or_fails_well(data: bytes) -> None:
    try:
        load_ruleset(data, "fuzz.yaml")
    except RuleError as exc:
        assert exc.errors and all(POSITIONED.match(e) for e in exc.errors), exc.errors


@SETTINGS
@given(YAMLISH)
def test_loader_only_raises_its_own_positioned_error_on_noise(text: str) -> None:
    _loads_or_fails_well(text.encode("utf-8"))


@SETTINGS
@given(st.binary(max_size=64))
def test_loader_only_raises_its_own_positioned_error_on_bytes(data: bytes) -> None:
    _loads_or_fails_well(data)


@SETTINGS
@given(st.sampled_from(range(len(SHIPPED))), st.integers(0, 10**6), st.integers(0, 400),
       st.sampled_from(["", "x", ":", " ", "\n", "-", "1.5", "[", "}", "提", "  ", "yes", "~", "&a", "*a", "!!str"]))
def test_loader_only_raises_its_own_positioned_error_on_mutated_files(which: int, at: int, cut: int,
                                                                     insert: str) -> None:
    text = SHIPPED[which].decode("utf-8")
    at %= len(text)
    _loads_or_fails_well((text[:at] + insert + text[at + cut % 40:]).encode("utf-8"))


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(doc: object, path: tuple, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in doc.items()}
    assert isinstance(doc, list)
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(doc)]


ODD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=5),
                       st.just([]), st.just({}), st.just([1, "a"]), st.just({"x": 1}), st.just({"min": 1}),
                       st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str))


@functools.cache
def _parsed(which: int) -> object:
    import yaml

    return yaml.safe_load(SHIPPED[which].decode("utf-8"))


@SETTINGS
@given(st.sampled_from(range(len(SHIPPED))), st.integers(0, 10**6), ODD_VALUES, st.booleans())
def test_loader_only_raises_its_own_positioned_error_on_wrong_types(which: int, pick: int, new: object,
                                                                    delete: bool) -> None:
    import yaml

    doc = copy.deepcopy(_parsed(which))
    paths = _paths(doc)
    path = paths[pick % len(paths)]
    if delete and path and isinstance(path[-1], str):
        parent = _replace(doc, (), doc)
        node = parent
        for key in path[:-1]:
            node = node[key]  # type: ignore[index]
        del node[path[-1]]  # type: ignore[union-attr]
        changed = parent
    else:
        changed = _replace(doc, path, new)
    text = yaml.safe_dump(changed, allow_unicode=True, sort_keys=False)
    _loads_or_fails_well(text.encode("utf-8"))


CREDIT_RULES = """
sections:
  S:
    items:
      p: {{match: {{kind: 提案}}, points: {points}, credit: {credit}}}
"""


@st.composite
def credits(draw: st.DrawFn) -> str:
    """Any `credit:` a rule file may write: every mode, with factors, rest and max_people in any combination."""
    from app.scoring.rules import CREDIT_MODES

    mode = draw(st.sampled_from(sorted(CREDIT_MODES)))
    parts = [f"mode: {mode}"]
    fraction = st.one_of(st.integers(0, 3).map(str), st.sampled_from(['"1/3"', '"2/3"', '"3/4"', "0.5", "1.25"]))
    if mode == "by_position":
        factors = draw(st.dictionaries(st.integers(1, 4), fraction, max_size=3))
        if factors:
            parts.append("factors: {" + ", ".join(f"{k}: {v}" for k, v in sorted(factors.items())) + "}")
        if draw(st.booleans()):
            parts.append(f"rest: {draw(fraction)}")
    if draw(st.booleans()):
        parts.append(f"max_people: {draw(st.integers(1, 4))}")
    return "{" + ", ".join(parts) + "}"


@SETTINGS
@given(credits(), st.decimals(min_value=-50, max_value=50, places=2, allow_nan=False, allow_infinity=False),
       st.booleans(), st.lists(st.sampled_from(SUBJECT_IDS), max_size=4, unique=True))
def test_one_signer_always_gets_the_full_points_in_both_engines(credit: str, points: Decimal, listed: bool,
                                                                 others: list[int]) -> None:
    """docs/rules.md §6: 只有一个人时,任何方式都得全额 — every credit mode, the reference and the vector engine alike;
    a record of one signer (named as its participant or not) beside joint records of the others."""
    from app.scoring.vector import score_frame, to_frames

    ruleset = rules(CREDIT_RULES.format(points=points, credit=credit))
    alone = Record(1, 1, "提案", dt.date(2025, 3, 1), {"outcome": "立案"}, (1,) if listed else ())
    joint = [Record(2, 2, "提案", dt.date(2025, 4, 1), {"outcome": "立案"}, (2, *[o for o in others if o != 2]))]
    subjects = [Subject(i) for i in SUBJECT_IDS]
    cards = score(subjects, [alone, *joint], ruleset, "全年")
    first = next(c for c in cards if c.subject_id == 1)
    from_alone = [r for line in first.lines for r in line.records if r.record_id == 1]
    assert [r.points for r in from_alone] == [points] and [r.share for r in from_alone] == [""]
    result = score_frame(*to_frames(subjects, [alone, *joint])[:2], ruleset, "全年")
    assert [result.card(c.subject_id) for c in cards] == cards
