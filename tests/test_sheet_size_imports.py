"""A spreadsheet's declared size, through every way in: the import check in the web (any clerk), the roster import,
`flask import records`, `flask import roster` and `flask score --records`. A file of two far-apart cells used to abort
the worker (SIGABRT) or take it to 4.4 GB; now each way answers with the same Chinese reason, nothing is written, and
a command exits 1 in bounded memory (its peak measured by the kernel, wait4). In this process calamine is replaced
by a stub that fails the test if asked to read a hostile file (the real one would abort the test run)."""
from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import text_of, xlsx
from test_sheet_extent import no_calamine, ods_cell, ods_table, openpyxl_book  # noqa: F401  # a fixture

from app import create_app
from app.extensions import db
from app.models import Activity, AuditLog, Member, Role
from app.sheetlimits import sheet_limits
from app.spreadsheets.extent import SheetLimits

ROOT = Path(__file__).resolve().parent.parent
FAR = "表格范围过大（至少 1048576 行 × 16384 列，最多 200000 行 × 60 列）：单元格 XFD1048576 超出范围，请删去多余的行和列后再试"
FAR_ODS = ods_table('<table:table table:name="委员名单"><table:table-row table:number-rows-repeated="1048576">'
                    f"{ods_cell(columns=16384)}</table:table-row></table:table>")
MB = 1024  # ru_maxrss is in KiB


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Activity, Member, AuditLog))


@pytest.fixture
def clerk(county, make_user, login):
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    login("clerk1")


def test_a_clerk_checking_two_far_cells_gets_the_reason_not_a_500_and_nothing_is_written(client, clerk,
                                                                                            no_calamine):
    before = counts()
    response = client.post("/imports/records/check", data={"file": (io.BytesIO(openpyxl_book("A1", "XFD1048576")),
                                                                    "履职记录.xlsx")},
                           content_type="multipart/form-data")
    page = text_of(response)
    assert response.status_code == 422 and "整个文件没有导入" in page
    assert f"履职记录.xlsx:履职记录: {FAR}" in page
    assert counts() == before
    link = next(part.split('"')[0] for part in response.get_data(as_text=True).split('href="')
                if part.startswith("/imports/records/errors/"))
    marked = client.get(link.replace("&amp;", "&"))  # the error workbook: the summary, the file never opened
    assert marked.status_code == 200
    summary = openpyxl.load_workbook(io.BytesIO(marked.data))
    assert summary.sheetnames == ["错误汇总"]
    assert [c.value for c in summary["错误汇总"][2]] == ["履职记录", None, None, FAR]


def test_the_limits_come_from_the_configuration(app, client, clerk):
    assert sheet_limits() == SheetLimits()  # config.py's defaults are the reader's own
    app.config["IMPORT_MAX_ROWS"] = 3
    rows = [["W001", "张三", "提案", "2025-03-02", f"提案{n}", "立案"] for n in range(5)]
    data = xlsx("履职记录", ["对象编号", "姓名", "类型", "日期", "标题", "结果"], rows)
    response = client.post("/imports/records/check", data={"file": (io.BytesIO(data), "履职记录.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "履职记录.xlsx:履职记录: 表格范围过大（至少 4 行 × 1 列，最多 3 行 × 60 列）：单元格 A4 超出范围" in text_of(response)


def test_an_ods_roster_repeating_a_cell_over_the_whole_sheet_is_refused_with_the_reason(client, county, make_user,
                                                                                         login, no_calamine):
    make_user("office1", Role.OFFICE)
    login("office1")
    before = counts()
    response = client.post("/imports/roster/", data={"file": (io.BytesIO(FAR_ODS), "委员名单.ods")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert f"委员名单.ods:委员名单: {FAR}" in text_of(page)
    assert counts() == before


# --- the commands, each in a process of its own: exit 1 with the reason, never a signal, memory bounded ------------

def run(args: list[str], tmp_path: Path) -> tuple[int, int, str]:
    """`flask --app wsgi ARGS` on a throwaway SQLite database: (exit status, peak RSS in KiB, standard error). The
    process may not take more than 3 GB of address space, so a reader that does not refuse fails fast here."""
    database = tmp_path / "cli.db"
    if not database.exists():
        url = f"sqlite:///{database}"
        app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            db.create_all()
            db.engine.dispose()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "FLASK_SECRET_KEY": "test"}
    env.pop("TEST_DATABASE_URL", None)
    errors = tmp_path / "stderr.txt"

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    # The peak is the command's own (VmHWM of the process after exec, written at exit): ru_maxrss would also count
    # the pages of the test process it was forked from, which in the whole suite is several hundred MB.
    peak_file = tmp_path / "peak.txt"
    with errors.open("wb") as err:
        child = subprocess.Popen([sys.executable, "-c", PEAK_WRAPPER, str(peak_file), "--app", "wsgi", *args],
                                 cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                 preexec_fn=bounded)  # noqa: PLW1509
        _, status, _usage = os.wait4(child.pid, 0)
        child.returncode = status  # reaped here: Popen must not wait for it again
    assert not os.WIFSIGNALED(status), f"killed by signal {os.WTERMSIG(status)}: {errors.read_text()}"
    return os.WEXITSTATUS(status), int(peak_file.read_text()), errors.read_text()


# `flask ARGS` in this process, writing its peak resident size (KiB) to the file named first when it exits
PEAK_WRAPPER = """
import atexit, re, runpy, sys
out = sys.argv.pop(1)
def peak():
    status = open("/proc/self/status").read()
    open(out, "w").write(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
atexit.register(peak)
sys.argv[0] = "flask"
runpy.run_module("flask", run_name="__main__")
"""


@pytest.mark.parametrize(("name", "data", "args", "expected"), [
    ("far.xlsx", openpyxl_book("A1", "XFD1048576"), ["import", "records"], f"far.xlsx:履职记录: {FAR}"),
    ("zz.xlsx", openpyxl_book("A1", "ZZ200000"), ["import", "records"],
     "zz.xlsx:履职记录: 表格范围过大（至少 200000 行 × 702 列，最多 200000 行 × 60 列）：单元格 ZZ200000"),
    ("far.ods", FAR_ODS, ["import", "roster"], f"far.ods:委员名单: {FAR}"),
    ("zz.xlsx", openpyxl_book("A1", "ZZ200000"),
     ["score", "--rules", "scoring_rules/2025-四个一-委员.yaml", "--period", "2025", "--records"],
     "zz.xlsx:履职记录: 表格范围过大（至少 200000 行 × 702 列"),
], ids=["import records A1+XFD1048576", "import records A1+ZZ200000", "import roster .ods", "score --records"])
def test_a_command_refuses_the_file_exits_1_and_stays_small(tmp_path, name, data, args, expected):
    path = tmp_path / name
    path.write_bytes(data)
    status, peak, errors = run([*args, str(path)], tmp_path)
    assert status == 1 and expected in errors, errors
    assert peak < 400 * MB, f"{peak // MB} MB"
