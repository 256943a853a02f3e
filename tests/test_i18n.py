"""English: the catalog is complete, compiled and in step with the code; the switch works and is remembered."""
from __future__ import annotations

import inspect
import os
import re
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.extensions import db
from app.models import JobState, Role, User, enums
from conftest import text_of

ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = ROOT / "app" / "translations" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
# CJK and full-width punctuation (。，、；：！？（）【】《》 …); quotes like “ ” and dashes are ordinary English.
FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")


@pytest.fixture(scope="module")
def catalog():
    with open(CATALOG_DIR / "messages.po", "rb") as handle:
        return read_po(handle)


def messages(catalog):
    return [m for m in catalog if m.id]


def placeholders(text: str) -> Counter:
    return Counter(f"{name or ''}:{kind}" for name, kind in PLACEHOLDER.findall(text))


def test_every_entry_is_translated_with_the_same_placeholders(catalog):
    assert not catalog.fuzzy
    problems = []
    for message in messages(catalog):
        assert isinstance(message.id, str), f"unexpected plural entry {message.id!r}"
        if not message.string or not message.string.strip():
            problems.append(f"untranslated: {message.id}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {message.id}")
        elif placeholders(message.id) != placeholders(message.string):
            problems.append(f"placeholders differ: {message.id!r} -> {message.string!r}")
        elif FULL_WIDTH.search(message.string):
            problems.append(f"full-width punctuation: {message.string!r}")
        elif "<" in message.string and "<" not in message.id:
            problems.append(f"markup added: {message.string!r}")
    assert not problems, "\n".join(problems)
    assert len(messages(catalog)) > 300


def test_the_compiled_catalog_matches_the_po_file(catalog):
    """messages.mo is committed: `pybabel compile -d app/translations` after every change to messages.po."""
    with open(CATALOG_DIR / "messages.mo", "rb") as handle:
        compiled = read_mo(handle)
    expected = {m.id: m.string for m in messages(catalog) if m.string and not m.fuzzy}
    actual = {m.id: m.string for m in compiled if m.id}
    assert actual == expected


def extracted_msgids() -> set[str]:
    """What `make translations` extracts: babel.cfg over the repository, keyword _l too, _macros included."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")

    def wanted(path: str) -> bool:
        name = os.path.basename(path)
        relative = os.path.relpath(path, ROOT)
        # Only the app directory holds mapped files; Babel's default would also skip _macros, so it is not used.
        return not name.startswith(".") and name != "__pycache__" and (relative.split(os.sep)[0] == "app")

    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords, directory_filter=wanted):
        found.update(message if isinstance(message, tuple) else (message,))
    return {m for m in found if m}


def test_every_message_in_the_code_is_in_the_catalog(catalog):
    extracted = extracted_msgids()
    assert "登录" in extracted and "上一页" in extracted  # the extraction really read Python, templates, _macros
    missing = extracted - {m.id for m in messages(catalog)}
    assert not missing, f"run `make translations` and translate: {sorted(missing)}"


def test_every_enum_label_is_in_the_catalog(catalog):
    """Templates show labels as _(value.label), which extraction cannot see; scripts/add_enum_labels.py adds them."""
    ids = {m.id for m in messages(catalog)}
    labels = {member.label for _name, cls in inspect.getmembers(enums, inspect.isclass)
              if issubclass(cls, enums.LabelledEnum) and cls is not enums.LabelledEnum for member in cls}
    labels |= {member.label for member in JobState}  # a coded value defined beside its table
    assert labels - ids == set()


def test_the_language_switch_turns_the_pages_english_and_back(client, make_user, login):
    make_user("office1", Role.OFFICE)
    assert "用户名" in text_of(client.get("/auth/login"))

    client.get("/lang/en")
    text = text_of(client.get("/auth/login"))
    assert "Sign in" in text and "Username" in text and "Password" in text
    assert "登录" not in text and "用户名" not in text and "密码" not in text

    login("office1")
    text = text_of(client.get("/"))
    assert "Hello, office1" in text and "Campaign office" in text and "CPPCC members" in text
    assert "Duty records · Submitted" in text and "Sign out" in text
    assert "您好" not in text and "政协委员" not in text and "履职记录" not in text and "退出" not in text
    assert "已提交" not in text
    text = text_of(client.get("/members/"))
    assert "CPPCC members" in text and "Name or pinyin initials" in text and "Search" in text
    assert "政协委员" not in text and "姓名或拼音首字母" not in text and "查询" not in text

    client.get("/lang/zh_Hans_CN")
    text = text_of(client.get("/members/"))
    assert "政协委员" in text and "姓名或拼音首字母" in text
    assert "CPPCC members" not in text and "Sign out" not in text


def test_an_unknown_language_is_ignored(client):
    response = client.get("/lang/xx?next=/auth/login")
    assert response.status_code == 302
    assert "用户名" in text_of(client.get("/auth/login"))


def locale_of(username: str) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(User.locale).where(User.username == username))


def test_a_signed_in_users_choice_is_remembered_at_the_next_sign_in(client, make_user, login):
    make_user("office1", Role.OFFICE)
    login("office1")
    assert "您好" in text_of(client.get("/"))
    client.get("/lang/en")
    assert locale_of("office1") == "en"
    client.post("/auth/logout")
    assert "用户名" in text_of(client.get("/auth/login"))  # signed out: the default language again

    login("office1")  # sign-out emptied the session: the account carries the choice
    assert "Hello, office1" in text_of(client.get("/"))

    client.get("/lang/zh_Hans_CN")
    assert locale_of("office1") == "zh_Hans_CN"
    client.post("/auth/logout")
    login("office1")
    assert "您好" in text_of(client.get("/"))


def test_a_choice_made_on_the_sign_in_page_is_kept_and_remembered(client, make_user, login):
    make_user("office1", Role.OFFICE, locale="zh_Hans_CN")
    client.get("/lang/en")
    login("office1")
    assert "Hello, office1" in text_of(client.get("/"))
    assert locale_of("office1") == "en"
