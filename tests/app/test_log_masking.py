"""The servers' request logs do not record retrieval codes: the development server `make run`
uses (werkzeug, as `flask run` starts it) and gunicorn with deploy/gunicorn.conf.py, both
serving a real request for the tracking link."""

from __future__ import annotations

import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from enquiry import ROOT, create_app
from enquiry.extensions import db
from enquiry.models import Base, Channel, Department, Kind, Status, Ticket
from enquiry.rules.references import hash_code
from tests.conftest import base_config

CODE = "7K2M-9QXR-4TNB-H8WZ-3CVD"


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "enquiry.test"})
        return connection.getresponse().status
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_development_server_log_masks_the_code(
    app: Flask, make_ticket: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    ticket = make_ticket(access_code_hash=hash_code(CODE))
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            assert get(server.port, f"/track/{ticket.reference}/{CODE}") == 303
            assert get(server.port, f"/track%2F{ticket.reference}%2F{CODE}") in {303, 404}
    finally:
        server.shutdown()
        thread.join(timeout=10)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any(f"/track/{ticket.reference}/***" in line for line in lines), lines
    assert not [line for line in lines if CODE in line or CODE.replace("-", "") in line]


@pytest.fixture
def served_database(tmp_path: Path) -> str:
    """A SQLite database with the schema and one ticket whose code is CODE."""
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    app = create_app(base_config(url, tmp_path / "instance") | {"SERVER_NAME": None})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
        db.session.add(
            Ticket(
                reference="WLMQ-2026-000001",
                kind=Kind.QUESTION,
                status=Status.RECEIVED,
                channel=Channel.WEB,
                department_id=1,
                subject="s",
                citizen_name="张三",
                citizen_email="a@example.test",
                access_code_hash=hash_code(CODE),
                received_on=date(2026, 3, 2),
                created_at=datetime(2026, 3, 2, 4, 0, tzinfo=UTC),
            )
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


def wait_until_serving(port: int, log: Path) -> None:
    """Wait (bounded) until gunicorn answers a request."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get(port, "/language/en")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not start:\n" + log.read_text())


def wait_for_lines(log: Path, text: str, count: int) -> None:
    """Wait (bounded) until the log holds `count` lines with `text`."""
    deadline = time.monotonic() + 15
    while log.read_text().count(text) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_gunicorn_access_log_masks_the_code(served_database: str, tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {
        "ENQUIRY_SQLALCHEMY_DATABASE_URI": served_database,
        "ENQUIRY_SECRET_KEY": "test-secret-key-not-for-production",
        "ENQUIRY_INSTANCE_PATH": str(tmp_path / "instance"),
        "ENQUIRY_MAIL_CATCHER": "false",
    }
    argv = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    argv += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_serving(port, log)
            assert get(port, f"/track/WLMQ-2026-000001/{CODE}") == 303
            assert get(port, f"/%74rack/WLMQ-2026-000001/{CODE}") == 303
            # The worker writes its access line after the answer: stop only once both are
            # written, or the quick shutdown interrupts the second one.
            wait_for_lines(log, '"GET /track/WLMQ-2026-000001/', 2)
        finally:
            server.send_signal(signal.SIGINT)  # quick shutdown
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    text = log.read_text()
    assert text.count('"GET /track/WLMQ-2026-000001/*** HTTP/1.1" 303') == 2, text
    assert CODE not in text and CODE.replace("-", "") not in text, text
