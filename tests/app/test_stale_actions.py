"""Actions on a stale page: 办结, 转办 and the rest carry the ticket's version and are refused
with 409 (the newer messages shown, nothing done) when the ticket changed since the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.domain import handling, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Role, Status, Ticket, User, utcnow
from tests.app.conftest import english
from tests.app.test_answer_loop import set_status
from tests.app.test_staff_ticket import department_id, open_enquiry, snapshot

VERSION = re.compile(r'name="(?:[a-z]+-)?version" type="hidden" value="(\d+\.\d+)"')


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


def version_on_page(client: FlaskClient, ticket_id: int) -> str:
    """The version every action form of the page carries (one and the same)."""
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    versions = set(VERSION.findall(page))
    assert len(versions) == 1, versions
    return versions.pop()


def colleague_note(app: Flask, ticket_id: int, colleague: Any, body: str) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        user = db.session.get(User, colleague.id)
        assert ticket is not None and user is not None
        handling.add_note(db.session, ticket, body, actor=audit.Actor.staff(user), now=utcnow())
        db.session.commit()


def citizen_writes(app: Flask, ticket_id: int, body: str) -> None:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        tickets.add_citizen_follow_up(
            db.session,
            ticket,
            body=body,
            attachments=(),
            actor=audit.Actor(label="citizen"),
            now=utcnow(),
            policy=policy_from_config(app.config, session=db.session),
        )
        db.session.commit()


def status_of(app: Flask, ticket_id: int) -> Status:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.status


def test_close_on_a_stale_page_is_refused_with_the_newer_note_shown(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], make_user: Any
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_status(app, ticket_id, Status.ANSWERED)
    staff_login(client, role=Role.SUPERVISOR)
    stale = version_on_page(client, ticket_id)
    colleague_note(app, ticket_id, make_user(), "请勿办结，申请人还要补充材料。")
    before = snapshot(app, ticket_id)

    response = client.post(f"/staff/tickets/{ticket_id}/close", data={"version": stale})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This ticket changed after you opened it" in page
    assert "请勿办结，申请人还要补充材料。" in page  # the newer message is shown, marked
    assert page.count("message-newer") == 1
    note = page.index("请勿办结，申请人还要补充材料。")
    assert "message-newer" in page[page.rindex('<li class="message', 0, note) : note]
    assert snapshot(app, ticket_id) == before  # not closed, nothing recorded
    fresh = set(VERSION.findall(page))
    assert fresh and stale not in fresh  # closing now is a deliberate second decision

    again = client.post(f"/staff/tickets/{ticket_id}/close", data={"version": fresh.pop()})
    assert again.status_code == 302
    assert status_of(app, ticket_id) is Status.CLOSED


def test_transfer_on_a_stale_page_is_refused_with_the_follow_up_shown(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    make_department: Callable[..., Any],
) -> None:
    make_department("housing")
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.SUPERVISOR)
    stale = version_on_page(client, ticket_id)
    citizen_writes(app, ticket_id, "补充：我住在幸福小区三号楼。")
    before = snapshot(app, ticket_id)

    data = {
        "transfer-department": department_id(app, "housing"),
        "transfer-note": "请住建局办理",
        "transfer-version": stale,
    }
    response = client.post(f"/staff/tickets/{ticket_id}/transfer", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "补充：我住在幸福小区三号楼。" in page
    assert "请住建局办理</textarea>" in page  # the note typed is kept
    assert snapshot(app, ticket_id) == before  # still with the office


def test_two_clerks_acting_from_the_same_page_act_once(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    set_status(app, ticket_id, Status.ANSWERED)
    first, second = english(app.test_client()), english(app.test_client())
    lead = staff_login(first, role=Role.SUPERVISOR)
    staff_login(second, role=Role.SUPERVISOR)
    seen_first, seen_second = version_on_page(first, ticket_id), version_on_page(second, ticket_id)
    mine = {"assign-assignee": str(lead.id), "assign-version": seen_first}
    assert first.post(f"/staff/tickets/{ticket_id}/assign", data=mine).status_code == 302
    after_first = snapshot(app, ticket_id)

    response = second.post(f"/staff/tickets/{ticket_id}/close", data={"version": seen_second})
    assert response.status_code == 409  # the assignment changed the ticket under the page
    assert snapshot(app, ticket_id) == after_first


def test_a_page_drawn_after_the_change_acts_and_a_client_without_version_is_not_checked(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.SUPERVISOR)
    version = version_on_page(client, ticket_id)
    data = {"version": version}
    assert client.post(f"/staff/tickets/{ticket_id}/acknowledge", data=data).status_code == 302
    assert client.post(f"/staff/tickets/{ticket_id}/start", data={}).status_code == 302
    assert status_of(app, ticket_id) is Status.IN_PROGRESS


def test_a_malformed_version_is_a_form_error(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    ticket_id, _, _ = open_enquiry(app)
    staff_login(client, role=Role.SUPERVISOR)
    before = snapshot(app, ticket_id)
    response = client.post(f"/staff/tickets/{ticket_id}/acknowledge", data={"version": "x"})
    assert response.status_code == 400
    assert snapshot(app, ticket_id) == before
