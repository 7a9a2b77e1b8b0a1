"""The 登记回执's PDF is the worker's: the request writes the letter's text, the mail waits."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from enquiry import audit
from enquiry.domain import letters
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.mail import outbound
from enquiry.mail.delivery import deliver_due
from enquiry.mail.sending import DeliverySettings, Outcome
from enquiry.mail.transport import SmtpSender
from enquiry.models import (
    Attachment,
    Department,
    LetterJob,
    Message,
    MessageKind,
    OutboundEmail,
    SearchDocument,
    Ticket,
)
from enquiry.search import documents, tokenizer
from tests.app.test_letters import NOW, apply, fonts_present, letter_events, pdf_text
from tests.letter_jobs import render_letters
from tests.smtp_server import SmtpServer


@pytest.fixture
def smtp() -> SmtpServer:
    with SmtpServer.running() as server:
        yield server


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    app = make_app(**smtp.app_config())
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    fonts_present(app)
    return app


def deliver(app: Flask) -> list[Outcome]:
    with app.app_context():
        report = deliver_due(
            db.session,
            now=NOW,
            settings=DeliverySettings.from_config(app.config),
            sender=SmtpSender.for_app(app),
            rng=random.Random(4),
        )
        return [result.outcome for result in report.results]


def letter_message(app: Flask, ticket_id: int) -> tuple[str, int]:
    with app.app_context():
        message = db.session.scalars(
            select(Message).where(Message.ticket_id == ticket_id, Message.kind == MessageKind.REPLY)
        ).one()
        return message.body, len(message.attachments)


@pytest.mark.allow_smtp
def test_the_receipt_is_rendered_by_the_worker_and_its_mail_waits_for_it(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ticket_id, reference, _ = apply(mail_app, locale="zh_Hans", rendered=False)
    # The request wrote the letter's text into the thread and the mail, and left the PDF.
    body, files = letter_message(mail_app, ticket_id)
    assert "登记回执" in body and reference in body and files == 0
    with mail_app.app_context():
        job = db.session.scalars(select(LetterJob)).one()
        mail = db.session.scalars(select(OutboundEmail)).one()
        assert (job.kind, job.outbound_email_id, job.actor_label) == (
            "acknowledgement",
            mail.id,
            "citizen",
        )
        assert mail.attachment_id is None and "登记回执" in mail.body_text
    assert letter_events(mail_app) == []
    assert deliver(mail_app) == []  # the mail waits for its PDF
    assert smtp.messages == []

    assert render_letters(mail_app, NOW) == 1
    assert render_letters(mail_app, NOW) == 0  # done once
    body, files = letter_message(mail_app, ticket_id)
    assert files == 1
    [event] = letter_events(mail_app)
    assert event["letter"] == "acknowledgement" and event["adverse"] is False
    with mail_app.app_context():
        assert db.session.scalar(select(func.count(LetterJob.id))) == 0
        mail = db.session.scalars(select(OutboundEmail)).one()
        attachment = db.session.get(Attachment, mail.attachment_id)
        assert attachment is not None and attachment.filename == f"{reference}-acknowledgement.pdf"
        assert hashlib.sha256(attachment.blob.data).hexdigest() == event["pdf_sha256"]
        assert reference in pdf_text(attachment.blob.data)
        assert audit.verify_chain(db.session) is None
    assert deliver(mail_app) == [Outcome.SENT]
    [received] = smtp.messages
    [pdf] = list(received.message.iter_attachments())
    assert pdf.get_filename() == f"{reference}-acknowledgement.pdf"
    assert hashlib.sha256(pdf.get_content()).hexdigest() == event["pdf_sha256"]


def test_the_receipt_is_written_with_the_ticket_and_searched_with_it(mail_app: Flask) -> None:
    ticket_id, reference, code = apply(mail_app, locale="zh_Hans", rendered=False)
    with mail_app.app_context():
        messages = db.session.scalars(
            select(Message).where(Message.ticket_id == ticket_id).order_by(Message.id)
        ).all()
        assert [m.kind for m in messages] == [MessageKind.CITIZEN, MessageKind.REPLY]
        assert "登记回执" in messages[1].body and reference in messages[1].body
        written = db.session.scalars(
            select(SearchDocument.document).where(SearchDocument.ticket_id == ticket_id)
        ).one()
        # The document written with the ticket is the one the database's rows give.
        db.session.execute(delete(SearchDocument))
        documents.refresh(db.session.connection(), [ticket_id])
        rebuilt = db.session.scalars(select(SearchDocument.document)).one()
        assert written == rebuilt
        assert tokenizer.document_for("", "", "", [messages[1].body]) in written
        job = db.session.scalars(select(LetterJob)).one()
        assert job.message_id == messages[1].id
        # Composed before the reference was taken, with a stand-in: the same text as a letter
        # composed now, on the ticket with its reference, and the same in the mail's body.
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        policy = policy_from_config(mail_app.config, session=db.session)
        composed = letters.compose_letter(
            ticket, "acknowledgement", policy, ticket.created_at, {"due_on": ticket.due_on}
        )
        assert messages[1].body == composed.text and "[" not in composed.text
        mail = db.session.scalars(select(OutboundEmail)).one()
        identity = policy.mail
        context = {"access_code": code, "letter": composed}
        again = outbound.render_for(ticket, "acknowledgement", identity, context)
        assert composed.text.strip() in mail.body_text and reference in mail.body_text
        assert (mail.body_text, mail.body_html) == (again.text, again.html)


@pytest.mark.allow_smtp
def test_a_letter_that_cannot_be_rendered_lets_its_mail_go_with_the_text(
    mail_app: Flask, smtp: SmtpServer, tmp_path
) -> None:
    ticket_id, reference, _ = apply(mail_app, locale="zh_Hans", rendered=False)
    mail_app.config["LETTER_CJK_FONT"] = str(tmp_path / "removed-font.otf")  # package removed
    assert render_letters(mail_app, NOW) == 0
    with mail_app.app_context():
        job = db.session.scalars(select(LetterJob)).one()
        assert job.error and "removed-font.otf" in job.error
        assert job.details == {}  # nothing personal kept on a failed job
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.reference == reference
    assert letter_events(mail_app) == []
    assert deliver(mail_app) == [Outcome.SENT]
    [received] = smtp.messages
    assert list(received.message.iter_attachments()) == []
    plain = received.message.get_body(("plain",))
    assert plain is not None and "登记回执" in plain.get_content()
