"""Backup and restore: every table and the evidence files in one zip, with a manifest of counts and checksums.

A backup reads every table in one transaction (PostgreSQL: REPEATABLE READ, read only), so a backup taken while
clerks work is one consistent snapshot. A restore fills an EMPTY database migrated to the same Alembic revision:
it checks every checksum and every path before writing anything, inserts all tables in one transaction, and
then writes the evidence files. Values are kept as stored (ScaledDecimal as its integer, enums by name), so a
backup of SQLite restores into PostgreSQL and back unchanged.

`flask --app wsgi backup -o FILE` and `flask --app wsgi restore FILE` are at the bottom of this module.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.types import TypeDecorator

from app import evidence
from app.activities.services import evidence_dir
from app.extensions import db
from app.timeutil import utcnow

FORMAT = "siyi-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_PREFIX = "data/"
EVIDENCE_PREFIX = "evidence/"
BATCH = 1000  # rows per fetch and per executemany
PROGRESS_MIN_ROWS = 10_000  # tables at least this big report their progress
PROGRESS_STEP = 10_000
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every member gets the same time stamp: the bytes depend on the data only
_CHUNK = 1 << 20

Progress = Callable[[str, int, int], None]  # (table, rows done, rows in the table)


class BackupError(Exception):
    """A backup or restore that cannot go on, with the reason in Chinese; nothing has been written."""


# --- tables as stored ---------------------------------------------------------------------------------------------

def _storage_type(type_: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    """The column's type as the database keeps it: ScaledDecimal → its integer, an enum → its name."""
    if isinstance(type_, TypeDecorator):
        return _storage_type(type_.impl_instance)
    if isinstance(type_, sa.Enum):
        return sa.String(type_.length)
    if isinstance(type_, sa.JSON):
        return sa.JSON()
    if isinstance(type_, sa.Boolean):
        return sa.Boolean()  # a fresh one: the model's may carry a CHECK bound to its own table
    return type_


def _stored_tables() -> list[sa.Table]:
    """Every model table in foreign-key order, with storage types (see `_storage_type`)."""
    metadata = sa.MetaData()
    return [sa.Table(table.name, metadata,
                     *(sa.Column(c.name, _storage_type(c.type), primary_key=c.primary_key, autoincrement=False)
                       for c in table.columns))
            for table in db.metadata.sorted_tables]


def _columns(table: sa.Table) -> list[list[str]]:
    return [[c.name, type(c.type).__name__] for c in table.columns]


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    raise BackupError(f"无法备份类型为 {type(value).__name__} 的值")


def _decoder(type_: sa.types.TypeEngine[Any]) -> Callable[[Any], Any]:
    if isinstance(type_, sa.JSON):  # see _json_positions: null is SQL NULL, a string the value's JSON text
        return lambda v: sa.null() if v is None else json.loads(v)
    convert: Callable[[Any], Any] | None = None
    if isinstance(type_, sa.DateTime):
        convert = dt.datetime.fromisoformat
    elif isinstance(type_, sa.Date):
        convert = dt.date.fromisoformat
    elif isinstance(type_, sa.LargeBinary):
        convert = base64.b64decode
    elif isinstance(type_, sa.Numeric):
        convert = Decimal
    return (lambda v: None if v is None else convert(v)) if convert else (lambda v: v)


def _json_positions(table: sa.Table) -> list[int]:
    """JSON columns, whose SQL NULL and JSON null both read as None: `_ordered` also asks which one it is, and
    the backup keeps SQL NULL as null and any other value as its canonical JSON text."""
    return [i for i, c in enumerate(table.columns) if isinstance(c.type, sa.JSON)]


def _liner(table: sa.Table) -> Callable[[sa.Row[Any]], bytes]:
    """The function that writes one row of `table` (as `_ordered` reads it) as its JSON Lines line."""
    width = len(table.columns)
    positions = _json_positions(table)  # once per table, not per row

    def line(row: sa.Row[Any]) -> bytes:
        json_columns = dict(zip(positions, row[width:]))
        values = [(None if json_columns[i] else _canonical(v)) if i in json_columns else _encode(v)
                  for i, v in enumerate(row[:width])]
        return (json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    return line


def _ordered(table: sa.Table, dialect: str) -> sa.Select[Any]:
    """All rows in primary-key order; text keys in byte order, the same on SQLite and PostgreSQL."""
    keys = list(table.primary_key.columns) or list(table.columns)
    order = [c.collate("C") if dialect == "postgresql" and isinstance(c.type, sa.String) else c for c in keys]
    nulls = [table.columns[i].is_(None) for i in _json_positions(table)]
    return sa.select(table, *nulls).order_by(*order)


def _check_schema(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """The database has exactly the models' tables and columns (else it is not migrated to this code's head).

    :raises BackupError: naming the first difference.
    """
    inspector = sa.inspect(conn)
    present = set(inspector.get_table_names()) - {"alembic_version", "sqlite_sequence"}
    wanted = {t.name for t in tables}
    if difference := sorted(wanted ^ present):
        name = difference[0]
        where = "数据库中缺少表" if name in wanted else "数据库中多出表"
        raise BackupError(f"数据库结构与本程序不一致：{where} {name}；请先运行 flask --app wsgi db upgrade。")
    for table in tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        if difference := sorted(columns ^ {c.name for c in table.columns}):
            raise BackupError(f"数据库结构与本程序不一致：表 {table.name} 的列 {difference[0]} 不同；"
                              "请先运行 flask --app wsgi db upgrade。")


def _revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    found = sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    return ",".join(found) or None


def dump_table(conn: sa.Connection, table: sa.Table) -> Iterator[bytes]:
    """One JSON Lines line per row, in primary-key order (tests compare databases with it)."""
    line = _liner(table)
    for row in conn.execute(_ordered(table, conn.dialect.name).execution_options(yield_per=BATCH)):
        yield line(row)


def dump(conn: sa.Connection) -> dict[str, list[bytes]]:
    """Every table's lines, by table name: what a backup of this database would hold."""
    return {table.name: list(dump_table(conn, table)) for table in _stored_tables()}


# --- backup ---------------------------------------------------------------------------------------------------------

def _snapshot(conn: sa.Connection) -> None:
    """Make every read on `conn` from here on see one snapshot of the database."""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")  # pysqlite begins only before writes; a read transaction holds one snapshot


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def create_backup(output: str | os.PathLike[str], progress: Progress | None = None) -> dict[str, Any]:
    """Write the database and the evidence files it references to the zip `output`; its manifest.

    The file appears only when complete. A referenced evidence file missing on disk is listed in the manifest's
    `missing_evidence` and `warnings` (the caller shows them), never silently left out.
    :raises BackupError: a database without an Alembic revision (not migrated).
    """
    output = Path(output)
    tables = _stored_tables()
    directory = evidence_dir()
    manifest: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION,
                                "created_at": utcnow().isoformat() + "Z", "dialect": db.engine.dialect.name,
                                "revision": None, "tables": [], "evidence": [], "missing_evidence": [], "warnings": []}
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".backup-", suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", allowZip64=True) as archive:
            with db.engine.connect() as conn:
                _snapshot(conn)
                manifest["revision"] = _revision(conn)
                if manifest["revision"] is None:
                    raise BackupError("数据库没有迁移版本（alembic_version），请先运行 flask --app wsgi db upgrade。")
                _check_schema(conn, tables)
                references: dict[str, list[int]] = {}
                for table in tables:
                    manifest["tables"].append(_write_table(archive, conn, table, references, progress))
                conn.rollback()
            _write_evidence(archive, directory, references, manifest)
            archive.writestr(_member(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


def _write_table(archive: zipfile.ZipFile, conn: sa.Connection, table: sa.Table,
                 references: dict[str, list[int]], progress: Progress | None) -> dict[str, Any]:
    total = conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0
    report = progress if progress is not None and total >= PROGRESS_MIN_ROWS else None
    sha = hashlib.sha256()
    name = f"{DATA_PREFIX}{table.name}.jsonl"
    rows = size = 0
    holds_files = table.name == "evidence"
    line = _liner(table)
    with archive.open(_member(name), "w", force_zip64=True) as out:
        result = conn.execute(_ordered(table, conn.dialect.name).execution_options(yield_per=BATCH))
        for batch in result.partitions():
            data = b"".join(line(row) for row in batch)
            sha.update(data)
            out.write(data)
            rows += len(batch)
            size += len(data)
            if holds_files:
                for row in batch:
                    references.setdefault(row.sha256, []).append(row.id)
            if report and (rows % PROGRESS_STEP < len(batch) or rows == total):
                report(table.name, rows, total)
    return {"name": table.name, "file": name, "rows": rows, "bytes": size, "sha256": sha.hexdigest(),
            "columns": _columns(table)}


def _write_evidence(archive: zipfile.ZipFile, directory: Path, references: dict[str, list[int]],
                    manifest: dict[str, Any]) -> None:
    for sha in sorted(references):
        ids = sorted(references[sha])
        try:
            path = evidence.path_for(directory, sha)
        except ValueError:
            manifest["warnings"].append(f"证明材料记录 {ids} 的哈希值 {sha!r} 无效，未备份其文件。")
            continue
        relative = path.relative_to(directory).as_posix()
        if not path.is_file():
            manifest["missing_evidence"].append({"path": relative, "sha256": sha, "evidence_ids": ids})
            manifest["warnings"].append(f"证明材料文件缺失：{relative}（证明材料记录 {', '.join(map(str, ids))}）。")
            continue
        data = path.read_bytes()
        actual = evidence.digest(data)
        if actual != sha:
            manifest["warnings"].append(f"证明材料文件 {relative} 的内容与其哈希值不符（已损坏），按现状备份。")
        archive.writestr(_member(EVIDENCE_PREFIX + relative), data)
        manifest["evidence"].append({"path": relative, "size": len(data), "sha256": actual})


# --- restore --------------------------------------------------------------------------------------------------------

def _safe(name: str) -> bool:
    """A relative POSIX path with no `..`, no drive, no back slash: it cannot leave the folder it is put in."""
    if not name or "\\" in name or "\x00" in name or ":" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and all(part not in ("", ".", "..") for part in name.split("/"))


def _read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    names = archive.namelist()
    if len(names) != len(set(names)):
        raise BackupError("备份文件中有重名的成员，拒绝恢复。")
    unsafe = [n for n in names if not _safe(n)]
    if unsafe:
        raise BackupError(f"备份文件中的路径不安全：{unsafe[0]}，拒绝恢复。")
    if MANIFEST not in names:
        raise BackupError("备份文件中没有 manifest.json，不是本系统的备份。")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except ValueError:
        raise BackupError("manifest.json 不是有效的 JSON。") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("manifest.json 不是本系统的备份清单。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持（本程序为 {FORMAT_VERSION}）。")
    for item in manifest.get("evidence") or []:
        if not isinstance(item, dict) or not _safe(str(item.get("path", ""))):
            raise BackupError(f"备份文件中的证明材料路径不安全：{item.get('path')}，拒绝恢复。")
    try:
        listed = {MANIFEST} | {str(t["file"]) for t in manifest["tables"]}
        listed |= {EVIDENCE_PREFIX + str(e["path"]) for e in manifest["evidence"]}
    except (KeyError, TypeError):
        raise BackupError("manifest.json 缺少必要的项目。") from None
    if extra := sorted(set(names) - listed):
        raise BackupError(f"备份文件中有清单之外的文件：{extra[0]}，拒绝恢复。")
    if missing := sorted(listed - set(names)):
        raise BackupError(f"备份文件缺少清单中的文件：{missing[0]}，拒绝恢复。")
    return manifest


def _hash_member(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with archive.open(name) as stream:
        while chunk := stream.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _verify(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every data and evidence file matches its checksum (and size) in the manifest."""
    for item in manifest["tables"]:
        if _hash_member(archive, item["file"])[0] != item["sha256"]:
            raise BackupError(f"校验失败：{item['file']} 的 sha256 与清单不符，备份文件已损坏或被改动，未写入任何数据。")
    for item in manifest["evidence"]:
        sha, size = _hash_member(archive, EVIDENCE_PREFIX + item["path"])
        if (sha, size) != (item["sha256"], item["size"]):
            raise BackupError(f"校验失败：证明材料 {item['path']} 与清单不符，备份文件已损坏或被改动，未写入任何数据。")


def _evidence_targets(manifest: dict[str, Any], directory: Path) -> list[tuple[dict[str, Any], Path]]:
    """Where each evidence file goes; the ones already there with the same bytes are left out.

    :raises BackupError: a path leaving the evidence folder, or a different file already in its place.
    """
    root = directory.resolve()
    targets = []
    for item in manifest["evidence"]:
        target = (root / item["path"]).resolve()
        if not target.is_relative_to(root) or target == root:
            raise BackupError(f"证明材料路径 {item['path']} 超出证明材料目录，拒绝恢复。")
        if target.exists():
            if not target.is_file() or evidence.digest(target.read_bytes()) != item["sha256"]:
                raise BackupError(f"证明材料目录中已有不同的文件 {item['path']}，不覆盖；请先清理该目录。")
            continue
        targets.append((item, target))
    return targets


def _check_target(conn: sa.Connection, manifest: dict[str, Any], tables: list[sa.Table]) -> None:
    revision = _revision(conn)
    if revision is None:
        raise BackupError("目标数据库尚未迁移，请先运行 flask --app wsgi db upgrade。")
    if revision != manifest.get("revision"):
        raise BackupError(f"数据库结构版本不同：备份为 {manifest.get('revision')}，目标数据库为 {revision}；"
                          "请先把目标数据库迁移到与备份相同的版本。")
    _check_schema(conn, tables)
    ours = [(t.name, _columns(t)) for t in tables]
    theirs = [(t["name"], t["columns"]) for t in manifest["tables"]]
    if sorted(ours) != sorted(theirs):
        raise BackupError("备份中的表和列与本程序的不一致，拒绝恢复。")
    filled = [t.name for t in tables if conn.scalar(sa.select(sa.literal(1)).select_from(t).limit(1))]
    if filled:
        raise BackupError(f"目标数据库不是空的（{'、'.join(filled[:5])} 等表中已有数据），只能恢复到空数据库。")


def restore_backup(source: str | os.PathLike[str], progress: Progress | None = None) -> dict[str, Any]:
    """Fill the (empty, migrated) database and the evidence folder from the backup `source`; its manifest.

    :raises BackupError: not a backup of ours, an unsafe path, a checksum that does not match, another schema
        revision, a database with data, or a different evidence file in the way. Nothing is written then.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"无法读取备份文件：{error}") from None
    tables = _stored_tables()
    with archive:
        manifest = _read_manifest(archive)
        targets = _evidence_targets(manifest, evidence_dir())
        with db.engine.begin() as conn:  # one transaction: any refusal or failure below rolls everything back
            _check_target(conn, manifest, tables)
            _verify(archive, manifest)
            for table in tables:  # foreign-key order: our own, not the archive's
                item = next(t for t in manifest["tables"] if t["name"] == table.name)
                _insert(conn, archive, table, item, progress)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, tables)
            for item, target in targets:  # last: a failure here still rolls the database back
                _write_file(archive, item, target)
    return manifest


def _self_references(table: sa.Table) -> list[str]:
    """Nullable columns pointing into their own table (unit.parent_id): inserted empty, then set."""
    model = db.metadata.tables[table.name]
    return [fk.parent.name for fk in model.foreign_keys if fk.column.table is model and fk.parent.nullable]


def _insert(conn: sa.Connection, archive: zipfile.ZipFile, table: sa.Table, item: dict[str, Any],
            progress: Progress | None) -> None:
    names = [c.name for c in table.columns]
    decoders = [_decoder(c.type) for c in table.columns]
    deferred = _self_references(table)
    keys = [c.name for c in table.primary_key.columns]
    later: list[dict[str, Any]] = []
    report = progress if progress is not None and item["rows"] >= PROGRESS_MIN_ROWS else None
    done = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal done
        if batch:
            conn.execute(sa.insert(table), batch)
            done += len(batch)
            if report and (done % PROGRESS_STEP < len(batch) or done == item["rows"]):
                report(table.name, done, item["rows"])
            batch.clear()

    with archive.open(item["file"]) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            values = json.loads(line)
            row = {n: decode(v) for n, decode, v in zip(names, decoders, values)}
            if deferred and any(row[c] is not None for c in deferred):
                later.append({**{f"k_{k}": row[k] for k in keys}, **{f"v_{c}": row[c] for c in deferred}})
                row.update({c: None for c in deferred})
            batch.append(row)
            if len(batch) >= BATCH:
                flush()
    flush()
    if done != item["rows"]:
        raise BackupError(f"{item['file']} 有 {done} 行，清单中为 {item['rows']} 行。")
    if later:
        update = sa.update(table).where(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys)).values(
            {c: sa.bindparam(f"v_{c}") for c in deferred})
        conn.execute(update, later)


def _reset_sequences(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """Point each serial/identity sequence past the largest id restored, so the next insert does not collide."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = conn.scalar(sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                                   {"table": quote(table.name), "column": column.name})
            if sequence:
                # B608 below: the names are our own tables' and columns', quoted by the dialect; no input
                conn.execute(sa.text(f"SELECT setval(:sequence, COALESCE(MAX({quote(column.name)}), 0) + 1, false) "  # nosec B608
                                     f"FROM {quote(table.name)}"), {"sequence": sequence})


def _write_file(archive: zipfile.ZipFile, item: dict[str, Any], target: Path) -> None:
    data = archive.read(EVIDENCE_PREFIX + item["path"])
    if evidence.digest(data) != item["sha256"]:  # read twice: the archive may have changed since the check
        raise BackupError(f"校验失败：证明材料 {item['path']} 与清单不符。")
    evidence.write_whole(target, data)


# --- command line ---------------------------------------------------------------------------------------------------

def _progress(table: str, done: int, total: int) -> None:
    click.echo(f"  {table}: {done}/{total}", err=True)


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="备份文件（.zip）")
@with_appcontext
def backup_command(output: Path) -> None:
    """Back up the database and the evidence files to one zip, with a manifest and checksums."""
    try:
        manifest = create_backup(output, _progress)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for warning in manifest["warnings"]:
        click.echo(f"警告：{warning}", err=True)
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(f"已备份 {len(manifest['tables'])} 张表、{rows} 行数据、{len(manifest['evidence'])} 个证明材料文件到 "
               f"{output}（{output.stat().st_size} 字节，结构版本 {manifest['revision']}）。")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive: Path) -> None:
    """Restore a backup into an empty database migrated to the backup's revision (flask db upgrade)."""
    try:
        manifest = restore_backup(archive, _progress)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(f"已恢复 {len(manifest['tables'])} 张表、{rows} 行数据、{len(manifest['evidence'])} 个证明材料文件"
               f"（备份时间 {manifest['created_at']}）。")
