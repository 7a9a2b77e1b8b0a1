"""Every action on the ticket page: allowed, refused by the state (409), by the role (403),
bad input (400); refusals change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import Kind, Message, MessageKind, OutboundEmail, Role, Status, Ticket
from tests.app.conftest import english
from tests.app.test_staff_ticket import (
    audit_of,
    department_id,
    open_enquiry,
    page_text,
    set_fields,
    snapshot,
)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English."""
    return english(app.test_client())


@pytest.fixture
def housing(make_department: Callable[..., Any]) -> Any:
    return make_department("housing", name_en="Housing Bureau")


def ticket_of(app: Flask, ticket_id: int) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        db.session.expunge(ticket)
        return ticket


def last_message(app: Flask, ticket_id: int) -> Message:
    with app.app_context():
        query = sa.select(Message).where(Message.ticket_id == ticket_id)
        message = db.session.scalar(query.order_by(Message.id.desc()))
        assert message is not None
        db.session.expunge(message)
        return message


def outbox_templates(app: Flask, ticket_id: int) -> list[str]:
    with app.app_context():
        query = sa.select(OutboundEmail.template).where(OutboundEmail.ticket_id == ticket_id)
        return list(db.session.scalars(query.order_by(OutboundEmail.id)))


def assert_redirects_to_ticket(response: Any, ticket_id: int) -> None:
    assert response.status_code == 302, page_text(response)[:3000]
    assert response.headers["Location"].endswith(f"/staff/tickets/{ticket_id}")


# --- allowed: the effect, the audit event, the redirect ------------------------------------


def test_acknowledge_then_start(
    app: Flask, client: FlaskClient, housing: Any, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, department="housing", status=Status.ROUTED)
    agent = staff_login(client, role=Role.AGENT, department="housing")

    response = client.post(f"/staff/tickets/{ticket_id}/acknowledge")
    assert_redirects_to_ticket(response, ticket_id)
    ticket = ticket_of(app, ticket_id)
    assert ticket.status is Status.ACKNOWLEDGED and ticket.assignee_id == agent.id
    assert "The ticket has been acknowledged." in page_text(
        client.get(response.headers["Location"])
    )

    assert_redirects_to_ticket(client.post(f"/staff/tickets/{ticket_id}/start"), ticket_id)
    assert ticket_of(app, ticket_id).status is Status.IN_PROGRESS
    assert audit_of(app, ticket_id)[-2:] == ["ticket.acknowledge", "ticket.start"]


def test_reply_answers_and_queues_the_mail(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    agent = staff_login(client, role=Role.AGENT)
    response = client.post(f"/staff/tickets/{ticket_id}/reply", data={"reply-body": "  答复内容  "})
    assert_redirects_to_ticket(response, ticket_id)
    assert ticket_of(app, ticket_id).status is Status.ANSWERED
    message = last_message(app, ticket_id)
    assert (message.kind, message.body, message.author_id) == (
        MessageKind.REPLY,
        "答复内容",
        agent.id,
    )
    assert audit_of(app, ticket_id)[-1] == "ticket.answer"
    assert outbox_templates(app, ticket_id)[-1] == "reply"


def test_request_information(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, status=Status.IN_PROGRESS)
    staff_login(client, role=Role.AGENT)
    data = {"reply-body": "请补充小区名称"}
    response = client.post(f"/staff/tickets/{ticket_id}/request-info", data=data)
    assert_redirects_to_ticket(response, ticket_id)
    assert ticket_of(app, ticket_id).status is Status.AWAITING_CITIZEN
    assert audit_of(app, ticket_id)[-1] == "ticket.request_info"
    assert outbox_templates(app, ticket_id)[-1] == "request_info"


def test_internal_note(app: Flask, client: FlaskClient, staff_login: Callable[..., Any]) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, status=Status.CLOSED)  # notes are welcome at any time
    staff_login(client, role=Role.AGENT)
    response = client.post(f"/staff/tickets/{ticket_id}/note", data={"note-body": "已电话联系"})
    assert_redirects_to_ticket(response, ticket_id)
    assert last_message(app, ticket_id).kind is MessageKind.NOTE
    assert audit_of(app, ticket_id)[-1] == "ticket.note"
    assert outbox_templates(app, ticket_id) == ["acknowledgement"]  # no mail for a note


def test_supervisor_closes_an_answered_ticket(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, status=Status.ANSWERED)
    staff_login(client, role=Role.SUPERVISOR)
    assert_redirects_to_ticket(client.post(f"/staff/tickets/{ticket_id}/close"), ticket_id)
    ticket = ticket_of(app, ticket_id)
    assert ticket.status is Status.CLOSED and ticket.closed_at is not None
    assert audit_of(app, ticket_id)[-1] == "ticket.close"


def test_an_information_application_closes_with_its_outcome(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    from enquiry.models import ApplicantType

    ticket_id, _, _ = open_enquiry(
        app, kind=Kind.INFO_APPLICATION, applicant_type=ApplicantType.CITIZEN
    )
    set_fields(app, ticket_id, status=Status.ANSWERED)
    staff_login(client, role=Role.SUPERVISOR)
    assert 'name="outcome"' in client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    before = snapshot(app, ticket_id)
    missing = client.post(f"/staff/tickets/{ticket_id}/close")
    assert missing.status_code == 400
    assert "Choose the outcome of the application" in page_text(missing)
    assert snapshot(app, ticket_id) == before
    response = client.post(f"/staff/tickets/{ticket_id}/close", data={"outcome": "disclosed"})
    assert_redirects_to_ticket(response, ticket_id)
    ticket = ticket_of(app, ticket_id)
    assert (ticket.status, ticket.outcome) == (Status.CLOSED, "disclosed")


def test_an_information_application_is_not_refused_but_concluded(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    from enquiry.models import ApplicantType

    ticket_id, _, _ = open_enquiry(
        app, kind=Kind.INFO_APPLICATION, applicant_type=ApplicantType.CITIZEN
    )
    question_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT, department="egov")
    refuse_action = 'action="/staff/tickets/{}/refuse"'
    assert refuse_action.format(ticket_id) not in page_text_raw(client, ticket_id)
    assert refuse_action.format(question_id) in page_text_raw(client, question_id)
    before = snapshot(app, ticket_id)

    response = client.post(
        f"/staff/tickets/{ticket_id}/refuse", data={"refuse-reason": "属于信访事项"}
    )

    assert 400 <= response.status_code < 500
    assert "is not refused: answer it, then close it" in page_text(response)
    assert snapshot(app, ticket_id) == before
    assert outbox_templates(app, ticket_id) == ["acknowledgement"]


def page_text_raw(client: FlaskClient, ticket_id: int) -> str:
    return client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)


def test_routing_office_transfers_with_a_note(
    app: Flask, client: FlaskClient, housing: Any, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT, department="egov")
    data = {"transfer-department": str(housing.id), "transfer-note": "请住房局办理"}
    response = client.post(f"/staff/tickets/{ticket_id}/transfer", data=data)
    # The ticket has left the office's scope: back to the inbox, with the news.
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff")
    assert "The ticket has been transferred." in page_text(client.get("/staff"))
    ticket = ticket_of(app, ticket_id)
    assert (ticket.status, ticket.department_id) == (Status.ROUTED, housing.id)
    assert audit_of(app, ticket_id)[-1] == "ticket.transfer"
    assert client.get(f"/staff/tickets/{ticket_id}").status_code == 404


def test_department_returns_a_ticket_with_a_reason(
    app: Flask, client: FlaskClient, housing: Any, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, department="housing", status=Status.ACKNOWLEDGED)
    staff_login(client, role=Role.AGENT, department="housing")
    before = snapshot(app, ticket_id)
    assert client.post(f"/staff/tickets/{ticket_id}/return", data={}).status_code == 400
    assert snapshot(app, ticket_id) == before
    data = {"return-reason": "不属于本局职责"}
    response = client.post(f"/staff/tickets/{ticket_id}/return", data=data)
    assert response.headers["Location"].endswith("/staff")
    ticket = ticket_of(app, ticket_id)
    assert ticket.status is Status.RECEIVED
    assert str(ticket.department_id) == department_id(app, "egov")
    assert audit_of(app, ticket_id)[-1] == "ticket.return"


def test_refuse_and_spam_and_merge(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    refused, _, _ = open_enquiry(app)
    spam, _, _ = open_enquiry(app, subject="广告", email="spam@example.com")
    duplicate, _, _ = open_enquiry(app)
    _, original_reference, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT, department="egov")

    data = {"refuse-reason": "不属于政府信息公开范围"}
    assert_redirects_to_ticket(client.post(f"/staff/tickets/{refused}/refuse", data=data), refused)
    assert ticket_of(app, refused).status is Status.REFUSED
    assert outbox_templates(app, refused)[-1] == "refusal"

    data = {"spam-reason": "广告"}
    assert_redirects_to_ticket(client.post(f"/staff/tickets/{spam}/spam", data=data), spam)
    assert ticket_of(app, spam).status is Status.SPAM
    assert audit_of(app, spam)[-1] == "ticket.mark_spam"

    data = {"merge-target": original_reference.lower()}
    assert_redirects_to_ticket(
        client.post(f"/staff/tickets/{duplicate}/merge", data=data), duplicate
    )
    merged = ticket_of(app, duplicate)
    assert merged.status is Status.MERGED and merged.merged_into_id is not None
    assert outbox_templates(app, duplicate)[-1] == "merged"


def test_merge_target_must_be_visible(
    app: Flask,
    client: FlaskClient,
    housing: Any,
    make_ticket: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    theirs = make_ticket(department="housing", reference="WLMQ-2026-999999")
    staff_login(client, role=Role.AGENT, department="egov")
    before = snapshot(app, ticket_id)
    pages = []
    for target in (theirs.reference, "WLMQ-2026-888888"):
        response = client.post(f"/staff/tickets/{ticket_id}/merge", data={"merge-target": target})
        assert response.status_code == 400
        pages.append(page_text(response))
    assert all("No ticket you can see has that reference." in page for page in pages)
    assert snapshot(app, ticket_id) == before


def test_assign_a_colleague_or_take_it(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    colleague = make_user(role=Role.AGENT, department="egov", display_name="Colleague Wang")
    staff_login(client, role=Role.SUPERVISOR)
    data = {"assign-assignee": str(colleague.id)}
    assert_redirects_to_ticket(
        client.post(f"/staff/tickets/{ticket_id}/assign", data=data), ticket_id
    )
    assert ticket_of(app, ticket_id).assignee_id == colleague.id
    assert audit_of(app, ticket_id)[-1] == "ticket.assign"

    agent = english(app.test_client())
    me = make_user(role=Role.AGENT, department="egov")
    login(agent, me)
    page = agent.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "Take it" in page
    assert agent.post(f"/staff/tickets/{ticket_id}/assign", data=data).status_code == 400
    mine = {"assign-assignee": str(me.id)}
    assert_redirects_to_ticket(
        agent.post(f"/staff/tickets/{ticket_id}/assign", data=mine), ticket_id
    )
    assert ticket_of(app, ticket_id).assignee_id == me.id


# --- refused by the state: 409, a clear message, nothing changed ---------------------------

STATE_REFUSALS = [
    ("close", {}, Status.RECEIVED, "“Close” is not possible while the ticket is “Received”."),
    ("acknowledge", {}, Status.IN_PROGRESS, "“Acknowledge” is not possible while the ticket"),
    ("start", {}, Status.ROUTED, "“Start work” is not possible while the ticket is “Routed”."),
    ("reply", {"reply-body": "答复"}, Status.CLOSED, "“Reply” is not possible"),
    ("request-info", {"reply-body": "请补充"}, Status.ANSWERED, "“Request information”"),
    ("transfer", {"transfer-note": "x"}, Status.ANSWERED, "“Transfer” is not possible"),
    ("refuse", {"refuse-reason": "x"}, Status.IN_PROGRESS, "“Refuse” is not possible"),
    ("spam", {"spam-reason": "x"}, Status.CLOSED, "“Mark as spam” is not possible"),
    ("assign", {"assign-assignee": ""}, Status.CLOSED, "“Assign” is not possible"),
]


@pytest.mark.parametrize(("action", "data", "status", "message"), STATE_REFUSALS)
def test_actions_the_state_refuses_get_409_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    housing: Any,
    staff_login: Callable[..., Any],
    action: str,
    data: dict[str, str],
    status: Status,
    message: str,
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, status=status)
    staff_login(client, role=Role.SUPERVISOR, department="egov")
    if action == "transfer":
        data = {**data, "transfer-department": str(housing.id)}
    before = snapshot(app, ticket_id)
    response = client.post(f"/staff/tickets/{ticket_id}/{action}", data=data)
    assert response.status_code == 409
    text = page_text(response)
    assert message in text and "Nothing was changed." in text
    assert 'role="alert"' in response.get_data(as_text=True)
    assert snapshot(app, ticket_id) == before


# --- refused by the role: 403 ---------------------------------------------------------------


def test_roles_and_departments_limit_the_actions(
    app: Flask,
    client: FlaskClient,
    housing: Any,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    ours, _, _ = open_enquiry(app)
    set_fields(app, ours, status=Status.ANSWERED)
    theirs, _, _ = open_enquiry(app)
    set_fields(app, theirs, department="housing", status=Status.ROUTED)
    before = {ours: snapshot(app, ours), theirs: snapshot(app, theirs)}

    staff_login(client, role=Role.AGENT, department="egov")
    page = client.get(f"/staff/tickets/{ours}").get_data(as_text=True)
    assert "/close" not in page and "/return" not in page
    assert client.post(f"/staff/tickets/{ours}/close").status_code == 403
    assert (
        client.post(f"/staff/tickets/{ours}/return", data={"return-reason": "x"}).status_code == 403
    )

    department_agent = english(app.test_client())
    login(department_agent, make_user(role=Role.AGENT, department="housing"))
    page = department_agent.get(f"/staff/tickets/{theirs}").get_data(as_text=True)
    assert "/return" in page and "/transfer" not in page and "/refuse" not in page
    data = {"transfer-department": department_id(app, "egov"), "transfer-note": "x"}
    assert department_agent.post(f"/staff/tickets/{theirs}/transfer", data=data).status_code == 403
    refuse = {"refuse-reason": "x"}
    assert department_agent.post(f"/staff/tickets/{theirs}/refuse", data=refuse).status_code == 403

    assert {ours: snapshot(app, ours), theirs: snapshot(app, theirs)} == before


# --- bad input: 400, nothing changed --------------------------------------------------------

BAD_INPUT = [
    ("reply", {"reply-body": ""}, "This field is required."),
    ("reply", {"reply-body": "   \n  "}, "This field is required."),
    ("reply", {"reply-body": "长" * 20_001}, "At most 20000 characters."),
    ("request-info", {"reply-body": ""}, "This field is required."),
    ("note", {"note-body": ""}, "This field is required."),
    ("transfer", {"transfer-note": "请办理"}, "This field is required."),
    ("transfer", {"transfer-department": "999999", "transfer-note": "x"}, "Not a valid choice"),
    ("transfer", {"transfer-note": ""}, "This field is required."),
    ("refuse", {"refuse-reason": ""}, "This field is required."),
    ("spam", {}, "This field is required."),
    ("merge", {"merge-target": ""}, "This field is required."),
    ("assign", {"assign-assignee": "999999"}, "Not a valid choice"),
]


@pytest.mark.parametrize(("action", "data", "message"), BAD_INPUT)
def test_bad_input_gets_400_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    action: str,
    data: dict[str, str],
    message: str,
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, status=Status.IN_PROGRESS)
    staff_login(client, role=Role.SUPERVISOR, department="egov")
    before = snapshot(app, ticket_id)
    response = client.post(f"/staff/tickets/{ticket_id}/{action}", data=data)
    assert response.status_code == 400
    text = page_text(response)
    assert message in text and "Nothing was changed." in text
    assert snapshot(app, ticket_id) == before


def test_the_refused_reply_text_is_kept_for_another_try(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT)
    long_text = "我写了很多" + "长" * 20_000
    response = client.post(f"/staff/tickets/{ticket_id}/reply", data={"reply-body": long_text})
    assert response.status_code == 400
    assert long_text in page_text(response)


def test_transfer_to_an_inactive_department_is_refused(
    app: Flask,
    client: FlaskClient,
    make_department: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    closed_down = make_department("oldbureau", is_active=False)
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.AGENT, department="egov")
    assert "oldbureau" not in client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    before = snapshot(app, ticket_id)
    data = {"transfer-department": str(closed_down.id), "transfer-note": "请办理"}
    response = client.post(f"/staff/tickets/{ticket_id}/transfer", data=data)
    assert response.status_code == 400
    assert snapshot(app, ticket_id) == before


def test_transfer_to_the_same_department_is_a_domain_refusal(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, status=Status.ROUTED)
    staff_login(client, role=Role.AGENT, department="egov")
    before = snapshot(app, ticket_id)
    data = {"transfer-department": department_id(app, "egov"), "transfer-note": "请办理"}
    response = client.post(f"/staff/tickets/{ticket_id}/transfer", data=data)
    assert response.status_code == 400
    assert "The ticket is already with that department. Nothing was changed." in page_text(response)
    assert snapshot(app, ticket_id) == before


def test_actions_need_post(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.SUPERVISOR)
    assert client.get(f"/staff/tickets/{ticket_id}/close").status_code == 405


def test_an_agent_cannot_take_a_concluded_ticket(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_fields(app, ticket_id, status=Status.CLOSED)
    agent = staff_login(client, role=Role.AGENT)
    assert "Take it" not in client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    before = snapshot(app, ticket_id)
    data = {"assign-assignee": str(agent.id)}
    response = client.post(f"/staff/tickets/{ticket_id}/assign", data=data)
    assert response.status_code == 409
    assert "“Assign” is not possible while the ticket is “Closed”." in page_text(response)
    assert snapshot(app, ticket_id) == before
