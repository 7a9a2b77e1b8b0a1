"""补正 (art. 30): once, within 7 working days of receipt, with a time limit; 视为放弃 after it."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.cli.deadlines import worker_jobs
from enquiry.domain import correction, tickets
from enquiry.domain.policy import Policy, policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    AuditEvent,
    Channel,
    Kind,
    OutboundEmail,
    PauseKind,
    ReplyDraft,
    Role,
    Status,
    Ticket,
    User,
)
from enquiry.reporting import figures
from enquiry.rules import references
from enquiry.rules.clock import beijing_today
from enquiry.rules.deadlines import BEIJING, WorkCalendar, add_working_days
from tests.app.conftest import english

Factory = Callable[..., Any]
CALENDAR = WorkCalendar.national()
RECEIVED = datetime(2024, 5, 6, 11, 0, tzinfo=BEIJING)  # Monday 6 May 2024


def beijing(day: date, hour: int = 11) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context(), app.test_request_context():
        yield app


def national(app: Flask) -> Policy:
    return dataclasses.replace(policy_from_config(app.config), calendar=CALENDAR)


def agent() -> audit.Actor:
    user = User(email="agent@gov.example", display_name="王五", password_hash="!", role=Role.AGENT)
    db.session.add(user)
    return audit.Actor.staff(user)


def application(policy: Policy) -> Ticket:
    opened = tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=Kind.INFO_APPLICATION,
            subject="申请公开2013年财政预算",
            body="请公开2013年部门预算。",
            citizen_name="李四",
            citizen_email="li@example.com",
            channel=Channel.WEB,
            locale="en",
            applicant_type=ApplicantType.CITIZEN,
        ),
        policy=policy,
        actor=audit.Actor.citizen("192.0.2.1"),
        now=RECEIVED,
    )
    opened.ticket.status = Status.IN_PROGRESS  # routed and signed for
    return opened.ticket


def ask(policy: Policy, ticket: Ticket, now: datetime, limit: date | None = None) -> None:
    correction.request_info(
        db.session, ticket, "请说明年份。", policy=policy, actor=agent(), now=now, limit=limit
    )


def test_once_with_a_default_limit_of_15_working_days(ctx: Flask) -> None:
    policy = national(ctx)
    ticket = application(policy)
    asked = beijing(add_working_days(date(2024, 5, 6), 7, CALENDAR))  # the last day allowed
    ask(policy, ticket, asked)
    assert ticket.status is Status.AWAITING_CITIZEN
    assert ticket.pause_kind is PauseKind.CORRECTION
    assert ticket.correction_requested_on == asked.date()
    assert ticket.correction_due_on == add_working_days(asked.date(), 15, CALENDAR)
    mail = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    assert mail is not None and mail.template == "request_info"
    assert "treated as withdrawn" in mail.body_text
    # The citizen answers; the clock runs again; a second 补正 is refused, nothing changes.
    ticket.status, ticket.pause_kind, ticket.paused_on = Status.IN_PROGRESS, None, None
    with pytest.raises(correction.CorrectionRefused, match="already been requested"):
        ask(policy, ticket, asked + timedelta(hours=1))
    assert ticket.status is Status.IN_PROGRESS


def test_a_request_on_working_day_8_is_refused(ctx: Flask) -> None:
    policy = national(ctx)
    ticket = application(policy)
    late = beijing(add_working_days(date(2024, 5, 6), 8, CALENDAR))
    with pytest.raises(correction.CorrectionRefused, match="within 7 working days"):
        ask(policy, ticket, late)
    assert (ticket.status, ticket.correction_due_on) == (Status.IN_PROGRESS, None)


def test_the_limit_must_be_after_today(ctx: Flask) -> None:
    policy = national(ctx)
    ticket = application(policy)
    with pytest.raises(correction.HandlingError, match="after today"):
        ask(policy, ticket, RECEIVED, limit=date(2024, 5, 6))


def test_receipt_of_the_correction_restarts_20_working_days(ctx: Flask) -> None:
    policy = national(ctx)
    ticket = application(policy)
    ask(policy, ticket, RECEIVED, limit=date(2024, 5, 31))
    tickets.add_citizen_follow_up(
        db.session,
        ticket,
        body="需要2023年的。",
        attachments=(),
        actor=audit.Actor.citizen(),
        now=beijing(date(2024, 5, 20)),
        policy=policy,
    )
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.due_on == add_working_days(date(2024, 5, 20), 20, CALENDAR)
    # Answered: the worker leaves it alone after the limit.
    assert (
        correction.conclude_abandoned(db.session, policy=policy, now=beijing(date(2024, 6, 3))) == 0
    )
    assert ticket.status is Status.IN_PROGRESS


def test_ignored_correction_is_concluded_the_day_after_its_limit(ctx: Flask) -> None:
    policy = national(ctx)
    ticket = application(policy)
    limit = date(2024, 5, 31)
    ask(policy, ticket, RECEIVED, limit=limit)
    assert correction.conclude_abandoned(db.session, policy=policy, now=beijing(limit, 23)) == 0
    assert ticket.status is Status.AWAITING_CITIZEN
    day_after = beijing(limit + timedelta(days=1), 0)
    assert correction.conclude_abandoned(db.session, policy=policy, now=day_after) == 1
    assert (ticket.status, ticket.outcome) == (Status.CLOSED, "other.no_correction")
    assert ticket.pause_kind is None and ticket.closed_at == day_after
    mails = db.session.scalars(sa.select(OutboundEmail.template).order_by(OutboundEmail.id)).all()
    assert mails[-1] == "abandoned"
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["ticket.abandon", "letter.issued"]  # with its 其他处理 letter
    assert correction.conclude_abandoned(db.session, policy=policy, now=day_after) == 0
    db.session.commit()
    table = figures.annual_table(db.session, 2024)
    assert sum(table.row("other.no_correction").cells) == 2  # the column and its total
    assert table.problems == ()


def test_the_worker_job_concludes_lapsed_applications(app: Flask) -> None:
    with app.app_context(), app.test_request_context():
        policy = policy_from_config(app.config, session=db.session)
        ticket = application(policy)
        ticket.received_on = beijing_today(datetime.now(UTC)) - timedelta(days=40)
        ticket.status = Status.AWAITING_CITIZEN
        ticket.pause_kind = PauseKind.CORRECTION
        ticket.correction_requested_on = ticket.received_on
        ticket.correction_due_on = ticket.received_on + timedelta(days=21)
        db.session.commit()
        ticket_id = ticket.id
        jobs = {job.name: job for job in worker_jobs(app.config)}
        assert "1 applications" in jobs["correction-abandoned"].run(threading.Event())
        closed = db.session.get(Ticket, ticket_id)
        assert closed is not None and closed.outcome == "other.no_correction"


def test_the_cli_command(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["deadlines", "conclude-abandoned", "--now", "2024-06-01T09:00"]
    )
    assert result.exit_code == 0, result.output
    assert "0 applications concluded as withdrawn" in result.output


def test_the_tracking_page_shows_the_limit(app: Flask) -> None:
    with app.app_context(), app.test_request_context():
        policy = national(app)
        ticket = application(policy)
        ask(policy, ticket, RECEIVED, limit=date(2024, 5, 31))
        ticket.access_code_hash = references.hash_code("1111-2222-3333-4444-5555")
        db.session.commit()
        reference = ticket.reference
    client = english(app.test_client())
    client.get(f"/track/{reference}/1111-2222-3333-4444-5555")
    page = client.get(f"/track/{reference}").get_data(as_text=True)
    assert "Supply the information by" in page
    assert "May 31, 2024" in page


# --- The staff page and the API -------------------------------------------------------------


def today() -> date:
    return beijing_today(datetime.now(UTC))


def test_staff_second_request_is_409_and_not_offered(
    app: Flask, make_ticket: Factory, staff_login: Factory
) -> None:
    ticket = make_ticket(
        kind=Kind.INFO_APPLICATION,
        status=Status.IN_PROGRESS,
        received_on=today(),
        correction_requested_on=today(),
        correction_due_on=today() + timedelta(days=21),
    )
    client = english(app.test_client())
    staff_login(client, role=Role.AGENT)
    page = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    assert "/request-info" not in page
    response = client.post(
        f"/staff/tickets/{ticket.id}/request-info", data={"reply-body": "请补充"}
    )
    assert response.status_code == 409
    assert "already been requested once" in response.get_data(as_text=True)


def test_staff_late_request_is_409_and_a_timely_one_goes_with_its_limit(
    app: Flask, make_ticket: Factory, staff_login: Factory
) -> None:
    late = make_ticket(
        kind=Kind.INFO_APPLICATION,
        status=Status.IN_PROGRESS,
        received_on=today() - timedelta(days=30),
    )
    timely = make_ticket(kind=Kind.INFO_APPLICATION, status=Status.IN_PROGRESS, received_on=today())
    client = english(app.test_client())
    staff_login(client, role=Role.AGENT)
    assert "/request-info" not in client.get(f"/staff/tickets/{late.id}").get_data(as_text=True)
    refused = client.post(f"/staff/tickets/{late.id}/request-info", data={"reply-body": "请补充"})
    assert refused.status_code == 409
    assert "within 7 working days" in refused.get_data(as_text=True)
    assert "/request-info" in client.get(f"/staff/tickets/{timely.id}").get_data(as_text=True)
    limit = today() + timedelta(days=30)
    data = {"reply-body": "请补充", "reply-limit": limit.isoformat()}
    draft = client.post(f"/staff/tickets/{timely.id}/draft", data={"reply-body": "请补"})
    assert draft.status_code == 200  # typed in the composer, then sent as the 补正 request
    assert client.post(f"/staff/tickets/{timely.id}/request-info", data=data).status_code == 302
    with app.app_context():
        stored = db.session.get(Ticket, timely.id)
        assert stored is not None and stored.correction_due_on == limit
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReplyDraft)) == 0


def test_api_second_request_is_409(
    client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    ticket = make_ticket(
        kind=Kind.INFO_APPLICATION,
        status=Status.IN_PROGRESS,
        received_on=today(),
        correction_requested_on=today(),
    )
    headers = {"Authorization": f"Bearer {make_token(make_user(role=Role.AGENT))}"}
    url = f"/api/v1/tickets/{ticket.id}/request-info"
    response = client.post(url, json={"body": "请补充"}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "correction_refused",
        "field": None,
        "message": "本申请已要求过一次补正，不能再次要求。",
    }
