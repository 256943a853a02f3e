"""Chinese sentences use full-width punctuation (，：；（）！？): the ballot's and the imports' messages are read by
people, and "推荐截止,开始考核" looks like a typo. Walks the modules' string constants with `ast`; ASCII stays inside
codes, numbers and file names, and in the `FILE:sheet:row:column: ` prefix of a position (app.spreadsheets.rows.where)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted([p for folder in ("app/awards", "app/imports", "app/roster", "app/spreadsheets", "app/reviews")
                  for p in (ROOT / folder).glob("*.py")] + [ROOT / "app/kindfields.py"])
CJK = re.compile(r"[\u201c\u201d\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")  # and “ ” and the full-width forms
ASCII = re.compile(r"[,:;()!?]")
HOLE = "\0"  # where an f-string's placeholder goes: neither Chinese nor punctuation


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def texts(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string a module shows: constants (not docstrings), and f-strings with a HOLE for each
    placeholder."""
    skip = _docstrings(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
            found.append((node.lineno, "".join(v.value if isinstance(v, ast.Constant) else HOLE
                                               for v in node.values)))
    found += [(node.lineno, node.value) for node in ast.walk(tree)
              if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip]
    return [(line, text) for line, text in found if CJK.search(text) and not character_set(text)]


def character_set(text: str) -> bool:
    """A pattern: a character set holding both forms of a mark ("[:：]", "[(（]"), a group "(?:…)" or a class "\\s"; what it
    matches, not a sentence."""
    return "(?:" in text or "\\s" in text or any(a in text and b in text for a, b in zip(",:;()!?", "，：；（）！？"))


def ascii_beside_chinese(text: str) -> list[str]:
    """Each ASCII ,:;()!? whose nearest neighbour (spaces aside) is Chinese, or that closes a full-width （ (or a
    full-width ） closing an ASCII "("), shown in its context."""
    bad = []
    for match in ASCII.finditer(text):
        i = match.start()
        if text[i] == ":" and text[i - 1:i] == HOLE and text[i + 1:i + 2] == " ":
            continue  # "{where(...)}: 说明": a position's prefix, like a compiler's
        before, after = text[:i].rstrip(" ")[-1:], text[i + 1:].lstrip(" ")[:1]
        if CJK.match(before or " ") or CJK.match(after or " "):
            bad.append(text[max(0, i - 6):i + 7])
    opened: list[str] = []
    for i, ch in enumerate(text):
        if ch in "(（":
            opened.append(ch)
        elif ch in ")）" and opened and (opened.pop() == "（") != (ch == "）"):
            bad.append(text[max(0, i - 6):i + 7])
    return [b.replace(HOLE, "{…}") for b in bad]


@pytest.mark.parametrize(("text", "found"), [
    ("推荐截止,开始领导小组考核", ["推荐截止,开始领导小组"]),
    ("已导入: 3 行", ["已导入: 3 行"]),
    (f"{HOLE} 年不是开放录入的考评年度（开放：{HOLE})", ["度（开放：{…})"]),
    (f"{HOLE}: 无法识别这一列", []),                            # a position's prefix
    ("期间填 2025H1 或 W0230 (code), a:b", []),                  # codes and English keep their ASCII
    ("列的对应（JSON 或 JSON 文件）：{\"籍贯\": \"不导入\"}", []),
])
def test_the_check_finds_ascii_beside_chinese_and_nothing_else(text, found):
    assert ascii_beside_chinese(text) == found


def test_the_ballot_and_the_imports_speak_with_full_width_punctuation():
    assert len(MODULES) > 10
    problems = [f"{path.relative_to(ROOT)}:{line}: {bad}"
                for path in MODULES for line, text in texts(ast.parse(path.read_text(encoding="utf-8")))
                for bad in ascii_beside_chinese(text)]
    assert not problems, "ASCII punctuation in Chinese text (use ，：；（）！？):\n" + "\n".join(problems)
