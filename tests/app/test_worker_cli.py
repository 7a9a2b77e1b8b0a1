"""`flask mail send`, `flask worker`, `flask mail catch` and `flask run-all`, for real."""

from __future__ import annotations

import logging
import os
import queue
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import IO, Any

import pytest
from flask import Flask

from enquiry import ROOT
from enquiry.cli import devserver
from enquiry.extensions import db
from enquiry.mail import catcher
from enquiry.models import Department, LetterJob, OutboundEmail, OutboxStatus
from tests.app.test_delivery import load, open_enquiry
from tests.smtp_server import SmtpServer, free_port, free_ports

pytestmark = pytest.mark.allow_smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    app = make_app(**smtp.app_config())
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    return app


class Child:
    """A `flask ...` child process whose output lines can be awaited."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        assert self.process.stdout is not None
        self.reader = threading.Thread(target=self._read, args=(self.process.stdout,))
        self.reader.start()

    def _read(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                self.output.append(line)
                self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        # Generous: a child imports the whole app first, which took over 20 s on a 2-core
        # machine at load average 8. Only a failing test waits this long.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in self.lines.get(timeout=0.1):
                    return
            except queue.Empty:
                if self.process.poll() is not None:
                    break
        raise AssertionError(f"no {text!r} in output:\n{''.join(self.output)}")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.reader.join(timeout=10)


def child_env(app: Flask | None = None, **settings: Any) -> dict[str, str]:
    env = dict(os.environ, FLASK_APP="enquiry:create_app", PYTHONUNBUFFERED="1")
    if app is not None:
        env["ENQUIRY_SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
        env["ENQUIRY_SECRET_KEY"] = app.config["SECRET_KEY"]
    env.update({f"ENQUIRY_{key}": str(value) for key, value in settings.items()})
    return env


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# flask mail send / flask worker -----------------------------------------------------------------


def test_mail_send_does_one_pass_and_says_what_it_did(mail_app: Flask, smtp: SmtpServer) -> None:
    row = open_enquiry(mail_app)

    result = mail_app.test_cli_runner().invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert f"sent       #{row.id} maimaiti@example.com: 250 2.0.0 Ok" in result.output
    assert result.output.endswith("sent 1, retry 0, failed 0, suppressed 0, released 0\n")
    assert smtp.message_ids() == {row.message_id: 1}
    again = mail_app.test_cli_runner().invoke(args=["mail", "send"])
    assert again.output == "sent 0, retry 0, failed 0, suppressed 0, released 0\n"


def test_mail_send_drains_the_outbox_in_batches(mail_app: Flask, smtp: SmtpServer) -> None:
    rows = [open_enquiry(mail_app, email=f"c{n}@example.com") for n in range(7)]

    result = mail_app.test_cli_runner().invoke(args=["mail", "send", "--batch-size", "3"])

    assert result.exit_code == 0, result.output
    assert smtp.message_ids() == {row.message_id: 1 for row in rows}


def test_worker_once_delivers_and_logs_the_pass(
    mail_app: Flask, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="enquiry")
    row = open_enquiry(mail_app)

    result = mail_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert smtp.message_ids() == {row.message_id: 1}
    assert any(m.startswith("mail: sent 1, retry 0") for m in caplog.messages), caplog.messages


def test_worker_once_exits_1_when_a_job_fails(
    mail_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with mail_app.app_context():
        # The outbox gone (and the letters waiting for it, which refer to it): the job fails.
        LetterJob.__table__.drop(db.engine)  # type: ignore[attr-defined]
        OutboundEmail.__table__.drop(db.engine)  # type: ignore[attr-defined]

    result = mail_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 1
    assert "Job mail failed" in caplog.messages


def test_the_worker_loop_sends_then_stops_cleanly_on_sigterm(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    env = child_env(mail_app, MAIL_PORT=smtp.port, WORKER_POLL_SECONDS=0.2)
    worker = Child(["worker"], env)
    try:
        worker.wait_for("mail every 0.2 s")
        row = open_enquiry(mail_app)
        smtp.wait_for(1, timeout=20)
        wait_until(lambda: load(mail_app, row.id).status is OutboxStatus.SENT)
    finally:
        code = worker.stop(signal.SIGTERM)
    assert code == 0, "".join(worker.output)
    assert "SIGTERM: finishing the current step, then stopping" in "".join(worker.output)
    assert "Worker stopped." in "".join(worker.output)
    assert smtp.message_ids() == {row.message_id: 1}


# The development mail catcher -------------------------------------------------------------------


def chinese_message(to: str = "maimaiti@example.com") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "xxgk@enquiry.localhost"
    message["To"] = to
    message["Subject"] = "[WLMQ-2024-000001] 您的咨询已收到"
    message["Message-ID"] = "<catch.1@enquiry.test>"
    message.set_content("您好，我们已收到您的咨询。\n")
    return message


def read_eml(path: Path) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_the_catcher_keeps_what_the_worker_sends(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    port, announced = free_port(), []
    controller = catcher.start("127.0.0.1", port, tmp_path / "caught", announce=announced.append)
    try:
        app = make_app(MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
        with app.app_context():
            db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
            db.session.commit()
        row = open_enquiry(app)
        result = app.test_cli_runner().invoke(args=["mail", "send"])
    finally:
        controller.stop()

    assert "caught as " in result.output
    [path] = (tmp_path / "caught").glob("*.eml")
    message = read_eml(path)
    assert str(message["Message-ID"]) == row.message_id
    assert str(message["Subject"]) == row.subject
    assert announced == [f"caught for maimaiti@example.com: {row.subject}  → {path}"]


def test_flask_mail_catch_runs_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = child_env(INSTANCE_PATH=tmp_path / "instance")
    server = Child(["mail", "catch", "--port", str(port)], env)
    try:
        server.wait_for(f"Catching mail on 127.0.0.1:{port}")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(chinese_message())
        server.wait_for("caught for maimaiti@example.com: [WLMQ-2024-000001] 您的咨询已收到")
    finally:
        code = server.stop()

    assert code == 0, "".join(server.output)
    [path] = (tmp_path / "instance" / "mail-catcher").glob("*.eml")
    message = read_eml(path)
    assert str(message["Subject"]) == "[WLMQ-2024-000001] 您的咨询已收到"
    body = message.get_body(("plain",))
    assert body is not None and "已收到您的咨询" in str(body.get_content())


# flask run-all ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, True),
        ({"MAIL_SERVER": "localhost"}, True),
        ({"MAIL_CATCHER": False}, False),
        ({"MAIL_PORT": 25}, False),
        ({"MAIL_PORT": 2525}, False),
        ({"MAIL_PORT": 2525, "MAIL_CATCHER_PORT": 2525}, True),
        ({"MAIL_SERVER": "smtp.example.gov.cn"}, False),
    ],
)
def test_mail_is_caught_only_when_it_would_go_to_the_local_default(
    settings: dict[str, Any], expected: bool
) -> None:
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 8025, "MAIL_CATCHER": True} | settings
    assert devserver.wants_catcher(config) is expected


@pytest.mark.parametrize(
    ("setting", "host", "port", "expected"),
    [
        ("http://127.0.0.1:5000", "127.0.0.1", 5000, None),
        ("http://127.0.0.1:5000", "127.0.0.1", 8080, "http://127.0.0.1:8080"),
        ("http://127.0.0.1:5000", "0.0.0.0", 8080, "http://127.0.0.1:8080"),
        ("http://127.0.0.1:5000", "192.0.2.7", 5000, "http://192.0.2.7:5000"),
        ("http://127.0.0.1:5000", "::1", 8080, "http://[::1]:8080"),
        ("https://xinfang.example.gov.cn", "127.0.0.1", 8080, None),  # the office's own
    ],
)
def test_mail_links_follow_the_port_run_all_serves_on_unless_the_office_chose(
    setting: str, host: str, port: int, expected: str | None
) -> None:
    assert devserver.public_base_url({"PUBLIC_BASE_URL": setting}, host, port) == expected


def test_run_all_starts_catcher_worker_and_site_and_stops_them(
    mail_app: Flask, tmp_path: Path
) -> None:
    instance = Path(mail_app.instance_path)
    port, catcher = free_ports(2)
    env = child_env(mail_app, MAIL_PORT=catcher, MAIL_CATCHER_PORT=catcher, WORKER_POLL_SECONDS=0.2)
    run_all = Child(["run-all", "--port", str(port)], env)
    try:
        run_all.wait_for(f"Catching mail on 127.0.0.1:{catcher}")  # before the worker starts
        run_all.wait_for("Started: mail catcher, worker, web server.")
        assert f"one .eml file per message in {instance / 'mail-catcher'}/" in "".join(
            run_all.output
        )
        row = open_enquiry(mail_app)
        run_all.wait_for("caught for maimaiti@example.com")
        wait_until(lambda: devserver.is_listening("127.0.0.1", port))
    finally:
        code = run_all.stop(signal.SIGTERM)

    assert code == 0, "".join(run_all.output)
    [path] = (instance / "mail-catcher").glob("*.eml")
    assert str(read_eml(path)["Message-ID"]) == row.message_id
    assert not devserver.is_listening("127.0.0.1", port)
    assert not devserver.is_listening(devserver.CATCHER_HOST, catcher)
