"""The MTA pipe (`python -m enquiry.intake.pipe`) and `flask mail ingest` store a message; the
worker's intake job then takes it in (enquiry.intake.waiting)."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from enquiry import ROOT, create_intake_app
from enquiry.config import read_config
from enquiry.extensions import db
from enquiry.intake import waiting
from enquiry.intake.ingest import IngestResult, store
from enquiry.intake.settings import IntakeSettings
from enquiry.intake.waiting import take_in_waiting
from enquiry.models import InboundEmail, InboundOutcome, InboundSource, Ticket, utcnow
from tests.app.test_intake import count, eml
from tests.app.test_intake_sources import UNREACHABLE_DATABASE, child_env, inbound_rows, raw_of
from tests.app.test_worker_cli import Child, wait_until

STORED = "stored; the worker takes it in"


def take_in(app: Flask, clock: Callable[..., object] = utcnow) -> list[IngestResult]:
    """One pass of the worker's intake job."""
    with app.app_context():
        return take_in_waiting(
            db.session,
            clock=clock,  # type: ignore[arg-type]
            settings=lambda: IntakeSettings.from_config(app.config, db.session),
            should_stop=lambda: False,
        )


def outcomes(app: Flask) -> list[InboundOutcome]:
    return [row.outcome for row in inbound_rows(app)]


# --- flask mail ingest, in process ------------------------------------------------------------


def test_mail_ingest_stores_a_message_and_the_worker_takes_it_in(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(MAIL_SUPPRESS_SEND=True)
    caplog.set_level(logging.INFO, logger="enquiry")
    result = app.test_cli_runner().invoke(args=["mail", "ingest"], input=eml("intake-gbk-new.eml"))
    assert result.exit_code == 0, result.output
    assert result.output == f"#1 {STORED}\n"
    [inbound] = inbound_rows(app)
    assert (inbound.source, inbound.outcome) == (InboundSource.PIPE, InboundOutcome.PENDING)
    assert raw_of(app, inbound) == eml("intake-gbk-new.eml")
    assert count(app, Ticket) == 0

    worker = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert worker.exit_code == 0, worker.output
    assert outcomes(app) == [InboundOutcome.CREATED]
    assert count(app, Ticket) == 1
    assert any(m.startswith("intake: 1 taken in: #1 created WLMQ-") for m in caplog.messages)


def test_a_quarantined_message_is_stored_then_quarantined_by_the_worker(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "ingest"], input=eml("intake-garbage.bin"))
    assert result.exit_code == 0, result.output
    assert outcomes(app) == [InboundOutcome.PENDING]
    [taken] = take_in(app)
    assert taken.outcome is InboundOutcome.QUARANTINED
    assert outcomes(app) == [InboundOutcome.QUARANTINED]
    assert take_in(app) == []  # quarantined stays for staff: the worker does not retry it


def test_mail_ingest_refuses_a_message_over_the_limit_and_keeps_a_note(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(MAX_INBOUND_BYTES=2000)
    raw = eml("intake-gbk-new.eml") + b"x" * 3000
    result = app.test_cli_runner().invoke(args=["mail", "ingest"], input=raw)
    assert result.exit_code == 65, result.output
    [inbound] = inbound_rows(app)
    assert inbound.outcome is InboundOutcome.QUARANTINED
    assert (inbound.detail or "").startswith("rejected: ")
    assert raw_of(app, inbound).startswith(b"Received: from foxmail.example.cn")
    assert b"xxxx" not in raw_of(app, inbound)
    assert take_in(app) == []


def test_mail_reprocess_command(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["mail", "ingest"], input=eml("intake-garbage.bin"))
    by_hand = runner.invoke(args=["mail", "reprocess", "1"])  # before the worker's pass
    assert by_hand.exit_code == 0, by_hand.output
    assert "#1 quarantined" in by_hand.output
    result = runner.invoke(args=["mail", "reprocess", "--all-quarantined"])
    assert result.exit_code == 0, result.output
    assert "#1 quarantined" in result.output
    missing = runner.invoke(args=["mail", "reprocess", "99"])
    assert missing.exit_code == 1 and "no inbound e-mail #99" in missing.output


# --- the worker's intake job ------------------------------------------------------------------


def test_the_intake_job_takes_in_pipe_mail_at_once_and_other_pending_mail_once_stalled(
    app: Flask,
) -> None:
    now = utcnow()
    with app.app_context():
        for source in (InboundSource.SMTP, InboundSource.PIPE):
            store(db.session, eml("intake-uyghur.eml"), source=source, now=now)
    [taken] = take_in(app, clock=lambda: now)
    assert taken.inbound_email_id == 2 and taken.outcome is InboundOutcome.CREATED
    # The SMTP server takes in what it stored itself; left pending for 10 minutes, it stalled.
    assert outcomes(app) == [InboundOutcome.PENDING, InboundOutcome.CREATED]
    [stalled] = take_in(app, clock=lambda: now + timedelta(minutes=11))
    assert (stalled.inbound_email_id, stalled.outcome) == (1, InboundOutcome.DUPLICATE)


def test_the_intake_job_tries_a_message_once_a_pass(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One left pending (the database would not even record a quarantine) waits for the next."""
    with app.app_context():
        store(db.session, eml("intake-uyghur.eml"), source=InboundSource.PIPE, now=utcnow())
    tries: list[int] = []

    def still_pending(_session: object, inbound_id: int, **_kwargs: object) -> IngestResult:
        tries.append(inbound_id)
        return IngestResult(inbound_id, InboundOutcome.PENDING, detail="OperationalError")

    monkeypatch.setattr(waiting, "reprocess", still_pending)
    assert [r.outcome for r in take_in(app)] == [InboundOutcome.PENDING]
    assert tries == [1]
    monkeypatch.undo()
    assert [r.outcome for r in take_in(app)] == [InboundOutcome.CREATED]


def test_the_worker_loop_takes_in_what_the_pipe_stored_within_its_poll_interval(
    app: Flask,
) -> None:
    env = child_env(app, WORKER_POLL_SECONDS=0.3, MAIL_SUPPRESS_SEND="true")
    worker = Child(["worker"], env)
    try:
        worker.wait_for("Worker running (intake, ")
        done = pipe_child("enquiry.intake.pipe", child_env(app), eml("intake-gbk-new.eml"))
        assert done.returncode == 0, done.stderr.decode()
        wait_until(lambda: outcomes(app) == [InboundOutcome.CREATED])
    finally:
        code = worker.stop(signal.SIGTERM)
    assert code == 0, "".join(worker.output)
    assert count(app, Ticket) == 1


# --- as a process, the way the MTA runs it ----------------------------------------------------

# The MTA runs the thin entry point (no Flask, no SQLAlchemy) or `flask mail ingest`.
PIPES = {
    "flask mail ingest": ["-m", "flask", "mail", "ingest"],
    "enquiry.intake.pipe": ["-m", "enquiry.intake.pipe"],
}


def pipe_child(pipe: str, env: dict[str, str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, *PIPES[pipe]],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("pipe", PIPES)
def test_the_pipe_stores_the_raw_message_then_the_worker_takes_it_in(app: Flask, pipe: str) -> None:
    done = pipe_child(pipe, child_env(app), eml("intake-gbk-new.eml"))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == f"#1 {STORED}\n"
    [inbound] = inbound_rows(app)
    assert (inbound.source, inbound.outcome, inbound.size) == (
        InboundSource.PIPE,
        InboundOutcome.PENDING,
        len(eml("intake-gbk-new.eml")),
    )
    assert inbound.received_at > utcnow() - timedelta(minutes=1)
    assert inbound.processed_at is None and inbound.detail is None
    assert raw_of(app, inbound) == eml("intake-gbk-new.eml")
    again = pipe_child(pipe, child_env(app), eml("intake-gbk-new.eml"))
    garbage = pipe_child(pipe, child_env(app), eml("intake-garbage.bin"))
    assert again.returncode == garbage.returncode == 0
    assert count(app, Ticket) == 0

    taken = take_in(app)

    assert [r.outcome for r in taken] == [
        InboundOutcome.CREATED,
        InboundOutcome.DUPLICATE,
        InboundOutcome.QUARANTINED,
    ]
    assert count(app, Ticket) == 1
    with app.app_context():
        blobs = db.session.scalars(select(InboundEmail.raw_sha256).order_by(InboundEmail.id)).all()
    assert blobs[0] == blobs[1] != blobs[2]  # one blob for the same bytes


@pytest.mark.parametrize("pipe", PIPES)
def test_the_pipe_refuses_a_message_over_the_limit(app: Flask, pipe: str) -> None:
    raw = eml("intake-gbk-new.eml") + b"x" * 3000
    done = pipe_child(pipe, child_env(app, MAX_INBOUND_BYTES=2000), raw)
    assert done.returncode == 65, (done.stdout + done.stderr).decode()
    assert b"#1 rejected: message over the limit of 2000 bytes" in done.stderr
    [inbound] = inbound_rows(app)
    assert inbound.outcome is InboundOutcome.QUARANTINED
    assert inbound.detail == "rejected: over the limit of 2000 bytes; only the headers were kept"
    assert inbound.processed_at is not None
    assert raw_of(app, inbound).startswith(b"Received: from foxmail.example.cn")
    assert b"xxxx" not in raw_of(app, inbound)
    assert take_in(app) == []


@pytest.mark.parametrize("pipe", PIPES)
def test_the_pipe_exits_75_when_the_database_is_unreachable(app: Flask, pipe: str) -> None:
    env = child_env(app, SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE)
    done = pipe_child(pipe, env, eml("intake-gbk-new.eml"))
    assert done.returncode == 75, (done.stdout + done.stderr).decode()
    assert b"try again later" in done.stderr


def test_the_pipe_exits_75_when_the_tables_are_missing(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(create_schema=False)
    done = pipe_child("enquiry.intake.pipe", child_env(app), eml("intake-gbk-new.eml"))
    assert done.returncode == 75, (done.stdout + done.stderr).decode()
    assert b"not stored, try again later" in done.stderr


@pytest.mark.parametrize(
    "database_url", [pytest.param("sqlite")], indirect=True
)  # a URI with options: the fast path leaves it to SQLAlchemy
def test_the_pipe_stores_through_the_app_for_a_database_uri_it_does_not_know(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"] + "?timeout=20"
    done = pipe_child("enquiry.intake.pipe", child_env(app, SQLALCHEMY_DATABASE_URI=uri), b"x")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == f"#1 {STORED}\n"
    assert outcomes(app) == [InboundOutcome.PENDING]


def test_the_pipe_imports_neither_flask_nor_sqlalchemy() -> None:
    """What makes it cheap to start (bench pipe measures it): only the standard library."""
    code = (
        "import sys, enquiry.intake.pipe, enquiry.config;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'psycopg'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=True, timeout=60
    )
    assert done.stdout.decode().strip() == "[]"


def test_read_config_agrees_with_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "MAX_INBOUND_BYTES = 1000\nSQLITE_BUSY_TIMEOUT_SECONDS = 3\nlowercase = 1\n"
    )
    monkeypatch.setenv("ENQUIRY_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("ENQUIRY_SECRET_KEY", "a-test-key")
    monkeypatch.setenv("ENQUIRY_MAX_INBOUND_BYTES", "2000")  # JSON: an int
    monkeypatch.setenv("ENQUIRY_OFFICE_NAME", "某某办公室")  # not JSON: a string
    config = read_config()
    app = create_intake_app()
    for key in ("MAX_INBOUND_BYTES", "SQLITE_BUSY_TIMEOUT_SECONDS", "OFFICE_NAME", "SECRET_KEY"):
        assert config[key] == app.config[key], key
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'enquiry.sqlite3'}"
    assert (config["MAX_INBOUND_BYTES"], "lowercase" in config) == (2000, False)


def test_two_workers_take_in_each_message_once(app: Flask) -> None:
    """Both see the same waiting messages; the row lock (or the twin check) lets one take each."""
    with app.app_context():
        for name in ("intake-gbk-new.eml", "intake-uyghur.eml", "intake-attachments.eml"):
            store(db.session, eml(name), source=InboundSource.PIPE, now=utcnow())
    start = threading.Barrier(2)
    taken: list[list[IngestResult]] = []

    def worker() -> None:
        start.wait()
        taken.append(take_in(app))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(taken) == 2
    assert outcomes(app) == [InboundOutcome.CREATED] * 3
    assert count(app, Ticket) == 3
