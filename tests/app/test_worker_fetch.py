"""`flask worker` fetches from IMAP when IMAP_HOST is set (a real dovecot)."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from enquiry.extensions import db
from enquiry.models import InboundEmail, InboundSource, Ticket
from tests.app.test_intake_sources import eml, imap_app, numbered
from tests.app.test_worker_cli import Child, child_env, wait_until
from tests.imap_server import DovecotServer
from tests.smtp_server import free_port


@pytest.fixture
def imap() -> Iterator[DovecotServer]:
    with DovecotServer.running() as server:
        yield server


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_worker_once_fetches_the_mailbox_and_a_second_pass_takes_nothing(
    make_app: Callable[..., Flask], imap: DovecotServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="enquiry")
    app = imap_app(make_app, imap)
    imap.append(eml("intake-gbk-new.eml"), eml("intake-uyghur.eml"))

    first = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert first.exit_code == 0, first.output
    assert "imap: ingested 2, skipped 0, rejected 0, failed 0 of 2 in the mailbox" in str(
        caplog.messages
    )
    assert count(app, Ticket) == 2
    with app.app_context():
        sources = db.session.scalars(select(InboundEmail.source)).all()
    assert sources == [InboundSource.IMAP] * 2

    second = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert second.exit_code == 0, second.output
    assert count(app, InboundEmail) == 2


def test_worker_without_imap_host_does_not_fetch(
    make_app: Callable[..., Flask], imap: DovecotServer
) -> None:
    app = imap_app(make_app, imap, IMAP_HOST="")
    imap.append(*numbered(1))

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert count(app, InboundEmail) == 0


def test_worker_refuses_to_start_with_unsafe_imap_settings(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(IMAP_HOST="imap.example.com", IMAP_SECURITY="none")

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 1
    assert "IMAP_SECURITY=none is only allowed for localhost" in result.output


def test_the_worker_loop_fetches_new_mail_as_it_arrives(
    make_app: Callable[..., Flask], imap: DovecotServer
) -> None:
    app = imap_app(make_app, imap)
    settings = imap.app_config() | {"IMAP_POLL_SECONDS": 0.3, "MAIL_SUPPRESS_SEND": "true"}
    worker = Child(["worker"], child_env(app, **settings))
    try:
        worker.wait_for("mail, imap")  # the jobs it runs, in order
        imap.append(*numbered(2))
        wait_until(lambda: count(app, Ticket) == 2)
        imap.append(*numbered(3)[2:])
        wait_until(lambda: count(app, Ticket) == 3)
    finally:
        code = worker.stop(signal.SIGTERM)
    assert code == 0, "".join(worker.output)
    assert count(app, InboundEmail) == 3


def open_transactions(app: Flask) -> set[tuple[Any, ...]]:
    """Other sessions on this database idle inside a transaction: (pid, start, query)."""
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT pid, xact_start, query FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state = 'idle in transaction'"
            )
        )
        return {tuple(row) for row in rows}


@pytest.mark.parametrize("command", ["worker", "serve"])
@pytest.mark.parametrize(  # SQLite's driver opens no transaction for reads: nothing to check
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_idle_intake_holds_no_transaction_open(
    make_app: Callable[..., Flask], imap: DovecotServer, command: str
) -> None:
    """A transaction left open holds its locks for days: `flask db upgrade` would wait."""
    app = imap_app(make_app, imap)
    settings = imap.app_config() | {"IMAP_POLL_SECONDS": 0.5, "MAIL_SUPPRESS_SEND": "true"}
    imap.append(*numbered(1))
    args, ready = ["worker"], "imap: ingested 1,"  # then idle passes over a read mailbox
    if command == "serve":
        args, ready = ["mail", "serve", "--lmtp", "--port", str(free_port())], "Receiving mail"
    child = Child(args, child_env(app, **settings))
    try:
        child.wait_for(ready)
        time.sleep(1.0)
        before = open_transactions(app)
        time.sleep(2.0)  # several passes: a transaction of one pass has ended by now
        assert before & open_transactions(app) == set()
    finally:
        child.stop(signal.SIGTERM)
