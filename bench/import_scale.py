"""import_scale: a 100,000-row 履职记录 workbook imported into PostgreSQL, against python-calamine merely reading it.

Run: .venv/bin/python bench/import_scale.py [--rows N] [--database URL]
The database (default postgresql+psycopg://postgres@127.0.0.1:5432/bench_import) is dropped and made anew. The
workbook is made by the app's own export writer; both timings read the very same bytes in this run. The last line
is the result, e.g. `import_scale: 3.1x python-calamine read (target <= 4x), ...`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402
from served import fresh_database  # noqa: E402

MEMBERS = 400
RUNS = 3  # timed runs of each side, after a warm-up (the import's warm-up is the first, in a fresh process)
KINDS = (("提案", "立案", None, None), ("社情民意", "采用", "市", None), ("引进企业", "落地", None, "1250.5"),
         ("捐资助学", None, None, "3000"), ("结对困难户", None, None, None), ("意见建议", None, None, None))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed() -> None:
    from app.extensions import db
    from app.models import AppraisalYear, Gender, Member, Term, Unit, UnitKind
    from app.pinyin import search_key

    db.create_all()
    cppcc = Unit(code="C0", name="县政协", kind=UnitKind.CPPCC)
    db.session.add(cppcc)
    db.session.flush()
    sectors = [Unit(code=f"S{i}", name=f"第{i}界别", kind=UnitKind.SECTOR_GROUP, parent_id=cppcc.id) for i in range(10)]
    db.session.add_all(sectors)
    term = Term(number=1, name="第一届", starts_on=dt.date(2022, 1, 1), ends_on=dt.date(2026, 12, 31))
    db.session.add_all([term, AppraisalYear(year=2025, name="2025年度")])
    db.session.flush()
    for i in range(MEMBERS):
        name = f"委员{i:03d}"
        db.session.add(Member(code=f"W{i:04d}", name=name, search_key=search_key(name), gender=Gender.MALE,
                              sector_id=sectors[i % 10].id, term_id=term.id))
    db.session.commit()


def workbook(rows: int) -> bytes:
    from app.imports.datasets import DATASETS
    from app.spreadsheets.template import build_template

    sheet = DATASETS["records"].sheets[0]
    keys = [c.key for c in sheet.columns]

    def values():
        for n in range(rows):
            kind, outcome, level, amount = KINDS[n % len(KINDS)]
            row = {"subject": f"W{n % MEMBERS:04d}", "kind": kind,
                   "occurred_on": dt.date(2025, 1 + n % 11, 1 + n % 28),
                   "title": f"第{n}号:关于推进乡村振兴重点项目的{kind}", "outcome": outcome, "level": level,
                   "amount": amount, "people_helped": 12 if kind == "捐资助学" else None,
                   "description": "由录入员根据委员提交的材料整理"}
            yield [row.get(k) for k in keys]
    return build_template(DATASETS["records"].sheets, title="bench", rows={sheet.name: values()})


def calamine_read(data: bytes) -> int:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    count = 0
    for name in book.sheet_names:
        for _row in book.get_sheet_by_name(name).iter_rows():
            count += 1
    return count


def import_file(url: str, path: str, rows: int, out: str) -> None:
    """In a child process: the first import (timed: a fresh process), then RUNS more into an emptied table (timed:
    a warm process, as a server's is), then a dry run of the same file again; results written to `out` as JSON.

    A process of its own, so that its peak memory is the import's alone, not the workbook writer's.
    """
    from app import create_app
    from app.extensions import db
    from app.imports.base import run_import
    from app.imports.datasets import DATASETS
    from app.models import Activity

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        data = Path(path).read_bytes()
        gc.collect()
        before = peak_mib()
        times = []
        for run in range(1 + RUNS):
            if run:
                # CASCADE: contact (empty here) refers to activity
                db.session.execute(sa.text("TRUNCATE activity, activity_participant, evidence, audit_log CASCADE"))
                db.session.commit()
            started = time.perf_counter()
            outcome = run_import(DATASETS["records"], data, "bench.xlsx", None, dry_run=False)
            if not outcome.ok:
                raise SystemExit("\n".join(outcome.errors[:20]))
            db.session.commit()
            times.append(time.perf_counter() - started)
            del outcome
            gc.collect()
        peak = peak_mib()
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
        started = time.perf_counter()
        again = run_import(DATASETS["records"], data, "bench.xlsx", None, dry_run=True)
        db.session.rollback()
        Path(out).write_text(json.dumps({
            "first": times[0], "warm": times[1:], "stored": stored, "peak": peak, "before": before,
            "again": again.summary(), "again_seconds": time.perf_counter() - started}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_import"))
    args = parser.parse_args()
    fresh_database(args.database)
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        seed()
        started = time.perf_counter()
        data = workbook(args.rows)
    print(f"workbook: {args.rows} rows, {len(data) / 2**20:.1f} MiB, written in {time.perf_counter() - started:.1f} s")
    read_rows = calamine_read(data)  # a warm-up, untimed
    reads = []
    for _ in range(RUNS):
        started = time.perf_counter()
        calamine_read(data)
        reads.append(time.perf_counter() - started)
    calamine = min(reads)
    print(f"python-calamine read: {read_rows} rows, best of {RUNS} {calamine:.2f} s "
          f"({', '.join(f'{t:.2f}' for t in reads)})")
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "bench.xlsx", Path(folder) / "result.json"
        path.write_bytes(data)
        child = multiprocessing.get_context("spawn").Process(
            target=import_file, args=(args.database, str(path), args.rows, str(out)))
        child.start()
        child.join()
        if child.exitcode:
            sys.exit(child.exitcode)
        result = json.loads(out.read_text())
    first, warm = result["first"], min(result["warm"])
    print(f"first import in a fresh process: {first:.2f} s ({first / calamine:.1f}x)")
    print(f"import, best of {RUNS} after it: {warm:.2f} s ({', '.join(f'{t:.2f}' for t in result['warm'])}); "
          f"{result['stored']} records stored")
    print(f"second dry run (idempotency): {result['again']} in {result['again_seconds']:.2f} s")
    print(f"import process: peak RSS {result['peak']:.0f} MiB ({result['before']:.0f} MiB before the imports)")
    print(f"import_scale: {warm / calamine:.1f}x python-calamine read (target <= 4x), {args.rows} rows in "
          f"{warm:.2f} s on {args.database.split(':', 1)[0]} (best of {RUNS}; first import in a fresh process "
          f"{first / calamine:.1f}x), import peak {result['peak'] / 1024:.2f} GiB")

if __name__ == "__main__":
    main()
