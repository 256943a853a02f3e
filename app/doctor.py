"""`flask --app wsgi doctor`: checks a deployment's settings and says what to fix, in words for the person
installing it. Exit status 1 when something must be fixed before serving; warnings alone exit 0."""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from app import addresses, organisation
from app.activities.services import evidence_dir
from app.backup import BackupError, configured_key
from app.backup_crypto import key_id
from app.extensions import db
from app.security import secret_key_problem

OK, WARN, FAIL = "通过", "注意", "问题"


@dataclass(frozen=True)
class Finding:
    """One check's result: OK, WARN (works, but should be changed) or FAIL (fix before serving)."""

    level: str
    what: str
    fix: str = ""


def _secret_key(app: Flask) -> Finding:
    problem = secret_key_problem(app.config.get("SECRET_KEY"))
    if problem:
        return Finding(FAIL, f"FLASK_SECRET_KEY {problem}：任何人都可能伪造登录，服务器拒绝提供服务（503）",
                       "设置环境变量 FLASK_SECRET_KEY 为随机字符串，例如：python3 -c 'import secrets; "
                       "print(secrets.token_hex(32))'")
    return Finding(OK, "FLASK_SECRET_KEY 已设置")


def _backup_key(app: Flask) -> Finding:
    fix = ("运行 flask --app wsgi backup-key 生成密钥，写入 /etc/siyi.env 的 FLASK_BACKUP_KEY=…，"
           "并离线另存一份（密码柜或U盘，注明密钥编号）：没有它，备份无法恢复")
    try:
        key = configured_key(app)
    except BackupError:
        return Finding(FAIL, "FLASK_BACKUP_KEY 不是有效的密钥：不能备份", fix)
    if key is None:  # backups hold password hashes, sign-in addresses and objectors' contact details
        level = WARN if app.config.get("DEMO_MODE") else FAIL
        return Finding(level, "没有设置 FLASK_BACKUP_KEY：不能备份（备份含密码哈希、登录 IP 和联系方式，必须加密）", fix)
    return Finding(OK, f"FLASK_BACKUP_KEY 已设置（密钥编号 {key_id(key)}）")


def _database(app: Flask) -> Finding:
    url = db.engine.url
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 (any driver error means the same thing here)
        return Finding(FAIL, f"连不上数据库 {url.render_as_string(hide_password=True)}：{error.__class__.__name__}",
                       "检查 DATABASE_URL（例如 postgresql+psycopg://用户@主机:5432/库名）和数据库服务是否在运行")
    if url.get_backend_name() == "sqlite" and not app.config.get("DEMO_MODE"):
        return Finding(WARN, "使用的是嵌入式 SQLite 数据库", "正式部署请用 PostgreSQL：设置 DATABASE_URL")
    return Finding(OK, f"数据库可以连接（{url.get_backend_name()}）")


def _migrations(app: Flask) -> Finding:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    directory = app.extensions["migrate"].directory
    heads = set(ScriptDirectory(directory).get_heads())
    try:
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception:  # noqa: BLE001 (reported by the database check)
        return Finding(FAIL, "无法读取数据库的迁移版本", "先解决数据库连接问题")
    if current != heads:
        return Finding(FAIL, f"数据库结构不是最新（数据库 {', '.join(sorted(current)) or '空'}，"
                             f"程序 {', '.join(sorted(heads))}）",
                       "运行 flask --app wsgi db upgrade（升级前先备份：flask --app wsgi backup -o 备份.zip）")
    return Finding(OK, "数据库结构是最新的")


def _fonts(app: Flask) -> Finding:
    from reports import fonts
    missing = fonts.missing()
    if missing:
        return Finding(FAIL, "缺少打印 PDF 用的中文字体", f"安装：apt-get install {' '.join(missing)}")
    return Finding(OK, "打印用的中文字体齐全")


def _redis(app: Flask) -> Finding | None:
    uses = [key for key in ("REDIS_URL", "RATELIMIT_STORAGE_URI")
            if str(app.config.get(key) or "").startswith(("redis://", "rediss://", "unix://"))]
    if app.config.get("JOBS_BACKEND") == "rq" and "REDIS_URL" not in uses:
        return Finding(FAIL, "后台任务使用 RQ，但没有设置 REDIS_URL", "设置 FLASK_REDIS_URL=redis://主机:6379/0")
    if not uses:
        return None
    import redis
    failed = []
    for key in uses:
        try:
            redis.Redis.from_url(app.config[key], socket_connect_timeout=2).ping()
        except Exception:  # noqa: BLE001 (any connection error)
            failed.append(key)
    if failed:
        return Finding(FAIL, f"连不上 Redis（{'、'.join(failed)}）", "检查 Redis 服务和地址")
    return Finding(OK, "Redis 可以连接")


def _rate_limits(app: Flask) -> Finding:
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not uri.startswith("memory://"):
        return Finding(OK, "登录等限流计数由各进程共用（Redis）")
    if app.config.get("DEMO_MODE"):
        return Finding(OK, "演示模式：限流计数在本进程的内存中")
    if app.config.get("RATELIMIT_MEMORY_ALLOWED"):
        return Finding(WARN, "限流计数在每个进程的内存中（已设置 FLASK_RATELIMIT_MEMORY_ALLOWED：只运行一个进程）",
                       "运行多个 gunicorn 进程时，请改用 Redis：设置 FLASK_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/1")
    return Finding(FAIL, "限流计数在每个进程的内存中：gunicorn 有 N 个进程时，同一地址每分钟可以尝试登录 N 倍次数",
                   "设置 FLASK_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/1（后台任务用 RQ 时，不设置则与 "
                   "FLASK_REDIS_URL 共用）；确实只运行一个进程时，可设置 FLASK_RATELIMIT_MEMORY_ALLOWED=true")


def _hosts(app: Flask) -> Finding:
    configured = addresses.configured_hosts(app)
    public = addresses.public_host()
    if not configured and not public:
        if app.config.get("DEMO_MODE"):
            return Finding(WARN, "没有设置公众访问地址：接受任何主机名（Host）的访问",
                           "在“组织信息”页面填写公众访问地址")
        return Finding(FAIL, "没有设置公众访问地址，也没有设置 FLASK_TRUSTED_HOSTS：服务器接受任何主机名（Host），"
                             "链接按来访者发送的主机名生成",
                       "在“组织信息”页面填写公众访问地址，或设置 FLASK_PUBLIC_BASE_URL=https://…")
    names = "、".join(dict.fromkeys(filter(None, (public, *configured, *addresses.LOOPBACK))))
    return Finding(OK, f"只接受这些主机名的访问：{names}；链接一律使用公众访问地址")


def _writable(app: Flask) -> Finding:
    places = [Path(app.instance_path), evidence_dir()]
    bad = []
    for place in places:
        try:
            place.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=place):
                pass
        except OSError:
            bad.append(str(place))
    if bad:
        return Finding(FAIL, f"不能写入：{'、'.join(bad)}", "让运行程序的用户对这些目录有写权限")
    return Finding(OK, "实例目录和证明材料目录可以写入")


def _production(app: Flask) -> list[Finding]:
    out = []
    if app.config.get("DEMO_MODE"):
        out.append(Finding(WARN, "演示模式已打开：演示账号（密码 demo2025）可以登录",
                           "正式部署不要设置 FLASK_DEMO_MODE"))
    public = str(app.config.get("PUBLIC_BASE_URL") or "")
    try:
        org = organisation.current()
    except Exception:  # noqa: BLE001 (no database, or not migrated: reported by those checks)
        db.session.rollback()
        org = None
    if org is not None:
        public = org.public_url
        if not org.public_url:
            out.append(Finding(WARN, "没有设置公众访问地址：荣誉证书不能正式打印，账号通知单没有登录地址",
                               "由系统管理员在“组织信息”页面填写，或运行 flask --app wsgi org set --public-url "
                               "https://…（也可设置 FLASK_PUBLIC_BASE_URL）"))
        if not org.full_name:
            out.append(Finding(WARN, "没有设置政协全称：荣誉证书没有落款，不能正式打印",
                               "由系统管理员在“组织信息”页面填写，或运行 flask --app wsgi org set --full-name "
                               "中国人民政治协商会议××县委员会"))
    if public.startswith("https://") and not app.config.get("SESSION_COOKIE_SECURE"):
        out.append(Finding(WARN, "通过 HTTPS 访问，但会话 Cookie 没有 Secure 标记",
                           "设置 FLASK_SESSION_COOKIE_SECURE=true"))
    return out


CHECKS: tuple[Callable[[Flask], Finding | list[Finding] | None], ...] = (
    _secret_key, _backup_key, _database, _migrations, _fonts, _redis, _rate_limits, _writable, _production, _hosts)


def diagnose(app: Flask) -> list[Finding]:
    """Every check's findings, in order."""
    out: list[Finding] = []
    for check in CHECKS:
        found = check(app)
        if isinstance(found, list):
            out += found
        elif found is not None:
            out.append(found)
    return out


@click.command("doctor")
@with_appcontext
def doctor_command() -> None:
    """检查部署设置（密钥、备份密钥、数据库、迁移、字体、Redis、限流、目录权限、主机名），并说明如何修正。"""
    findings = diagnose(current_app._get_current_object())  # type: ignore[attr-defined]
    for f in findings:
        click.echo(f"[{f.level}] {f.what}")
        if f.fix and f.level != OK:
            click.echo(f"       → {f.fix}")
    failed = sum(f.level == FAIL for f in findings)
    warned = sum(f.level == WARN for f in findings)
    click.echo(f"共 {len(findings)} 项：{failed} 项必须修正，{warned} 项建议修正。" if failed or warned
               else f"共 {len(findings)} 项，全部通过。")
    if failed:
        raise click.exceptions.Exit(1)

