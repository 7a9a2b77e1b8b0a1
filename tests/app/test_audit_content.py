"""The chain signs the hashes of message bodies, attachments and sent mail: edits to them show."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select, update

from enquiry import audit
from enquiry.domain import handling, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    Blob,
    Channel,
    Kind,
    Message,
    OutboundEmail,
    OutboxStatus,
    Status,
    Ticket,
)
from enquiry.rules.uploads import Upload
from tests.app import test_delivery
from tests.app.test_delivery import deliver
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.allow_smtp
smtp = test_delivery.smtp  # the fixtures of the delivery tests: a real local SMTP server
mail_app = test_delivery.mail_app

NOW = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 32


def open_with_attachment(app: Flask) -> tuple[int, int]:
    """Open a ticket with a file through the domain verb; return the ticket and message ids."""
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject="关于公开目录的问题",
                body="请问目录在哪里查询？",
                citizen_name="张三",
                citizen_email="zhangsan@example.com",
                channel=Channel.WEB,
                locale="zh_Hans",
                attachments=(Upload("scan.png", "image/png", PNG),),
            ),
            policy=policy_from_config(app.config),
            actor=audit.Actor.citizen(),
            now=NOW,
        )
        db.session.commit()
        message = db.session.scalars(select(Message).filter_by(ticket_id=opened.ticket.id)).one()
        return opened.ticket.id, message.id


def verify(app: Flask) -> Result:
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_opening_event_carries_the_hashes_of_body_and_files(mail_app: Flask) -> None:
    _ticket_id, message_id = open_with_attachment(mail_app)
    with mail_app.app_context():
        opened = db.session.scalars(select(AuditEvent).filter_by(action="ticket.opened")).one()
    assert opened.detail["message_id"] == message_id
    assert (
        opened.detail["body_sha256"] == hashlib.sha256("请问目录在哪里查询？".encode()).hexdigest()
    )
    assert opened.detail["attachment_sha256"] == [hashlib.sha256(PNG).hexdigest()]
    assert verify(mail_app).exit_code == 0


def test_edited_message_body_is_detected(mail_app: Flask) -> None:
    _ticket_id, message_id = open_with_attachment(mail_app)
    with mail_app.app_context():
        db.session.execute(
            update(Message).where(Message.id == message_id).values(body="请问目录在哪里？谢谢")
        )
        db.session.commit()
    result = verify(mail_app)
    assert result.exit_code == 1
    assert f"the body of message {message_id} was changed" in result.output


def test_edited_attachment_is_detected(mail_app: Flask) -> None:
    _ticket_id, message_id = open_with_attachment(mail_app)
    with mail_app.app_context():
        db.session.execute(update(Blob).values(data=PNG[:-1] + b"\1"))
        db.session.commit()
    result = verify(mail_app)
    assert result.exit_code == 1
    assert f"the attachments of message {message_id} were changed" in result.output


def test_edited_staff_reply_is_detected(mail_app: Flask) -> None:
    ticket_id, _message_id = open_with_attachment(mail_app)
    with mail_app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = Status.IN_PROGRESS
        reply = handling.reply(
            db.session,
            ticket,
            "目录在政府网站“政府信息公开”栏目。",
            identity=policy_from_config(mail_app.config).mail,
            actor=audit.Actor.system(),
            now=NOW,
        )
        db.session.commit()
        reply_id = reply.id
        db.session.execute(update(Message).where(Message.id == reply_id).values(body="无此目录。"))
        db.session.commit()
    result = verify(mail_app)
    assert result.exit_code == 1
    assert f"the body of message {reply_id} was changed" in result.output


def test_edited_sent_mail_is_detected(mail_app: Flask, smtp: SmtpServer) -> None:
    open_with_attachment(mail_app)
    deliver(mail_app, NOW)
    with mail_app.app_context():
        row = db.session.scalars(select(OutboundEmail)).one()
        assert row.status is OutboxStatus.SENT
        sent = db.session.scalars(select(AuditEvent).filter_by(action="mail.sent")).one()
        assert sent.detail["outbound_id"] == row.id and len(sent.detail["outbound_sha256"]) == 64
    assert verify(mail_app).exit_code == 0
    with mail_app.app_context():
        db.session.execute(update(OutboundEmail).values(body_text="另一份确认函。"))
        db.session.commit()
    result = verify(mail_app)
    assert result.exit_code == 1
    assert f"outgoing message {row.id} was changed" in result.output
