"""Undelivered mail is visible: badges on the ticket and in the inbox, the outbox page (scoped),
and a retry that puts the message back in the queue for the worker, which sends it."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.mail.delivery import deliver_due
from enquiry.mail.sending import DeliverySettings
from enquiry.mail.transport import SmtpSender
from enquiry.models import AuditEvent, OutboundEmail, OutboxStatus, Role
from tests.app.conftest import english
from tests.smtp_server import SmtpServer

NOW = datetime(2024, 5, 6, 2, 0, tzinfo=UTC)


def add_mail(app: Flask, ticket_id: int | None, status: OutboxStatus, error: str | None) -> int:
    with app.app_context():
        number = db.session.scalar(select(db.func.count()).select_from(OutboundEmail)) or 0
        row = OutboundEmail(
            ticket_id=ticket_id,
            template="reply",
            to_addr=f"citizen{number}@example.test",
            subject=f"[WLMQ-2024-{number:06d}] 答复 {status.value}",
            body_text="您好。\n",
            body_html="<p>您好。</p>",
            message_id=f"<outbox.{number}@enquiry.test>",
            status=status,
            attempts=3,
            last_error=error,
            next_attempt_at=NOW,
            created_at=NOW,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


@pytest.fixture
def mails(
    app: Flask, make_ticket: Callable[..., Any], make_department: Callable[..., Any]
) -> dict[str, Any]:
    make_department("housing")
    failed, suppressed, sent = (make_ticket() for _ in range(3))
    elsewhere = make_ticket(department="housing")
    return {
        "failed": failed,
        "suppressed": suppressed,
        "sent": sent,
        "elsewhere": elsewhere,
        "failed_row": add_mail(app, failed.id, OutboxStatus.FAILED, "550 5.1.1 mailbox unknown"),
        "suppressed_row": add_mail(
            app, suppressed.id, OutboxStatus.SUPPRESSED, "suppressed: address gets no mail"
        ),
        "sent_row": add_mail(app, sent.id, OutboxStatus.SENT, None),
        "elsewhere_row": add_mail(app, elsewhere.id, OutboxStatus.FAILED, "550 elsewhere"),
        "staff_row": add_mail(app, None, OutboxStatus.FAILED, "550 digest refused"),
    }


def signed_in(app: Flask, staff_login: Callable[..., Any], **fields: Any) -> FlaskClient:
    client = english(app.test_client())
    staff_login(client, **fields)
    return client


def test_badges_on_the_ticket_page_and_in_the_inbox(
    app: Flask, mails: dict[str, Any], staff_login: Callable[..., Any]
) -> None:
    client = signed_in(app, staff_login, role=Role.AGENT)
    page = client.get(f"/staff/tickets/{mails['failed'].id}").get_data(as_text=True)
    assert "Not delivered" in page and "550 5.1.1 mailbox unknown" in page
    assert "outbox-problem" in page
    quiet = client.get(f"/staff/tickets/{mails['sent'].id}").get_data(as_text=True)
    assert "outbox-problem" not in quiet and "Sent" in quiet
    inbox = client.get("/staff/inbox").get_data(as_text=True)
    rows = {ticket: row_of(inbox, mails[ticket].reference) for ticket in ("failed", "suppressed")}
    assert "Mail not delivered" in rows["failed"]
    assert "Mail suppressed" in rows["suppressed"]
    assert "outbox-problem" not in row_of(inbox, mails["sent"].reference)


def row_of(html: str, reference: str) -> str:
    start = html.index(f">{reference}</a>")
    return html[start : html.index("</tr>", start)]


def test_the_outbox_page_is_scoped(
    app: Flask, mails: dict[str, Any], staff_login: Callable[..., Any]
) -> None:
    supervisor = signed_in(app, staff_login, role=Role.SUPERVISOR)
    page = supervisor.get("/staff/outbox").get_data(as_text=True)
    assert mails["failed"].reference in page and mails["suppressed"].reference in page
    assert mails["elsewhere"].reference not in page
    assert "550 digest refused" not in page and mails["sent"].reference not in page
    admin = signed_in(app, staff_login, role=Role.ADMIN)
    everything = admin.get("/staff/outbox").get_data(as_text=True)
    assert mails["elsewhere"].reference in everything and "550 digest refused" in everything
    assert mails["sent"].reference in admin.get("/staff/outbox?status=sent").get_data(as_text=True)
    agent = signed_in(app, staff_login, role=Role.AGENT)
    assert agent.get("/staff/outbox").status_code == 403
    assert supervisor.post(f"/staff/outbox/{mails['elsewhere_row']}/retry").status_code == 404


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


@pytest.mark.allow_smtp
def test_retry_requeues_the_message_and_the_worker_sends_it(
    app: Flask,
    make_app: Callable[..., Flask],
    smtp: SmtpServer,
    mails: dict[str, Any],
    staff_login: Callable[..., Any],
) -> None:
    client = signed_in(app, staff_login, role=Role.SUPERVISOR)
    row_id = mails["failed_row"]
    response = client.post(
        f"/staff/outbox/{row_id}/retry", data={"next": f"/staff/tickets/{mails['failed'].id}"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/staff/tickets/{mails['failed'].id}")
    with app.app_context():
        row = db.session.get(OutboundEmail, row_id)
        assert row is not None
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 0, None)
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "mail.retried")
        ).one()
        assert event.ticket_id == mails["failed"].id
        assert event.detail["error"] == "550 5.1.1 mailbox unknown"
    worker = make_app(**smtp.app_config())
    with worker.app_context():
        deliver_due(
            db.session,
            now=datetime.now(UTC) + timedelta(seconds=1),
            settings=DeliverySettings.from_config(worker.config),
            sender=SmtpSender.for_app(worker),
            rng=random.Random(1),
        )
        row = db.session.get(OutboundEmail, row_id)
        assert row is not None and row.status is OutboxStatus.SENT
    assert [m.message_id for m in smtp.messages] == [row.message_id]
    # A message that was sent is not sent again.
    again = client.post(f"/staff/outbox/{mails['sent_row']}/retry")
    assert again.status_code == 303
    with app.app_context():
        sent = db.session.get(OutboundEmail, mails["sent_row"])
        assert sent is not None and sent.status is OutboxStatus.SENT
