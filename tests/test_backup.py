"""Backup and restore: a finished demo year round-trips (SQLite → SQLite, SQLite → PostgreSQL) with every row,
every frozen review's hash and every evidence file intact; a restore refuses what it must before writing anything;
a backup taken while another session writes is one snapshot."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DATABASE_URL, TEST_CONFIG
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import backup, create_app, evidence, scoring
from app.extensions import db
from app.models import Activity, Category, Evidence, Job, Review, ReviewState, Unit, UnitKind
from app.reviews import services as reviews
from app.reviews.scoring import period_key, score_period
from app.scoring.hashing import record_from_json, subject_from_json, term_from_json

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
PG_URL = (DATABASE_URL if DATABASE_URL.startswith("postgresql")
          else "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def make_app(uri: str, evidence_dir: Path, migrate: bool = True) -> Flask:
    """An app on its own database and evidence folder; the database migrated to head (`flask db upgrade`)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "EVIDENCE_DIR": str(evidence_dir)})
    if migrate:
        with app.app_context():
            upgrade()
    return app


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def add_evidence(directory: Path) -> dict[str, bytes]:
    """Three evidence rows on the first two activities, two of them sharing one file; {sha256: bytes}."""
    first, second = db.session.scalars(sa.select(Activity).order_by(Activity.id).limit(2))
    files = {}
    for activity, data, name, content_type in ((first, PDF_BYTES, "报告.pdf", evidence.PDF),
                                                (first, PNG_BYTES, "现场.png", evidence.PNG),
                                                (second, PDF_BYTES, "报告副本.pdf", evidence.PDF)):
        sha = evidence.store(directory, data)
        files[sha] = data
        db.session.add(Evidence(activity_id=activity.id, original_name=name, sha256=sha, content_type=content_type,
                                size=len(data)))
    db.session.commit()
    return files


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated SQLite file holding the demo county with 2025 finished and a few evidence files."""
    from app.demo import build_demo
    from app.documents.yearend import finish_year
    folder = tmp_path_factory.mktemp("source")
    app = make_app(f"sqlite:///{folder / 'source.db'}", folder / "evidence")
    with app.app_context():
        build_demo()
        db.session.commit()
        finish_year()
        db.session.commit()
        files = add_evidence(folder / "evidence")
        db.session.add_all([Job(key="k1", kind="import", params={"z": 1, "a": [0.5, "文"]}, result=None),
                            Job(key="k2", kind="review", params={}, result={"rows": 3, "ok": True}),
                            Job(key="k3", kind="review", params={}, result=sa.null())])
        db.session.commit()
    yield {"app": app, "folder": folder, "files": files}
    dispose(app)


@pytest.fixture(scope="module")
def archive(source: dict[str, Any]) -> Path:
    path = source["folder"] / "backup.zip"
    with source["app"].app_context():
        manifest = backup.create_backup(path)
    assert manifest["warnings"] == [] and manifest["missing_evidence"] == []
    return path


@pytest.fixture(scope="module")
def empty_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite file migrated to head, for tests that need one more such database (a copy is quicker)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    dispose(make_app(f"sqlite:///{path}", path.parent / "evidence"))
    return path


@pytest.fixture
def target(tmp_path: Path, empty_sqlite: Path) -> Iterator[Callable[..., Flask]]:
    """Return a function that makes an app on a fresh SQLite file migrated to head (by `flask db upgrade` itself
    when `run_upgrade`, else as a copy of one so made), unmigrated when not `migrate`; or on the database `uri`."""
    made: list[Flask] = []

    def make(uri: str | None = None, migrate: bool = True, run_upgrade: bool = False) -> Flask:
        folder = tmp_path / f"target{len(made)}"
        if uri is None:
            if migrate and not run_upgrade:
                shutil.copyfile(empty_sqlite, f"{folder}.db")
            uri = f"sqlite:///{folder}.db"
        app = make_app(uri, folder / "evidence", migrate and (run_upgrade or not uri.startswith("sqlite")))
        made.append(app)
        return app
    yield make
    for app in made:
        dispose(app)


@pytest.fixture
def pg_database() -> Iterator[Callable[[], str]]:
    """Return a function that creates a scratch PostgreSQL database (dropped afterwards) and gives its URL."""
    url = sa.make_url(PG_URL)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 5})
    try:
        conn = admin.connect()
    except sa.exc.OperationalError:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip("PostgreSQL is not reachable (and CI is not set)")
    made: list[str] = []

    def create() -> str:
        name = f"backup_test_{uuid.uuid4().hex[:12]}"
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)
    yield create
    for name in made:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    conn.close()
    admin.dispose()


# --- what a round trip must keep ------------------------------------------------------------------------------------

def dumped(app: Flask) -> dict[str, list[bytes]]:
    with app.app_context(), db.engine.connect() as conn:
        return backup.dump(conn)


def hash_from_stored_inputs(review: Review) -> str:
    """The review's content hash made again by `scoring.content_hash` from what the review itself kept: the rule
    file's bytes (its RuleSet), the normalised subjects and records (`input_records`) and, when it counted over the
    届, the 届's dates."""
    ruleset = reviews.loaded_rules(review)
    assert ruleset is not None
    stored = json.loads(review.input_records)
    subjects = [subject_from_json(s) for s in stored["subjects"]]
    records = [record_from_json(r) for r in stored["records"]]
    term = term_from_json(stored["term"]) if "term" in stored else None
    return scoring.content_hash(review.rule_set.content, subjects, records, period_key(ruleset, review.period), term)


def review_hashes(app: Flask) -> dict[int, tuple[str, str, str | None]]:
    """Review id → (stored hash, hash from its stored inputs, for a frozen review: hash of a fresh scoring)."""
    found = {}
    with app.app_context():
        for review in db.session.scalars(sa.select(Review).order_by(Review.id)):
            rescored = None
            if review.state == ReviewState.FROZEN:
                ruleset = reviews.loaded_rules(review)
                assert ruleset is not None
                rescored = score_period(ruleset, review.period).hash
            found[review.id] = (review.content_hash, hash_from_stored_inputs(review), rescored)
        db.session.remove()
    return found


def assert_round_trip(source: dict[str, Any], restored: Flask) -> None:
    assert dumped(restored) == dumped(source["app"])
    hashes = review_hashes(restored)
    frozen = [h for h in hashes.values() if h[2] is not None]
    assert len(frozen) == 4  # the four annual reviews finish_year froze
    for stored, from_inputs, rescored in hashes.values():
        assert from_inputs == stored
        assert rescored in (None, stored)
    assert hashes == review_hashes(source["app"])
    for app in (source["app"], restored):  # in a JSON column, SQL NULL and the JSON text 'null' stay apart
        with app.app_context():
            assert db.session.scalars(sa.select(Job.key).where(Job.result.is_(None))).all() == ["k3"]
            db.session.remove()
    folder = Path(restored.config["EVIDENCE_DIR"])
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == sorted(
        evidence.path_for(folder, sha).relative_to(folder).as_posix() for sha in source["files"])
    for sha, data in source["files"].items():
        assert evidence.path_for(folder, sha).read_bytes() == data


def assert_untouched(app: Flask) -> None:
    """Nothing was written: every table empty, the evidence folder absent or empty."""
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables and all(db.session.scalar(sa.select(sa.func.count()).select_from(t)) == 0
                              for t in db.metadata.sorted_tables if t.name in tables)
        db.session.remove()
    folder = Path(app.config["EVIDENCE_DIR"])
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


# --- the archive ----------------------------------------------------------------------------------------------------

def test_archive_holds_a_manifest_one_file_per_table_and_the_evidence(source, archive):
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        with source["app"].app_context():
            revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
            tables = [t.name for t in db.metadata.sorted_tables]
            counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                      for t in db.metadata.sorted_tables}
            db.session.remove()
        assert (manifest["format"], manifest["format_version"], manifest["dialect"]) == ("siyi-backup", 1, "sqlite")
        assert manifest["revision"] == revision
        assert dt.datetime.fromisoformat(manifest["created_at"].rstrip("Z"))
        assert [t["name"] for t in manifest["tables"]] == tables
        for item in manifest["tables"]:
            data = zf.read(item["file"])
            assert item["rows"] == counts[item["name"]] == data.count(b"\n")
            assert item["sha256"] == evidence.digest(data)
        assert {(e["path"], e["size"], e["sha256"]) for e in manifest["evidence"]} == {
            (f"{sha[:2]}/{sha[2:]}", len(data), sha) for sha, data in source["files"].items()}
        for item in manifest["evidence"]:
            assert zf.read("evidence/" + item["path"]) == source["files"][item["sha256"]]
    # deterministic: data files first in foreign-key order, then evidence by path, the manifest last
    assert names == ([t["file"] for t in manifest["tables"]] + sorted("evidence/" + e["path"] for e in
                                                                      manifest["evidence"]) + ["manifest.json"])
    unit = next(t for t in manifest["tables"] if t["name"] == "unit")
    assert ["kind", "String"] in unit["columns"]  # an enum as stored: its name


def test_values_are_kept_as_stored(archive):
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))

        def rows(table: str) -> list[dict[str, Any]]:
            columns = [c for c, _t in next(t for t in manifest["tables"] if t["name"] == table)["columns"]]
            return [dict(zip(columns, json.loads(line))) for line in zf.read(f"data/{table}.jsonl").splitlines()]
        activities = rows("activity")
        assert [a["id"] for a in activities] == sorted(a["id"] for a in activities)  # primary-key order
        money = next(a for a in activities if a["amount"] is not None)
        assert isinstance(money["amount"], int)  # ScaledDecimal: the stored integer (10^-4), not a float
        assert dt.date.fromisoformat(money["occurred_on"]) and dt.datetime.fromisoformat(money["created_at"])
        assert money["state"] in {"DRAFT", "SUBMITTED", "VERIFIED", "RETURNED"} and isinstance(money["locked"], bool)
        rule_set = rows("rule_set")[0]
        assert evidence.digest(base64.b64decode(rule_set["content"])) == rule_set["sha256"]


def test_two_backups_of_the_same_data_differ_only_in_the_time_stamp(source, archive, tmp_path):
    again = tmp_path / "again.zip"
    with source["app"].app_context():
        backup.create_backup(again)
    with zipfile.ZipFile(archive) as one, zipfile.ZipFile(again) as two:
        assert one.namelist() == two.namelist()
        for name in one.namelist()[:-1]:
            assert one.read(name) == two.read(name)
        first, second = (json.loads(z.read("manifest.json")) for z in (one, two))
        assert {**first, "created_at": ""} == {**second, "created_at": ""}


def test_a_missing_evidence_file_is_reported_not_skipped(source, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(source["folder"], copy, ignore=shutil.ignore_patterns("*.zip"))
    lost = next(iter(source["files"]))
    evidence.path_for(copy / "evidence", lost).unlink()
    app = make_app(f"sqlite:///{copy / 'source.db'}", copy / "evidence", migrate=False)
    try:
        result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "out.zip")])
        assert result.exit_code == 0, result.output
        assert "警告" in result.stderr and f"{lost[:2]}/{lost[2:]}" in result.stderr
        with zipfile.ZipFile(tmp_path / "out.zip") as zf:
            manifest = json.loads(zf.read("manifest.json"))
            assert f"evidence/{lost[:2]}/{lost[2:]}" not in zf.namelist()
        assert [m["sha256"] for m in manifest["missing_evidence"]] == [lost]
        assert len(manifest["missing_evidence"][0]["evidence_ids"]) in (1, 2)
        assert any(lost[:2] in w for w in manifest["warnings"])
        assert len(manifest["evidence"]) == len(source["files"]) - 1
    finally:
        dispose(app)


# --- round trips ----------------------------------------------------------------------------------------------------

def test_round_trip_into_a_fresh_sqlite_database(source, archive, target):
    restored = target(run_upgrade=True)
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "已恢复" in result.stdout
    assert_round_trip(source, restored)
    with restored.app_context():  # new rows get fresh ids (SQLite AUTOINCREMENT remembers the restored ones)
        top = db.session.scalar(sa.select(sa.func.max(Activity.id)))
        unit = db.session.scalar(sa.select(Unit.id).limit(1))
        record = Activity(unit_id=unit, category=Category.IDEA, kind="提案", title="恢复后新增",
                          occurred_on=dt.date(2025, 6, 1))
        db.session.add(record)
        db.session.commit()
        assert record.id == top + 1
        db.session.remove()


def test_round_trip_from_sqlite_into_postgresql(source, archive, target, pg_database):
    restored = target(pg_database())
    with restored.app_context():
        backup.restore_backup(archive)
    assert_round_trip(source, restored)
    with restored.app_context():  # every sequence is past the restored ids
        top = db.session.scalar(sa.select(sa.func.max(Unit.id)))
        unit = Unit(code="NEW", name="恢复后新增", kind=UnitKind.COMMITTEE)
        db.session.add(unit)
        db.session.commit()
        assert unit.id == top + 1
        db.session.remove()


# --- refusals: nothing written --------------------------------------------------------------------------------------

def test_restore_refuses_a_database_with_data(archive, target):
    restored = target()
    with restored.app_context():
        db.session.add(Unit(code="X1", name="已有单位", kind=UnitKind.CPPCC))
        db.session.commit()
        db.session.remove()
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert "目标数据库不是空的" in result.stderr and "unit" in result.stderr
    with restored.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0
        db.session.remove()
    assert not Path(restored.config["EVIDENCE_DIR"]).exists()


def rewrite(archive: Path, out: Path, change: Callable[[str, bytes], bytes | None],
            extra: dict[str, bytes] | None = None, manifest: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """A copy of `archive` with members changed (None drops one), added, and the manifest edited."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json" and manifest is not None:
                edited = json.loads(data)
                manifest(edited)
                data = json.dumps(edited, ensure_ascii=False).encode()
            else:
                data = change(name, data)
            if data is not None:
                dst.writestr(name, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out


def test_restore_refuses_a_tampered_archive(archive, target, tmp_path):
    def flip(name: str, data: bytes) -> bytes:
        if name != "data/member.jsonl":
            return data
        at = data.index(b'"', 10) + 1  # one byte inside a member's first text value
        return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]
    tampered = rewrite(archive, tmp_path / "tampered.zip", flip)
    restored = target()
    result = restored.test_cli_runner().invoke(args=["restore", str(tampered)])
    assert result.exit_code == 1
    assert "校验失败" in result.stderr and "data/member.jsonl" in result.stderr
    assert_untouched(restored)


def test_restore_refuses_a_tampered_evidence_file(archive, target, tmp_path):
    tampered = rewrite(archive, tmp_path / "tampered.zip",
                       lambda name, data: data + b"x" if name.startswith("evidence/") else data)
    restored = target()
    with restored.app_context(), pytest.raises(backup.BackupError, match="校验失败：证明材料"):
        backup.restore_backup(tampered)
    assert_untouched(restored)


def test_restore_refuses_another_schema_revision(archive, target):
    restored = target()
    with restored.app_context():
        downgrade(revision="-1")
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert "数据库结构版本不同" in result.stderr
    assert_untouched(restored)


def test_restore_refuses_an_unmigrated_database(archive, target):
    restored = target(migrate=False)
    with restored.app_context(), pytest.raises(backup.BackupError, match="尚未迁移"):
        backup.restore_backup(archive)


@pytest.mark.parametrize("name", ["../../outside.pdf", "/tmp/absolute.pdf", "ab/../../../outside.pdf",
                                  "ab\\..\\..\\outside.pdf"])
def test_restore_refuses_evidence_names_leaving_the_folder(archive, target, tmp_path, name):
    def add(manifest: dict[str, Any]) -> None:
        manifest["evidence"].append({"path": name, "size": len(PDF_BYTES), "sha256": evidence.digest(PDF_BYTES)})
    evil = rewrite(archive, tmp_path / "evil.zip", lambda _n, data: data, {"evidence/" + name: PDF_BYTES}, add)
    restored = target()
    result = restored.test_cli_runner().invoke(args=["restore", str(evil)])
    assert result.exit_code == 1
    assert "路径不安全" in result.stderr
    assert_untouched(restored)
    assert not (tmp_path / "outside.pdf").exists() and not Path("/tmp/absolute.pdf").exists()


def test_restore_refuses_members_the_manifest_does_not_list(archive, target, tmp_path):
    extra = rewrite(archive, tmp_path / "extra.zip", lambda _n, data: data, {"data/intruder.jsonl": b"[]\n"})
    restored = target()
    with restored.app_context(), pytest.raises(backup.BackupError, match="清单之外"):
        backup.restore_backup(extra)
    assert_untouched(restored)


def test_restore_does_not_overwrite_a_different_evidence_file(source, archive, target):
    restored = target()
    sha = next(iter(source["files"]))
    clash = evidence.path_for(restored.config["EVIDENCE_DIR"], sha)
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"something else")
    with restored.app_context(), pytest.raises(backup.BackupError, match="不覆盖"):
        backup.restore_backup(archive)
    assert clash.read_bytes() == b"something else"
    assert all(not lines for lines in dumped(restored).values())


# --- a backup during writes -----------------------------------------------------------------------------------------

def archive_rows(path: Path) -> dict[str, list[dict[str, Any]]]:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        found = {}
        for item in manifest["tables"]:
            columns = [c for c, _t in item["columns"]]
            lines = zf.read(item["file"]).splitlines()
            assert len(lines) == item["rows"]
            found[item["name"]] = [dict(zip(columns, json.loads(line))) for line in lines]
    return found


def test_backup_while_another_session_writes_is_one_snapshot(pg_database, tmp_path):
    """A second connection keeps adding a branch result with three indicators per transaction; the backup must
    hold whole transactions only: no row pointing at a parent the backup lacks, three indicators per result."""
    from app.demo import build_demo
    url = pg_database()
    app = make_app(url, tmp_path / "evidence")
    try:
        with app.app_context():
            build_demo()
            db.session.commit()
            branch = db.session.scalar(sa.select(Unit.id).where(Unit.kind == UnitKind.BRANCH).limit(1))
            db.session.remove()
        writer = sa.create_engine(url)
        stop, started, written = threading.Event(), threading.Event(), [0]

        def write() -> None:
            while not stop.is_set():
                with writer.begin() as conn:
                    result_id = conn.scalar(sa.text(
                        "INSERT INTO branch_result (branch_id, period, state, return_reason, locked, updated_at, "
                        "version) VALUES (:b, :p, 'DRAFT', '', false, now(), 1) RETURNING id"),
                        {"b": branch, "p": f"W{written[0]}"})
                    conn.execute(sa.text("INSERT INTO branch_indicator (result_id, key, choice, note) "
                                         "VALUES (:r, :k, '', '')"), [{"r": result_id, "k": k} for k in "abc"])
                written[0] += 1
                started.set()
        thread = threading.Thread(target=write)
        thread.start()
        try:
            started.wait(10)
            before = written[0]
            with app.app_context():
                manifest = backup.create_backup(tmp_path / "live.zip")
            during = written[0] - before
        finally:
            stop.set()
            thread.join()
            writer.dispose()
        assert during > 0, "the writer must have committed while the backup ran"
        rows = archive_rows(tmp_path / "live.zip")
        assert {t["name"]: t["rows"] for t in manifest["tables"]} == {name: len(r) for name, r in rows.items()}
        with app.app_context():
            model = db.metadata
        for table in model.sorted_tables:
            for fk in table.foreign_keys:
                parents = {r[fk.column.name] for r in rows[fk.column.table.name]}
                orphans = [r for r in rows[table.name] if r[fk.parent.name] is not None
                           and r[fk.parent.name] not in parents]
                assert not orphans, f"{table.name}.{fk.parent.name} → {fk.column.table.name}: {orphans[:3]}"
        results = {r["id"] for r in rows["branch_result"] if r["period"].startswith("W")}
        per_result: dict[int, int] = {}
        for indicator in rows["branch_indicator"]:
            if indicator["result_id"] in results:
                per_result[indicator["result_id"]] = per_result.get(indicator["result_id"], 0) + 1
        assert results and set(per_result) == results and set(per_result.values()) == {3}
        assert len(results) < written[0]  # later transactions are not in it
    finally:
        dispose(app)


def test_big_tables_report_progress_on_stderr(archive, target, monkeypatch):
    monkeypatch.setattr(backup, "PROGRESS_MIN_ROWS", 2000)
    monkeypatch.setattr(backup, "PROGRESS_STEP", 1000)
    restored = target()
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as zf:
        rows = {t["name"]: t["rows"] for t in json.loads(zf.read("manifest.json"))["tables"]}
    assert "activity: 1000/" in result.stderr and f"activity: {rows['activity']}/{rows['activity']}" in result.stderr
    assert "unit:" not in result.stderr and "activity" not in result.stdout
