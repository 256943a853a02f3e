"""Backup and restore: every table and the evidence files in one zip, with a manifest of counts and checksums,
sealed with the operator's key (FLASK_BACKUP_KEY; app/backup_crypto.py): without the key a backup can be neither
read nor changed.

A backup reads every table in one transaction (PostgreSQL: REPEATABLE READ, read only), so a backup taken while
clerks work is one consistent snapshot; the zip is sealed as it is written, so no plaintext copy ever reaches the
disk. A restore first authenticates the whole file (into an unnamed temporary file in the instance folder), then
fills an EMPTY database migrated to the same Alembic revision: it checks every path, size and checksum before
writing anything, inserts all tables in one transaction, and then writes the evidence files. Everything it reads
is bounded: the manifest, each member (its declared size and its actual one) and each line. Values are kept as
stored (ScaledDecimal as its integer, enums by name), so a backup of SQLite restores into PostgreSQL and back
unchanged.

A plain zip made before backups were sealed (format 1) restores only with `--unsigned`, which says that nothing
proves it unchanged.

`flask --app wsgi backup -o FILE`, `flask --app wsgi restore FILE` and `flask --app wsgi backup-key` are at the
bottom of this module.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.types import TypeDecorator

from app import backup_crypto, evidence
from app.activities.services import evidence_dir
from app.extensions import db
from app.paths import UnsafePath, confined, plain_name
from app.timeutil import utcnow

FORMAT = "siyi-backup"
FORMAT_VERSION = 2  # 2: sealed, with each table's longest line; 1: a plain zip (restored only with --unsigned)
PLAIN_FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 128 << 20  # about a million evidence files; a backup refuses to write a bigger manifest
MAX_LINE_BYTES = 64 << 20  # a line of a format-1 archive; format 2 names each table's longest line itself
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
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
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
    elif isinstance(type_, sa.Time):  # a meeting's start and end (扫码签到)
        convert = dt.time.fromisoformat
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


# --- the key --------------------------------------------------------------------------------------------------------

NO_KEY = ("没有设置 FLASK_BACKUP_KEY。备份含密码哈希、登录 IP 和联系方式，必须加密：运行 flask --app wsgi backup-key "
          "生成密钥，写入 FLASK_BACKUP_KEY（/etc/siyi.env），并另外保存一份（没有它，备份无法恢复）。")
UNSIGNED_WARNING = ("警告：这是未加密的旧格式备份（格式 1），没有任何办法证明它未被改动（例如被换上别人的管理员密码）。"
                    "只恢复一直由你保管、来源可靠的文件；恢复后请核对系统管理员账号，并尽快用 flask --app wsgi backup "
                    "做一份加密的备份。")


def configured_key(app: Flask | None = None) -> bytes | None:
    """FLASK_BACKUP_KEY's 32 bytes; None when it is not set.

    :raises BackupError: set, but not a key made by `flask --app wsgi backup-key`.
    """
    text = str((app or current_app).config.get("BACKUP_KEY") or "").strip()
    if not text:
        return None
    try:
        return backup_crypto.parse_key(text)
    except backup_crypto.InvalidKey:
        raise BackupError("FLASK_BACKUP_KEY 不是有效的密钥：应是 flask --app wsgi backup-key 生成的 44 个字符。") from None


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


def create_backup(output: str | os.PathLike[str], progress: Progress | None = None,
                  key: bytes | None = None) -> dict[str, Any]:
    """Write the database and the evidence files it references to `output`, a zip sealed with `key` (default:
    FLASK_BACKUP_KEY); its manifest.

    The file appears only when complete; no plaintext copy is written anywhere. A referenced evidence file missing
    on disk is listed in the manifest's `missing_evidence` and `warnings` (the caller shows them), never silently
    left out.
    :raises BackupError: no key, a database without an Alembic revision (not migrated), or a manifest bigger than
        a restore accepts.
    """
    key = key if key is not None else configured_key()
    if key is None:
        raise BackupError(NO_KEY)
    output = Path(output)
    tables = _stored_tables()
    directory = evidence_dir()
    manifest: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION,
                                "created_at": utcnow().isoformat() + "Z", "dialect": db.engine.dialect.name,
                                "revision": None, "tables": [], "evidence": [], "missing_evidence": [], "warnings": []}
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".backup-", suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as raw:
            with backup_crypto.SealedWriter(raw, key) as sealed, zipfile.ZipFile(sealed, "w", allowZip64=True) as archive:
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
                text = (json.dumps(manifest, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
                if len(text) > MAX_MANIFEST_BYTES:
                    raise BackupError(f"备份清单有 {len(text)} 字节，超过恢复时允许的 {MAX_MANIFEST_BYTES} 字节"
                                      f"（{len(manifest['evidence'])} 个证明材料文件），未写出备份。")
                archive.writestr(_member(MANIFEST), text)
            os.fsync(raw.fileno())
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
    rows = size = longest = 0
    holds_files = table.name == "evidence"
    line = _liner(table)
    with archive.open(_member(name), "w", force_zip64=True) as out:
        result = conn.execute(_ordered(table, conn.dialect.name).execution_options(yield_per=BATCH))
        for batch in result.partitions():
            lines = [line(row) for row in batch]
            data = b"".join(lines)
            sha.update(data)
            out.write(data)
            rows += len(batch)
            size += len(data)
            longest = max(longest, *map(len, lines))
            if holds_files:
                for row in batch:
                    references.setdefault(row.sha256, []).append(row.id)
            if report and (rows % PROGRESS_STEP < len(batch) or rows == total):
                report(table.name, rows, total)
    return {"name": table.name, "file": name, "rows": rows, "bytes": size, "longest_line": longest,
            "sha256": sha.hexdigest(), "columns": _columns(table)}


def _write_evidence(archive: zipfile.ZipFile, directory: Path, references: dict[str, list[int]],
                    manifest: dict[str, Any]) -> None:
    """Each referenced evidence file, copied in chunks (memory does not grow with the files)."""
    for sha in sorted(references):
        ids = sorted(references[sha])
        try:
            path = evidence.path_for(directory, sha)
        except ValueError:
            manifest["warnings"].append(f"证明材料记录 {ids} 的哈希值 {sha!r} 无效，未备份其文件。")
            continue
        relative = f"{sha[:2]}/{sha[2:]}"
        if not path.is_file():
            manifest["missing_evidence"].append({"path": relative, "sha256": sha, "evidence_ids": ids})
            manifest["warnings"].append(f"证明材料文件缺失：{relative}（证明材料记录 {', '.join(map(str, ids))}）。")
            continue
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as source, archive.open(_member(EVIDENCE_PREFIX + relative), "w",
                                                     force_zip64=True) as out:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha:
            manifest["warnings"].append(f"证明材料文件 {relative} 的内容与其哈希值不符（已损坏），按现状备份。")
        manifest["evidence"].append({"path": relative, "size": size, "sha256": digest.hexdigest()})


# --- opening an archive ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Restored:
    """What a restore restored: the archive's manifest, and whether the archive was sealed (False: a plain
    format-1 zip restored with --unsigned)."""

    manifest: dict[str, Any]
    sealed: bool


def is_sealed(path: str | os.PathLike[str]) -> bool:
    """Whether the file at `path` is a sealed backup (else a plain zip or something else)."""
    with open(path, "rb") as raw:
        return backup_crypto.is_sealed(raw)


@contextlib.contextmanager
def open_archive(source: str | os.PathLike[str], key: bytes | None = None, unsigned: bool = False,
                 scratch: str | os.PathLike[str] | None = None) -> Iterator[tuple[zipfile.ZipFile, bool]]:
    """The backup's zip, and whether it was sealed. A sealed file is authenticated whole with `key` (default:
    FLASK_BACKUP_KEY), into an unnamed temporary file in `scratch` (default: the instance folder; never /tmp, often
    a RAM disk), before any of it is parsed. A plain zip is opened only when `unsigned`.

    :raises BackupError: no key, another key, anything that does not authenticate, a plain zip without
        `unsigned`, not a zip.
    """
    try:
        raw = open(source, "rb")  # noqa: SIM115 (closed by the with below, around the yield)
    except OSError as error:
        raise BackupError(f"无法读取备份文件：{error.strerror or error}") from None
    with raw:
        if not backup_crypto.is_sealed(raw):
            if not unsigned:
                raise BackupError("此文件不是加密的备份，无法证明它未被改动，拒绝恢复。本次更新之前做的未加密备份，"
                                  "确认来源可靠后可加 --unsigned 恢复。")
            with _zip(raw) as archive:
                yield archive, False
            return
        key = key if key is not None else configured_key()
        if key is None:
            raise BackupError("这是加密的备份：请把 FLASK_BACKUP_KEY 设为备份时所用的密钥后再恢复。")
        folder = Path(scratch or current_app.instance_path)
        folder.mkdir(parents=True, exist_ok=True)
        needed, free = os.fstat(raw.fileno()).st_size, shutil.disk_usage(folder).free
        if needed > free:
            raise BackupError(f"解密需要 {needed} 字节的临时空间，{folder} 所在磁盘只剩 {free} 字节。")
        with tempfile.TemporaryFile(dir=folder) as plain:
            try:
                backup_crypto.unseal(raw, plain, key)
            except backup_crypto.WrongKey as error:
                raise BackupError(f"此备份是用另一把密钥加密的（密钥编号 {error.found}），当前 FLASK_BACKUP_KEY 的编号"
                                  f"为 {error.expected}；请用备份时的密钥恢复。未写入任何数据。") from None
            except backup_crypto.SealError:
                raise BackupError("认证失败：备份文件已损坏或被改动，未写入任何数据。") from None
            except OSError as error:
                raise BackupError(f"解密时无法写入临时文件（{folder}）：{error.strerror or error}") from None
            plain.seek(0)
            with _zip(plain) as archive:
                yield archive, True


@contextlib.contextmanager
def _zip(stream: BinaryIO) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise BackupError(f"无法读取备份文件：不是有效的 zip 文件（{error}）。") from None
    with archive:
        yield archive


def _read(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """A member's bytes, in chunks: exactly its declared size (which the caller has checked), never more.

    :raises BackupError: a member longer or shorter than declared, or corrupt.
    """
    info = archive.getinfo(name)
    total = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > info.file_size:  # zipfile stops there itself; this says so should it ever not
                    raise BackupError(f"{name} 的实际大小超过声明的 {info.file_size} 字节，拒绝恢复。")
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        raise BackupError(f"备份文件中的 {name} 已损坏（{error}），拒绝恢复。") from None
    if total != info.file_size:
        raise BackupError(f"{name} 只有 {total} 字节，声明为 {info.file_size} 字节，拒绝恢复。")


def _lines(archive: zipfile.ZipFile, name: str, limit: int) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of a JSON Lines member; memory holds at most one line of `limit` bytes and a chunk.

    :raises BackupError: a longer line, or a last line without its newline.
    """
    parts: list[bytes] = []
    size = number = 0
    for chunk in _read(archive, name):
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            number += 1
            if size + end + 1 - start > limit:
                raise BackupError(f"{name} 第 {number} 行超过 {limit} 字节的上限，拒绝恢复。")
            piece = chunk[start:end + 1]
            yield number, b"".join([*parts, piece]) if parts else piece
            parts, size, start = [], 0, end + 1
        if start < len(chunk):
            size += len(chunk) - start
            if size > limit:
                raise BackupError(f"{name} 第 {number + 1} 行超过 {limit} 字节的上限，拒绝恢复。")
            parts.append(chunk[start:])
    if parts:
        raise BackupError(f"{name} 的最后一行没有换行，文件不完整，拒绝恢复。")


# --- restore --------------------------------------------------------------------------------------------------------

def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_shape(manifest: dict[str, Any], sealed: bool) -> None:
    """Every item the restore reads is there, with its type (a plain archive may hold anything)."""
    tables, files = manifest.get("tables"), manifest.get("evidence")
    good = isinstance(tables, list) and isinstance(files, list) and isinstance(manifest.get("revision"), str)
    for item in tables if good else []:
        good = good and isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("name", "file", "sha256"))
        good = good and all(_count(item.get(k)) for k in ("rows", "bytes", *(["longest_line"] if sealed else [])))
        columns = item.get("columns") if good else None
        good = good and isinstance(columns, list) and all(
            isinstance(c, list) and len(c) == 2 and all(isinstance(part, str) for part in c) for c in columns)
    for item in files if good else []:
        good = good and isinstance(item, dict) and isinstance(item.get("path"), str)
        good = good and isinstance(item.get("sha256"), str) and _count(item.get("size"))
        if good and not plain_name(item["path"]):
            raise BackupError(f"备份文件中的证明材料路径不安全：{item['path']}，拒绝恢复。")
    if not good:
        raise BackupError("manifest.json 缺少必要的项目，或项目的类型不对，拒绝恢复。")


def _read_manifest(archive: zipfile.ZipFile, sealed: bool) -> dict[str, Any]:
    """The manifest, after checking the archive's names and every member's declared size against it.

    :raises BackupError: naming the first problem.
    """
    infos = {info.filename: info for info in archive.infolist()}
    if len(infos) != len(archive.infolist()):
        raise BackupError("备份文件中有重名的成员，拒绝恢复。")
    if unsafe := [n for n in infos if not plain_name(n)]:
        raise BackupError(f"备份文件中的路径不安全：{unsafe[0]}，拒绝恢复。")
    if MANIFEST not in infos:
        raise BackupError("备份文件中没有 manifest.json，不是本系统的备份。")
    if infos[MANIFEST].file_size > MAX_MANIFEST_BYTES:
        raise BackupError(f"manifest.json 声明的大小为 {infos[MANIFEST].file_size} 字节，超过 {MAX_MANIFEST_BYTES} "
                          "字节的上限，拒绝恢复。")
    try:
        manifest = json.loads(b"".join(_read(archive, MANIFEST)))
    except (ValueError, RecursionError):
        raise BackupError("manifest.json 不是有效的 JSON。") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("manifest.json 不是本系统的备份清单。")
    version = manifest.get("format_version")
    if not sealed and version == FORMAT_VERSION:
        raise BackupError("--unsigned 只用于本次更新之前的未加密备份（格式 1）；这个文件自称格式 2 却没有加密，拒绝恢复。")
    if version != (FORMAT_VERSION if sealed else PLAIN_FORMAT_VERSION):
        raise BackupError(f"备份格式版本 {version} 不受支持（本程序为 {FORMAT_VERSION}）。")
    _check_shape(manifest, sealed)
    sizes = {item["file"]: item["bytes"] for item in manifest["tables"]}
    sizes |= {EVIDENCE_PREFIX + item["path"]: item["size"] for item in manifest["evidence"]}
    listed = {MANIFEST, *sizes}
    if extra := sorted(set(infos) - listed):
        raise BackupError(f"备份文件中有清单之外的文件：{extra[0]}，拒绝恢复。")
    if missing := sorted(listed - set(infos)):
        raise BackupError(f"备份文件缺少清单中的文件：{missing[0]}，拒绝恢复。")
    for name, size in sizes.items():
        if infos[name].file_size != size:
            raise BackupError(f"{name} 在 zip 中声明为 {infos[name].file_size} 字节，清单中为 {size} 字节，拒绝恢复。")
    return manifest


def _hash_member(archive: zipfile.ZipFile, name: str) -> str:
    sha = hashlib.sha256()
    for chunk in _read(archive, name):
        sha.update(chunk)
    return sha.hexdigest()


def _hash_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _verify(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every data and evidence file matches its checksum in the manifest (sizes: `_read_manifest`, `_read`)."""
    for item in manifest["tables"]:
        if _hash_member(archive, item["file"]) != item["sha256"]:
            raise BackupError(f"校验失败：{item['file']} 的 sha256 与清单不符，备份文件已损坏或被改动，未写入任何数据。")
    for item in manifest["evidence"]:
        if _hash_member(archive, EVIDENCE_PREFIX + item["path"]) != item["sha256"]:
            raise BackupError(f"校验失败：证明材料 {item['path']} 与清单不符，备份文件已损坏或被改动，未写入任何数据。")


def _evidence_targets(manifest: dict[str, Any], directory: Path) -> list[tuple[dict[str, Any], Path]]:
    """Where each evidence file goes; the ones already there with the same bytes are left out.

    :raises BackupError: a path leaving the evidence folder (symlinks followed), a different file already in its
        place, or not enough room on the disk for the rest.
    """
    targets = []
    for item in manifest["evidence"]:
        try:
            target = confined(directory, item["path"])
        except UnsafePath:
            raise BackupError(f"证明材料路径 {item['path']} 超出证明材料目录，拒绝恢复。") from None
        if target.exists() or target.is_symlink():
            if not target.is_file() or _hash_file(target) != item["sha256"]:
                raise BackupError(f"证明材料目录中已有不同的文件 {item['path']}，不覆盖；请先清理该目录。")
            continue
        targets.append((item, target))
    needed = sum(item["size"] for item, _target in targets)
    existing = next(p for p in (directory, *directory.parents) if p.exists())
    if needed > (free := shutil.disk_usage(existing).free):
        raise BackupError(f"证明材料共 {needed} 字节，{existing} 所在磁盘只剩 {free} 字节，拒绝恢复。")
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


def restore_backup(source: str | os.PathLike[str], progress: Progress | None = None, *, key: bytes | None = None,
                   unsigned: bool = False) -> Restored:
    """Fill the (empty, migrated) database and the evidence folder from the backup `source`.

    `source` must be sealed with `key` (default: FLASK_BACKUP_KEY); with `unsigned`, a plain format-1 zip made
    before backups were sealed is accepted too (`Restored.sealed` is then False: say so).
    :raises BackupError: not a backup of ours, not authentic, another key, an unsafe path, a size or checksum that
        does not match, another schema revision, a database with data, or a different evidence file in the way.
        Nothing is written then.
    """
    tables = _stored_tables()
    with open_archive(source, key, unsigned) as (archive, sealed):
        manifest = _read_manifest(archive, sealed)
        targets = _evidence_targets(manifest, evidence_dir())
        with db.engine.begin() as conn:  # one transaction: any refusal or failure below rolls everything back
            _check_target(conn, manifest, tables)
            _verify(archive, manifest)
            for table in tables:  # foreign-key order: our own, not the archive's
                item = next(t for t in manifest["tables"] if t["name"] == table.name)
                limit = item["longest_line"] if sealed else min(MAX_LINE_BYTES, item["bytes"])
                _insert(conn, archive, table, item, limit, progress)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, tables)
            for item, target in targets:  # last: a failure here still rolls the database back
                _write_file(archive, item, target)
    return Restored(manifest, sealed)


def _self_references(table: sa.Table) -> list[str]:
    """Nullable columns pointing into their own table (unit.parent_id): inserted empty, then set."""
    model = db.metadata.tables[table.name]
    return [fk.parent.name for fk in model.foreign_keys if fk.column.table is model and fk.parent.nullable]


def _insert(conn: sa.Connection, archive: zipfile.ZipFile, table: sa.Table, item: dict[str, Any], limit: int,
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
            try:
                conn.execute(sa.insert(table), batch)
            except sa.exc.StatementError as error:
                raise BackupError(f"恢复表 {table.name} 时数据库拒绝了其中的数据（{type(error.orig).__name__}），"
                                  "未写入任何数据。") from None
            done += len(batch)
            if report and (done % PROGRESS_STEP < len(batch) or done == item["rows"]):
                report(table.name, done, item["rows"])
            batch.clear()

    for number, line in _lines(archive, item["file"], limit):
        try:
            values = json.loads(line)
            if not isinstance(values, list) or len(values) != len(names):
                raise ValueError(f"{len(names)} columns expected")
            row = {n: decode(v) for n, decode, v in zip(names, decoders, values)}
        except (ValueError, TypeError, InvalidOperation, binascii.Error, RecursionError) as error:
            raise BackupError(f"{item['file']} 第 {number} 行无法读取（{error}），未写入任何数据。") from None
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
    """Copy the member to `target` in chunks, under a temporary name renamed only once its hash matches (read
    twice: a plain archive may have changed since the check)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        sha = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for chunk in _read(archive, EVIDENCE_PREFIX + item["path"]):
                sha.update(chunk)
                out.write(chunk)
        if sha.hexdigest() != item["sha256"]:
            raise BackupError(f"校验失败：证明材料 {item['path']} 与清单不符。")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- command line ---------------------------------------------------------------------------------------------------

def _progress(table: str, done: int, total: int) -> None:
    click.echo(f"  {table}: {done}/{total}", err=True)


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="备份文件（.zip，用 FLASK_BACKUP_KEY 加密）")
@with_appcontext
def backup_command(output: Path) -> None:
    """Back up the database and the evidence files to one file sealed with FLASK_BACKUP_KEY."""
    try:
        key = configured_key()
        if key is None:
            raise BackupError(NO_KEY)
        manifest = create_backup(output, _progress, key)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for warning in manifest["warnings"]:
        click.echo(f"警告：{warning}", err=True)
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(f"已备份 {len(manifest['tables'])} 张表、{rows} 行数据、{len(manifest['evidence'])} 个证明材料文件到 "
               f"{output}（{output.stat().st_size} 字节，结构版本 {manifest['revision']}，"
               f"已用密钥 {backup_crypto.key_id(key)} 加密）。")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unsigned", is_flag=True, help="也接受本次更新之前的未加密备份（无法证明它未被改动）")
@with_appcontext
def restore_command(archive: Path, unsigned: bool) -> None:
    """Restore a backup into an empty database migrated to the backup's revision (flask db upgrade)."""
    if unsigned and not is_sealed(archive):
        click.echo(UNSIGNED_WARNING, err=True)
    try:
        restored = restore_backup(archive, _progress, unsigned=unsigned)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    manifest = restored.manifest
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(f"已恢复 {len(manifest['tables'])} 张表、{rows} 行数据、{len(manifest['evidence'])} 个证明材料文件"
               f"（备份时间 {manifest['created_at']}{'' if restored.sealed else '；未加密、未经认证的旧格式备份'}）。")


@click.command("backup-key")
def backup_key_command() -> None:
    """Print a new random key for FLASK_BACKUP_KEY (on stdout; its key id and what to do with it on stderr)."""
    key = backup_crypto.generate_key()
    click.echo(key)
    click.echo(f"密钥编号 {backup_crypto.key_id(backup_crypto.parse_key(key))}。把上面一行写入 /etc/siyi.env："
               "FLASK_BACKUP_KEY=…，并另外保存一份（密码柜或离线介质，注明密钥编号）：没有这把密钥，用它加密的备份"
               "无法恢复。", err=True)
