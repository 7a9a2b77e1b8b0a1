"""The SMTP server is down, refuses for a while, or dies mid-pass: replies wait, then each
arrives exactly once (counted by Message-ID at a real server)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import flask_mail
import pytest
from flask import Flask
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import handling
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.mail.sending import Outcome
from enquiry.mail.transport import SmtpSender
from enquiry.models import AuditEvent, Department, OutboundEmail, OutboxStatus, Role, Ticket
from tests.app.test_delivery import deliver, open_enquiry
from tests.faults.smtp import GreylistingServer
from tests.smtp_server import HOST, SmtpServer, free_port

pytestmark = pytest.mark.allow_smtp

NOW = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
TICKETS = 4  # each with an acknowledgement and a staff reply: 8 messages


def mail_to(port: int) -> dict[str, object]:
    return {"MAIL_SERVER": HOST, "MAIL_PORT": port, "MAIL_SUPPRESS_SEND": False}


def answered_enquiries(app: Flask, count: int = TICKETS) -> list[str]:
    """Open `count` tickets and reply to each; return the Message-IDs of the outbox rows."""
    acknowledgements = [open_enquiry(app, email=f"c{n}@example.com") for n in range(count)]
    with app.app_context():
        egov = db.session.scalars(select(Department)).one()
        agent = create_user(
            db.session,
            email="agent@enquiry.test",
            display_name="王芳",
            password="correct horse battery staple",
            role=Role.SUPERVISOR,
            department=egov,
        )
        for row in acknowledgements:
            ticket = db.session.get(Ticket, row.ticket_id)
            assert ticket is not None
            handling.reply(
                db.session,
                ticket,
                "您好：答复时限为20个工作日。",
                identity=policy_from_config(app.config).mail,
                actor=audit.Actor.staff(agent),
                now=NOW,
            )
        db.session.commit()
    return [row.message_id for row in outbox(app)]


def outbox(app: Flask) -> list[OutboundEmail]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))
        db.session.expunge_all()
    assert len(rows) == 2 * TICKETS
    return rows


def sent_audits(app: Flask) -> int:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == "mail.sent")
        return len(db.session.scalars(query).all())


def test_replies_wait_while_smtp_is_down_then_each_arrives_once(
    office: Callable[..., Flask],
) -> None:
    port = free_port()  # nobody listens: connection refused
    app = office(**mail_to(port))
    message_ids = answered_enquiries(app)

    report = deliver(app, NOW)

    assert report.count(Outcome.RETRY) == 2 * TICKETS, report.summary()
    assert report.count(Outcome.SENT) == report.count(Outcome.FAILED) == 0
    for row in outbox(app):
        assert (row.status, row.attempts, row.lease_until) == (OutboxStatus.PENDING, 1, None)
        assert row.last_error and row.last_error.startswith(f"cannot connect to {HOST}:{port}")
        # one minute, +-20 % jitter: not hammering the server, not waiting for hours
        assert NOW + timedelta(seconds=47) < row.next_attempt_at.replace(tzinfo=UTC)
        assert row.next_attempt_at.replace(tzinfo=UTC) < NOW + timedelta(seconds=73)

    assert deliver(app, NOW + timedelta(seconds=30)).results == []  # backing off

    report = deliver(app, NOW + timedelta(minutes=2))  # still down: the wait doubles
    assert report.count(Outcome.RETRY) == 2 * TICKETS
    later = NOW + timedelta(minutes=2)
    for row in outbox(app):
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 2)
        assert row.next_attempt_at.replace(tzinfo=UTC) > later + timedelta(seconds=95)

    smtp = SmtpServer(port)  # the server comes back
    smtp.start()
    try:
        report = deliver(app, NOW + timedelta(hours=1))
        again = deliver(app, NOW + timedelta(hours=2))
    finally:
        smtp.stop()

    assert report.count(Outcome.SENT) == 2 * TICKETS, report.summary()
    assert again.results == []
    assert smtp.message_ids() == dict.fromkeys(message_ids, 1)
    for row in outbox(app):
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 3, None)
    assert sent_audits(app) == 2 * TICKETS


def test_a_server_that_answers_4xx_then_accepts_gets_each_reply_once(
    office: Callable[..., Flask],
) -> None:
    smtp = GreylistingServer()
    smtp.start()
    try:
        app = office(**smtp.app_config())
        message_ids = answered_enquiries(app)

        first = deliver(app, NOW)
        assert first.count(Outcome.RETRY) == 2 * TICKETS, first.summary()
        assert smtp.messages == []
        for row in outbox(app):
            assert row.status is OutboxStatus.PENDING
            assert row.last_error == "DATA: 451 4.7.1 Greylisted, please try again later"

        second = deliver(app, NOW + timedelta(minutes=5))
    finally:
        smtp.stop()

    assert second.count(Outcome.SENT) == 2 * TICKETS, second.summary()
    assert sorted(smtp.deferred) == sorted(message_ids)
    assert smtp.message_ids() == dict.fromkeys(message_ids, 1)
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}


class GoesDownAfter(SmtpSender):
    """The real sender; the server is stopped right after the n-th message is taken."""

    def __init__(self, app: Flask, server: SmtpServer, after: int) -> None:
        super().__init__(app.extensions["mail"], timeout=5)
        self.server, self.after, self.sent = server, after, 0

    def send(self, message: flask_mail.Message, envelope_from: str) -> str:
        answer = super().send(message, envelope_from)
        self.sent += 1
        if self.sent == self.after:
            self.server.stop()
        return answer


def test_smtp_going_down_mid_pass_resends_only_what_was_not_taken(
    office: Callable[..., Flask],
) -> None:
    smtp = SmtpServer()
    smtp.start()
    try:
        app = office(**smtp.app_config())
        message_ids = answered_enquiries(app)

        report = deliver(app, NOW, sender=GoesDownAfter(app, smtp, after=3))
        assert report.count(Outcome.SENT) == 3, report.summary()
        assert report.count(Outcome.RETRY) == 2 * TICKETS - 3
        taken = smtp.message_ids()

        smtp.start()  # back on the same port
        report = deliver(app, NOW + timedelta(minutes=5))
    finally:
        smtp.stop()

    assert report.count(Outcome.SENT) == 2 * TICKETS - 3, report.summary()
    assert set(taken) < set(message_ids)
    assert smtp.message_ids() == dict.fromkeys(message_ids, 1)
    assert {row.status for row in outbox(app)} == {OutboxStatus.SENT}
    assert sent_audits(app) == 2 * TICKETS
