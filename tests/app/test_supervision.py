"""Chasing deadlines: the daily digest, escalation (督办), reminders (催办), supervision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from enquiry.cli import deadlines as deadline_cli
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    Kind,
    Message,
    MessageKind,
    OutboundEmail,
    PauseKind,
    Role,
    Status,
    Ticket,
)
from enquiry.rules import clock
from enquiry.rules.deadlines import BEIJING, WorkCalendar, add_working_days
from tests.app.conftest import english
from tests.db_state import database_state

NOW = "2024-05-06T08:30:00+08:00"  # Monday morning in Beijing


@pytest.fixture
def cli(app: Flask, runner: FlaskCliRunner) -> FlaskCliRunner:
    for command in deadline_cli.COMMANDS:
        app.cli.add_command(command)
    return runner


def outbox(app: Flask, template: str) -> list[OutboundEmail]:
    with app.app_context():
        query = select(OutboundEmail).where(OutboundEmail.template == template)
        rows = list(db.session.scalars(query.order_by(OutboundEmail.id)))
        db.session.expunge_all()
        return rows


def ticket_row(app: Flask, ticket_id: int) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        db.session.expunge(ticket)
        return ticket


@pytest.fixture
def seeded(
    make_department: Callable[..., Any],
    make_user: Callable[..., Any],
    make_ticket: Callable[..., Any],
) -> dict[str, Any]:
    """Tickets around Monday 6 May 2024 in two departments."""
    make_department("housing", name_en="Housing Bureau")
    people = {
        "agent": make_user(role=Role.AGENT, display_name="Agent A", locale="en"),
        "other_agent": make_user(role=Role.AGENT, department="housing", display_name="Agent B"),
        "supervisor": make_user(role=Role.SUPERVISOR, display_name="Chief E", locale="en"),
        "admin": make_user(role=Role.ADMIN, display_name="Admin", locale="en"),
    }
    running = {"status": Status.IN_PROGRESS}
    agent_id = people["agent"].id
    tickets = {
        "overdue": make_ticket(**running, assignee_id=agent_id, due_on=date(2024, 4, 30)),
        "soon": make_ticket(**running, assignee_id=agent_id, due_on=date(2024, 5, 8)),
        "later": make_ticket(**running, assignee_id=agent_id, due_on=date(2024, 5, 20)),
        "unassigned": make_ticket(**running, due_on=date(2024, 5, 6)),
        "answered": make_ticket(
            status=Status.ANSWERED, assignee_id=agent_id, due_on=date(2024, 4, 1)
        ),
        "paused": make_ticket(
            **running,
            kind=Kind.INFO_APPLICATION,
            assignee_id=agent_id,
            due_on=date(2024, 4, 29),
            paused_on=date(2024, 4, 20),
            pause_kind=PauseKind.CONSULTATION,
        ),
        "waiting": make_ticket(
            status=Status.AWAITING_CITIZEN,
            assignee_id=agent_id,
            due_on=date(2024, 4, 1),
            paused_on=date(2024, 3, 20),
            pause_kind=PauseKind.CORRECTION,
        ),
        "housing": make_ticket(
            **running,
            department="housing",
            assignee_id=people["other_agent"].id,
            due_on=date(2024, 4, 26),
        ),
    }
    return {**people, **{f"t_{name}": ticket for name, ticket in tickets.items()}}


# --- The daily digest --------------------------------------------------------------------------


def test_digest_lists_each_agents_overdue_and_soon_due_tickets(
    app: Flask, cli: FlaskCliRunner, seeded: dict[str, Any]
) -> None:
    result = cli.invoke(args=["deadlines", "digest", "--now", NOW])
    assert result.exit_code == 0, result.output
    assert "3 digests queued" in result.output  # two agents and the supervisor
    mails = {mail.to_addr: mail for mail in outbox(app, "digest")}
    agent_mail = mails[seeded["agent"].email]
    assert agent_mail.subject == "Deadlines for May 6, 2024: 1 overdue, 1 due soon"
    assert agent_mail.ticket_id is None and agent_mail.reply_to is None
    body = agent_mail.body_text
    overdue_part, soon_part = body.split("Due soon:")
    assert seeded["t_overdue"].reference in overdue_part
    assert "due April 30, 2024, overdue" in overdue_part
    assert seeded["t_soon"].reference in soon_part
    assert "due May 8, 2024, 2 working days left" in soon_part
    assert f"http://enquiry.test/staff/tickets/{seeded['t_soon'].id}" in soon_part
    for quiet in ("t_later", "t_answered", "t_paused", "t_waiting", "t_unassigned", "t_housing"):
        assert seeded[quiet].reference not in body, quiet
    assert seeded["t_overdue"].reference in (agent_mail.body_html or "")

    supervisor_mail = mails[seeded["supervisor"].email].body_text
    assert "Not yet assigned in your department" in supervisor_mail
    assert seeded["t_unassigned"].reference in supervisor_mail
    assert "due May 6, 2024, 0 working days left" in supervisor_mail
    assert seeded["t_housing"].reference in mails[seeded["other_agent"].email].body_text
    assert seeded["admin"].email not in mails  # nothing of theirs, nothing unassigned elsewhere


def test_digest_is_sent_once_a_day(app: Flask, cli: FlaskCliRunner, seeded: dict[str, Any]) -> None:
    cli.invoke(args=["deadlines", "digest", "--now", NOW])
    again = cli.invoke(args=["deadlines", "digest", "--now", "2024-05-06T17:00:00+08:00"])
    assert "0 digests queued" in again.output
    tomorrow = cli.invoke(args=["deadlines", "digest", "--now", "2024-05-07T08:30:00+08:00"])
    assert "digests queued" in tomorrow.output and "0 digests" not in tomorrow.output
    assert len(outbox(app, "digest")) > 3


def test_digest_job_in_the_worker_waits_for_its_hour(app: Flask, seeded: dict[str, Any]) -> None:
    with app.app_context():
        jobs = {job.name: job for job in deadline_cli.worker_jobs(app.config)}
        assert jobs["deadline-escalation"].interval == 3600
        run = jobs["deadline-digest"].run
        assert isinstance(run, deadline_cli.DailyAt)
        moments = iter(
            [
                datetime(2024, 5, 6, 8, 0, tzinfo=BEIJING),
                datetime(2024, 5, 6, 8, 31, tzinfo=BEIJING),
            ]
        )
        run.clock = lambda: next(moments)
        import threading

        stop = threading.Event()
        assert run(stop) == "not due"
        assert run(stop) == "3 digests queued"


def test_unassigned_tickets_of_a_department_without_supervisor_go_to_the_admins(
    app: Flask, cli: FlaskCliRunner, seeded: dict[str, Any], make_ticket: Callable[..., Any]
) -> None:
    orphan = make_ticket(status=Status.ROUTED, department="housing", due_on=date(2024, 5, 7))
    cli.invoke(args=["deadlines", "digest", "--now", NOW])
    mails = {mail.to_addr: mail for mail in outbox(app, "digest")}
    assert orphan.reference in mails[seeded["admin"].email].body_text
    assert orphan.reference not in mails[seeded["supervisor"].email].body_text


# --- Escalation (督办) ----------------------------------------------------------------------------


def test_escalation_marks_overdue_tickets_once_and_mails_supervisors(
    app: Flask, cli: FlaskCliRunner, seeded: dict[str, Any]
) -> None:
    result = cli.invoke(args=["deadlines", "escalate", "--now", "2024-05-06T10:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "2 tickets escalated, 2 mails queued" in result.output
    escalated = {
        name
        for name in seeded
        if name.startswith("t_") and ticket_row(app, seeded[name].id).escalated_at
    }
    assert escalated == {"t_overdue", "t_housing"}
    assert ticket_row(app, seeded["t_overdue"].id).escalated_at == datetime(
        2024, 5, 6, 2, 0, tzinfo=UTC
    )
    mails = {mail.to_addr: mail for mail in outbox(app, "escalation")}
    # egov's supervisor hears of egov's ticket; housing has none, so the admin hears of its own.
    to_supervisor = mails[seeded["supervisor"].email]
    assert to_supervisor.subject == "Escalation: 1 overdue enquiries in E-Government Office"
    assert seeded["t_overdue"].reference in to_supervisor.body_text
    assert seeded["t_housing"].reference not in to_supervisor.body_text
    assert seeded["t_housing"].reference in mails[seeded["admin"].email].body_text
    assert seeded["t_overdue"].reference not in to_supervisor.subject  # never threads as a reply
    with app.app_context():
        events = db.session.scalars(
            select(Message.body).where(
                Message.ticket_id == seeded["t_overdue"].id, Message.kind == MessageKind.EVENT
            )
        ).all()
        assert any(body.startswith("督办") for body in events)
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "ticket.escalate")
        ).all()
        assert len(actions) == 2

    again = cli.invoke(args=["deadlines", "escalate", "--now", "2024-05-06T11:00:00+08:00"])
    assert "0 tickets escalated, 0 mails queued" in again.output
    # The next day the soon-due ticket of 6 May is overdue in its turn, and only it.
    later = cli.invoke(args=["deadlines", "escalate", "--now", "2024-05-07T10:00:00+08:00"])
    assert "1 tickets escalated" in later.output
    assert ticket_row(app, seeded["t_unassigned"].id).escalated_at is not None
    assert ticket_row(app, seeded["t_soon"].id).escalated_at is None


# --- Reminder (催办) -----------------------------------------------------------------------------


def test_supervisor_sends_a_reminder_with_a_note(
    app: Flask, client: FlaskClient, login: Callable[..., Any], seeded: dict[str, Any]
) -> None:
    login(english(client), seeded["supervisor"])
    ticket = seeded["t_overdue"]
    response = client.post(
        f"/staff/tickets/{ticket.id}/remind",
        data={"note": "请今天内答复", "next": "/staff/supervision"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/supervision")
    (mail,) = outbox(app, "reminder")
    assert mail.to_addr == seeded["agent"].email
    assert mail.subject == "Reminder from Chief E: please handle an enquiry"
    assert "请今天内答复" in mail.body_text and ticket.reference in mail.body_text
    with app.app_context():
        event = db.session.scalars(
            select(Message).where(Message.ticket_id == ticket.id, Message.kind == MessageKind.EVENT)
        ).one()
        assert event.body == "催办（Chief E → Agent A）：请今天内答复"
        assert event.author_id == seeded["supervisor"].id


def test_reminder_refusals(
    app: Flask, client: FlaskClient, login: Callable[..., Any], seeded: dict[str, Any]
) -> None:
    login(english(client), seeded["supervisor"])
    empty = client.post(f"/staff/tickets/{seeded['t_overdue'].id}/remind", data={"note": " "})
    assert empty.status_code == 400 and "Nothing was changed" in empty.get_data(as_text=True)
    answered = client.post(f"/staff/tickets/{seeded['t_answered'].id}/remind", data={"note": "x"})
    assert answered.status_code == 400
    assert "no longer being handled" in answered.get_data(as_text=True)
    # Another department's ticket does not exist for this supervisor.
    assert (
        client.post(
            f"/staff/tickets/{seeded['t_housing'].id}/remind", data={"note": "x"}
        ).status_code
        == 404
    )
    assert outbox(app, "reminder") == []


def test_agents_cannot_send_reminders(
    app: Flask, client: FlaskClient, login: Callable[..., Any], seeded: dict[str, Any]
) -> None:
    login(client, seeded["agent"])
    before = database_state(app)
    response = client.post(f"/staff/tickets/{seeded['t_overdue'].id}/remind", data={"note": "x"})
    assert response.status_code == 403
    assert database_state(app) == before


# --- The supervision page -----------------------------------------------------------------------


@pytest.fixture
def live(
    make_department: Callable[..., Any],
    make_user: Callable[..., Any],
    make_ticket: Callable[..., Any],
) -> dict[str, Any]:
    """Tickets relative to the real today (the page reads the clock)."""
    today = clock.beijing_today(datetime.now(UTC))
    calendar = WorkCalendar.for_region("xinjiang")
    make_department("housing", name_en="Housing Bureau")
    running = {"status": Status.IN_PROGRESS}
    return {
        "late": make_ticket(**running, subject="Late one", due_on=today - timedelta(days=10)),
        "soon": make_ticket(
            **running, subject="Soon one", due_on=add_working_days(today, 1, calendar)
        ),
        "far": make_ticket(
            **running, subject="Far one", due_on=add_working_days(today, 30, calendar)
        ),
        "theirs": make_ticket(
            **running,
            department="housing",
            subject="Housing late",
            due_on=today - timedelta(days=3),
        ),
    }


def test_agents_do_not_see_the_supervision_page(
    client: FlaskClient, staff_login: Callable[..., Any], live: dict[str, Any]
) -> None:
    staff_login(client, role=Role.AGENT)
    assert client.get("/staff/supervision").status_code == 403


def test_supervisors_see_their_department(
    client: FlaskClient, staff_login: Callable[..., Any], live: dict[str, Any]
) -> None:
    staff_login(english(client), role=Role.SUPERVISOR)
    page = client.get("/staff/supervision").get_data(as_text=True)
    assert "E-Government Office" in page and "Housing Bureau" not in page
    overdue, soon = page.split("<caption>Due soon</caption>")
    assert "Late one" in overdue and "Soon one" in soon
    assert "Far one" not in page and "Housing late" not in page
    assert "1 working day left" in soon
    assert f"/staff/tickets/{live['late'].id}/remind" in page


def test_admins_see_every_department(
    client: FlaskClient, staff_login: Callable[..., Any], live: dict[str, Any]
) -> None:
    staff_login(english(client), role=Role.ADMIN)
    page = client.get("/staff/supervision").get_data(as_text=True)
    assert "E-Government Office" in page and "Housing Bureau" in page
    assert "Late one" in page and "Housing late" in page and "Far one" not in page


def test_flask_worker_runs_the_escalation_job_too(
    app: Flask, runner: FlaskCliRunner, seeded: dict[str, Any]
) -> None:
    app.config["MAIL_SUPPRESS_SEND"] = True  # the mail job runs first; nothing is queued yet
    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert ticket_row(app, seeded["t_overdue"].id).escalated_at is not None
    assert ticket_row(app, seeded["t_answered"].id).escalated_at is None  # no clock runs
    assert outbox(app, "escalation")  # real time: every running 2024 ticket is overdue now
