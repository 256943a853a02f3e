"""Content hash: sha256 over the rule file bytes, the period and the normalised subjects and records."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from app.scoring.exact import plain
from app.scoring.rules import RuleSet
from app.scoring.types import Record, Subject


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
    return {"id": subject.id, "units": sorted(subject.unit_ids),
            "attrs": {k: _value(v) for k, v in sorted(subject.attrs.items())},
            "history": sorted([h.year, plain(h.total), h.grade] for h in subject.history)}


def content_hash(ruleset: RuleSet | bytes, subjects: Iterable[Subject], records: Iterable[Record],
                 period: str) -> str:
    """Hex sha256; independent of input order. Subjects are included because their attributes (常委, 正式党员)
    change scores, grades and quotas; names are not, since they do not."""
    rules = ruleset.source if isinstance(ruleset, RuleSet) else bytes(ruleset)
    doc = {"rules": hashlib.sha256(rules).hexdigest(), "period": period,
           "subjects": sorted((normalise_subject(s) for s in subjects), key=lambda d: d["id"]),
           "records": sorted((normalise_record(r) for r in records), key=lambda d: d["id"])}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
