"""Scale benchmark (issue 4): 100,000 members, 2,000,000 records, the shipped 2025 member rule set, vectorised.

Times (one untimed warm-up call of each side, then best of 5, time.perf_counter) a bare pandas baseline — points per kind from a categorical, groupby-sum,
rank — against `score_frame` (validation, every item, caps, floors, gates, grades, four rankings, and everything the
explanation needs; its tables are assembled on first access, timed separately), both from the same in-memory
DataFrame, with participants as the long (record_id, subject_id, position) frame a join table gives and work_ids as
the sparse (record_id, work_id) frame of the records that have one. Data generation is not timed. Peak memory is the process's
ru_maxrss (Linux: KiB), i.e. everything this process ever held, data included.

    .venv/bin/python bench/score_scale.py                 # 100k / 2M, plus the reference engine on 10k / 200k
    .venv/bin/python bench/score_scale.py --members 10000 --records 200000 --no-reference

The last line is the verdict: `score_scale: N.Nx bare pandas (target <= 3x), peak X.X GiB`.
"""
from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.scoring import HistoryEntry, Record, Subject, load_ruleset, score
from app.scoring.vector import score_frame

RULES = ROOT / "scoring_rules" / "2025-四个一-委员.yaml"
YEAR = 2025

# kind → share of all records (roughly what a county's verified records look like in a year)
KIND_SHARE = {
    "会议出勤": 45, "提案": 8, "集体提案": 1, "社情民意": 7, "意见建议": 3, "引进企业": 2, "招商信息": 3,
    "服务重点项目": 2, "结对重点企业": 2, "结对合作社": 2, "结对困难户": 4, "捐资助学": 2, "扶贫济困": 2,
    "修桥补路": 1, "义诊义演": 1.5, "法律救助": 1.5, "学习笔记": 5, "心得体会": 3, "荣誉": 1, "违纪违法": 0.05,
}
# value → weight, per enum field and kind
OUTCOME = {"提案": {"提交": 40, "立案": 40, "重点": 12, "优秀": 8}, "集体提案": {"提交": 30, "立案": 50, "重点": 12, "优秀": 8},
           "社情民意": {"报送": 70, "采用": 30}, "引进企业": {"签约": 40, "落地": 60}, "招商信息": {"报送": 70, "采用": 30}}
LEVEL = {"县": 60, "市": 25, "省": 12, "全国": 3}
MEETING = {"全体会议": 15, "常委会议": 10, "政情通报会": 15, "视察": 25, "调研": 25, "其他活动": 10}
STATUS = {"出席": 80, "请假": 8, "缺席": 5, "迟到": 4, "早退": 3}
SECTORS = [f"界别{i:02d}" for i in range(1, 31)]
LIAISONS = [f"联络处{i:02d}" for i in range(1, 21)]


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    names = list(weights)
    p = np.array(list(weights.values()))
    return rng.choice(len(names), size=n, p=p / p.sum())


def _categorical(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=names)


def generate(members: int, records: int,
             seed: int = 2025) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Subjects, records, history, participants (record_id, subject_id, position) and works (record_id, work_id)
    frames; deterministic."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, members + 1, dtype=np.int64)
    standing = rng.random(members) < 0.10
    subjects = pd.DataFrame({
        "id": ids,
        "standing": standing,
        "resident_standing": standing & (rng.random(members) < 0.1),
        "chair_council": rng.random(members) < 0.005,
        "active": rng.random(members) < 0.95,
        "sector": _categorical(rng.integers(0, len(SECTORS), members), SECTORS),
        "liaison": _categorical(rng.integers(0, len(LIAISONS), members), LIAISONS),
    })
    has_history = rng.random(members) < 0.8
    history = pd.DataFrame({"subject_id": ids[has_history], "year": YEAR - 1,
                            "total": rng.integers(30, 110, int(has_history.sum()))})

    kinds = list(KIND_SHARE)
    kind = _pick(rng, KIND_SHARE, records)
    # members differ in how active they are: a few do a lot
    activity = rng.gamma(2.0, 1.0, members)
    subject = rng.choice(ids, size=records, p=activity / activity.sum())
    start = np.datetime64(f"{YEAR}-01-01", "s")
    day = rng.integers(0, 365, records)
    day[(kind == kinds.index("会议出勤")) & (rng.random(records) < 0.05)] -= 365   # last year's meetings, for the 届
    frame = pd.DataFrame({
        "id": np.arange(1, records + 1, dtype=np.int64),
        "subject_id": subject,
        "kind": _categorical(kind, kinds),
        "occurred_on": start + day.astype("timedelta64[D]"),
    })
    outcome_names = ["提交", "立案", "重点", "优秀", "报送", "采用", "签约", "落地"]
    outcome = np.full(records, -1)
    for name, weights in OUTCOME.items():
        at = np.flatnonzero(kind == kinds.index(name))
        picked = np.array([outcome_names.index(v) for v in weights])[_pick(rng, weights, len(at))]
        outcome[at] = picked
    frame["outcome"] = _categorical(outcome, outcome_names)
    levels = list(LEVEL)
    level = np.full(records, -1)
    for name in ("社情民意", "荣誉"):
        at = np.flatnonzero(kind == kinds.index(name))
        level[at] = _pick(rng, LEVEL, len(at))
    level[(kind == kinds.index("社情民意")) & (outcome != outcome_names.index("采用"))] = -1
    frame["level"] = _categorical(level, levels)
    instruction = np.full(records, -1)
    at = np.flatnonzero((kind == kinds.index("社情民意")) & (rng.random(records) < 0.15))
    instruction[at] = _pick(rng, LEVEL, len(at))
    frame["instruction_level"] = _categorical(instruction, levels)
    attend = kind == kinds.index("会议出勤")
    frame["meeting"] = _categorical(np.where(attend, _pick(rng, MEETING, records), -1), list(MEETING))
    frame["status"] = _categorical(np.where(attend, _pick(rng, STATUS, records), -1), list(STATUS))
    amount = pd.array(np.zeros(records, np.int64), dtype="Int64")
    invest = kind == kinds.index("引进企业")
    money = np.isin(kind, [kinds.index(k) for k in ("捐资助学", "扶贫济困", "修桥补路")])
    values = np.where(invest, rng.integers(50, 3000, records), rng.integers(100, 30000, records))
    amount[:] = pd.NA
    amount[invest | money] = values[invest | money]
    frame["amount"] = amount
    helped = pd.array(np.zeros(records, np.int64), dtype="Int64")
    helped[:] = pd.NA
    helps = np.isin(kind, [kinds.index(k) for k in ("捐资助学", "扶贫济困", "义诊义演", "法律救助")])
    helped[helps] = rng.integers(1, 200, records)[helps]
    frame["people_helped"] = helped
    # joint work: 30 % of proposals have co-signers (the member first); every collective proposal lists 3-8 people
    # in the long form a join table gives: one row per (record, participant), with the participant's position
    joint = np.flatnonzero(((kind == kinds.index("提案")) & (rng.random(records) < 0.3))
                           | (kind == kinds.index("集体提案")))
    sizes = rng.integers(2, 6, len(joint)) + 3 * (kind[joint] == kinds.index("集体提案"))
    others = rng.integers(1, members + 1, int(sizes.sum()))
    rows = np.repeat(joint, sizes)
    position = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    taken = np.repeat(np.cumsum(sizes - 1) - (sizes - 1), sizes) + position - 2     # others[offset + position - 2]
    participants = pd.DataFrame({"record_id": frame["id"].to_numpy()[rows],
                                 "subject_id": np.where(position == 1, subject[rows], others[np.maximum(taken, 0)]),
                                 "position": position})
    # one piece of work recorded twice: a proposal that became a 社情民意 shares its work_id
    work = np.full(records, None, dtype=object)
    proposals = np.flatnonzero(kind == kinds.index("提案"))
    notes = np.flatnonzero(kind == kinds.index("社情民意"))
    pairs = min(len(proposals), len(notes)) // 10
    for n, (p, q) in enumerate(zip(rng.choice(proposals, pairs, replace=False).tolist(),
                                   rng.choice(notes, pairs, replace=False).tolist())):
        work[p] = work[q] = f"W{n}"
        frame_subject = subject[p]
        subject[q] = frame_subject
    frame["subject_id"] = subject
    # the records that have a work_id, as a query of them gives it (the same data as a mostly-empty `str` column)
    worked = np.flatnonzero(pd.notna(work))
    works = pd.DataFrame({"record_id": frame["id"].to_numpy()[worked], "work_id": pd.array(work[worked], dtype="str")})
    return subjects, frame, history, participants, works


def baseline(records: pd.DataFrame, points: dict[str, int]) -> pd.Series:
    """The plain thing: points per kind (in hundredths), summed per member, ranked (ties share the better place)."""
    per_record = records["kind"].map(points).astype("int64")
    totals = per_record.groupby(records["subject_id"]).sum()
    return totals.rank(method="min", ascending=False)


def best_of(n: int, fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Best of n timed calls after one untimed warm-up call (first-call costs: thread start, fresh pages, caches);
    both sides of the comparison get the same treatment."""
    fn()
    best, out = None, None
    for _ in range(n):
        start = time.perf_counter()
        out = fn()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best, out  # type: ignore[return-value]


def to_dataclasses(subjects: pd.DataFrame, records: pd.DataFrame, history: pd.DataFrame,
                   participants: pd.DataFrame, works: pd.DataFrame) -> tuple[list[Subject], list[Record]]:
    past = {int(s): int(t) for s, t in zip(history["subject_id"], history["total"])}
    subject_list = [Subject(int(row.id), attrs={"standing": bool(row.standing),
                                                "resident_standing": bool(row.resident_standing),
                                                "chair_council": bool(row.chair_council), "active": bool(row.active),
                                                "sector": str(row.sector), "liaison": str(row.liaison)},
                            history=(HistoryEntry(YEAR - 1, Decimal(past[int(row.id)])),) if int(row.id) in past
                            else ())
                    for row in subjects.itertuples()]
    fields = ["outcome", "level", "instruction_level", "meeting", "status", "amount", "people_helped"]
    out = []
    columns = {f: records[f].astype(object).where(records[f].notna(), None).tolist() for f in fields}
    dates = records["occurred_on"].dt.date.tolist()
    people: dict[int, list[int]] = {}
    ordered = participants.sort_values(["record_id", "position"])
    for rid, sid in zip(ordered["record_id"].tolist(), ordered["subject_id"].tolist()):
        people.setdefault(rid, []).append(sid)
    work_of = dict(zip(works["record_id"].tolist(), works["work_id"].tolist()))
    for i, (rid, sid, kind) in enumerate(zip(records["id"].tolist(), records["subject_id"].tolist(),
                                             records["kind"].astype(str).tolist())):
        values = {f: columns[f][i] for f in fields if columns[f][i] is not None}
        out.append(Record(rid, sid, kind, dates[i], values, tuple(people.get(rid, ())), work_of.get(rid)))
    return subject_list, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-reference", action="store_true", help="skip the reference engine on 10k / 200k")
    args = parser.parse_args()
    ruleset = load_ruleset(RULES)
    points = {"会议出勤": -100, "提案": 1000, "集体提案": 2000, "社情民意": 1000, "意见建议": 1000, "引进企业": 1500,
              "招商信息": 500, "服务重点项目": 2000, "结对重点企业": 2000, "结对合作社": 2000, "结对困难户": 1000,
              "捐资助学": 1000, "扶贫济困": 1000, "修桥补路": 1000, "义诊义演": 200, "法律救助": 200, "学习笔记": 500,
              "心得体会": 500, "荣誉": 400, "违纪违法": 0}

    t0 = time.perf_counter()
    subjects, records, history, participants, works = generate(args.members, args.records)
    generated = time.perf_counter() - t0
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"machine: {platform.processor() or platform.machine()}, {len(__import__('os').sched_getaffinity(0))} "
          f"cores; python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}")
    print(f"data: {len(subjects):,} members, {len(records):,} records, generated in {generated:.1f} s "
          f"(not timed); {participants['record_id'].nunique():,} joint, "
          f"{len(works):,} with a work_id")

    base_time, _ = best_of(args.repeat, lambda: baseline(records, points))
    print(f"bare pandas  (map kind → points, groupby sum, rank): best of {args.repeat} = {base_time * 1000:7.1f} ms")
    ours_time, result = best_of(args.repeat, lambda: score_frame(subjects, records, ruleset, "全年", history=history,
                                                                    participants=participants, works=works))
    print(f"score_frame  (full rule set, ranks, explanation)   : best of {args.repeat} = {ours_time * 1000:7.1f} ms")
    start = time.perf_counter()
    sizes = [len(result.records), len(result.lines), len(result.sections), len(result.places)]
    tables = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"explanation tables on first access (not in the timing above): {sizes[0]:,} record rows, "
          f"{sizes[1]:,} lines, {sizes[2]:,} section rows, {sizes[3]:,} places in {tables * 1000:.0f} ms; "
          f"grades {result.subjects['grade'].value_counts().to_dict()}")
    print(f"peak RSS {peak / 2**20:.2f} GiB (after generating the data: {rss_data / 2**20:.2f} GiB)")
    if not args.no_reference:
        small_members, small_records = args.members // 10, args.records // 10
        s_sub, s_rec, s_hist, s_people, s_works = generate(small_members, small_records, seed=7)
        subject_list, record_list = to_dataclasses(s_sub, s_rec, s_hist, s_people, s_works)
        start = time.perf_counter()
        cards = score(subject_list, record_list, ruleset, "全年")
        ref_time = time.perf_counter() - start
        vec_time, small = best_of(args.repeat, lambda: score_frame(s_sub, s_rec, ruleset, "全年", history=s_hist,
                                                                    participants=s_people, works=s_works))
        same = small.totals() == {c.subject_id: c.total for c in cards}
        sample = [c.subject_id for c in cards[:: max(1, len(cards) // 200)]]
        same_cards = all(small.card(i) == c for i, c in zip(sample, cards[:: max(1, len(cards) // 200)]))
        print(f"reference score() on {small_members:,} / {small_records:,}: {ref_time:6.2f} s; score_frame "
              f"{vec_time * 1000:.0f} ms ({ref_time / vec_time:.0f}x faster); totals identical: {same}; "
              f"{len(sample)} sampled cards identical: {same_cards}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ratio = ours_time / base_time
    verdict = "" if ratio <= 3 and peak < 2 * 2**20 else " — TARGET MISSED"
    print(f"score_scale: {ratio:.1f}x bare pandas (target <= 3x), peak {peak / 2**20:.1f} GiB{verdict}")


if __name__ == "__main__":
    main()
