"""Content hash: sha256 over the rule file bytes, the period and the normalised subjects and records."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from app.scoring.exact import plain
from app.scoring.rules import RuleSet
from app.scoring.types import HistoryEntry, Record, Subject, TermSpan


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"d": plain(value)}  # 1.50 and 1.5 are the same number, so they hash the same
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return {"d": str(value)}
    return value


def normalise_record(record: Record) -> dict[str, Any]:
    return {"id": record.id, "subject": record.subject_id, "kind": record.kind, "category": record.category,
            "on": record.occurred_on.isoformat(), "participants": list(record.participants),
            "work": record.work_id,
            "fields": {k: _value(v) for k, v in sorted(record.fields.items()) if v is not None and v != ""}}


def normalise_subject(subject: Subject) -> dict[str, Any]:
    """The subject as hashed and frozen; its dates of service only when it has them (a subject without any hashes as
    it always did)."""
    doc: dict[str, Any] = {"id": subject.id, "units": sorted(subject.unit_ids),
                           "attrs": {k: _value(v) for k, v in sorted(subject.attrs.items())},
                           "history": sorted([h.year, plain(h.total), h.grade] for h in subject.history)}
    if subject.joined_on is not None:
        doc["joined_on"] = subject.joined_on.isoformat()
    if subject.left_on is not None:
        doc["left_on"] = subject.left_on.isoformat()
    if subject.left:
        doc["left"] = True
    return doc


def _number(value: Any) -> Any:
    """A field or attribute back from its normalised form ({"d": "7.5"} is a number)."""
    if isinstance(value, dict) and set(value) == {"d"}:
        text = value["d"]
        return int(text) if text.lstrip("-").isdigit() else Decimal(text)
    return value


def record_from_json(data: dict[str, Any]) -> Record:
    """A record back from `normalise_record` (a frozen review's `input_records`): the same record, the same hash."""
    return Record(id=data["id"], subject_id=data["subject"], kind=data["kind"],
                  occurred_on=dt.date.fromisoformat(data["on"]),
                  fields={k: _number(v) for k, v in data["fields"].items()}, participants=tuple(data["participants"]),
                  work_id=data["work"], category=data["category"])


def subject_from_json(data: dict[str, Any], name: str = "") -> Subject:
    """A subject back from `normalise_subject`, with `name` (names are not kept: they change no result)."""
    day = lambda key: dt.date.fromisoformat(data[key]) if data.get(key) else None
    return Subject(id=data["id"], name=name, unit_ids=tuple(data["units"]),
                   attrs={k: _number(v) for k, v in data["attrs"].items()},
                   history=tuple(HistoryEntry(year, Decimal(total), grade) for year, total, grade in data["history"]),
                   joined_on=day("joined_on"), left_on=day("left_on"), left=bool(data.get("left", False)))


def normalise_term(term: TermSpan) -> dict[str, Any]:
    return {"name": term.name, "starts_on": term.starts_on.isoformat(), "ends_on": term.ends_on.isoformat()}


def term_from_json(data: dict[str, Any]) -> TermSpan:
    """The 届 back from its normalised JSON (a frozen review's `input_records`)."""
    return TermSpan(dt.date.fromisoformat(data["starts_on"]), dt.date.fromisoformat(data["ends_on"]),
                    data.get("name", ""))


def content_hash(ruleset: RuleSet | bytes, subjects: Iterable[Subject], records: Iterable[Record],
                 period: str, term: TermSpan | None = None) -> str:
    """Hex sha256; independent of input order. Subjects are included because their attributes (常委, 正式党员)
    change scores, grades and quotas; names are not, since they do not. The 届's dates are included when given (a
    rule file that counts over the 届 is scored with them), and left out otherwise, so earlier hashes stand."""
    rules = ruleset.source if isinstance(ruleset, RuleSet) else bytes(ruleset)
    doc: dict[str, Any] = {"rules": hashlib.sha256(rules).hexdigest(), "period": period,
                           "subjects": sorted((normalise_subject(s) for s in subjects), key=lambda d: d["id"]),
                           "records": sorted((normalise_record(r) for r in records), key=lambda d: d["id"])}
    if term is not None:  # its dates: its name changes nothing
        doc["term"] = [term.starts_on.isoformat(), term.ends_on.isoformat()]
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
