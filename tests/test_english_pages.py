"""With English chosen, every page is English but for the county's own data.

Each GET route of test_route_probe's ROUTES (every rule of the app's url_map, classified) is visited with the demo's
ids, in English, as anonymous and as each of the seven demo roles that may use it. What a person reads on a page
(its text, and the titles, placeholders and labels in its attributes) may hold Chinese only where it is stored data:
names, titles, units, rule items… (every text of every table of the finished demo year, and the shipped rule files
the county adopted). Any other run of Chinese characters is an untranslated string: the test lists them, page by
page.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ON_SQLITE
from flask import Flask
from flask.testing import FlaskClient
from test_route_probe import ROUTES, VISITORS, build_world, path_of, sign_in

from app.extensions import db
from app.models import Role
from reports.numerals import certificate_number

HAN = re.compile(r"[\u3400-\u9fff]+")
ATTRIBUTES = re.compile(r'\b(?:title|placeholder|aria-label|alt|data-confirm)="([^"]*)"')
#: Chinese an English page keeps on purpose: the other language's own name on the switch; examples of what the
#: county types in Chinese (a name to search for, a meeting type, an ethnicity, a term); the words an import file
#: holds in Chinese (its column names, 清空, 是, 草稿, a party member's category); the short name the office's full
#: name gives (演示县政协 of 中国人民政治协商会议演示县委员会), offered as the default of a stored fact.
KEPT = {"中文", "张三", "专题协商会", "汉族", "第十一届", "清空", "姓名", "性别", "界别", "序号", "数值", "等级", "是",
        "草稿", "正式党员", "预备党员", "演示县政协"}
SHIPPED = Path(__file__).resolve().parents[1] / "scoring_rules"
# Pages whose whole body is a stored file or a demo's data: checked elsewhere (the rule file's own text).
NOT_PAGES = {"/rules/<int:rule_file_id>/download", "/rules/templates/<name>", "/static/<path:filename>",
             "/lang/<code>", "/auth/logout"}


def stored_text() -> str:
    """Every text the database holds (JSON columns as their text), and the shipped rule files, one per line."""
    parts: list[str] = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON, sa.Enum))]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for value in row:
                if isinstance(value, str):
                    parts.append(value)
                elif value is not None and not isinstance(value, (bytes, int, float)):
                    parts.append(json.dumps(value, ensure_ascii=False, default=str))
    parts += [p.read_text(encoding="utf-8") for p in sorted(SHIPPED.glob("*.yaml"))]
    parts += decision_defaults()
    parts += [certificate_number(p) for p in parts if certificate_number(p) != p]  # numbers as certificates print them
    return "\n".join(parts)


def decision_defaults() -> list[str]:
    """The default words of each review's 表彰决定, made from its stored lists: the text of a Chinese document, which
    its page shows as it will print (in any language) until the office saves its own."""
    from app.documents import decision_text
    from app.documents.errors import DocumentError
    from app.models import Review

    parts = []
    for review in db.session.scalars(sa.select(Review)):
        try:
            text = decision_text.generated(review)
        except DocumentError:  # no award list yet
            continue
        parts += [text.addressees, *text.body, text.closing]
    return parts


def readable(html: str) -> str:
    """The page's visible text and what its attributes show a person."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body) + " " + " ".join(ATTRIBUTES.findall(body))


def allowed(rule: str, role: Role | None) -> bool:
    roles = ROUTES[rule].allowed("GET")
    return roles is None or role in roles


@pytest.mark.slow
@pytest.mark.skipif(not ON_SQLITE, reason="run once per CI run, on SQLite: a page's words do not depend on the "
                    "database (test_route_probe visits every page on both)")
def test_every_page_reads_english_when_english_is_chosen(app: Flask, client: FlaskClient, tmp_path: Path,
                                                        finished_year: object) -> None:
    world = build_world(app, tmp_path)
    data = stored_text()
    known: dict[str, bool] = dict.fromkeys(KEPT, True)
    found: dict[str, set[str]] = {}  # untranslated run → the pages showing it
    rendered = 0
    rules = sorted({rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods} - NOT_PAGES)
    for visitor in VISITORS:
        client.get("/lang/en")  # before signing in, so the sign-in's own messages are English too
        sign_in(client, visitor)
        client.get("/lang/en")
        for rule in rules:
            if not allowed(rule, world.users[visitor].role if visitor in world.users else None):
                continue
            path = path_of(rule, world.ids[visitor])
            response = client.get(path)
            page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            response.close()  # a file sent from disk stays open until then
            if response.status_code != 200 or not page:
                continue
            rendered += 1
            for run in HAN.findall(readable(page)):
                if run not in known:
                    known[run] = run in data
                if not known[run]:
                    found.setdefault(run, set()).add(f"{visitor} {path}")
    assert rendered > 150, rendered
    print(f"{rendered} pages × roles rendered in English")
    assert not found, "untranslated Chinese on English pages (wrap it in _() and translate it):\n" + "\n".join(
        f"  {run}: {', '.join(sorted(pages)[:3])}" for run, pages in sorted(found.items(), key=lambda i: min(i[1])))
