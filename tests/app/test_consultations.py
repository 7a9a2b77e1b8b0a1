"""Consultations (arts. 32-34): a third party and another department, each with 15 working
days; the time is not counted; reminders; 逾期未提出意见视为同意 recorded on the ticket."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import consultation_close, consultation_jobs, consultations, tickets
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.policy import Policy, policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    AuditEvent,
    Channel,
    Consultation,
    ConsultationState,
    Department,
    Kind,
    Message,
    MessageKind,
    OutboundEmail,
    PauseKind,
    Role,
    Ticket,
    utcnow,
)
from enquiry.rules.deadlines import BEIJING, WorkCalendar, add_working_days
from enquiry.templating import format_day
from tests.app.conftest import english

NATIONAL = WorkCalendar.national()


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        yield app


def national(app: Flask) -> Policy:
    return dataclasses.replace(policy_from_config(app.config), calendar=NATIONAL)


def finance() -> Department:
    department = Department(code="finance", name_zh="市财政局", is_default=False)
    db.session.add(department)
    db.session.flush()
    return department


def application(policy: Policy, now: datetime, kind: Kind = Kind.INFO_APPLICATION) -> Ticket:
    return tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=kind,
            subject="申请公开某企业排污许可",
            body="请公开该企业的排污许可证。",
            citizen_name="李四",
            citizen_email="li@example.com",
            channel=Channel.WEB,
            locale="en",
            applicant_type=ApplicantType.CITIZEN if kind is Kind.INFO_APPLICATION else None,
        ),
        policy=policy,
        actor=audit.Actor.citizen("192.0.2.1"),
        now=now,
    ).ticket


def actions(ticket: Ticket) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.ticket_id == ticket.id)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def events(ticket: Ticket) -> list[str]:
    query = select(Message.body).where(
        Message.ticket_id == ticket.id, Message.kind == MessageKind.EVENT
    )
    return list(db.session.scalars(query.order_by(Message.id)))


def test_a_third_partys_time_is_not_counted(ctx: Flask) -> None:
    policy = national(ctx)
    # Monday 4 March 2024, 11:00: 20 working days -> 1 April.
    ticket = application(policy, beijing(2024, 3, 4, 11))
    assert ticket.due_on == date(2024, 4, 1)
    consultation = consultations.consult_third_party(
        db.session,
        ticket,
        "某化工有限公司",
        "该许可证是否涉及商业秘密？",
        policy=policy,
        actor=audit.Actor.system(),
        now=beijing(2024, 3, 6, 10),
    )
    assert (ticket.paused_on, ticket.pause_kind) == (date(2024, 3, 6), PauseKind.CONSULTATION)
    assert consultation.due_on == add_working_days(date(2024, 3, 6), 15, NATIONAL)
    mail = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.template == "consultation")
    ).one()
    assert "not counted in the time limit" in mail.body_text
    assert "某化工有限公司" not in mail.body_text  # the third party is not named to the applicant
    # The answer arrives on Wednesday 13 March: 5 working days not counted.
    consultation_close.record_answer(
        db.session,
        consultation,
        "不同意公开，涉及工艺参数。",
        policy=policy,
        actor=audit.Actor.system(),
        now=beijing(2024, 3, 13, 15),
    )
    assert consultation.state is ConsultationState.ANSWERED
    assert ticket.paused_on is None and ticket.pause_kind is None
    assert ticket.due_on == add_working_days(date(2024, 4, 1), 5, NATIONAL)
    ended = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.template == "consultation_ended")
    ).one()
    assert "runs again" in ended.body_text and format_day(ticket.due_on) in ended.body_text
    assert actions(ticket)[-4:] == [
        "consultation.opened",
        "letter.issued",  # 征求第三方意见通知 to the applicant
        "consultation.answered",
        "ticket.consultation_resumed",
    ]


def test_a_third_party_that_does_not_answer_lapses(ctx: Flask) -> None:
    policy = national(ctx)
    ticket = application(policy, beijing(2024, 3, 4, 11))
    consultation = consultations.consult_third_party(
        db.session,
        ticket,
        "王五",
        "是否同意公开？",
        policy=policy,
        actor=audit.Actor.system(),
        now=beijing(2024, 3, 5, 10),
        sent_on=date(2024, 3, 4),
    )
    due = consultation.due_on
    assert due == date(2024, 3, 25)
    assert (
        consultation_jobs.run(db.session, policy=policy, now=beijing(2024, 3, 25, 20)).lapsed == 0
    )
    result = consultation_jobs.run(db.session, policy=policy, now=beijing(2024, 3, 27, 9))
    assert result.lapsed == 1
    assert consultation.state is ConsultationState.NO_ANSWER
    # Not counted: 4 March (exclusive) to 25 March, the 15 working days the third party had.
    assert ticket.due_on == add_working_days(date(2024, 4, 1), 15, NATIONAL)
    assert any("第三方逾期未提出意见" in text for text in events(ticket))


def test_agency_consultation_reminder_and_deemed_agreement(ctx: Flask) -> None:
    policy = national(ctx)
    other = finance()
    create_user(
        db.session,
        email="boss@finance.example",
        display_name="财政局主任",
        password="a-long-password-1",
        role=Role.SUPERVISOR,
        department=other,
    )
    ticket = application(policy, beijing(2024, 3, 4, 11))
    consultation = consultations.consult_agency(
        db.session,
        ticket,
        other,
        "该预算信息由我局与贵局共同制作，是否同意公开？",
        policy=policy,
        actor=audit.Actor.system(),
        now=beijing(2024, 3, 5, 10),
    )
    assert consultation.due_on == date(2024, 3, 26)
    assert ticket.pause_kind is PauseKind.CONSULTATION  # art. 33 ¶3: not counted either
    with pytest.raises(consultations.ConsultationError):
        consultation_close.lapse(
            db.session, consultation, policy=policy, now=beijing(2024, 3, 26, 9)
        )
    # Three working days before the due date: the department's supervisors are reminded, once.
    assert (
        consultation_jobs.run(db.session, policy=policy, now=beijing(2024, 3, 19, 9)).reminded == 0
    )
    assert (
        consultation_jobs.run(db.session, policy=policy, now=beijing(2024, 3, 22, 9)).reminded == 1
    )
    assert (
        consultation_jobs.run(db.session, policy=policy, now=beijing(2024, 3, 22, 10)).reminded == 0
    )
    reminder = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.template == "consultation_reminder")
    ).all()
    assert (
        reminder and "逾期未提出意见的，视为同意" in reminder[0].body_text
    )  # in the supervisor's Chinese
    # The day after the due date with no opinion: deemed to agree, on the ticket.
    result = consultation_jobs.run(db.session, policy=policy, now=beijing(2024, 3, 27, 9))
    assert result.lapsed == 1
    assert consultation.state is ConsultationState.DEEMED_AGREED
    assert "consultation.deemed_agreed" in actions(ticket)
    assert any("逾期未提出意见视为同意" in text for text in events(ticket))
    assert ticket.paused_on is None
    assert ticket.due_on == add_working_days(date(2024, 4, 1), 15, NATIONAL)  # 3-5 .. 3-26


def test_under_the_2008_text_an_agency_consultation_counts(ctx: Flask) -> None:
    policy = national(ctx)
    other = finance()
    ticket = application(policy, beijing(2018, 6, 1, 11))
    due = ticket.due_on
    consultation = consultations.consult_agency(
        db.session,
        ticket,
        other,
        "是否同意公开？",
        policy=policy,
        actor=audit.Actor.system(),
        now=beijing(2018, 6, 4, 10),
    )
    assert not consultation.is_clock_paused
    assert ticket.paused_on is None and ticket.due_on == due


def test_refusals(ctx: Flask) -> None:
    policy = national(ctx)
    ticket = application(policy, beijing(2024, 3, 4, 11))
    question = application(policy, beijing(2024, 3, 4, 11), Kind.QUESTION)
    same = ticket.department
    actor, now = audit.Actor.system(), beijing(2024, 3, 5, 10)
    with pytest.raises(consultations.ConsultationError, match="another department"):
        consultations.consult_agency(
            db.session, ticket, same, "?", policy=policy, actor=actor, now=now
        )
    with pytest.raises(consultations.ConsultationError, match="only information applications"):
        consultations.consult_third_party(
            db.session, question, "X", "?", policy=policy, actor=actor, now=now
        )
    with pytest.raises(consultations.ConsultationError, match="after today"):
        consultations.consult_third_party(
            db.session,
            ticket,
            "X",
            "?",
            policy=policy,
            actor=actor,
            now=now,
            sent_on=date(2024, 3, 6),
        )
    with pytest.raises(consultations.ConsultationError, match="required"):
        consultations.consult_third_party(
            db.session, ticket, "  ", "?", policy=policy, actor=actor, now=now
        )
    assert db.session.scalars(select(Consultation)).all() == []


def test_the_consulted_department_answers_on_its_own_list(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    with app.app_context():
        other = finance()
        policy = policy_from_config(app.config, session=db.session)
        ticket = application(policy, utcnow())
        consultation = consultations.consult_agency(
            db.session,
            ticket,
            other,
            "<b>是否同意公开？</b>",
            policy=policy,
            actor=audit.Actor.system(),
            now=utcnow(),
        )
        db.session.commit()
        consultation_id, ticket_id = consultation.id, ticket.id
    # The handling department cannot answer its own request.
    staff_login(english(client), role=Role.AGENT)
    assert "会商" in client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    refused = client.post(f"/staff/consultations/{consultation_id}/answer", data={"answer": "同意"})
    assert refused.status_code == 403
    finance_staff = english(app.test_client())
    staff_login(finance_staff, role=Role.AGENT, department="finance")
    page = finance_staff.get("/staff/consultations").get_data(as_text=True)
    assert "&lt;b&gt;是否同意公开？&lt;/b&gt;" in page
    assert (
        finance_staff.post(
            f"/staff/consultations/{consultation_id}/answer", data={"answer": ""}
        ).status_code
        == 400
    )
    answered = finance_staff.post(
        f"/staff/consultations/{consultation_id}/answer", data={"answer": "同意公开。"}
    )
    assert answered.status_code == 303
    with app.app_context():
        row = db.session.get(Consultation, consultation_id)
        assert row is not None and row.state is ConsultationState.ANSWERED
        assert row.answer == "同意公开。"
        ticket_row = db.session.get(Ticket, ticket_id)
        assert ticket_row is not None and ticket_row.pause_kind is None
    again = finance_staff.post(
        f"/staff/consultations/{consultation_id}/answer", data={"answer": "再次"}
    )
    assert again.status_code == 400


def test_staff_record_a_third_party_consultation_on_the_ticket(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    with app.app_context():
        ticket = application(policy_from_config(app.config, session=db.session), utcnow())
        db.session.commit()
        ticket_id = ticket.id
    staff_login(english(client), role=Role.AGENT)
    url = f"/staff/tickets/{ticket_id}/consultations/third-party"
    assert client.post(url, data={"party": "", "question": "?"}).status_code == 400
    response = client.post(url, data={"party": "某公司", "question": "是否涉及商业秘密？"})
    assert response.status_code == 303
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "某公司" in page and "waiting for the opinion" in page


def test_deemed_agreement_is_in_the_ticket_history(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    with app.app_context():
        policy = policy_from_config(app.config, session=db.session)
        ticket = application(policy, beijing(2024, 3, 4, 11))
        consultations.consult_agency(
            db.session,
            ticket,
            finance(),
            "是否同意公开？",
            policy=policy,
            actor=audit.Actor.system(),
            now=beijing(2024, 3, 5, 10),
        )
        consultation_jobs.run(db.session, policy=policy, now=beijing(2024, 3, 27, 9))
        db.session.commit()
        ticket_id = ticket.id
    staff_login(english(client), role=Role.SUPERVISOR)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "No opinion in time: deemed to agree" in page  # the history
    assert "市财政局：逾期未提出意见视为同意" in page  # the thread
    assert "deemed to agree (art. 34)" in page  # the consultation's state
