"""Formal letters travel the existing flow: sent, attached, kept, audited, downloadable."""

from __future__ import annotations

import hashlib
import io
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pypdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import clock, correction, handling, tickets
from enquiry.domain.policy import Policy, policy_from_config
from enquiry.extensions import db
from enquiry.mail.delivery import deliver_due
from enquiry.mail.sending import DeliverySettings, Outcome
from enquiry.mail.transport import SmtpSender
from enquiry.models import (
    ApplicantType,
    Attachment,
    AuditEvent,
    Channel,
    Department,
    Kind,
    OutboundEmail,
    Role,
    Status,
    Ticket,
    User,
)
from tests.app.test_letter_texts import squeeze
from tests.conftest import require
from tests.letter_jobs import render_letters
from tests.smtp_server import SmtpServer

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 11:00 in Beijing
AUTHORITY = "新疆维吾尔自治区人民政府"


def fonts_present(app: Flask) -> None:
    letters = policy_from_config(app.config).letters
    assert letters is not None
    require(letters.cjk_font is not None and letters.cjk_font.is_file(), "no CJK font installed")


def apply(app: Flask, locale: str = "en", *, rendered: bool = True) -> tuple[int, str, str]:
    """Open an information application; return its id, reference and retrieval code.

    `rendered`: the worker has since rendered the 登记回执's PDF, as it does within seconds.
    """
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.INFO_APPLICATION,
                subject="申请公开道路维修合同",
                body="请公开2025年城市道路维修工程的合同。",
                citizen_name="买买提·艾力",
                citizen_email="maimaiti@example.com",
                channel=Channel.WEB,
                locale=locale,
                applicant_type=ApplicantType.CITIZEN,
                info_description="2025年城市道路维修工程的合同和验收报告",
            ),
            policy=policy_from_config(app.config),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=NOW,
        )
        db.session.commit()
        result = opened.ticket.id, opened.ticket.reference, opened.access_code
    if rendered:
        render_letters(app, NOW)
    return result


def staff(app: Flask) -> audit.Actor:
    user = User(email="agent@gov.example", display_name="王五", password_hash="!", role=Role.AGENT)
    db.session.add(user)
    return audit.Actor.staff(user)


def answer_and_close(app: Flask, ticket_id: int, outcome: str) -> None:
    with app.app_context():
        policy: Policy = policy_from_config(app.config)
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = Status.IN_PROGRESS
        actor = staff(app)
        handling.reply(
            db.session, ticket, "经审查，决定如下。", identity=policy.mail, actor=actor, now=NOW
        )
        handling.close(db.session, ticket, actor=actor, now=NOW, outcome=outcome, policy=policy)
        db.session.commit()


def letter_events(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        query = select(AuditEvent.detail).where(AuditEvent.action == "letter.issued")
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return squeeze("".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def smtp() -> Any:
    with SmtpServer.running() as server:
        yield server


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    app = make_app(**smtp.app_config(), LETTER_REVIEW_AUTHORITY=AUTHORITY)
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    fonts_present(app)
    return app


@pytest.mark.allow_smtp
def test_letters_are_mailed_as_body_and_pdf_and_chained_in_the_audit(
    mail_app: Flask, smtp: SmtpServer
) -> None:
    ticket_id, reference, _ = apply(mail_app)
    answer_and_close(mail_app, ticket_id, "refused.third_party")
    with mail_app.app_context():
        rows = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
        assert [row.template for row in rows] == ["acknowledgement", "reply", "letter"]
        assert [row.attachment_id is not None for row in rows] == [True, False, True]
        assert "Notice of Non-Disclosure" in rows[2].body_text
        assert AUTHORITY in rows[2].body_text  # the remedies notice
        assert AUTHORITY not in rows[0].body_text  # an acknowledgement decides nothing
        report = deliver_due(
            db.session,
            now=NOW,
            settings=DeliverySettings.from_config(mail_app.config),
            sender=SmtpSender.for_app(mail_app),
            rng=random.Random(4),
        )
        assert report.count(Outcome.SENT) == 3
        assert audit.verify_chain(db.session) is None
    events = letter_events(mail_app)
    assert [event["letter"] for event in events] == ["acknowledgement", "refused"]
    assert [event["adverse"] for event in events] == [False, True]
    received = {m.message["Subject"]: m.message for m in smtp.messages}
    assert len(received) == 3
    letter_mail = next(m for s, m in received.items() if "Non-Disclosure" in s)
    [pdf] = list(letter_mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"{reference}-refused.pdf"
    data = pdf.get_content()
    assert hashlib.sha256(data).hexdigest() == events[1]["pdf_sha256"]
    text = pdf_text(data)
    assert squeeze(AUTHORITY) in text and reference in text
    plain = letter_mail.get_body(("plain",))
    assert plain is not None and "Article 15" in plain.get_content()


@pytest.mark.allow_smtp
def test_a_disclosure_letter_has_no_remedies_notice(mail_app: Flask) -> None:
    ticket_id, _, _ = apply(mail_app, locale="zh_Hans")
    answer_and_close(mail_app, ticket_id, "disclosed")
    with mail_app.app_context():
        row = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.template == "letter")
        ).one()
        attachment = db.session.get(Attachment, row.attachment_id)
        assert attachment is not None
        assert AUTHORITY not in row.body_text
        assert squeeze(AUTHORITY) not in pdf_text(attachment.blob.data)
    assert [event["adverse"] for event in letter_events(mail_app)] == [False, False]


def test_consultation_and_extension_letters(app: Flask) -> None:
    fonts_present(app)
    ticket_id, _, _ = apply(app)
    with app.app_context():
        policy = policy_from_config(app.config)
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = Status.IN_PROGRESS
        clock.pause_for_consultation(
            db.session, ticket, "征求建设局意见", actor=staff(app), now=NOW, policy=policy
        )
        db.session.commit()
        row = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
        assert row is not None and row.template == "letter" and row.attachment_id
        assert "Consultation of a Third Party" in row.body_text
        assert "建设局" not in row.body_text  # whom the office consults stays internal
    assert [event["letter"] for event in letter_events(app)] == ["acknowledgement", "consultation"]


def test_questions_get_no_letters(app: Flask) -> None:
    with app.app_context():
        tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject="问题",
                body="请问办公时间？",
                citizen_name="张三",
                citizen_email="zhang@example.com",
                channel=Channel.WEB,
                locale="zh_Hans",
            ),
            policy=policy_from_config(app.config),
            actor=audit.Actor.citizen(),
            now=NOW,
        )
        db.session.commit()
        row = db.session.scalars(select(OutboundEmail)).one()
        assert row.attachment_id is None
    assert letter_events(app) == []


def test_the_letter_is_downloadable_only_with_the_code_or_a_staff_login(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    fonts_present(app)
    ticket_id, reference, code = apply(app)
    _, other_reference, other_code = apply(app)
    with app.app_context():
        row = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.ticket_id == ticket_id)
        ).one()
        attachment_id = row.attachment_id
    url = f"/track/{reference}/files/{attachment_id}"
    assert client.get(url).status_code == 404  # no code shown yet
    assert client.get(f"/staff/attachments/{attachment_id}").status_code in (302, 401, 403)
    client.get(f"/track/{other_reference}/{other_code}")  # the code of another ticket
    assert client.get(url).status_code == 404
    assert client.get(f"/track/{other_reference}/files/{attachment_id}").status_code == 404
    client.get(f"/track/{reference}/{code}")
    page = client.get(f"/track/{reference}").get_data(as_text=True)
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data.startswith(b"%PDF-")
    staff_client = client.application.test_client()
    staff_login(staff_client, role=Role.AGENT)
    staff_page = staff_client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert f"/staff/attachments/{attachment_id}" in staff_page
    download = staff_client.get(f"/staff/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == response.data
    assert re.search(rf"{reference}-acknowledgement\.pdf", download.headers["Content-Disposition"])


def test_the_correction_letter_is_kept_with_the_request_itself(app: Flask) -> None:
    fonts_present(app)
    ticket_id, reference, _ = apply(app)
    with app.app_context():
        policy = policy_from_config(app.config)
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = Status.IN_PROGRESS
        message = correction.request_info(
            db.session, ticket, "请注明文号。", policy=policy, actor=staff(app), now=NOW
        )
        db.session.commit()
        [attachment] = message.attachments
        assert attachment.filename == f"{reference}-correction.pdf"
        row = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
        assert row is not None and row.template == "request_info"
        assert row.attachment_id == attachment.id
        assert "Notice to Supplement" in row.body_text and "请注明文号。" in row.body_text
        assert "请注明文号。" in pdf_text(attachment.blob.data)
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.request_info")
        ).one()
        # The 补正 event itself names the PDF among the message's files.
        assert event.detail["attachment_sha256"] == [
            hashlib.sha256(attachment.blob.data).hexdigest()
        ]


def test_without_the_fonts_an_application_is_still_received_and_acknowledged(
    make_app: Callable[..., Flask], tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A machine without the letter fonts never refuses an application: the acknowledgement
    goes out without its PDF, and the log says which font is missing."""
    app = make_app(LETTER_CJK_FONT=str(tmp_path / "missing.ttf"))
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    ticket_id, _reference, _code = apply(app)
    with app.app_context():
        queued = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.ticket_id == ticket_id)
        ).all()
        assert queued and all(mail.attachment_id is None for mail in queued)
        assert not db.session.scalars(select(Attachment)).all()
        assert not db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "letter.issued")
        ).all()
    assert "No formal letter" in caplog.text and "missing.ttf" in caplog.text
