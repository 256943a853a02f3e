"""The scoring engine: subjects + verified records + one RuleSet → ScoreCards. Pure, deterministic, exact."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from fractions import Fraction

from app.scoring.cards import Flag, GateResult, Line, Note, PartScore, RecordPoints, ScoreCard, SectionScore
from app.scoring.errors import RuleError
from app.scoring.exact import CONTEXT, ZERO, fraction_to_decimal
from app.scoring.grades import GradeLimits, assign_grades
from app.scoring.membership import Service, scaled, scaled_count, serves, service
from app.scoring.ranking import rank_cards
from app.scoring.rules import Effect, Gate, Item, Match, Period, Requirement, RuleSet, Section, Trigger, subject_matches
from app.scoring.types import Record, Subject, TermSpan


@dataclass(frozen=True, slots=True)
class _Credit:
    record: Record
    position: int
    people: int


@dataclass(frozen=True, slots=True)
class _Cand:
    item: Item
    record: Record
    points: Decimal
    share: str
    order: int  # the item's place in its section, for deterministic choices


def validate_records(records: Iterable[Record], ruleset: RuleSet) -> None:
    """Every record must be of a declared kind with declared field values; raises RuleError listing all."""
    errors: list[str] = []
    seen: set[int] = set()
    where = ruleset.source_name or ruleset.name
    for record in records:
        if record.id in seen:
            errors.append(f"{where}: 记录编号 {record.id} 重复")
        seen.add(record.id)
        spec = ruleset.kinds.get(record.kind)
        if spec is None:
            errors.append(f"{where}: 记录 {record.id} 的类型 '{record.kind}' 未在细则 kinds 中声明,无法计分")
            continue
        if record.category and record.category != spec.category:
            errors.append(f"{where}: 记录 {record.id}('{record.kind}')的类别 '{record.category}' "
                          f"与细则声明的 '{spec.category}' 不符")
        for name, fspec in spec.fields.items():
            value = record.fields.get(name)
            if value is None or value == "":
                continue
            if fspec.type == "enum" and value not in fspec.values:
                errors.append(f"{where}: 记录 {record.id} 的字段 {name} = '{value}' 不在细则声明的取值中"
                              f"({'、'.join(fspec.values)})")
            elif fspec.type == "number" and not isinstance(value, (Decimal, int)):
                errors.append(f"{where}: 记录 {record.id} 的字段 {name} 应为数字")
            elif fspec.type == "integer" and not isinstance(value, int):
                errors.append(f"{where}: 记录 {record.id} 的字段 {name} 应为整数")
            elif fspec.type in ("text", "date") and not isinstance(value, str):
                errors.append(f"{where}: 记录 {record.id} 的字段 {name} 应为文字")
    if errors:
        raise RuleError(errors)


def score(subjects: Iterable[Subject], records: Iterable[Record], ruleset: RuleSet,
          period: str, term: TermSpan | None = None) -> list[ScoreCard]:
    """Score every subject for one period of the rule set: totals, grades, gates, places; ordered by subject id.

    Records whose credited subjects are not among `subjects` are ignored; records outside the period's window
    are not scored (triggers with `window: input` still see them, and gates and triggers with `window: term` those
    of `term`, the 届 containing the period, up to the period's end). A subject whose dates of service miss the
    period has no card; one who served part of it is treated as the rule file's `membership` says (app.scoring.
    membership). Raises RuleError for an unknown period, duplicate ids, a record the rules do not declare, or a
    rule file that counts over the 届 without a `term`.
    """
    with localcontext(CONTEXT):
        subject_list = sorted(subjects, key=lambda s: s.id)
        by_id = {s.id: s for s in subject_list}
        if len(by_id) != len(subject_list):
            raise RuleError(f"{ruleset.source_name}: 考评对象编号重复")
        record_list = sorted(records, key=lambda r: r.id)
        validate_records(record_list, ruleset)
        if period not in ruleset.periods:
            raise RuleError(f"{ruleset.source_name}: 细则没有名为 '{period}' 的考评周期"
                            f"(可用:{'、'.join(ruleset.periods)})")
        wanted = ruleset.periods[period]
        windows = _windows(wanted, ruleset)
        credits = _credits(record_list, by_id)
        start = min(w[0].start for w in windows)  # type: ignore[type-var]
        end = max(w[0].end for w in windows)  # type: ignore[type-var]
        in_term = term_window(ruleset, term, start, end)  # type: ignore[arg-type]
        subject_list = [s for s in subject_list if serves(s, start, end)]  # type: ignore[arg-type]
        by_id = {s.id: s for s in subject_list}
        cards: list[ScoreCard] = []
        limits: dict[int, GradeLimits] = {}
        for subject in subject_list:
            mine = credits.get(subject.id, [])
            served = service(subject, ruleset.membership, start, end)  # type: ignore[arg-type]
            card, effect = _score_subject(subject, mine, ruleset, wanted, windows, start, end, in_term, served)
            cards.append(card)
            limits[subject.id] = GradeLimits(effect.grade, effect.max_grade, served.factor)
        grades = assign_grades(cards, by_id, ruleset, limits)
        placed = rank_cards(cards, by_id, ruleset)
        return [replace(c, grade=grades[c.subject_id][0], grade_note=grades[c.subject_id][1],
                        places=placed[c.subject_id]) for c in cards]


def term_window(ruleset: RuleSet, term: TermSpan | None, start: dt.date,
                end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days a `window: term` count sees: from the 届's first day to the period's last (or the 届's, if earlier);
    None when the rule file counts nothing over the 届. :raises RuleError: no 届 given, or one beside the period."""
    if not ruleset.term_counts:
        return None
    where = ruleset.source_name or ruleset.name
    if term is None:
        raise RuleError(f"{where}: “{'”“'.join(ruleset.term_counts)}”按届统计(window: term),"
                        f"计分时须指明所在届的起止日期")
    if term.starts_on > end or term.ends_on < start:
        raise RuleError(f"{where}: 届{term.name}({term.starts_on.isoformat()} 至 {term.ends_on.isoformat()})"
                        f"不包含考评周期({start.isoformat()} 至 {end.isoformat()})")
    return term.starts_on, min(term.ends_on, end)


def _windows(period: Period, ruleset: RuleSet) -> list[tuple[Period, Fraction | None]]:
    if period.combine is None:
        return [(period, None)]
    return [(ruleset.periods[name], weight) for name, weight in period.parts]


def _credits(records: Sequence[Record], subjects: Mapping[int, Subject]) -> dict[int, list[_Credit]]:
    """Group records by credited subject once (a joint proposal appears under each signer, with its position)."""
    out: dict[int, list[_Credit]] = {}
    for record in records:
        people = record.credited()
        seen: set[int] = set()
        for position, subject_id in enumerate(people, start=1):
            if subject_id in subjects and subject_id not in seen:
                seen.add(subject_id)
                out.setdefault(subject_id, []).append(_Credit(record, position, len(people)))
    return out


def _score_subject(subject: Subject, credits: list[_Credit], ruleset: RuleSet, period: Period,
                   windows: list[tuple[Period, Fraction | None]], start: dt.date | None,
                   end: dt.date | None, term: tuple[dt.date, dt.date] | None,
                   served: Service) -> tuple[ScoreCard, Effect]:
    lines: list[Line] = []
    sections: list[SectionScore] = []
    notes: list[Note] = []
    parts: list[PartScore] = []
    totals: list[tuple[Decimal, Fraction | None]] = []
    before = ZERO
    for window, weight in windows:
        inside = [c for c in credits if window.start <= c.record.occurred_on <= window.end]  # type: ignore[operator]
        total, before = _score_window(subject, inside, ruleset, window.name, lines, sections, notes, served.factor)
        totals.append((total, weight))
        if weight is not None:
            parts.append(PartScore(window.name, total, str(weight)))
    if period.combine is None:
        total = totals[0][0]
    else:
        exact = sum((Fraction(t) * w for t, w in totals if w is not None), Fraction(0))
        total = fraction_to_decimal(exact, ruleset.precision, ruleset.rounding)
        before = total
    in_period = [c for c in credits if start <= c.record.occurred_on <= end]  # type: ignore[operator]
    in_term = [] if term is None else [c for c in credits if term[0] <= c.record.occurred_on <= term[1]]
    pools = {"period": in_period, "input": credits, "term": in_term}
    if served.appraised:
        halves = _halves(subject, in_period, ruleset, start, end)
        gates, effects = _gates(subject, pools, ruleset, served.factor, halves)
        flags, trigger_effects = _triggers(subject, total, pools, ruleset, served.factor)
        effect = _combine(ruleset, [*effects, *trigger_effects])
    else:  # listed with its points only: no gate, no 通报, no grade, rank or award
        gates, flags, effect = [], [], Effect(eligible=False)
    card = ScoreCard(subject_id=subject.id, period=period.name, total=total, before_limits=before, grade=None,
                     eligible=effect.eligible, gates=tuple(gates), lines=tuple(lines), sections=tuple(sections),
                     notes=tuple(notes), flags=tuple(flags), parts=tuple(parts), appraised=served.appraised,
                     membership=served.note, left=served.left)
    return card, effect


def _clamp(value: Decimal, floor: Decimal | None, cap: Decimal | None) -> Decimal:
    if cap is not None and value > cap:
        value = cap
    if floor is not None and value < floor:
        value = floor
    return value


def _score_window(subject: Subject, credits: list[_Credit], ruleset: RuleSet, period: str, lines: list[Line],
                  sections: list[SectionScore], notes: list[Note], factor: Fraction) -> tuple[Decimal, Decimal]:
    """Lines, sections and the total of one window; bases, caps and floors × `factor` (a prorated subject)."""
    part = lambda value: None if value is None else scaled(value, factor, ruleset.precision, ruleset.rounding)
    by_section: dict[str, list[_Cand]] = {s.name: [] for s in ruleset.sections}
    for credit in credits:
        record = credit.record
        for item in ruleset.items_by_kind.get(record.kind, ()):
            if item.when and not subject_matches(item.when, subject):
                continue
            if not item.match.test(record, ruleset.kinds):
                continue
            raw = item.source.value(record) if item.source is not None else item.by_count[0][1]
            if raw is None:
                continue
            share, how = item.credit.share(credit.position, credit.people)
            if share == 0:
                notes.append(Note(period, item.name, record.id, how))
                continue
            if share == 1 and isinstance(raw, Decimal):
                points = raw
            else:
                points = fraction_to_decimal(Fraction(raw) * share, ruleset.precision, ruleset.rounding)
            by_section[item.section].append(_Cand(item, record, points, how, item.order))
    overall = part(ruleset.base)
    for section in ruleset.sections:
        by_item: dict[str, list[_Cand]] = {}
        for cand in _dedupe(by_section[section.name], section, period, notes):
            by_item.setdefault(cand.item.name, []).append(cand)
        base = part(section.base)
        subtotal = base
        for item in section.items:
            if item.name not in by_item:
                continue
            line = _score_item(item, by_item[item.name], period, notes, part(item.floor), part(item.cap))
            lines.append(line)
            subtotal += line.points
        after = _clamp(subtotal, part(section.floor), part(section.cap))
        sections.append(SectionScore(period, section.name, section.label, base, subtotal, after))
        overall += after
    return _clamp(overall, part(ruleset.floor), part(ruleset.cap)), overall


def _work(record: Record) -> str:
    return record.work_id if record.work_id is not None else f"#{record.id}"


def _dedupe(cands: list[_Cand], section: Section, period: str, notes: list[Note]) -> list[_Cand]:
    """One piece of work counts once per item and, unless the section allows stacking, under one item only."""
    best: dict[tuple[str, str], _Cand] = {}
    for cand in sorted(cands, key=lambda c: (-c.points, c.record.occurred_on, c.record.id)):
        key = (cand.item.name, _work(cand.record))
        if key in best:
            notes.append(Note(period, cand.item.name, cand.record.id,
                              f"与记录 {best[key].record.id} 是同一项工作,只计一次"))
        else:
            best[key] = cand
    kept = list(best.values())
    if section.no_double_counting:
        chosen: dict[str, _Cand] = {}
        for cand in sorted(kept, key=lambda c: (-c.points, c.order, c.record.occurred_on, c.record.id)):
            work = _work(cand.record)
            if work in chosen:
                winner = chosen[work]
                notes.append(Note(period, cand.item.name, cand.record.id,
                                  f"同一项工作已在“{winner.item.label}”计分(记录 {winner.record.id}),不重复计分"))
            else:
                chosen[work] = cand
        kept = list(chosen.values())
    return sorted(kept, key=lambda c: (c.order, c.record.occurred_on, c.record.id))


def _score_item(item: Item, cands: list[_Cand], period: str, notes: list[Note], floor: Decimal | None,
                cap: Decimal | None) -> Line:
    cands = sorted(cands, key=lambda c: (c.record.occurred_on, c.record.id))
    if item.from_nth > 1:
        for n, cand in enumerate(cands[:item.from_nth - 1], start=1):
            notes.append(Note(period, item.name, cand.record.id, f"第 {n} 件,本条从第 {item.from_nth} 件起计分"))
        cands = cands[item.from_nth - 1:]
    if item.aggregate == "max" and len(cands) > 1:
        top = min(cands, key=lambda c: (-c.points, c.record.occurred_on, c.record.id))
        for cand in cands:
            if cand is not top:
                notes.append(Note(period, item.name, cand.record.id, "本条取最高一项,不累加"))
        cands = [top]
    if item.max_count is not None and len(cands) > item.max_count:
        ranked = sorted(cands, key=lambda c: (-c.points, c.record.occurred_on, c.record.id))
        for cand in ranked[item.max_count:]:
            notes.append(Note(period, item.name, cand.record.id, f"本条最多计 {item.max_count} 件"))
        keep = {id(c) for c in ranked[:item.max_count]}
        cands = [c for c in cands if id(c) in keep]
    if item.by_count:
        count = len(cands)
        raw = ZERO
        for low, points in item.by_count:
            if count >= low:
                raw = points
        records = tuple(RecordPoints(c.record.id, ZERO, f"计件(共 {count} 件)") for c in cands)
    else:
        raw = sum((c.points for c in cands), ZERO)
        records = tuple(RecordPoints(c.record.id, c.points, c.share) for c in cands)
    return Line(period, item.section, item.name, item.label, records, raw, _clamp(raw, floor, cap))


def _count(credits: Iterable[_Credit], match: Match, ruleset: RuleSet) -> int:
    works = {_work(c.record) for c in credits if match.test(c.record, ruleset.kinds)}
    return len(works)


def half_years(start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The half-years [start, end] touches, each cut to it: (how the card names it, first day, last day)."""
    out = []
    for year in range(start.year, end.year + 1):
        for prefix, first, last in ((HALF_PREFIXES[0], dt.date(year, 1, 1), dt.date(year, 6, 30)),
                                    (HALF_PREFIXES[1], dt.date(year, 7, 1), dt.date(year, 12, 31))):
            if max(first, start) <= min(last, end):
                out.append((prefix, max(first, start), min(last, end)))
    return out


def _halves(subject: Subject, credits: list[_Credit], ruleset: RuleSet, start: dt.date | None,
            end: dt.date | None) -> list[tuple[str, list[_Credit], Fraction]]:
    """For gates counted `window: half`: each half-year of the period in which the subject serves and is
    appraised (the rule file's `membership` applied to that half), its credits and the subject's share of it."""
    if start is None or end is None or not any(g.window == "half" for g in ruleset.gates):
        return []
    out = []
    for prefix, first, last in half_years(start, end):
        if not serves(subject, first, last):
            continue
        served = service(subject, ruleset.membership, first, last)
        if served.appraised:
            out.append((prefix, [c for c in credits if first <= c.record.occurred_on <= last], served.factor))
    return out


def _gates(subject: Subject, pools: Mapping[str, list[_Credit]], ruleset: RuleSet, factor: Fraction,
           halves: Sequence[tuple[str, list[_Credit], Fraction]] = ()) -> tuple[list[GateResult], list[Effect]]:
    """Each gate that applies: met when every requirement is (a prorated subject's minimum counts × its share); a
    gate counted `window: half`, when it is in each half-year the subject serves (× its share of that half)."""
    results: list[GateResult] = []
    effects: list[Effect] = []
    for gate, counted in _requirement_counts(subject, pools, ruleset, factor, halves):
        details = []
        met = True
        for prefix, req, count, share in counted:
            ok, shrunk = requirement_met(req, count, share)
            met = met and ok
            suffix = "" if ok else "(一票否决)" if gate.veto else "(未达到)"
            details.append(f"{req.label}:{prefix}{count} 件{shrunk}{suffix}")
        results.append(GateResult(gate.name, gate.label, met, ";".join(details), gate.veto))
        if not met:
            effects.append(gate.effect)
    return results, effects


def _requirement_counts(subject: Subject, pools: Mapping[str, list[_Credit]], ruleset: RuleSet, factor: Fraction,
                        halves: Sequence[tuple[str, list[_Credit], Fraction]] = ()
                        ) -> list[tuple[Gate, list[tuple[str, Requirement, int, Fraction]]]]:
    """Each gate that applies to `subject`, with each requirement's count in its window: (prefix naming the window,
    requirement, count, the subject's share of the window)."""
    out = []
    for gate in ruleset.gates:
        if gate.when and not subject_matches(gate.when, subject):
            continue
        where = TERM_PREFIX if gate.window == "term" else ""
        parts = list(halves) if gate.window == "half" else [(where, pools[gate.window], factor)]
        out.append((gate, [(prefix, req, _count(pool, req.match, ruleset), share)
                           for prefix, pool, share in parts for req in gate.requires]))
    return out


@dataclass(frozen=True)
class Progress:
    """How far a subject is with one requirement of a gate (a veto aside): the count so far and the minimum (× the
    subject's share of a part of the period served)."""

    gate: str
    gate_label: str
    requirement: str
    window: str  # "" or how the window reads: "上半年 ", "本届累计 "
    count: int
    needed: int
    kinds: frozenset[str] = frozenset()  # the record kinds that count towards it

    @property
    def missing(self) -> int:
        return max(self.needed - self.count, 0)


def gate_progress(subject: Subject, records: Iterable[Record], ruleset: RuleSet, period: str,
                  term: TermSpan | None = None) -> list[Progress]:
    """One subject's progress towards every minimum of the gates that apply to it in `period`, counted as `score`
    counts them; none when the subject does not serve in the period or is not appraised in it."""
    with localcontext(CONTEXT):
        wanted = ruleset.periods[period]
        windows = _windows(wanted, ruleset)
        start = min(w[0].start for w in windows)  # type: ignore[type-var]
        end = max(w[0].end for w in windows)  # type: ignore[type-var]
        if not serves(subject, start, end):  # type: ignore[arg-type]
            return []
        served = service(subject, ruleset.membership, start, end)  # type: ignore[arg-type]
        if not served.appraised:
            return []
        in_term = term_window(ruleset, term, start, end)  # type: ignore[arg-type]
        credits = _credits(sorted(records, key=lambda r: r.id), {subject.id: subject}).get(subject.id, [])
        in_period = [c for c in credits if start <= c.record.occurred_on <= end]  # type: ignore[operator]
        pools = {"period": in_period, "input": credits,
                 "term": [] if in_term is None else [c for c in credits
                                                     if in_term[0] <= c.record.occurred_on <= in_term[1]]}
        halves = _halves(subject, in_period, ruleset, start, end)
        out = []
        for gate, counted in _requirement_counts(subject, pools, ruleset, served.factor, halves):
            if gate.veto:
                continue
            for prefix, req, count, share in counted:
                if req.min_count is None:
                    continue
                needed = req.min_count if share == 1 else scaled_count(req.min_count, share)
                out.append(Progress(gate.name, gate.label, req.label, prefix, count, needed, req.match.kinds))
        return out


def requirement_met(req: Requirement, count: int, factor: Fraction) -> tuple[bool, str]:
    """Whether `count` meets the requirement, its minimum × `factor` (rounded half up) for a prorated subject; and,
    when that minimum shrank, how it reads on the card."""
    if factor == 1 or req.min_count is None:
        return req.met(count), ""
    low = scaled_count(req.min_count, factor)
    ok = count >= low and (req.max_count is None or count <= req.max_count)
    return ok, f"(按在任天数折算,至少 {low} 件)" if low != req.min_count else ""


#: How a count over the 届 (`window: term`) reads on the card: "本届累计 2 件".
TERM_PREFIX = "本届累计 "
#: How each half-year's count (`window: half`) reads on the card: "上半年 4 件;…下半年 1 件(未达到)".
HALF_PREFIXES = ("上半年 ", "下半年 ")


def trigger_detail(trigger: Trigger, count: int) -> str:
    """What a fired count trigger says on the card: how many, and the level reached (higher replaces lower)."""
    where = TERM_PREFIX if trigger.window == "term" else ""
    level = trigger.level(count)
    if level is None:
        return f"{where}{count} 件(达到 {trigger.min_count} 件)"
    lower = [f"“{lv.label}”" for lv in trigger.levels if lv.min_count < level.min_count]
    return (f"{where}{count} 件,达到“{level.label}”({level.min_count} 件起)"
            + (f",不再另作{'、'.join(lower)}" if lower else ""))


def _triggers(subject: Subject, total: Decimal, pools: Mapping[str, list[_Credit]], ruleset: RuleSet,
              factor: Fraction) -> tuple[list[Flag], list[Effect]]:
    """The triggers that fire; a prorated subject's total this year is below `below` × its share."""
    flags: list[Flag] = []
    effects: list[Effect] = []
    history = {h.year: h for h in subject.history}
    for trigger in ruleset.triggers:
        if trigger.below is not None:
            years = [ruleset.year - k for k in range(1, trigger.years)]
            if Fraction(total) < Fraction(trigger.below) * factor \
                    and all(y in history and history[y].total < trigger.below for y in years):
                flags.append(Flag(trigger.name, trigger.label,
                                  f"连续 {trigger.years} 年低于 {trigger.below} 分"))
                effects.append(trigger.effect)
        elif trigger.match is not None:
            count = _count(pools[trigger.window], trigger.match, ruleset)
            if count < trigger.min_count:
                continue
            level = trigger.level(count)
            if level is None:
                flags.append(Flag(trigger.name, trigger.label, trigger_detail(trigger, count)))
                effects.append(trigger.effect)
            else:
                flags.append(Flag(trigger.name, f"{trigger.label}:{level.label}", trigger_detail(trigger, count),
                                  level.label))
                effects.append(level.effect)
    return flags, effects


def _combine(ruleset: RuleSet, effects: list[Effect]) -> Effect:
    """The strictest of several effects: the worst forced grade, the worst cap, ineligible if any says so."""
    order = {g.name: i for i, g in enumerate(ruleset.grades)}
    forced = [e.grade for e in effects if e.grade is not None]
    capped = [e.max_grade for e in effects if e.max_grade is not None]
    return Effect(grade=max(forced, key=order.__getitem__) if forced else None,
                  max_grade=max(capped, key=order.__getitem__) if capped else None,
                  eligible=all(e.eligible for e in effects))
