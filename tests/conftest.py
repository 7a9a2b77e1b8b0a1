"""Shared fixtures: an app per test on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import smtplib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, make_url, text

from enquiry import create_app
from enquiry.extensions import db
from enquiry.models import Base, Department


def worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker has a database of its own: <name>_gw0, <name>_gw1 ..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base = make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


def create_worker_database(url: str) -> None:
    """Create this worker's PostgreSQL database when it does not exist yet."""
    target = make_url(url)
    engine = create_engine(
        target.set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        engine.dispose()


# The suite runs on pytest-xdist workers (`-n 3 --dist loadscope` in pyproject.toml): each
# module's tests run on one worker, in order, so tests that build on each other's state (the
# hostile suite's shared site) stay together. (--dist loadgroup does not group with pytest 9.)
POSTGRES_URL = worker_database(os.environ.get("ENQUIRY_TEST_POSTGRES_URL"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# Argon2 at production cost takes ~0.3 s a hash and as long to verify; hundreds of tests create
# users. Cheap parameters for every app the tests build, child processes included; the
# production parameters are pinned by tests/app/test_password_hash.py.
CHEAP_PASSWORD_HASH = {
    "ENQUIRY_PASSWORD_HASH_TIME_COST": "1",
    "ENQUIRY_PASSWORD_HASH_MEMORY_KIB": "8",
    "ENQUIRY_PASSWORD_HASH_PARALLELISM": "1",
}


def pytest_configure(config: pytest.Config) -> None:
    for name, value in CHEAP_PASSWORD_HASH.items():
        os.environ.setdefault(name, value)
    if POSTGRES_URL and os.environ.get("PYTEST_XDIST_WORKER"):
        create_worker_database(POSTGRES_URL)
    # Random examples every run (CI passes --hypothesis-seed and prints it); a failure prints
    # the blob that reproduces it, and failing examples are kept in .hypothesis/ for the rerun.
    hypothesis.settings.register_profile("enquiry", print_blob=True)
    hypothesis.settings.load_profile("enquiry")


def require(condition: bool, reason: str) -> None:
    """Skip when a component is missing locally; fail under CI, where it must be present."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def database_params() -> list[Any]:
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A clean, empty database URL (schema not created) for each test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    require(bool(POSTGRES_URL), "ENQUIRY_TEST_POSTGRES_URL is not set")
    assert POSTGRES_URL
    yield POSTGRES_URL


def reset_postgres(app: Flask) -> None:
    """Drop everything in the PostgreSQL test database."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def base_config(database_url: str, instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "FORM_MIN_SECONDS": 0,
        "SERVER_NAME": "enquiry.test",
        "PUBLIC_BASE_URL": "http://enquiry.test",
    }


POSTGRES_STRUCTURE = text(
    """
    SELECT 'c:' || table_name || '.' || column_name || ':' || data_type
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT 'i:' || indexname || ':' || indexdef FROM pg_indexes
     WHERE schemaname = 'public'
    UNION ALL SELECT 't:' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND NOT t.tgisinternal
    UNION ALL SELECT 'k:' || conname FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
    ORDER BY 1
    """
)


EMPTY_POSTGRES = ";\n".join(
    [f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables)]
    + [
        "SELECT setval(quote_ident(sequencename), 1, false) FROM pg_sequences"
        " WHERE schemaname = 'public'"
    ]
)


class Schemas:
    """The models' schema built once per database per run; each test gets it empty.

    SQLite: a template file, copied for each test. PostgreSQL: the schema stays and its rows are
    deleted between tests and its sequences restarted, unless a test changed its structure
    (a migration test, a test that drops it), which a fingerprint of the catalogue detects:
    then it is dropped and built again.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sqlite_template: Path | None = None
        self.postgres_structure: list[str] | None = None

    def copy_sqlite(self, database_url: str) -> bool:
        """Copy the template to a not yet existing SQLite file; False when that cannot be."""
        path = Path(database_url.removeprefix("sqlite:///"))
        if not database_url.startswith("sqlite:///") or path.exists():
            return False
        if self.sqlite_template is None:
            template = self.directory / "template.sqlite3"
            app = create_app(base_config(f"sqlite:///{template}", self.directory / "instance"))
            with app.app_context():
                Base.metadata.create_all(db.engine)
                db.engine.dispose()
            self.sqlite_template = template
        shutil.copyfile(self.sqlite_template, path)
        return True

    def empty_postgres(self, app: Flask) -> None:
        """Leave the models' schema, with no rows, in the app's PostgreSQL database."""
        with app.app_context(), db.engine.begin() as connection:
            structure = list(connection.scalars(POSTGRES_STRUCTURE))
            if structure and structure == self.postgres_structure:
                connection.execute(text(EMPTY_POSTGRES))  # DELETE: TRUNCATE takes 0.25 s here
                return
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            Base.metadata.create_all(connection)
            self.postgres_structure = list(connection.scalars(POSTGRES_STRUCTURE))


@pytest.fixture(scope="session")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Schemas:
    return Schemas(tmp_path_factory.mktemp("schemas"))


@pytest.fixture
def make_app(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schemas: Schemas
) -> Iterator[Callable[..., Flask]]:
    """Return a factory for apps on this test's database, schema created from the models."""
    monkeypatch.setenv("ENQUIRY_INSTANCE_PATH", str(tmp_path / "instance"))
    created: list[Flask] = []

    def factory(create_schema: bool = True, **overrides: Any) -> Flask:
        config = base_config(database_url, tmp_path / "instance")
        config.update(overrides)
        first = not created
        copied = first and create_schema and schemas.copy_sqlite(config["SQLALCHEMY_DATABASE_URI"])
        app = create_app(config)
        created.append(app)
        if first and database_url.startswith("postgresql"):
            if create_schema:
                schemas.empty_postgres(app)
                return app
            reset_postgres(app)
        if first and create_schema and not copied:
            with app.app_context():
                Base.metadata.create_all(db.engine)
        return app

    yield factory
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app with an empty schema and the default department."""
    app = make_app()
    with app.app_context():
        db.session.add(
            Department(
                code="egov",
                name_zh="电子政务办公室",
                name_en="E-Government Office",
                name_ug="ئېلېكترونلۇق ھۆكۈمەت ئىشخانىسى",
                is_default=True,
            )
        )
        db.session.commit()
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture(autouse=True)
def no_unexpected_smtp(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens an SMTP connection without the allow_smtp marker."""
    if request.node.get_closest_marker("allow_smtp"):
        return

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("unexpected SMTP connection in a test without @allow_smtp")

    monkeypatch.setattr(smtplib.SMTP, "connect", refuse)


HIDDEN_INPUT = re.compile(
    r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"'
    r'|<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"'
)


def hidden_fields(html: str) -> dict[str, str]:
    """Return the hidden inputs of a page (CSRF token, form token ...)."""
    fields: dict[str, str] = {}
    for match in HIDDEN_INPUT.finditer(html):
        name = match.group(1) or match.group(3)
        value = match.group(2) if match.group(1) else match.group(4)
        fields[name] = value
    return fields
