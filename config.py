"""Defaults only. A deployment sets FLASK_* environment variables (FLASK_SECRET_KEY …) and DATABASE_URL."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


class Config:
    # A placeholder: outside debug and testing the server refuses to serve with it, or with any key shorter than 32
    # bytes, a well-known example or one character repeated (app.security.secret_key_problem)
    SECRET_KEY = "dev"  # nosec B105
    SQLALCHEMY_DATABASE_URI = "sqlite:///siyi.db"  # relative to instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    DEMO_MODE = False  # demo accounts can sign in only when this is true (make run sets it)
    # E-mail for notices (通知): off while MAIL_SMTP_HOST is empty (a county intranet may have no mail server). When set,
    # a notice is also mailed to its reader's account address, if they have one, after the action commits; a mail
    # server that is down or refuses is logged and never undoes the action (app/notices/mail.py)
    MAIL_SMTP_HOST = ""
    MAIL_SMTP_PORT = 25
    MAIL_SMTP_USER = ""
    MAIL_SMTP_PASSWORD = ""  # nosec B105
    MAIL_SMTP_SSL = False  # SMTPS (port 465)
    MAIL_SMTP_STARTTLS = False
    MAIL_SMTP_TIMEOUT = 10  # seconds
    MAIL_FROM = ""  # the sender address; empty: MAIL_SMTP_USER
    # Switches (a bool here) are read from FLASK_* strictly: true/false, 1/0, yes/no, on/off (app/environment.py)

    # Sign-in policy (账号安全策略): defaults; the administrator may set each on /admin/account-policy
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15
    # Those failures count per account and client address: a stranger's locks out only the stranger's address. The
    # whole account locks (for the lockout minutes, or until an admin unlocks it) after this many from all together.
    LOGIN_ACCOUNT_MAX_FAILURES = 50
    IDLE_TIMEOUT_MINUTES = 30
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MIN_CLASSES = 2  # of: lower case, upper case, digits, other characters
    PASSWORD_HISTORY = 3  # a new password may not repeat the last N
    PASSWORD_MAX_AGE_DAYS = 90  # a password older than this must be changed at sign-in; 0: never
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536  # KiB
    ARGON2_PARALLELISM = 2

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # FLASK_SESSION_COOKIE_SECURE=true behind TLS; false keeps http://127.0.0.1 working
    TRUSTED_PROXY_COUNT = 0  # reverse proxies in front whose X-Forwarded-For/-Proto are believed (1 behind nginx)
    # Rate-limit counters: "" chooses (app.security.limiter_storage): the jobs' REDIS_URL when JOBS_BACKEND is rq,
    # else memory:// (per process: flask doctor fails on it outside demo mode unless RATELIMIT_MEMORY_ALLOWED)
    RATELIMIT_STORAGE_URI = ""
    RATELIMIT_MEMORY_ALLOWED = False  # true: this deployment runs one process, so memory:// counts right
    LOGIN_RATE_LIMIT = "10 per minute"  # sign-in attempts (POSTs) per client address
    PASSWORD_RATE_LIMIT = "10 per minute"  # POSTs to /auth/password per address; a rate, not a password  # nosec B105
    OBJECTION_RATE_LIMIT = "5 per minute"  # objections sent from a 公示 page per client address
    VERIFY_RATE_LIMIT = "30 per minute"  # certificate checks (/verify/…) per client address
    # Host names answered besides the public address's and 127.0.0.1/localhost (comma-separated); app/addresses.py
    TRUSTED_HOSTS: list[str] | None = None
    WTF_CSRF_TIME_LIMIT = None  # a long form must not expire while a clerk types

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

    PAGE_SIZE = 20
    PUBLIC_BASE_URL = ""  # what certificates' QR codes point to (FLASK_PUBLIC_BASE_URL); 打印设置 may override it
    RANKING_PAGE_SIZE = 50  # rows of a ranking on screen; the export and the printed table have them all
    LIVE_SCORES_SECONDS = 60  # a process keeps the dashboard's live scores this long while their inputs stand; 0: never
    SCORING_RULES_DIR = BASE_DIR / "scoring_rules"
    EVIDENCE_DIR = None  # default: instance/evidence
    EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # one evidence file
    IMPORT_MAX_BYTES = 20 * 1024 * 1024  # one spreadsheet to import
    IMPORT_MARK_MAX_BYTES = 256 * 1024  # past this, the error workbook is the summary sheet without the file's cells
    # One sheet of a file to import (checked before it is read, as the reader allocates a sheet's used range whole):
    IMPORT_MAX_ROWS = 200_000  # its last row holding a value …
    IMPORT_MAX_COLUMNS = 60  # … and last column (the widest import sheet has 21 columns)
    IMPORT_MAX_CELLS = 6_000_000  # rows × columns of that range (32 bytes a cell in the reader), and cells written
    IMPORT_DIR = None  # default: instance/imports (a file between its dry run and its confirmation)
    BACKUP_KEY = None  # FLASK_BACKUP_KEY: seals every backup (flask --app wsgi backup-key makes one); keep a copy offline
    MAX_CONTENT_LENGTH = max(EVIDENCE_MAX_BYTES, IMPORT_MAX_BYTES) + 1024 * 1024  # a bigger request: the 413 page

    # Background jobs (app/jobs): "rq" in production (worker: flask --app wsgi jobs worker), "thread" in the
    # embedded mode, "inline" in the tests (run inside the request)
    JOBS_BACKEND = "thread"
    REDIS_URL = "redis://localhost:6379/0"
    JOBS_QUEUE = "siyi-jobs"
    JOBS_THREADS = 2  # the thread backend's jobs at once
    JOBS_TIMEOUT = 3600  # seconds an RQ job may run
    JOBS_HEARTBEAT_SECONDS = 5  # a running job's heartbeat, even between progress steps
    JOBS_STALE_SECONDS = 60  # a running job silent this long lost its worker: marked failed
    JOBS_DIR = None  # default: instance/ (job_results/: print runs' PDFs; job_progress/: progress on SQLite)
    JOBS_TEST_SLOWDOWN = 0  # seconds slept at each progress step (tests that kill a worker mid-job)
    IMPORT_JOB_ROWS = 2000  # a confirmed import of more rows than this runs as a background job
    # SQLite has one writer: another write waits this long for it (a print run holds the lock while it numbers and
    # renders its certificates) before it fails with 数据库正忙; the driver's own default is 5 seconds
    SQLITE_BUSY_SECONDS = 30
