"""Every WTForms form, posted through its real route with random values: never a 500, never a half-done write.

The routes that take a POST are found in `app.url_map`, and each view's form classes in its source (`XxxForm(`).
Random values (unicode, very long text, numbers out of range, impossible dates, blanks) go to every field of those
forms, as the office (the admin for 管理 routes), on the demo county. A response that is not a success (an error
status, the form shown again, or a redirect with only an error message) must leave every table as it was.
"""
from __future__ import annotations

import collections
import datetime as dt
import inspect
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import (BooleanField, DateField, DecimalField, FieldList, FileField, FloatField, FormField,
                     IntegerField, MultipleFileField, RadioField, SelectField, SelectMultipleField)
from wtforms.fields.core import UnboundField

from app.extensions import db
from app.models import Category

EXAMPLES = 20  # per route and form
SHARDS = 4  # the routes, every SHARDS-th to a test, so that the test workers share them
# signing in or out changes who the rest of the test is; so would wrong current passwords (five sign the user out)
SKIPPED = {"auth.login", "auth.logout", "auth.change_password"}
TEXT = st.one_of(
    st.text(max_size=30), st.text(min_size=200, max_size=400), st.just("长" * 20_000), st.just(""), st.just("   "),
    st.sampled_from(["<script>alert(1)</script>", "' OR 1=1 --", "%00", "\x00", "\u202e", "NaN", "-1", "0", "1e400",
                     "2025-02-30", "9" * 40, "../../etc/passwd", "{{7*7}}", "y", "true", "on", "是"]),
)
NUMBER = st.one_of(st.integers(-(2**70), 2**70).map(str), st.decimals(allow_nan=True).map(str),
                   st.sampled_from(["", "abc", "1e400", "-0", "1,000", "１２", "0x10", "inf", "nan", "2147483648"]))
DATE = st.one_of(st.dates().map(dt.date.isoformat),
                 st.sampled_from(["2025-02-30", "2025-13-01", "0000-00-00", "9999-12-31", "2025/3/2", "", "today",
                                  "2025-02-29", "1900-01-01", "20250302"]), TEXT)


def _sources(view: object) -> tuple[str, dict[str, object]]:
    """The view's source and that of the module's functions it calls (one level: `_form`, `_save` …)."""
    view = inspect.unwrap(view)  # type: ignore[arg-type]
    namespace = view.__globals__  # type: ignore[attr-defined]
    source = inspect.getsource(view)  # type: ignore[arg-type]
    helpers = [namespace[name] for name in dict.fromkeys(re.findall(r"\b(\w+)\(", source))
               if inspect.isfunction(namespace.get(name)) and namespace[name].__module__ == view.__module__]
    return "\n".join([source, *(inspect.getsource(h) for h in helpers)]), namespace


def forms_of(view: object) -> list[type]:
    """The FlaskForm classes a view makes (by name, as its source or its helpers' call them)."""
    source, namespace = _sources(view)
    found = []
    for name in dict.fromkeys(re.findall(r"\b(\w*Form)\(", source)):
        cls = namespace.get(name) or getattr(namespace.get("forms"), name, None)
        if isinstance(cls, type) and hasattr(cls, "validate_on_submit"):
            found.append(cls)
    return found


def raw_fields_of(view: object) -> list[str]:
    """Form keys a view reads from `request.form` itself."""
    return list(dict.fromkeys(re.findall(r"request\.form(?:\.get|\.getlist)?[\[(]\"(\w+)\"", _sources(view)[0])))


def fields_of(form: type) -> dict[str, UnboundField]:
    return {name: value for name in dir(form) if isinstance(value := getattr(form, name, None), UnboundField)}


def value_for(field: UnboundField) -> st.SearchStrategy[object]:
    kind = field.field_class
    choices = [str(c[0] if isinstance(c, (tuple, list)) else c) for c in (field.kwargs.get("choices") or ())
               if not callable(field.kwargs.get("choices"))]
    if issubclass(kind, (FormField, FieldList)):
        return st.just("")
    if issubclass(kind, (FileField, MultipleFileField)):
        return st.just(None)  # files: tests/test_upload_attacks.py
    if issubclass(kind, BooleanField):
        return st.sampled_from(["y", "", "false", "0", "是"])
    if issubclass(kind, (IntegerField, DecimalField, FloatField)):
        return NUMBER
    if issubclass(kind, DateField):
        return DATE
    if issubclass(kind, SelectMultipleField):
        return st.lists(st.one_of(st.sampled_from(choices), TEXT) if choices else TEXT, max_size=3)
    if issubclass(kind, (SelectField, RadioField)):
        return st.one_of(st.sampled_from(choices), TEXT) if choices else st.one_of(NUMBER, TEXT)
    return TEXT


def url_values(rule: object, ids: dict[str, list[int]]) -> st.SearchStrategy[dict[str, object]]:
    """Values for a rule's variables: ids that exist (and some that do not), or the words the route expects."""
    words = {"category": [c.name.lower() for c in Category] + [c.value for c in Category] + ["x"],
             "period": ["2025H1", "2025H2", "2025H3", "x"],
             "name": ["records", "members", "attendance", "branches", "party-members", "branch-results", "x",
                      "award-list", "certificates", "standings"]}
    parts = {}
    for arg, converter in rule._converters.items():  # type: ignore[attr-defined]
        if getattr(converter, "num_convert", None) is int:
            parts[arg] = st.sampled_from((ids.get(arg) or [1])[:6] + [999_999])
        else:
            parts[arg] = st.sampled_from(words.get(arg, ["x"]))
    return st.fixed_dictionaries(parts)


def counts() -> dict[str, int]:
    """Every table's row count, in one statement (one round trip: this runs twice for each of ~1,000 posts)."""
    tables = db.metadata.sorted_tables
    row = db.session.execute(sa.select(*(sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name)
                                          for t in tables))).one()
    return dict(zip((t.name for t in tables), row, strict=True))


def existing_ids() -> dict[str, list[int]]:
    """Ids of rows, by the route variable names that carry them."""
    tables = {t.name: t for t in db.metadata.sorted_tables}
    wanted = {"member_id": "member", "activity_id": "activity", "evidence_id": "evidence", "unit_id": "unit",
              "meeting_id": "meeting", "enterprise_id": "enterprise", "user_id": "user", "list_id": "award_list",
              "review_id": "review", "candidate_id": "award_candidate", "objection_id": "objection",
              "cert_id": "certificate", "printer_id": "printer", "job_id": "job"}
    found = {}
    for arg, table in wanted.items():
        name = table if table in tables else next((n for n in tables if n.startswith(table)), None)
        if name is not None:
            found[arg] = list(db.session.scalars(sa.select(tables[name].c.id).order_by(tables[name].c.id).limit(6)))
    return found


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [category for category, _ in session.pop("_flashes", [])]


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(SHARDS), ids=[f"{n + 1}-of-{SHARDS}" for n in range(SHARDS)])
def test_random_values_in_every_form_never_give_a_500_or_a_partial_write(app, client, as_user, demo, shard):
    app.config.update(LOGIN_RATE_LIMIT="1000 per minute", OBJECTION_RATE_LIMIT="1000 per minute")  # not what's tested
    ids = existing_ids()
    tried: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()
    routes = [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in SKIPPED]
    assert len(routes) > 40
    signed_in = None
    without: list[str] = []
    ours = sorted(routes, key=lambda r: (r.endpoint.startswith("admin."), r.rule))[shard::SHARDS]
    for rule in ours:
        view = app.view_functions[rule.endpoint]
        forms, raw = forms_of(view), raw_fields_of(view)
        if not forms and not raw:
            without.append(rule.endpoint)
            continue
        fields = {name: st.one_of(NUMBER, TEXT) for name in raw}
        fields |= {name: value_for(f) for form in forms for name, f in fields_of(form).items()}
        if signed_in != (who := "admin" if rule.endpoint.startswith("admin.") else "office"):
            as_user(who)
            signed_in = who

        @FUZZ
        @given(variables=url_values(rule, ids), data=st.fixed_dictionaries({}, optional=fields))
        def post(variables: dict[str, object], data: dict[str, object]) -> None:
            url = rule.build(variables, append_unknown=False)[1]  # type: ignore[attr-defined]
            body = {k: v for k, v in data.items() if v is not None}
            before = counts()
            response = client.post(url, data=body)
            tried[rule.rule] += 1
            status = response.status_code
            assert status < 500, f"{rule.endpoint} {url} {body!r}: {status}"
            categories = flashes(client)
            failed = status >= 400 or (status == 200 and response.mimetype == "text/html") or \
                (status in (302, 303) and categories and "success" not in categories)
            outcomes[f"{status}{'-' + ','.join(sorted(set(categories))) if categories else ''}"] += 1
            if failed:
                db.session.rollback()
                assert counts() == before, f"{rule.endpoint} {url} {body!r}: {status} {categories} changed rows"
            response.close()
            db.session.rollback()
        post()
    print(f"\nform fuzz: {sum(tried.values())} posts to {len(tried)} routes; outcomes {dict(outcomes)}; "
          f"no form: {without}")
    # every route of the shard with a form was posted to; one whose every input is drawn from a few values (ids, no
    # free field) runs out of new examples early
    assert len(tried) == len(ours) - len(without) and all(0 < n <= EXAMPLES for n in tried.values()), tried


@pytest.mark.parametrize("value", ["sNaN", "NaN", "-nan", "Infinity", "-inf", "1e400"])
def test_nan_and_infinity_are_refused_by_a_decimal_field_not_a_500(app, value):
    from flask_wtf import FlaskForm
    from wtforms.validators import NumberRange

    from app.forms import ChineseDecimalField

    class Form(FlaskForm):
        x = ChineseDecimalField(validators=[NumberRange(-10, 10)])
    with app.test_request_context(method="POST", data={"x": value}):
        form = Form()
        assert not form.validate() and form.x.errors
