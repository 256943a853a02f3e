"""Defaults only. A deployment sets FLASK_* environment variables (FLASK_SECRET_KEY …) and DATABASE_URL."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


class Config:
    SECRET_KEY = "dev"  # create_app refuses it outside debug and testing
    SQLALCHEMY_DATABASE_URI = "sqlite:///siyi.db"  # relative to instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    DEMO_MODE = False  # demo accounts can sign in only when this is true (make run sets it)

    # Sign-in policy
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15
    IDLE_TIMEOUT_MINUTES = 30
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MIN_CLASSES = 2  # of: lower case, upper case, digits, other characters
    PASSWORD_HISTORY = 3  # a new password may not repeat the last N
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536  # KiB
    ARGON2_PARALLELISM = 2

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a long form must not expire while a clerk types

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

    PAGE_SIZE = 20
    PUBLIC_BASE_URL = ""  # what certificates' QR codes point to (FLASK_PUBLIC_BASE_URL); 打印设置 may override it
    RANKING_PAGE_SIZE = 50  # rows of a ranking on screen; the export and the printed table have them all
    SCORING_RULES_DIR = BASE_DIR / "scoring_rules"
    EVIDENCE_DIR = None  # default: instance/evidence
    EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # one evidence file
    IMPORT_MAX_BYTES = 20 * 1024 * 1024  # one spreadsheet to import
    IMPORT_MARK_MAX_BYTES = 256 * 1024  # past this, the error workbook is the summary sheet without the file's cells
    IMPORT_DIR = None  # default: instance/imports (a file between its dry run and its confirmation)
    MAX_CONTENT_LENGTH = max(EVIDENCE_MAX_BYTES, IMPORT_MAX_BYTES) + 1024 * 1024  # a bigger request: the 413 page
