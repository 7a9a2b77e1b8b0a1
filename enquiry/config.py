"""Settings: safe defaults, overridden by instance/config.py, then ENQUIRY_* variables."""

from __future__ import annotations

import json
import logging
import os
import types
from pathlib import Path
from typing import Any, ClassVar

from enquiry.instance_files import instance_secret

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    """Safe defaults. Every name here can be set as ENQUIRY_<NAME> in the environment."""

    # Core
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: sqlite:///<instance>/enquiry.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {"pool_pre_ping": True}
    PREFERRED_URL_SCHEME = "http"
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    SQLITE_BUSY_TIMEOUT_SECONDS = 15  # how long a SQLite writer waits for the lock
    SQLITE_SYNCHRONOUS = "NORMAL"  # or "FULL": every commit on disk before it is answered
    PROXY_HOPS = 0  # trusted reverse proxies in front; 0 ignores X-Forwarded-* headers

    # Office and tickets
    OFFICE_NAME = "乌鲁木齐市人民政府办公厅电子政务办公室"
    # The address citizens may write to, shown on the home page and the form (else the sender).
    OFFICE_EMAIL: str | None = None
    # The routing office (the default department) that `flask init`, or the first enquiry of
    # a fresh install, creates; its Chinese name is OFFICE_NAME.
    ROUTING_OFFICE_CODE = "egov"
    ROUTING_OFFICE_NAME_EN = "E-Government Office"
    REFERENCE_PREFIX = "WLMQ"
    TIMEZONE = "Asia/Shanghai"
    # Formal letters (告知书), see docs/letters.md. Relative paths are in the instance folder;
    # no seal configured: instance/seal.png if present, else the shipped DEMO placeholder.
    LETTER_OFFICE_NAME = ""  # default: OFFICE_NAME
    LETTER_OFFICE_ADDRESS = ""
    LETTER_LETTERHEAD = ""  # a line under the office name, e.g. its telephone and website
    LETTER_SEAL_PATH = ""
    LETTER_REVIEW_AUTHORITY = "乌鲁木齐市人民政府"  # where 行政复议 is applied for
    LETTER_CJK_FONT = ""  # default: Noto Sans CJK from Debian's fonts-noto-cjk
    LETTER_UYGHUR_FONT = ""  # default: static/fonts/UKIJTuz.ttf

    # Deadlines (working days; the day of receipt is not counted)
    CALENDAR = "xinjiang"  # "national" or "xinjiang"
    OFFICE_OPENS = "10:00"  # Beijing time; later submissions count from the next working day
    OFFICE_CLOSES = "19:30"
    DEADLINE_DAYS_QUESTION = 5
    DEADLINE_DAYS_SUGGESTION = 15
    DEADLINE_DAYS_COMPLAINT = 15
    DEADLINE_DAYS_INFO_APPLICATION = 20  # 2019 Regulations, art. 33
    DEADLINE_DAYS_OTHER = 15
    DEADLINE_DAYS_PERSONAL_DATA = 15  # working days for a request about one's personal data
    EXTENSION_MAX_DAYS_INFO_APPLICATION = 20  # once, with a supervisor's approval (art. 33)
    EXTENSION_MAX_DAYS_OTHER = 10
    DUE_SOON_DAYS = 3  # working days
    DIGEST_AT = "08:30"  # Beijing time, daily
    ESCALATION_INTERVAL_SECONDS = 3600

    # Languages
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans", "en", "ug")

    # Public form
    MAX_ATTACHMENTS = 5
    MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024  # the whole request; above it the answer is 413
    FORM_MIN_SECONDS = 3  # a form sent faster than this is refused as automated
    FORM_MAX_SECONDS = 4 * 3600  # a form older than this is refused as stale
    SUBMIT_RATE_LIMIT = "5 per minute; 30 per hour; 100 per day"
    TRACK_RATE_LIMIT = "10 per minute; 60 per hour"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    API_RATE_LIMIT = "120 per minute"  # per API token, across all of /api/v1

    # Security
    # The audit chain's key (>= 32 characters); unset: instance/audit_key, made on first run.
    AUDIT_KEY: str | None = None
    AUDIT_OLD_KEYS = ""  # retired keys still needed to verify old events, space-separated
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set ENQUIRY_SESSION_COOKIE_SECURE=true behind HTTPS
    SESSION_COOKIE_NAME = "enquiry_session"
    PERMANENT_SESSION_LIFETIME = 3600 * 8
    WTF_CSRF_TIME_LIMIT = 4 * 3600

    # Staff sign-in
    # Argon2id cost (argon2-cffi's defaults, RFC 9106's low-memory profile): about 0.3 s a hash
    # here. Lower only for tests; a hash records its own cost, so raising it later still verifies.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    PASSWORD_HASH_PARALLELISM = 4
    LOGIN_RATE_LIMIT = "10 per minute"
    LOGIN_LOCKOUT_THRESHOLD = 5  # consecutive failures
    LOGIN_LOCKOUT_MINUTES = 15
    STAFF_IDLE_MINUTES = 30
    SESSION_PROTECTION = "strong"
    TOTP_ISSUER = "Enquiry"
    INBOX_PAGE_SIZE = 25

    # Mail
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 8025
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_CA_FILE: str | None = None  # PEM of the CA(s) to trust for the server (else the system's)
    MAIL_DEFAULT_SENDER = "xxgk@enquiry.localhost"
    MAIL_DOMAIN = "enquiry.localhost"
    MAIL_CATCHER = True  # `make run` catches mail locally into instance/mail-catcher/
    MAIL_CATCHER_PORT = 8025  # ... when MAIL_SERVER is this machine and MAIL_PORT is this port
    MAIL_SEND_BATCH_SIZE = 20
    MAIL_LEASE_SECONDS = 600
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_RETRY_MAX_DELAY_SECONDS = 6 * 3600
    MAIL_RETRY_WINDOW_SECONDS = 2 * 86400  # give up after about two days
    MAIL_TIMEOUT_SECONDS = 30
    AUTOMATIC_MAIL_PER_RECIPIENT_PER_DAY = 10
    WORKER_POLL_SECONDS = 5
    IMAP_POLL_SECONDS = 60  # `flask worker` fetches from IMAP this often when IMAP_HOST is set

    # Demo
    DEMO_ADMIN_EMAIL = "admin@enquiry.localhost"
    DEMO_ADMIN_PASSWORD: str | None = None  # printed once when generated

    # Published answers (公开)
    PUBLICATION_REQUIRES_APPROVAL = True  # False: staff publish without a supervisor's approval
    PUBLICATION_MARKER = "■■"  # what replaces hidden personal data, e.g. "[已隐去]"
    OPEN_DATA_LICENCE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"


def secret_key_for(instance_path: str) -> str:
    """Return the instance's secret key, generating and storing one on first use."""
    return instance_secret(Path(instance_path) / "secret_key")


def default_database_uri(instance_path: str) -> str:
    """Return the SQLite URI used when no database is configured."""
    return f"sqlite:///{Path(instance_path) / 'enquiry.sqlite3'}"


def instance_path() -> str:
    """Return the instance folder: ENQUIRY_INSTANCE_PATH, else instance/ beside the package."""
    return os.environ.get("ENQUIRY_INSTANCE_PATH") or str(ROOT / "instance")


def read_config() -> dict[str, Any]:
    """Read the settings as create_app does, without Flask: for the MTA pipe's fast path.

    Defaults, then instance/config.py, then ENQUIRY_* variables (JSON values, else strings),
    with the default SQLite database of the instance folder; nested `__` keys are not needed.
    """
    config = {key: getattr(Defaults, key) for key in dir(Defaults) if key.isupper()}
    folder = instance_path()
    config_file = Path(folder) / "config.py"
    if config_file.is_file():
        module = types.ModuleType("config")
        module.__file__ = str(config_file)
        code = compile(config_file.read_bytes(), str(config_file), "exec")
        exec(code, module.__dict__)  # noqa: S102  (the operator's own settings, as Flask does)
        config.update({key: getattr(module, key) for key in dir(module) if key.isupper()})
    for name in sorted(os.environ):
        if name.startswith("ENQUIRY_") and "__" not in name:
            config[name.removeprefix("ENQUIRY_")] = _env_value(os.environ[name])
    config.setdefault("INSTANCE_PATH", folder)
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = default_database_uri(folder)
    return config


def _env_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
