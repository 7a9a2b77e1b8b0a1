"""Two app servers and two workers on one PostgreSQL: citizens spread over both servers get
distinct references, staff answer through both, and every message goes out exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from enquiry import audit
from enquiry.domain.accounts.passwords import create_user
from enquiry.extensions import db
from enquiry.models import Department, OutboundEmail, OutboxStatus, Role, Ticket
from tests.app.test_ask import CONFIRMATION, valid_form
from tests.conftest import hidden_fields
from tests.faults.processes import Browser, Processes, app_env, wait_for_http, wait_until
from tests.smtp_server import SmtpServer, free_ports

pytestmark = [pytest.mark.allow_smtp, pytest.mark.postgres]

SUBMISSIONS = 30
CITIZENS = 8  # concurrent browsers
STAFF = 4  # concurrent staff sessions, half on each server
PASSWORD = "correct horse battery staple"


def submit(port: int, number: int) -> tuple[str, str]:
    """A citizen opens the form, sends it, and reads the reference; return (subject, ref)."""
    browser = Browser(port, timeout=60)
    page = browser.get("/ask")
    assert page.status == 200, page.text[:2000]
    subject = f"两台服务器 {number}"
    form = hidden_fields(page.text) | valid_form(subject=subject, email=f"c{number}@example.com")
    response = browser.post("/ask", form)
    assert response.status == 303, response.text[:2000]
    confirmation = browser.get("/ask/submitted")
    reference, _code = CONFIRMATION.findall(confirmation.text)
    return subject, reference


def answer(port: int, email: str, ticket_ids: list[int]) -> int:
    """A member of staff signs in on one server and replies to each ticket; return how many."""
    browser = Browser(port, timeout=60)
    login = browser.get("/staff/login")
    signed_in = browser.post(
        "/staff/login", hidden_fields(login.text) | {"email": email, "password": PASSWORD}
    )
    assert signed_in.status == 302, signed_in.text[:2000]
    for ticket_id in ticket_ids:
        page = browser.get(f"/staff/tickets/{ticket_id}")
        assert page.status == 200, page.text[:2000]
        fields = {k: v for k, v in hidden_fields(page.text).items() if k.startswith("reply-")}
        fields["reply-body"] = f"您好：第 {ticket_id} 号咨询的答复时限为20个工作日。"
        replied = browser.post(f"/staff/tickets/{ticket_id}/reply", fields)
        assert replied.status == 302, replied.text[:2000]
    return len(ticket_ids)


def add_staff(app: Flask, count: int) -> list[str]:
    with app.app_context():
        egov = db.session.scalars(select(Department)).one()
        emails = [f"staff{n}@enquiry.test" for n in range(count)]
        for email in emails:
            create_user(
                db.session,
                email=email,
                display_name=email,
                password=PASSWORD,
                role=Role.SUPERVISOR,
                department=egov,
            )
        db.session.commit()
    return emails


def outbox(app: Flask) -> list[tuple[int | None, str, str, OutboxStatus]]:
    with app.app_context():
        rows = db.session.execute(
            select(
                OutboundEmail.ticket_id,
                OutboundEmail.template,
                OutboundEmail.message_id,
                OutboundEmail.status,
            )
        ).all()
        db.session.rollback()
    return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_app_servers_and_two_workers_share_one_postgres(
    office: Callable[..., Flask], smtp: SmtpServer, processes: Processes, tmp_path: Path
) -> None:
    app = office(**smtp.app_config())
    staff = add_staff(app, STAFF)
    processes.env = app_env(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "instance",
        FORM_MIN_SECONDS=0,
        SUBMIT_RATE_LIMIT="100000 per minute",
        LOGIN_RATE_LIMIT="1000 per minute",
        MAIL_SERVER=smtp.host,
        MAIL_PORT=smtp.port,
        MAIL_SUPPRESS_SEND="false",
        MAIL_SEND_BATCH_SIZE=3,  # small batches: the workers take turns and meet often
        WORKER_POLL_SECONDS=0.2,
    )
    ports = free_ports(2)
    servers = [processes.gunicorn(f"web-{n}", port) for n, port in enumerate(ports)]
    for n in (1, 2):
        processes.flask(f"worker-{n}", "worker").wait_for("Worker running")
    for port, server in zip(ports, servers, strict=True):
        wait_for_http(port, server)

    with ThreadPoolExecutor(max_workers=CITIZENS) as pool:
        confirmed = dict(pool.map(lambda n: submit(ports[n % 2], n), range(SUBMISSIONS)))
    with app.app_context():
        ticket_ids = list(db.session.scalars(select(Ticket.id).order_by(Ticket.id)))
        db.session.rollback()
    with ThreadPoolExecutor(max_workers=STAFF) as pool:
        shares = [(ports[n % 2], staff[n], ticket_ids[n::STAFF]) for n in range(STAFF)]
        assert sum(pool.map(lambda share: answer(*share), shares)) == SUBMISSIONS

    def all_sent() -> bool:
        rows = outbox(app)
        answered = sum(template in ("acknowledgement", "reply") for _, template, _, _ in rows)
        return answered == 2 * SUBMISSIONS and all(r[3] is OutboxStatus.SENT for r in rows)

    wait_until(all_sent, timeout=90, what="both workers to send every message")

    assert len(set(confirmed.values())) == SUBMISSIONS
    with app.app_context():
        stored = dict(db.session.execute(select(Ticket.subject, Ticket.reference)).all())
        assert audit.verify_chain(db.session) is None  # four writers kept the chain intact
        db.session.rollback()
    assert stored == confirmed  # each citizen was shown the reference of their own enquiry
    rows = outbox(app)
    templates = Counter(template for _, template, _, _ in rows)
    assert (templates["acknowledgement"], templates["reply"]) == (SUBMISSIONS, SUBMISSIONS)
    per_ticket = Counter((ticket, template) for ticket, template, _, _ in rows if ticket)
    assert len(per_ticket) == 2 * SUBMISSIONS and set(per_ticket.values()) == {1}
    assert smtp.message_ids() == {message_id: 1 for _, _, message_id, _ in rows}
    for name in ("worker-1", "worker-2"):
        worker = next(child for child in processes.started if child.name == name)
        assert worker.stop() == 0, worker.output()
