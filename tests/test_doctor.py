"""`flask doctor` names what a deployment must fix (a default secret key, an old schema, missing fonts, an
unreachable database or Redis) and passes a healthy one."""
from __future__ import annotations

import secrets

import pytest

from app.doctor import FAIL, OK, WARN, diagnose

pytestmark = pytest.mark.commits  # the doctor opens connections of its own, to the database its URL names


def levels(app) -> dict[str, str]:
    return {f.what: f.level for f in diagnose(app)}


def test_a_default_secret_key_and_an_unmigrated_database_must_be_fixed(app):
    app.config["SECRET_KEY"] = "dev"
    found = diagnose(app)
    failed = [f for f in found if f.level == FAIL]
    assert any("FLASK_SECRET_KEY" in f.what and "secrets.token_hex" in f.fix for f in failed)
    # the test database is made by create_all, not by migrations: no alembic version, so not current
    assert any("数据库结构不是最新" in f.what and "db upgrade" in f.fix for f in failed)


def test_the_command_exits_1_and_says_how_to_fix(app):
    app.config["SECRET_KEY"] = "dev"
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "[问题] FLASK_SECRET_KEY" in result.output and "→ 设置环境变量 FLASK_SECRET_KEY" in result.output


def test_a_strong_key_and_fonts_pass_and_demo_mode_is_a_warning(app):
    app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.config["DEMO_MODE"] = True
    found = levels(app)
    assert found["FLASK_SECRET_KEY 已设置"] == OK
    assert found["打印用的中文字体齐全"] == OK
    assert any(level == WARN and "演示模式" in what for what, level in found.items())


def test_missing_fonts_name_the_debian_package(app, monkeypatch):
    monkeypatch.setenv("REPORTS_FONT_DIR", "/nonexistent")
    from reports import fonts
    monkeypatch.setattr(fonts, "SEARCH", ())
    fix = next(f.fix for f in diagnose(app) if "中文字体" in f.what)
    assert "apt-get install fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei" in fix


@pytest.mark.parametrize("key", ["REDIS_URL", "RATELIMIT_STORAGE_URI"])
def test_an_unreachable_redis_must_be_fixed(app, key):
    app.config[key] = "redis://127.0.0.1:1/0"
    assert any(f.level == FAIL and "Redis" in f.what for f in diagnose(app))


def test_rq_jobs_without_redis_must_be_fixed(app):
    app.config["JOBS_BACKEND"] = "rq"
    app.config["REDIS_URL"] = ""
    assert any(f.level == FAIL and "REDIS_URL" in f.what for f in diagnose(app))


def backup_key_findings(app) -> list[tuple[str, str]]:
    return [(f.level, f.what) for f in diagnose(app) if "FLASK_BACKUP_KEY" in f.what]


def test_a_missing_backup_key_must_be_fixed_in_production_and_is_a_warning_in_demo_mode(app):
    app.config["BACKUP_KEY"] = None
    [(level, what)] = backup_key_findings(app)
    assert level == FAIL and "不能备份" in what
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1 and "[问题] 没有设置 FLASK_BACKUP_KEY" in result.output
    assert "→ 运行 flask --app wsgi backup-key 生成密钥" in result.output
    app.config["DEMO_MODE"] = True
    assert [level for level, _what in backup_key_findings(app)] == [WARN]


def test_an_invalid_backup_key_must_be_fixed_and_a_valid_one_is_named_by_its_id(app):
    from app.backup_crypto import generate_key, key_id, parse_key
    app.config["BACKUP_KEY"] = "changeme"
    assert backup_key_findings(app) == [(FAIL, "FLASK_BACKUP_KEY 不是有效的密钥：不能备份")]
    key = generate_key()
    app.config["BACKUP_KEY"] = key
    assert backup_key_findings(app) == [(OK, f"FLASK_BACKUP_KEY 已设置（密钥编号 {key_id(parse_key(key))}）")]


@pytest.mark.parametrize(("key", "why"), [("0123456789abcdef", "太短：只有 16 个字节"), ("changeme", "众所周知"),
                                          ("k" * 64, "太容易猜")])
def test_a_weak_secret_key_must_be_fixed_and_the_doctor_says_why(app, key, why):
    app.config["SECRET_KEY"] = key
    found = next(f for f in diagnose(app) if "FLASK_SECRET_KEY" in f.what)
    assert found.level == FAIL and why in found.what and "503" in found.what
