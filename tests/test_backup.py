"""Backup and restore: a finished demo year round-trips (SQLite → SQLite, SQLite → PostgreSQL) with every row,
every frozen review's hash and every evidence file intact; a backup is sealed with FLASK_BACKUP_KEY and a restore
refuses anything that does not authenticate (a forged table with its checksum recomputed, another key, a cut-off
or spliced file), and anything too big, before writing anything; an old plain archive restores only with
--unsigned, and says so; a backup taken while another session writes is one snapshot."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import shutil
import struct
import threading
import time
import tracemalloc
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DATABASE_URL, TEST_CONFIG
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import backup, backup_crypto, create_app, evidence, scoring
from app.extensions import db
from app.models import Activity, Category, Evidence, Job, Review, ReviewState, Unit, UnitKind, User
from app.reviews import services as reviews
from app.reviews.scoring import period_key, score_period
from app.scoring.hashing import record_from_json, subject_from_json, term_from_json

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
PG_URL = (DATABASE_URL if DATABASE_URL.startswith("postgresql")
          else "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()  # the operator's FLASK_BACKUP_KEY
KEY_BYTES = backup_crypto.parse_key(KEY)
OTHER_KEY = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()  # someone else's


def make_app(uri: str, evidence_dir: Path, migrate: bool = True, key: str | None = KEY) -> Flask:
    """An app on its own database and evidence folder, with the backup key `key`; the database migrated to head
    (`flask db upgrade`)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "EVIDENCE_DIR": str(evidence_dir),
                      "BACKUP_KEY": key})
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

    def make(uri: str | None = None, migrate: bool = True, run_upgrade: bool = False, key: str | None = KEY) -> Flask:
        folder = tmp_path / f"target{len(made)}"
        if uri is None:
            if migrate and not run_upgrade:
                shutil.copyfile(empty_sqlite, f"{folder}.db")
            uri = f"sqlite:///{folder}.db"
        app = make_app(uri, folder / "evidence", migrate and (run_upgrade or not uri.startswith("sqlite")), key)
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


def opened(path: Path, key: bytes = KEY_BYTES) -> zipfile.ZipFile:
    """The plain zip inside a sealed backup (in memory: these archives are small)."""
    plain = io.BytesIO()
    with path.open("rb") as raw:
        backup_crypto.unseal(raw, plain, key)
    plain.seek(0)
    return zipfile.ZipFile(plain)


def seal(data: bytes, key: bytes = KEY_BYTES) -> bytes:
    out = io.BytesIO()
    with backup_crypto.SealedWriter(out, key) as sealed:
        sealed.write(data)
    return out.getvalue()


def as_format_1(manifest: dict[str, Any]) -> None:
    """The manifest as a backup made before backups were sealed wrote it (format 1: no longest line)."""
    manifest["format_version"] = 1
    for item in manifest["tables"]:
        del item["longest_line"]


def rewrite(archive: Path, out: Path, change: Callable[[str, bytes], bytes | None] = lambda _n, data: data,
            extra: dict[str, bytes] | None = None, manifest: Callable[[dict[str, Any]], None] | None = None,
            key: bytes | None = KEY_BYTES) -> Path:
    """A copy of `archive` with members changed (None drops one), added, and the manifest edited (after `change`),
    sealed with `key`; with `key` None, a plain zip as backups were before they were sealed (format 1)."""
    buffer = io.BytesIO()
    with opened(archive) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        changed = {name: change(name, src.read(name)) for name in src.namelist() if name != "manifest.json"}
        edited = json.loads(src.read("manifest.json"))
        if key is None:
            as_format_1(edited)
        if manifest is not None:
            manifest(edited)
        for name, data in [*changed.items(), *(extra or {}).items()]:
            if data is not None:
                dst.writestr(name, data)
        dst.writestr("manifest.json", json.dumps(edited, ensure_ascii=False, indent=1) + "\n")
    out.write_bytes(buffer.getvalue() if key is None else seal(buffer.getvalue(), key))
    return out


def restore_cli(app: Flask, archive: Path, *options: str) -> Any:
    return app.test_cli_runner().invoke(args=["restore", str(archive), *options])


# --- the archive ----------------------------------------------------------------------------------------------------

def test_archive_is_sealed_nothing_is_readable_without_the_key(source, archive):
    raw = archive.read_bytes()
    assert raw.startswith(backup_crypto.MAGIC) and not zipfile.is_zipfile(archive)
    with source["app"].app_context():
        hashes = db.session.scalars(sa.select(User.password_hash)).all()
        db.session.remove()
    secrets = [b"manifest.json", b"data/user.jsonl", b"siyi-backup", *(h.encode() for h in hashes if h)]
    assert len(secrets) > 5 and not any(s in raw for s in secrets)
    with opened(archive) as zf:  # with the key, it is all there
        assert hashes[0].encode() in zf.read("data/user.jsonl")


def test_archive_holds_a_manifest_one_file_per_table_and_the_evidence(source, archive):
    with opened(archive) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        with source["app"].app_context():
            revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
            tables = [t.name for t in db.metadata.sorted_tables]
            counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                      for t in db.metadata.sorted_tables}
            db.session.remove()
        assert (manifest["format"], manifest["format_version"], manifest["dialect"]) == ("siyi-backup", 2, "sqlite")
        assert manifest["revision"] == revision
        assert dt.datetime.fromisoformat(manifest["created_at"].rstrip("Z"))
        assert [t["name"] for t in manifest["tables"]] == tables
        for item in manifest["tables"]:
            data = zf.read(item["file"])
            assert item["rows"] == counts[item["name"]] == data.count(b"\n")
            assert item["sha256"] == evidence.digest(data)
            assert (item["bytes"], item["longest_line"]) == (len(data), max(map(len, data.splitlines(True)), default=0))
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
    with opened(archive) as zf:
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
    assert archive.read_bytes()[:64] != again.read_bytes()[:64]  # sealed afresh: another salt, another nonce prefix
    with opened(archive) as one, opened(again) as two:
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
        with opened(tmp_path / "out.zip") as zf:
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


def flip_one_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


@pytest.mark.parametrize("where", ["header", "first frame", "middle", "last byte"])
def test_restore_refuses_a_sealed_file_with_one_byte_changed(archive, target, tmp_path, where):
    raw = archive.read_bytes()
    at = {"header": 20, "first frame": backup_crypto.HEADER_BYTES + 5, "middle": len(raw) // 2,
          "last byte": len(raw) - 1}[where]
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(flip_one_byte(raw, at))
    restored = target()
    result = restore_cli(restored, tampered)
    assert result.exit_code == 1
    assert "认证失败" in result.stderr and "未写入任何数据" in result.stderr
    assert_untouched(restored)


def test_restore_refuses_a_sealed_file_cut_off_extended_or_spliced(source, target, tmp_path, monkeypatch):
    """A file cut at a frame boundary, with bytes added, or with the frames of another backup made with the same
    key after this one's header: each fails to authenticate."""
    monkeypatch.setattr(backup_crypto, "CHUNK", 64 << 10)  # frames of 64 KiB: the demo backup spans several
    one, other = tmp_path / "one.zip", tmp_path / "other.zip"
    with source["app"].app_context():
        backup.create_backup(one)
        backup.create_backup(other)
    raw, second = one.read_bytes(), other.read_bytes()
    frame = backup_crypto.CHUNK + backup_crypto.TAG_BYTES
    assert len(raw) > backup_crypto.HEADER_BYTES + 3 * frame
    restored = target()
    for name, data in [("cut", raw[:backup_crypto.HEADER_BYTES + frame]), ("extended", raw + raw[-100:]),
                       ("spliced", raw[:backup_crypto.HEADER_BYTES] + second[backup_crypto.HEADER_BYTES:]),
                       ("header only", raw[:backup_crypto.HEADER_BYTES])]:
        damaged = tmp_path / f"{name}.zip"
        damaged.write_bytes(data)
        result = restore_cli(restored, damaged)
        assert result.exit_code == 1 and "认证失败" in result.stderr, name
    assert_untouched(restored)


def forged_users(archive: Path, planted: str) -> bytes:
    """user.jsonl with the administrators' password hashes replaced by `planted`."""
    with opened(archive) as zf:
        users = zf.read("data/user.jsonl")
        item = next(t for t in json.loads(zf.read("manifest.json"))["tables"] if t["name"] == "user")
    columns = [c for c, _t in item["columns"]]
    lines = []
    for line in users.splitlines():
        row = dict(zip(columns, json.loads(line)))
        if row["role"] == "ADMIN":
            row["password_hash"] = planted
        lines.append(json.dumps(list(row.values()), ensure_ascii=False, separators=(",", ":")) + "\n")
    assert planted in "".join(lines)
    return "".join(lines).encode()


def test_a_forged_user_table_with_its_checksum_recomputed_is_refused(archive, target, tmp_path):
    planted = "$argon2id$v=19$m=8,t=1,p=1$cGxhbnRlZA$cGxhbnRlZC1ieS10aGUtZm9yZ2Vy"
    forged = forged_users(archive, planted)

    def recompute(manifest: dict[str, Any]) -> None:  # what someone editing a backup would do
        item = next(t for t in manifest["tables"] if t["name"] == "user")
        item.update(sha256=evidence.digest(forged), bytes=len(forged))
        if "longest_line" in item:
            item["longest_line"] = max(map(len, forged.splitlines(True)))

    def forge(key: bytes | None, name: str) -> Path:
        return rewrite(archive, tmp_path / name, lambda n, data: forged if n == "data/user.jsonl" else data,
                       manifest=recompute, key=key)
    theirs = forge(backup_crypto.parse_key(OTHER_KEY), "theirs.zip").read_bytes()
    named = tmp_path / "named.zip"  # the forger's frames behind a header naming the operator's key id
    named.write_bytes(theirs[:8] + bytes.fromhex(backup_crypto.key_id(KEY_BYTES)) + theirs[16:])
    restored = target()
    for path, refusal in [(forge(None, "plain.zip"), "不是加密的备份"),
                          (tmp_path / "theirs.zip", "另一把密钥"), (named, "认证失败")]:
        result = restore_cli(restored, path)
        assert result.exit_code == 1 and refusal in result.stderr, path.name
    assert_untouched(restored)
    # the same forgery sealed with the operator's key would restore, planted hash and all: the key is what refuses it
    assert restore_cli(restored, forge(KEY_BYTES, "ours.zip")).exit_code == 0
    with restored.app_context():
        assert planted in db.session.scalars(sa.select(User.password_hash)).all()
        db.session.remove()


def test_restore_with_another_key_or_none_is_refused(archive, target):
    other = target(key=OTHER_KEY)
    result = restore_cli(other, archive)
    assert result.exit_code == 1
    ours, theirs = backup_crypto.key_id(KEY_BYTES), backup_crypto.key_id(backup_crypto.parse_key(OTHER_KEY))
    assert "另一把密钥" in result.stderr and ours in result.stderr and theirs in result.stderr
    assert_untouched(other)
    keyless = target(key=None)
    result = restore_cli(keyless, archive)
    assert result.exit_code == 1 and "请把 FLASK_BACKUP_KEY 设为备份时所用的密钥" in result.stderr
    assert_untouched(keyless)


@pytest.mark.parametrize("key", [None, "", "not-a-key", base64.urlsafe_b64encode(b"short").decode()])
def test_backup_refuses_to_run_without_a_valid_key(source, tmp_path, key):
    app = make_app(source["app"].config["SQLALCHEMY_DATABASE_URI"], source["folder"] / "evidence", migrate=False,
                   key=key)
    try:
        result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "out.zip")])
    finally:
        dispose(app)
    assert result.exit_code == 1
    assert "FLASK_BACKUP_KEY" in result.stderr and "flask --app wsgi backup-key" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_backup_key_makes_a_new_key_each_time(source):
    runner = source["app"].test_cli_runner()
    first, second = (runner.invoke(args=["backup-key"]) for _ in range(2))
    assert first.exit_code == second.exit_code == 0
    keys = [r.stdout.strip() for r in (first, second)]
    assert keys[0] != keys[1] and all(len(backup_crypto.parse_key(k)) == 32 for k in keys)
    assert backup_crypto.key_id(backup_crypto.parse_key(keys[0])) in first.stderr and "FLASK_BACKUP_KEY" in first.stderr


# --- a backup made before backups were sealed: --unsigned -----------------------------------------------------------

def test_unsigned_restores_an_old_plain_archive_and_warns(source, archive, target, tmp_path):
    old = rewrite(archive, tmp_path / "old.zip", key=None)
    restored = target()
    refused = restore_cli(restored, old)
    assert refused.exit_code == 1 and "不是加密的备份" in refused.stderr and "--unsigned" in refused.stderr
    assert_untouched(restored)
    result = restore_cli(restored, old, "--unsigned")
    assert result.exit_code == 0, result.output
    assert "警告" in result.stderr and "未加密" in result.stderr and "没有任何办法证明它未被改动" in result.stderr
    assert "未经认证" in result.stdout
    assert_round_trip(source, restored)


def test_unsigned_does_not_accept_a_plain_archive_claiming_the_new_format(archive, target, tmp_path):
    plain = tmp_path / "plain.zip"
    plain.write_bytes(opened(archive).fp.getvalue())  # type: ignore[union-attr]
    restored = target()
    result = restore_cli(restored, plain, "--unsigned")
    assert result.exit_code == 1 and "只用于本次更新之前的未加密备份" in result.stderr
    assert_untouched(restored)


def test_unsigned_still_checks_every_checksum(archive, target, tmp_path):
    def flip(name: str, data: bytes) -> bytes:
        return flip_one_byte(data, data.index(b'"', 10) + 1) if name == "data/member.jsonl" else data
    tampered = rewrite(archive, tmp_path / "tampered.zip", flip, key=None)
    restored = target()
    result = restore_cli(restored, tampered, "--unsigned")
    assert result.exit_code == 1
    assert "校验失败" in result.stderr and "data/member.jsonl" in result.stderr
    assert_untouched(restored)


@pytest.mark.parametrize("key", [KEY_BYTES, None], ids=["sealed", "unsigned"])
def test_restore_refuses_a_tampered_evidence_file(archive, target, tmp_path, key):
    tampered = rewrite(archive, tmp_path / "tampered.zip",
                       lambda name, data: flip_one_byte(data, 7) if name.startswith("evidence/") else data, key=key)
    restored = target()
    with restored.app_context(), pytest.raises(backup.BackupError, match="校验失败：证明材料"):
        backup.restore_backup(tampered, unsigned=True)
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


@pytest.mark.parametrize("key", [KEY_BYTES, None], ids=["sealed", "unsigned"])
@pytest.mark.parametrize("name", ["../../outside.pdf", "/tmp/absolute.pdf", "ab/../../../outside.pdf",
                                  "ab\\..\\..\\outside.pdf"])
def test_restore_refuses_evidence_names_leaving_the_folder(archive, target, tmp_path, name, key):
    def add(manifest: dict[str, Any]) -> None:
        manifest["evidence"].append({"path": name, "size": len(PDF_BYTES), "sha256": evidence.digest(PDF_BYTES)})
    evil = rewrite(archive, tmp_path / "evil.zip", extra={"evidence/" + name: PDF_BYTES}, manifest=add, key=key)
    restored = target()
    result = restore_cli(restored, evil, "--unsigned")
    assert result.exit_code == 1
    assert "路径不安全" in result.stderr
    assert_untouched(restored)
    assert not (tmp_path / "outside.pdf").exists() and not Path("/tmp/absolute.pdf").exists()


def test_restore_refuses_members_the_manifest_does_not_list(archive, target, tmp_path):
    extra = rewrite(archive, tmp_path / "extra.zip", extra={"data/intruder.jsonl": b"[]\n"})
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
    with opened(path) as zf:
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
    with opened(archive) as zf:
        rows = {t["name"]: t["rows"] for t in json.loads(zf.read("manifest.json"))["tables"]}
    assert "activity: 1000/" in result.stderr and f"activity: {rows['activity']}/{rows['activity']}" in result.stderr
    assert "unit:" not in result.stderr and "activity" not in result.stdout


# --- sizes: the manifest, each member, each line ------------------------------------------------------------------

def deflated_spaces(size: int) -> tuple[bytes, int]:
    """A raw deflate stream of `size` spaces (a multiple of 1 MiB) and their CRC-32, made in well under a second:
    each MiB compresses to the same bytes after a full flush."""
    mib = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size >> 20):
        crc = zlib.crc32(mib, crc)
    return block * (size >> 20) + compressor.flush(), crc


def zip_of_one(name: str, data: bytes, crc: int, declared: int) -> bytes:
    """A zip (zip64) holding one deflated member `name` whose headers declare `declared` bytes."""
    encoded = name.encode()
    zip64 = struct.pack("<HHQQ", 1, 16, declared, len(data))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(encoded),
                        len(zip64)) + encoded + zip64
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                          len(encoded), len(zip64), 0, 0, 0, 0, 0) + encoded + zip64
    start = len(local) + len(data)
    end64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, len(central), start)
    locator = struct.pack("<IIQI", 0x07064B50, 0, start + len(central), 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), start, 0)
    return local + data + central + end64 + locator + end


@pytest.fixture(scope="module")
def huge_manifest_zip() -> bytes:
    """A 2 MB zip whose manifest.json holds 2 GiB (of spaces), honestly declared."""
    size = 2 << 30
    data, crc = deflated_spaces(size)
    made = zip_of_one("manifest.json", data, crc, size)
    with zipfile.ZipFile(io.BytesIO(made)) as check:  # a valid zip, as the standard library reads it
        assert check.getinfo("manifest.json").file_size == size and len(made) < 3 << 20
    return made


def refused_within(app: Flask, path: Path, *options: str) -> tuple[Any, float, int]:
    """Restore `path`: the CLI result, the seconds it took and the peak of Python's memory meanwhile (bytes)."""
    tracemalloc.start()
    began = time.perf_counter()
    try:
        result = restore_cli(app, path, *options)
        return result, time.perf_counter() - began, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "unsigned"])
def test_a_huge_manifest_is_refused_fast_in_little_memory(huge_manifest_zip, target, tmp_path, sealed):
    evil = tmp_path / "huge.zip"
    evil.write_bytes(seal(huge_manifest_zip) if sealed else huge_manifest_zip)
    restored = target()
    result, seconds, peak = refused_within(restored, evil, "--unsigned")
    assert result.exit_code == 1
    assert f"manifest.json 声明的大小为 {2 << 30} 字节，超过 {backup.MAX_MANIFEST_BYTES} 字节的上限" in result.stderr
    assert seconds < 2 and peak < 16 << 20, (seconds, peak)  # it read 4.4 GB before it refused
    assert_untouched(restored)


def test_a_member_longer_than_its_header_says_is_read_no_further(target, tmp_path):
    """The zip's headers say 300 bytes of manifest; its data holds 2 GiB. Reading stops at 300 bytes."""
    data, _crc = deflated_spaces(2 << 30)
    evil = tmp_path / "lying.zip"
    evil.write_bytes(zip_of_one("manifest.json", data, zlib.crc32(b" " * 300), 300))
    restored = target()
    result, seconds, peak = refused_within(restored, evil, "--unsigned")
    assert result.exit_code == 1 and "manifest.json 不是有效的 JSON" in result.stderr
    assert seconds < 2 and peak < 16 << 20, (seconds, peak)
    assert_untouched(restored)


def test_a_member_whose_size_differs_from_the_manifest_is_refused(archive, target, tmp_path):
    grown = rewrite(archive, tmp_path / "grown.zip",
                    lambda name, data: data + data[-50:] if name == "data/unit.jsonl" else data, key=None)
    restored = target()
    result = restore_cli(restored, grown, "--unsigned")
    assert result.exit_code == 1 and "data/unit.jsonl 在 zip 中声明为" in result.stderr and "清单中为" in result.stderr
    assert_untouched(restored)


def test_a_line_longer_than_the_limit_is_refused(archive, target, tmp_path, monkeypatch):
    """An old archive's lines are limited to MAX_LINE_BYTES (here 4 KiB: the rule files' lines are longer); a
    sealed one's to the longest line its manifest names."""
    monkeypatch.setattr(backup, "MAX_LINE_BYTES", 4096)
    old = rewrite(archive, tmp_path / "old.zip", key=None)
    restored = target()
    result = restore_cli(restored, old, "--unsigned")
    assert result.exit_code == 1 and "超过 4096 字节的上限" in result.stderr and ".jsonl 第 1 行" in result.stderr

    def shorter(manifest: dict[str, Any]) -> None:
        next(t for t in manifest["tables"] if t["name"] == "unit")["longest_line"] -= 1
    sealed = rewrite(archive, tmp_path / "sealed.zip", manifest=shorter)
    result = restore_cli(restored, sealed)
    assert result.exit_code == 1 and "data/unit.jsonl 第" in result.stderr and "字节的上限" in result.stderr
    assert_untouched(restored)


@pytest.mark.parametrize(("table", "edit", "refusal"), [
    ("unit", lambda row: [row["id"]], "data/unit.jsonl 第 1 行无法读取"),  # one column, not eight
    ("activity", lambda row: {**row, "occurred_on": "2025-13-45"}, "data/activity.jsonl 第 1 行无法读取"),
    ("unit", lambda row: {**row, "name": None}, "恢复表 unit 时数据库拒绝了其中的数据"),  # well formed, refused
], ids=["column count", "bad date", "refused by the database"])
def test_a_malformed_row_in_an_old_archive_is_named_not_a_stack_trace(archive, target, tmp_path, table, edit,
                                                                      refusal):
    name = f"data/{table}.jsonl"
    with opened(archive) as zf:
        lines = zf.read(name).splitlines(True)
        columns = [c for c, _t in next(t for t in json.loads(zf.read("manifest.json"))["tables"]
                                       if t["name"] == table)["columns"]]
    edited = edit(dict(zip(columns, json.loads(lines[0]))))
    values = list(edited.values()) if isinstance(edited, dict) else edited
    changed = (json.dumps(values, ensure_ascii=False) + "\n").encode() + b"".join(lines[1:])

    def recompute(manifest: dict[str, Any]) -> None:
        next(t for t in manifest["tables"] if t["name"] == table).update(sha256=evidence.digest(changed),
                                                                        bytes=len(changed))
    old = rewrite(archive, tmp_path / "old.zip", lambda n, data: changed if n == name else data,
                  manifest=recompute, key=None)
    restored = target()
    result = restore_cli(restored, old, "--unsigned")
    assert result.exit_code == 1 and refusal in result.stderr, result.output
    assert "Traceback" not in result.output
    assert_untouched(restored)
