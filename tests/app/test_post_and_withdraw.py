"""Paper applications without e-mail (letters printed and posted) and withdrawals (申请人撤回)
by staff and by the citizen, and consultations withdrawn by staff."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import consultations, outbox, posting, tickets, withdrawal
from enquiry.domain.policy import Policy, policy_from_config
from enquiry.extensions import db
from enquiry.mail import outbound
from enquiry.models import (
    ApplicantType,
    AuditEvent,
    Channel,
    Consultation,
    ConsultationState,
    DeliveryForm,
    Department,
    Kind,
    Message,
    MessageKind,
    OutboundEmail,
    OutboxStatus,
    PauseKind,
    Role,
    Status,
    Ticket,
    utcnow,
)
from enquiry.reporting.figures import annual_table
from enquiry.rules import clock as clock_rules
from enquiry.rules.deadlines import BEIJING, WorkCalendar
from tests.app.conftest import english
from tests.app.test_letters import AUTHORITY, fonts_present

TODAY = clock_rules.beijing_today(utcnow())


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(LETTER_REVIEW_AUTHORITY=AUTHORITY)
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    return app


def policy(app: Flask) -> Policy:
    return dataclasses.replace(policy_from_config(app.config), calendar=WorkCalendar.national())


def paper_form(**fields: str) -> dict[str, str]:
    return {
        "channel": "post",
        "received_on": (TODAY - timedelta(days=1)).isoformat(),
        "kind": "info_application",
        "subject": "申请公开道路维修经费",
        "message": "请公开2024年道路维修经费。",
        "applicant_type": "citizen",
        "info_description": "2024年道路维修经费明细",
        "delivery_form": "paper",
        "name": "阿依古丽·买买提",
        "email": "",
        "address": "新疆乌鲁木齐市天山区解放南路1号",
        "phone": "",
    } | fields


def open_application(app: Flask, email: str = "li@example.com") -> int:
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.INFO_APPLICATION,
                subject="申请公开道路维修经费",
                body="请公开2024年道路维修经费。",
                citizen_name="李四",
                citizen_email=email,
                citizen_address=None if email else "乌鲁木齐市解放南路1号",
                channel=Channel.WEB if email else Channel.POST,
                locale="en",
                applicant_type=ApplicantType.CITIZEN,
                info_description="2024年道路维修经费明细",
                delivery_form=DeliveryForm.EMAIL,
                received_on=None if email else TODAY,
            ),
            policy=policy(app),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=utcnow(),
        )
        db.session.commit()
        return opened.ticket.id


def mails(app: Flask, ticket_id: int) -> list[OutboundEmail]:
    with app.app_context():
        query = select(OutboundEmail).where(OutboundEmail.ticket_id == ticket_id)
        rows = list(db.session.scalars(query.order_by(OutboundEmail.id)))
        db.session.expunge_all()
        return rows


def actions(app: Flask, ticket_id: int) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).where(AuditEvent.ticket_id == ticket_id)
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


# -- paper applications without e-mail ----------------------------------------------------------


def test_a_paper_application_with_only_a_postal_address_is_recorded_and_never_mailed(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    fonts_present(app)
    staff_login(english(client), role=Role.AGENT)
    nothing = paper_form(address="")
    refused = client.post("/staff/tickets/paper", data=nothing)
    assert refused.status_code == 400
    assert "postal address or a phone number" in refused.get_data(as_text=True)
    response = client.post("/staff/tickets/paper", data=paper_form())
    assert response.status_code == 303
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        ticket_id = ticket.id
        assert ticket.citizen_email == ""
        assert ticket.citizen_address == "新疆乌鲁木齐市天山区解放南路1号"
    rows = mails(app, ticket_id)
    assert rows, "the acknowledgement (and its letter) is kept for posting"
    assert all(row.status is OutboxStatus.SUPPRESSED for row in rows)
    assert all(row.last_error == outbound.NO_ADDRESS and row.to_addr == "" for row in rows)
    assert any(row.attachment_id for row in rows), "the 登记回执 letter is there to print"
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "Letters to print and post" in page
    assert "新疆乌鲁木齐市天山区解放南路1号" in page
    letter = next(row for row in rows if row.attachment_id)
    pdf = client.get(f"/staff/attachments/{letter.attachment_id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_ticket_without_an_address_gets_no_mail_sent_by_any_verb(app: Flask) -> None:
    ticket_id = open_application(app, email="")
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        withdrawal.withdraw(
            db.session, ticket, policy=policy(app), actor=audit.Actor.system(), now=utcnow()
        )
        db.session.commit()
        pending = db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.status == OutboxStatus.PENDING)
        ).all()
        assert pending == []
        assert outbox.undelivered_by_ticket(db.session, [ticket_id]) == {}
    templates = {row.template for row in mails(app, ticket_id)}
    assert "withdrawn" in templates


def test_staff_record_the_date_a_letter_was_posted(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id = open_application(app, email="")
    staff_login(english(client), role=Role.AGENT)
    row = mails(app, ticket_id)[0]
    url = f"/staff/tickets/{ticket_id}/mail/{row.id}/posted"
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    future = client.post(url, data={"posted_on": tomorrow})
    assert future.status_code == 409 and 'role="alert"' in future.get_data(as_text=True)
    assert "letter.posted" not in actions(app, ticket_id)
    response = client.post(url, data={"posted_on": TODAY.isoformat()})
    assert response.status_code == 303
    assert actions(app, ticket_id).count("letter.posted") == 1
    again = client.post(url, data={"posted_on": TODAY.isoformat()})
    assert again.status_code == 409
    assert "already recorded as posted" in again.get_data(as_text=True)
    assert actions(app, ticket_id).count("letter.posted") == 1
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        [item] = [p for p in posting.to_post(db.session, ticket) if p.mail.id == row.id]
        assert item.posted_on == TODAY
        events = db.session.scalars(
            select(Message.body).where(
                Message.ticket_id == ticket_id, Message.kind == MessageKind.EVENT
            )
        ).all()
        assert any(TODAY.isoformat() in body and "邮寄" in body for body in events)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "Posted on" in page


def test_mail_with_an_address_is_not_offered_for_posting_nor_retried_without_one(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id = open_application(app)
    row = mails(app, ticket_id)[0]
    assert row.status is OutboxStatus.PENDING
    staff_login(english(client), role=Role.AGENT)
    url = f"/staff/tickets/{ticket_id}/mail/{row.id}/posted"
    refused = client.post(url, data={"posted_on": TODAY.isoformat()}, follow_redirects=True)
    assert "not waiting to be posted" in refused.get_data(as_text=True)
    assert "Letters to print and post" not in client.get(f"/staff/tickets/{ticket_id}").text
    paper_id = open_application(app, email="")
    with app.app_context():
        kept = db.session.get(OutboundEmail, mails(app, paper_id)[0].id)
        assert kept is not None
        with pytest.raises(outbox.NotRetryableError):
            outbox.retry(db.session, kept, actor=audit.Actor.system(), now=utcnow())


# -- withdrawals ---------------------------------------------------------------------------------


def test_staff_record_a_withdrawal_counted_under_other_handling(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id = open_application(app)
    staff_login(english(client), role=Role.AGENT)
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "The applicant withdraws" in page
    url = f"/staff/tickets/{ticket_id}/withdraw"
    response = client.post(url, data={"note": "申请人来电撤回"})
    assert response.status_code == 303
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.status is Status.CLOSED and ticket.closed_at is not None
        assert ticket.outcome == withdrawal.WITHDRAWN
        assert not clock_rules.is_running(ticket)
        year = clock_rules.beijing_today(ticket.closed_at).year
        table = annual_table(db.session, year)
        assert table.cell(withdrawal.WITHDRAWN, "total") == 1
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.withdraw")
        ).one()
        assert event.detail["by"] == "staff" and event.detail["note"] == "申请人来电撤回"
    assert "withdrawn" in {row.template for row in mails(app, ticket_id)}
    again = client.post(url, data={}, follow_redirects=True)
    assert "Only an open enquiry can be withdrawn" in again.get_data(as_text=True)
    assert actions(app, ticket_id).count("ticket.withdraw") == 1


def test_the_citizen_withdraws_on_the_tracking_page(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject="道路维修",
                body="何时维修？",
                citizen_name="李四",
                citizen_email="li@example.com",
                channel=Channel.WEB,
                locale="en",
            ),
            policy=policy(app),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=utcnow(),
        )
        db.session.commit()
        reference, code, ticket_id = opened.ticket.reference, opened.access_code, opened.ticket.id
    english(client)
    assert client.post(f"/track/{reference}/withdraw").status_code in (302, 303)
    assert "ticket.withdraw" not in actions(app, ticket_id)
    page = client.get(f"/track/{reference}/{code}", follow_redirects=True)
    assert "Withdraw my enquiry" in page.get_data(as_text=True)
    done = client.post(f"/track/{reference}/withdraw", follow_redirects=True)
    assert "You have withdrawn your enquiry" in done.get_data(as_text=True)
    assert "Withdraw my enquiry" not in done.get_data(as_text=True)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status is Status.CLOSED
        assert ticket.outcome is None  # not an application: no table 三 outcome
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.withdraw")
        ).one()
        assert event.detail["by"] == "citizen" and event.actor_label == "citizen"


def consult(app: Flask, ticket_id: int) -> int:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        consultation = consultations.consult_third_party(
            db.session, ticket, party="某公司", question="是否同意公开？", sent_on=TODAY,
            policy=policy(app), actor=audit.Actor.system(), now=utcnow(),
        )  # fmt: skip
        db.session.commit()
        assert ticket.pause_kind is PauseKind.CONSULTATION
        return consultation.id


def test_staff_withdraw_a_consultation_and_the_clock_runs_again(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id = open_application(app)
    consultation_id = consult(app, ticket_id)
    staff_login(english(client), role=Role.AGENT)
    assert "Withdraw this consultation" in client.get(f"/staff/tickets/{ticket_id}").text
    url = f"/staff/consultations/{consultation_id}/withdraw"
    assert client.post(url, data={"note": "不再需要"}).status_code == 303
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        assert consultation is not None
        assert consultation.state is ConsultationState.WITHDRAWN
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.pause_kind is None and ticket.paused_on is None
    assert "consultation.withdrawn" in actions(app, ticket_id)
    again = client.post(url, data={}, follow_redirects=True)
    assert "already closed" in again.get_data(as_text=True)


def test_withdrawing_an_application_withdraws_its_open_consultations(app: Flask) -> None:
    ticket_id = open_application(app)
    consultation_id = consult(app, ticket_id)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        withdrawal.withdraw(
            db.session, ticket, policy=policy(app), actor=audit.Actor.system(), now=utcnow()
        )
        db.session.commit()
        consultation = db.session.get(Consultation, consultation_id)
        assert consultation is not None
        assert consultation.state is ConsultationState.WITHDRAWN
        assert ticket.status is Status.CLOSED and ticket.pause_kind is None
    templates = [row.template for row in mails(app, ticket_id)]
    assert "consultation_ended" not in templates  # concluded: the clock does not run again
    assert templates[-1] == "withdrawn"


def test_withdraw_is_refused_once_answered(app: Flask) -> None:
    ticket_id = open_application(app)
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.status = Status.ANSWERED
        assert not withdrawal.may_withdraw(ticket)
        with pytest.raises(withdrawal.WithdrawalError):
            withdrawal.withdraw(
                db.session, ticket, policy=policy(app), actor=audit.Actor.system(), now=utcnow()
            )


def test_posting_refusals_are_pure() -> None:
    row = OutboundEmail(
        status=OutboxStatus.SUPPRESSED,
        last_error=outbound.NO_ADDRESS,
        created_at=datetime(2026, 3, 2, 3, 0, tzinfo=BEIJING),
    )
    day = date(2026, 3, 3)
    assert posting.refusal(row, day, day, already=False) is None
    assert posting.refusal(row, day, day, already=True) == posting.ALREADY_POSTED
    assert posting.refusal(row, day + timedelta(days=1), day, False) == posting.IN_FUTURE
    assert posting.refusal(row, date(2026, 3, 1), day, False) == posting.BEFORE_WRITTEN
    row.status = OutboxStatus.PENDING
    assert posting.refusal(row, day, day, False) == posting.NOT_TO_POST


def test_delivery_by_e_mail_needs_an_e_mail_address(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(english(client), role=Role.AGENT)
    refused = client.post("/staff/tickets/paper", data=paper_form(delivery_form="email"))
    assert refused.status_code == 400
    assert "needs an e-mail address" in refused.get_data(as_text=True)
