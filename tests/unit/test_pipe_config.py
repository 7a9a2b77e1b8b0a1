"""The MTA pipe's fast path reads the configuration and the database URI as the app does."""

from __future__ import annotations

import io

import pytest

from enquiry.intake import rawstore
from enquiry.intake.rawstore import Database, StoreError, UnsupportedDatabaseError, receive
from enquiry.models import InboundOutcome, InboundSource


def test_the_fast_path_spells_sources_and_outcomes_as_the_models_do() -> None:
    assert tuple(source.value for source in InboundSource) == rawstore.SOURCES
    assert InboundOutcome.PENDING.value == rawstore.PENDING
    assert InboundOutcome.QUARANTINED.value == rawstore.QUARANTINED


@pytest.mark.parametrize(
    ("uri", "dialect", "target"),
    [
        ("sqlite:////srv/enquiry/enquiry.sqlite3", "sqlite", "/srv/enquiry/enquiry.sqlite3"),
        ("sqlite:///enquiry.sqlite3", "sqlite", "/srv/i/enquiry.sqlite3"),  # as Flask-SQLAlchemy
        (
            "postgresql://u:p%40ss@db:5432/enquiry",
            "postgresql",
            "postgresql://u:p%40ss@db:5432/enquiry",
        ),
        (
            "postgresql+psycopg://u@/enquiry?host=/run/pg",
            "postgresql",
            "postgresql://u@/enquiry?host=/run/pg",
        ),
    ],
)
def test_database_from_config(uri: str, dialect: str, target: str) -> None:
    database = Database.from_config({"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": "/srv/i"})
    assert (database.dialect, database.target) == (dialect, target)


@pytest.mark.parametrize(
    "uri",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///x.db?timeout=3",
        "mysql://u@h/d",
        "postgresql+psycopg2://u@h/d",
    ],
)
def test_other_database_uris_are_left_to_the_app(uri: str) -> None:
    with pytest.raises(UnsupportedDatabaseError):
        Database.from_config({"SQLALCHEMY_DATABASE_URI": uri})


def test_sqlite_connect_args_and_busy_timeout_are_the_apps() -> None:
    config = {
        "SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/x.sqlite3",
        "SQLITE_BUSY_TIMEOUT_SECONDS": 2,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"check_same_thread": False}},
    }
    database = Database.from_config(config)
    assert (database.busy_timeout, database.connect_args) == (2.0, {"check_same_thread": False})


def test_receive_keeps_only_the_header_of_a_message_over_the_limit() -> None:
    kept: list[tuple[bytes, str | None]] = []

    def store(raw: bytes, rejection: str | None) -> int:
        kept.append((raw, rejection))
        return 7

    out, err = io.StringIO(), io.StringIO()
    raw = b"Subject: big\r\n\r\n" + b"x" * 100
    assert receive(io.BytesIO(raw), out, err, limit=50, store=store) == rawstore.EX_DATAERR
    assert kept == [
        (b"Subject: big\r\n\r\n", "over the limit of 50 bytes; only the headers were kept")
    ]
    assert err.getvalue().startswith("#7 rejected: message over the limit")
    assert receive(io.BytesIO(b"Subject: small\n\nhi"), out, err, limit=50, store=store) == 0
    assert out.getvalue() == "#7 stored; the worker takes it in\n"


def test_receive_says_try_again_later_when_storing_fails() -> None:
    def store(_raw: bytes, _rejection: str | None) -> int:
        raise StoreError("could not store the message: OperationalError: disk I/O error")

    out, err = io.StringIO(), io.StringIO()
    assert receive(io.BytesIO(b"x"), out, err, limit=50, store=store) == rawstore.EX_TEMPFAIL
    assert err.getvalue().startswith("not stored, try again later: could not store")
    assert out.getvalue() == ""
