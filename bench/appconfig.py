"""Where benchmark databases live and how the app is configured for them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
INSTANCE = DATA / "instance"

# Fixed so that the runner can make cursors and tokens for the seeded data. Benchmarks only.
SECRET_KEY = "bench-secret-key-not-for-any-real-deployment"  # noqa: S105
ADMIN_EMAIL = "admin@enquiry.localhost"
PASSWORD = "bench-password-123"  # noqa: S105  (every seeded staff user)
DEFAULT_SQLITE = f"sqlite:///{DATA / 'bench.sqlite3'}"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test_bench"
UNLIMITED = "1000000000 per second"

# What the web benchmark changes from the defaults (also passed to gunicorn as ENQUIRY_*):
# rate limits are raised so that one client address can send thousands of requests, and the
# "sent too quickly" check of the public form is off (a load generator answers in milliseconds).
RUN_CONFIG: dict[str, Any] = {
    "SECRET_KEY": SECRET_KEY,
    "SUBMIT_RATE_LIMIT": UNLIMITED,
    "TRACK_RATE_LIMIT": UNLIMITED,
    "LOGIN_RATE_LIMIT": UNLIMITED,
    "FORM_MIN_SECONDS": 0,
    "MAIL_CATCHER": False,
    "STAFF_IDLE_MINUTES": 600,
}


def database_uri(name: str) -> str:
    """Accept 'sqlite', 'postgresql' or a full URI."""
    if name == "sqlite":
        return DEFAULT_SQLITE
    if name in {"pg", "postgres", "postgresql"}:
        return DEFAULT_POSTGRES
    return name


def dialect_of(uri: str) -> str:
    return "postgresql" if uri.startswith("postgresql") else "sqlite"


def environment(uri: str) -> dict[str, str]:
    """Return ENQUIRY_* variables that configure a separate process (gunicorn, flask) like us."""
    env = dict(os.environ)
    env["ENQUIRY_INSTANCE_PATH"] = str(INSTANCE)
    env["ENQUIRY_SQLALCHEMY_DATABASE_URI"] = uri
    for key, value in RUN_CONFIG.items():
        env[f"ENQUIRY_{key}"] = str(value).lower() if isinstance(value, bool) else str(value)
    env["FLASK_APP"] = str(ROOT / "wsgi.py")
    return env


def make_app(uri: str, **extra: Any) -> Any:
    """Create the Enquiry app on the benchmark database."""
    os.environ["ENQUIRY_INSTANCE_PATH"] = str(INSTANCE)
    INSTANCE.mkdir(parents=True, exist_ok=True)
    from enquiry import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": uri, **RUN_CONFIG, **extra})


def ensure_database(uri: str) -> None:
    """Create the PostgreSQL database named in the URI if it does not exist."""
    if dialect_of(uri) != "postgresql":
        DATA.mkdir(parents=True, exist_ok=True)
        return
    url = sa.make_url(uri).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()


def wipe(uri: str) -> None:
    """Remove every table: delete the SQLite file, or recreate PostgreSQL's public schema."""
    if dialect_of(uri) == "sqlite":
        path = Path(sa.make_url(uri).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    url = sa.make_url(uri).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
