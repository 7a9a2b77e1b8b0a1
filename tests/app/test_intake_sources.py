"""The ways in: the SMTP/LMTP intake server and `flask mail fetch` against a real dovecot IMAP
server (the MTA pipe and `flask mail ingest`: test_intake_pipe.py)."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from enquiry import ROOT
from enquiry.extensions import db
from enquiry.intake.imap import FetchReport, ImapConfigError, ImapSettings, fetch_new_mail
from enquiry.intake.settings import IntakeSettings
from enquiry.intake.smtp_server import IntakeHandler, app_store, start_server
from enquiry.models import (
    Blob,
    Department,
    ImapClaim,
    InboundEmail,
    InboundOutcome,
    InboundSource,
    Ticket,
    utcnow,
)
from tests.app.test_intake import count, eml
from tests.imap_server import DovecotServer
from tests.smtp_server import free_port

UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:1/nothing_listens_here"


def inbound_rows(app: Flask) -> list[InboundEmail]:
    with app.app_context():
        rows = list(db.session.scalars(select(InboundEmail).order_by(InboundEmail.id)))
        db.session.expunge_all()
        return rows


def raw_of(app: Flask, inbound: InboundEmail) -> bytes:
    with app.app_context():
        return db.session.scalar(select(Blob.data).where(Blob.sha256 == inbound.raw_sha256)) or b""


def child_env(app: Flask, **settings: Any) -> dict[str, str]:
    env = dict(os.environ, FLASK_APP="wsgi.py", PYTHONUNBUFFERED="1")
    env["ENQUIRY_INSTANCE_PATH"] = app.instance_path
    env["ENQUIRY_SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
    env["ENQUIRY_SECRET_KEY"] = app.config["SECRET_KEY"]
    env.update({f"ENQUIRY_{key}": str(value) for key, value in settings.items()})
    return env


# --- the SMTP/LMTP intake server -------------------------------------------------------------


@pytest.fixture
def intake_server(app: Flask) -> Iterator[Callable[..., int]]:
    """Start intake servers for an app; return their port."""
    controllers: list[Any] = []

    def start(target: Flask = app, *, lmtp: bool = False, max_bytes: int = 1_000_000) -> int:
        port = free_port()
        handler = IntakeHandler(
            app_store(target, InboundSource.SMTP),
            hostname="intake.enquiry.test",
            lmtp=lmtp,
            clock=utcnow,
        )
        controllers.append(
            start_server(handler, host="127.0.0.1", port=port, max_bytes=max_bytes, lmtp=lmtp)
        )
        return port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.mark.allow_smtp
def test_the_smtp_server_answers_250_only_once_the_message_is_stored(
    app: Flask, intake_server: Callable[..., int]
) -> None:
    port = intake_server()
    raw = eml("intake-gbk-new.eml")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        refused = client.sendmail("wangrz@example.cn", ["enquiry@enquiry.localhost"], raw)
        code, _ = client.noop()
    assert refused == {} and code == 250
    # The 250 above came after the handler returned: the row is there to read at once.
    [inbound] = inbound_rows(app)
    assert (inbound.source, inbound.outcome) == (InboundSource.SMTP, InboundOutcome.CREATED)
    stored = raw_of(app, inbound)
    assert stored.startswith(b"Received: from ")
    assert b"Delivered-To: enquiry@enquiry.localhost\r\n" in stored
    assert stored.endswith(raw)


@pytest.mark.allow_smtp
def test_the_smtp_server_answers_451_when_it_cannot_store(
    app: Flask, make_app: Callable[..., Flask], intake_server: Callable[..., int]
) -> None:
    broken = make_app(create_schema=False, SQLALCHEMY_DATABASE_URI=UNREACHABLE_DATABASE)
    port = intake_server(broken)
    with (
        smtplib.SMTP("127.0.0.1", port, timeout=30) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail("a@example.cn", ["enquiry@enquiry.localhost"], eml("intake-list.eml"))
    assert refused.value.smtp_code == 451


@pytest.mark.allow_smtp
def test_the_smtp_server_refuses_messages_over_the_limit(
    app: Flask, intake_server: Callable[..., int]
) -> None:
    port = intake_server(max_bytes=2000)
    raw = eml("intake-gbk-new.eml") + b"x" * 5000
    with (
        smtplib.SMTP("127.0.0.1", port, timeout=30) as client,
        pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused,
    ):
        client.sendmail("a@example.cn", ["enquiry@enquiry.localhost"], raw)
    assert refused.value.smtp_code == 552
    assert count(app, InboundEmail) == 0


@pytest.mark.allow_smtp
def test_the_lmtp_server_stores_and_answers_per_recipient(
    app: Flask, intake_server: Callable[..., int]
) -> None:
    port = intake_server(lmtp=True)
    client = smtplib.LMTP("127.0.0.1", port)
    try:
        refused = client.sendmail(
            "a@example.cn", ["enquiry@enquiry.localhost"], eml("intake-uyghur.eml")
        )
    finally:
        client.quit()
    assert refused == {}
    [inbound] = inbound_rows(app)
    assert inbound.outcome is InboundOutcome.CREATED
    assert b"with LMTP" in raw_of(app, inbound)


@pytest.mark.allow_smtp
def test_flask_mail_serve_runs_until_terminated(app: Flask) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "mail", "serve", "--port", str(port)],
        cwd=ROOT,
        env=child_env(app),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert f"127.0.0.1:{port}" in line, line
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail(
                "a@example.cn", ["enquiry@enquiry.localhost"], eml("intake-gbk-new.eml")
            )
        assert count(app, Ticket) == 1
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output.decode()


# --- flask mail fetch (IMAP) -----------------------------------------------------------------


@pytest.fixture
def imap() -> Iterator[DovecotServer]:
    with DovecotServer.running() as server:
        yield server


def imap_app(make_app: Callable[..., Flask], server: DovecotServer, **overrides: Any) -> Flask:
    app = make_app(**(server.app_config() | overrides))
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    return app


def numbered(count_: int) -> list[bytes]:
    """Distinct messages: the GBK one under different Message-IDs."""
    raw = eml("intake-gbk-new.eml")
    return [
        raw.replace(b"<202602021021331187204@example.cn>", f"<fetch-{n}@example.cn>".encode())
        for n in range(count_)
    ]


def test_fetch_ingests_each_message_once_and_a_rerun_ingests_nothing(
    make_app: Callable[..., Flask], imap: DovecotServer
) -> None:
    app = imap_app(make_app, imap)
    imap.append(eml("intake-gbk-new.eml"), eml("intake-uyghur.eml"), eml("intake-list.eml"))
    runner = app.test_cli_runner()

    first = runner.invoke(args=["mail", "fetch"])
    assert first.exit_code == 0, first.output
    assert "[1/3] UID 1: #1 created WLMQ-" in first.output
    assert "[3/3] UID 3: #3 auto_reply" in first.output
    assert "ingested 3, skipped 0, rejected 0, failed 0 of 3" in first.output
    rows = inbound_rows(app)
    assert [row.source for row in rows] == [InboundSource.IMAP] * 3
    assert count(app, Ticket) == 2
    assert all(b"\\Seen" in flags for flags in imap.inbox_state().values())
    with app.app_context():
        claims = db.session.scalars(select(ImapClaim).order_by(ImapClaim.uid)).all()
        assert [(c.uid, c.inbound_email_id) for c in claims] == [(1, 1), (2, 2), (3, 3)]

    again = runner.invoke(args=["mail", "fetch"])
    assert again.exit_code == 0, again.output
    assert "ingested 0, skipped 0, rejected 0, failed 0 of 3" in again.output
    assert count(app, InboundEmail) == 3


def test_fetch_can_delete_what_it_stored(
    make_app: Callable[..., Flask], imap: DovecotServer
) -> None:
    app = imap_app(make_app, imap, IMAP_DELETE_AFTER="true")
    imap.append(*numbered(2))
    result = app.test_cli_runner().invoke(args=["mail", "fetch", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (
        result.output.strip() == "ingested 2, skipped 0, rejected 0, failed 0 of 2 in the mailbox"
    )
    assert imap.inbox_state() == {}


def test_two_pollers_at_once_ingest_each_message_once(
    make_app: Callable[..., Flask], imap: DovecotServer
) -> None:
    app = imap_app(make_app, imap)
    imap.append(*numbered(12))
    reports: list[FetchReport] = []
    start = threading.Barrier(2)

    def poll() -> None:
        with app.app_context():
            settings = ImapSettings.from_config(app.config)
            intake = IntakeSettings.from_config(app.config, db.session)
            start.wait()
            reports.append(fetch_new_mail(db.session, settings, intake, clock=utcnow))

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(reports) == 2
    assert sum(len(report.results) for report in reports) == 12
    assert count(app, InboundEmail) == 12 and count(app, Ticket) == 12
    with app.app_context():
        ids = db.session.scalars(select(InboundEmail.message_id)).all()
        assert sorted(ids) == sorted(f"fetch-{n}@example.cn" for n in range(12))


def test_an_abandoned_claim_is_retried_only_once_it_is_old(
    make_app: Callable[..., Flask], imap: DovecotServer
) -> None:
    app = imap_app(make_app, imap, IMAP_CLAIM_TIMEOUT_MINUTES=10)
    imap.append(*numbered(1))
    with imap.client() as client:
        uidvalidity = int(client.select_folder("INBOX")[b"UIDVALIDITY"])
    with app.app_context():
        claimed = utcnow() - timedelta(minutes=2)
        db.session.add(
            ImapClaim(mailbox="INBOX", uidvalidity=uidvalidity, uid=1, claimed_at=claimed)
        )
        db.session.commit()
    runner = app.test_cli_runner()

    fresh = runner.invoke(args=["mail", "fetch"])
    assert "ingested 0" in fresh.output and count(app, InboundEmail) == 0

    with app.app_context():
        claim = db.session.get(ImapClaim, ("INBOX", uidvalidity, 1))
        assert claim is not None
        claim.claimed_at = utcnow() - timedelta(minutes=11)
        db.session.commit()
    stale = runner.invoke(args=["mail", "fetch"])
    assert "ingested 1" in stale.output, stale.output
    assert count(app, InboundEmail) == 1


def test_fetch_keeps_only_a_note_of_a_message_over_the_limit(
    make_app: Callable[..., Flask], imap: DovecotServer
) -> None:
    app = imap_app(make_app, imap, MAX_INBOUND_BYTES=2000)
    imap.append(eml("intake-gbk-new.eml") + b"x" * 5000)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    assert "rejected 1" in result.output
    [inbound] = inbound_rows(app)
    assert inbound.outcome is InboundOutcome.QUARANTINED
    assert "left in INBOX as UID 1" in (inbound.detail or "")
    assert raw_of(app, inbound).startswith(b"Received:") and b"xxxx" not in raw_of(app, inbound)
    assert all(b"\\Seen" not in flags for flags in imap.inbox_state().values())
    assert "ingested 0" in runner.invoke(args=["mail", "fetch"]).output


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_fetch_over_tls_and_starttls(make_app: Callable[..., Flask], security: str) -> None:
    with DovecotServer.running(tls=True) as server:
        app = imap_app(make_app, server, **server.app_config(security))
        server.append(eml("intake-uyghur.eml"))
        result = app.test_cli_runner().invoke(args=["mail", "fetch"])
        assert result.exit_code == 0, result.output
        assert "ingested 1" in result.output


def test_fetch_refuses_a_certificate_it_cannot_verify(make_app: Callable[..., Flask]) -> None:
    with DovecotServer.running(tls=True) as server:
        app = imap_app(make_app, server, **server.app_config("tls", IMAP_CA_FILE=""))
        server.append(eml("intake-uyghur.eml"))
        result = app.test_cli_runner().invoke(args=["mail", "fetch"])
        assert result.exit_code == 1
        assert "CERTIFICATE_VERIFY_FAILED" in result.output
        assert count(app, InboundEmail) == 0


def test_imap_settings_refuse_plain_text_beyond_this_machine() -> None:
    with pytest.raises(ImapConfigError, match="IMAP_HOST"):
        ImapSettings.from_config({})
    with pytest.raises(ImapConfigError, match="localhost"):
        ImapSettings.from_config({"IMAP_HOST": "imap.example.cn", "IMAP_SECURITY": "none"})
    with pytest.raises(ImapConfigError, match="IMAP_SECURITY"):
        ImapSettings.from_config({"IMAP_HOST": "imap.example.cn", "IMAP_SECURITY": "ssl3"})
    settings = ImapSettings.from_config({"IMAP_HOST": "imap.example.cn"})
    assert (settings.port, settings.security, settings.mailbox) == (993, "tls", "INBOX")
    assert not settings.delete_after
    starttls = ImapSettings.from_config({"IMAP_HOST": "h", "IMAP_SECURITY": "STARTTLS"})
    assert starttls.port == 143


def test_fetch_without_configuration_says_so(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "fetch"])
    assert result.exit_code == 1
    assert "IMAP_HOST is not set" in result.output
