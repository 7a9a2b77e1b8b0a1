"""Bulk assign, transfer and close from the inbox: each ticket on its own, every outcome told."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry.models import Role, Status
from tests.app.conftest import english
from tests.app.test_staff_ticket import audit_of, open_enquiry, set_fields, snapshot
from tests.app.test_staff_ticket_actions import ticket_of
from tests.db_state import database_state


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English."""
    return english(app.test_client())


@pytest.fixture
def housing(make_department: Callable[..., Any]) -> Any:
    return make_department("housing", name_en="Housing Bureau")


def tickets_in(app: Flask, *statuses: Status, department: str = "egov") -> list[int]:
    """Open one ticket per status and put it there."""
    found = []
    for status in statuses:
        ticket_id, _, _ = open_enquiry(app)
        set_fields(app, ticket_id, department=department, status=status)
        found.append(ticket_id)
    return found


def flashes(client: FlaskClient, response: Any) -> list[str]:
    """Follow the redirect and return the flashed messages, unescaped."""
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return [
        html.unescape(m)
        for m in re.findall(r'<div class="alert[^"]*" role="status">([^<]+)</div>', page)
    ]


def reference_of(app: Flask, ticket_id: int) -> str:
    return ticket_of(app, ticket_id).reference


def test_the_inbox_offers_checkboxes_and_the_actions_the_role_permits(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    (ticket_id,) = tickets_in(app, Status.RECEIVED)
    staff_login(client, role=Role.SUPERVISOR)
    page = client.get("/staff").get_data(as_text=True)
    assert 'action="/staff/bulk"' in page
    assert f'name="ticket_ids" value="{ticket_id}:' in page  # with the version shown
    assert f'<label class="visually-hidden" for="select-{ticket_id}">' in page
    for action in ("assign", "transfer", "close"):
        assert f'name="action" value="{action}"' in page

    agent = english(app.test_client())
    login(agent, make_user(role=Role.AGENT, department="egov"))
    page = agent.get("/staff").get_data(as_text=True)
    assert 'value="assign"' in page and 'value="close"' not in page


def test_bulk_close_closes_the_answered_and_reports_the_rest(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    answered = tickets_in(app, Status.ANSWERED, Status.ANSWERED, Status.ANSWERED)
    open_ones = tickets_in(app, Status.RECEIVED, Status.IN_PROGRESS)
    (closed_already,) = tickets_in(app, Status.CLOSED)
    staff_login(client, role=Role.SUPERVISOR)
    before = {t: snapshot(app, t) for t in [*open_ones, closed_already]}

    ids = [*answered, *open_ones, closed_already]
    response = client.post("/staff/bulk", data={"action": "close", "ticket_ids": ids})
    messages = flashes(client, response)

    assert messages[0] == "3 tickets closed."
    refs = ", ".join(reference_of(app, t) for t in open_ones)
    assert f"2 could not be closed ({refs}): not answered yet" in messages
    assert (
        f"1 could not be closed ({reference_of(app, closed_already)}): already concluded"
        in messages
    )
    for ticket_id in answered:
        assert ticket_of(app, ticket_id).status is Status.CLOSED
        assert audit_of(app, ticket_id)[-1] == "ticket.close"  # audited per ticket
    assert {t: snapshot(app, t) for t in [*open_ones, closed_already]} == before


def test_bulk_transfer_with_a_mix_of_allowed_and_refused(
    app: Flask, client: FlaskClient, housing: Any, staff_login: Callable[..., Any]
) -> None:
    movable = tickets_in(app, Status.RECEIVED, Status.IN_PROGRESS)
    (answered,) = tickets_in(app, Status.ANSWERED)
    staff_login(client, role=Role.AGENT, department="egov")  # the routing office
    before = snapshot(app, answered)
    data = {
        "action": "transfer",
        "ticket_ids": [*movable, answered],
        "department": str(housing.id),
        "note": "请住房局办理",
    }
    messages = flashes(client, client.post("/staff/bulk", data=data))
    assert messages[0] == "2 tickets transferred."
    assert any(m.startswith("1 could not be transferred") and "Answered" in m for m in messages)
    for ticket_id in movable:
        ticket = ticket_of(app, ticket_id)
        assert (ticket.status, ticket.department_id) == (Status.ROUTED, housing.id)
        assert audit_of(app, ticket_id)[-1] == "ticket.transfer"
    assert snapshot(app, answered) == before


def test_bulk_transfer_needs_a_department_and_a_note(
    app: Flask, client: FlaskClient, housing: Any, staff_login: Callable[..., Any]
) -> None:
    (ticket_id,) = tickets_in(app, Status.RECEIVED)
    staff_login(client, role=Role.AGENT, department="egov")
    before = snapshot(app, ticket_id)
    data = {"action": "transfer", "ticket_ids": [ticket_id], "department": str(housing.id)}
    messages = flashes(client, client.post("/staff/bulk", data=data))
    assert "Choose a department and write a note for the transfer." in messages
    assert snapshot(app, ticket_id) == before


def test_bulk_assign_with_a_mix_of_allowed_and_refused(
    app: Flask,
    client: FlaskClient,
    housing: Any,
    make_user: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    assignable = tickets_in(app, Status.RECEIVED, Status.ANSWERED)
    (spam,) = tickets_in(app, Status.SPAM)
    (elsewhere,) = tickets_in(app, Status.ROUTED, department="housing")
    colleague = make_user(role=Role.AGENT, department="egov")
    staff_login(client, role=Role.ADMIN, department="egov")
    before = {t: snapshot(app, t) for t in (spam, elsewhere)}
    data = {
        "action": "assign",
        "ticket_ids": [*assignable, spam, elsewhere],
        "assignee": str(colleague.id),
    }
    messages = flashes(client, client.post("/staff/bulk", data=data))
    assert messages[0] == "2 tickets assigned."
    assert f"1 could not be assigned ({reference_of(app, spam)}): already concluded" in messages
    refused = f"1 could not be assigned ({reference_of(app, elsewhere)}): "
    assert refused + "The assignee does not work in the ticket's department." in messages
    for ticket_id in assignable:
        assert ticket_of(app, ticket_id).assignee_id == colleague.id
    assert {t: snapshot(app, t) for t in (spam, elsewhere)} == before


def test_agents_may_only_take_tickets_and_never_reach_other_departments(
    app: Flask,
    client: FlaskClient,
    housing: Any,
    make_user: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    (ours,) = tickets_in(app, Status.RECEIVED)
    (theirs,) = tickets_in(app, Status.ROUTED, department="housing")
    colleague = make_user(role=Role.AGENT, department="egov")
    agent = staff_login(client, role=Role.AGENT, department="egov")
    before = snapshot(app, theirs)

    data = {"action": "assign", "ticket_ids": [ours], "assignee": str(colleague.id)}
    messages = flashes(client, client.post("/staff/bulk", data=data))
    assert any("Not a valid choice" in m for m in messages)
    assert ticket_of(app, ours).assignee_id is None

    data = {"action": "assign", "ticket_ids": [ours, theirs], "assignee": str(agent.id)}
    messages = flashes(client, client.post("/staff/bulk", data=data))
    assert messages[0] == "1 ticket assigned."
    assert f"1 could not be assigned (#{theirs}): not found" in messages  # nothing revealed
    assert ticket_of(app, ours).assignee_id == agent.id
    assert snapshot(app, theirs) == before

    data = {"action": "close", "ticket_ids": [ours]}
    before_close = database_state(app)
    assert client.post("/staff/bulk", data=data).status_code == 403
    assert database_state(app) == before_close


def test_bulk_needs_a_selection_and_stays_on_the_filtered_inbox(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.SUPERVISOR)
    data = {"action": "close", "next": "/staff?status=answered"}
    response = client.post("/staff/bulk", data=data)
    assert response.headers["Location"].endswith("/staff?status=answered")
    assert "Select at least one ticket." in flashes(client, response)
    hostile = {"action": "close", "ticket_ids": ["1"], "next": "https://evil.example/"}
    assert client.post("/staff/bulk", data=hostile).headers["Location"].endswith("/staff")
    junk = client.post("/staff/bulk", data={"action": "close", "ticket_ids": ["x"]})
    assert junk.status_code == 303
    assert (
        client.post("/staff/bulk", data={"action": "explode", "ticket_ids": ["1"]}).status_code
        == 303
    )
