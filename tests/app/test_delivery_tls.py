"""Outgoing mail over STARTTLS and implicit TLS (SMTPS) with a login, through `flask mail send`.

The server is real (aiosmtpd) with a certificate from a private CA made in the test; the app
trusts that CA through MAIL_CA_FILE. A wrong password is a recorded failure that is retried;
a certificate that does not verify is refused before the password is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from enquiry.extensions import db
from enquiry.models import AuditEvent, Department, OutboundEmail, OutboxStatus
from tests.app.test_delivery import load, open_enquiry
from tests.conftest import require
from tests.tls_smtp_server import (
    USERNAME,
    CertificateAuthority,
    Mode,
    TlsSmtpServer,
    openssl_available,
)

pytestmark = pytest.mark.allow_smtp

MODES: list[Mode] = ["starttls", "smtps"]


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    require(openssl_available(), "the openssl command is not installed")
    return CertificateAuthority.create(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    """Another CA, which the app does not trust."""
    require(openssl_available(), "the openssl command is not installed")
    return CertificateAuthority.create(tmp_path_factory.mktemp("stranger"), "Somebody Else")


def mail_app(make_app: Callable[..., Flask], smtp: TlsSmtpServer, **overrides: object) -> Flask:
    app = make_app(**(smtp.app_config() | overrides))
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    return app


def send(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(params=MODES)
def server(request: pytest.FixtureRequest, ca: CertificateAuthority) -> Iterator[TlsSmtpServer]:
    with TlsSmtpServer.running(ca.issue("127.0.0.1"), request.param) as smtp:
        yield smtp


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_mail_goes_out_encrypted_and_logged_in(
    make_app: Callable[..., Flask], ca: CertificateAuthority, mode: Mode, mechanism: str
) -> None:
    with TlsSmtpServer.running(ca.issue("127.0.0.1"), mode, (mechanism,)) as smtp:
        app = mail_app(make_app, smtp, MAIL_CA_FILE=str(ca.root.cert))
        row = open_enquiry(app)

        output = send(app)

        assert output.endswith("sent 1, retry 0, failed 0, suppressed 0, released 0\n"), output
        assert smtp.message_ids() == {row.message_id: 1}
        [seen] = smtp.sessions
        assert seen.tls_version in {"TLSv1.2", "TLSv1.3"}
        assert seen.login == USERNAME
        assert smtp.logins == [(mechanism, USERNAME)]
        assert load(app, row.id).status is OutboxStatus.SENT


def test_a_wrong_password_is_recorded_and_retried(
    make_app: Callable[..., Flask], server: TlsSmtpServer, ca: CertificateAuthority
) -> None:
    app = mail_app(make_app, server, MAIL_CA_FILE=str(ca.root.cert), MAIL_PASSWORD="wrong")
    row = open_enquiry(app)
    before = datetime.now(UTC)

    output = send(app)

    assert output.endswith("sent 0, retry 1, failed 0, suppressed 0, released 0\n"), output
    assert set(server.failed_logins) == {USERNAME} and server.logins == []  # each mechanism
    assert server.messages == []
    after = load(app, row.id)
    assert after.status is OutboxStatus.PENDING
    assert after.attempts == 1
    assert after.last_error and "535" in after.last_error, after.last_error
    assert after.next_attempt_at.replace(tzinfo=UTC) > before

    server.users[USERNAME] = "wrong"  # the account now takes that password; the retry goes out
    with app.app_context():
        db.session.execute(
            update(OutboundEmail).where(OutboundEmail.id == row.id).values(next_attempt_at=before)
        )
        db.session.commit()
    assert send(app).endswith("sent 1, retry 0, failed 0, suppressed 0, released 0\n")
    assert server.message_ids() == {row.message_id: 1}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("problem", ["unknown CA", "wrong name", "system store only"])
def test_a_certificate_that_does_not_verify_is_refused_before_the_login(
    make_app: Callable[..., Flask],
    ca: CertificateAuthority,
    stranger: CertificateAuthority,
    mode: Mode,
    problem: str,
) -> None:
    certificate = {
        "unknown CA": stranger.issue("127.0.0.1"),
        "wrong name": ca.issue("mail.elsewhere.test"),
        "system store only": ca.issue("127.0.0.1"),
    }[problem]
    trusted = None if problem == "system store only" else str(ca.root.cert)
    with TlsSmtpServer.running(certificate, mode) as smtp:
        app = mail_app(make_app, smtp, MAIL_CA_FILE=trusted)
        row = open_enquiry(app)

        output = send(app)

        assert output.endswith("sent 0, retry 1, failed 0, suppressed 0, released 0\n"), output
        assert smtp.messages == []
        assert smtp.logins == [] and smtp.failed_logins == []  # no password to an impostor
    after = load(app, row.id)
    assert after.status is OutboxStatus.PENDING
    assert after.last_error and "certificate verify failed" in after.last_error
    with app.app_context():
        sent = select(func.count()).where(AuditEvent.action == "mail.sent")
        assert db.session.scalar(sent) == 0


def test_a_missing_ca_file_is_a_recorded_failure(
    make_app: Callable[..., Flask], server: TlsSmtpServer, tmp_path: Path
) -> None:
    app = mail_app(make_app, server, MAIL_CA_FILE=str(tmp_path / "no-such-ca.pem"))
    row = open_enquiry(app)

    output = send(app)

    assert output.endswith("sent 0, retry 1, failed 0, suppressed 0, released 0\n"), output
    assert server.messages == [] and server.failed_logins == []
    after = load(app, row.id)
    assert after.status is OutboxStatus.PENDING
    assert after.last_error and "cannot connect" in after.last_error
