"""The inbox's saved views, unread markers per user, previews, due-soon rows and the polled list."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import Message, MessageKind, Notification, NotificationKind, Role, Status
from tests.app.conftest import english

REFERENCE = re.compile(r'<td class="text-nowrap"><a href="[^"]*">(WLMQ-\d{4}-\d{6})</a>')
WHEN = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


def add_message(app: Flask, ticket: Any, kind: MessageKind, body: str) -> None:
    with app.app_context():
        db.session.add(Message(ticket_id=ticket.id, kind=kind, body=body, created_at=WHEN))
        db.session.commit()


@pytest.fixture
def world(
    app: Flask, make_user: Callable[..., Any], make_ticket: Callable[..., Any]
) -> dict[str, Any]:
    """An agent, a colleague, and one ticket for each saved view."""
    agent = make_user(role=Role.AGENT, display_name="Agent Li")
    colleague = make_user(role=Role.AGENT, display_name="Colleague Wang")
    far = today() + timedelta(days=60)
    made = {
        "mine": make_ticket(assignee_id=agent.id, due_on=far),
        "soon": make_ticket(assignee_id=colleague.id, due_on=today()),
        "overdue": make_ticket(assignee_id=colleague.id, due_on=today() - timedelta(days=20)),
        "closed": make_ticket(
            assignee_id=agent.id, due_on=today() - timedelta(days=20), status=Status.CLOSED
        ),
        "unassigned": make_ticket(due_on=far),
        "reply": make_ticket(assignee_id=colleague.id, due_on=far),
        "mention": make_ticket(assignee_id=colleague.id, due_on=far),
    }
    add_message(app, made["reply"], MessageKind.CITIZEN, "第一封")
    add_message(app, made["reply"], MessageKind.REPLY, "答复")
    add_message(app, made["reply"], MessageKind.CITIZEN, "追问：<b>还有</b>" + "很长的追问" * 40)
    with app.app_context():
        db.session.add(
            Notification(
                user_id=agent.id,
                ticket_id=made["mention"].id,
                kind=NotificationKind.MENTION,
                created_at=WHEN,
            )
        )
        db.session.commit()
    return {"agent": agent, "colleague": colleague, **made}


@pytest.fixture
def signed_in(client: FlaskClient, world: dict[str, Any], login: Callable[..., Any]) -> FlaskClient:
    assert login(client, world["agent"]).status_code == 302
    return client


def listed(client: FlaskClient, **params: Any) -> set[str]:
    response = client.get("/staff", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return set(REFERENCE.findall(response.get_data(as_text=True)))


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", {"mine"}),
        ("due_soon", {"soon"}),
        ("overdue", {"overdue"}),
        ("new_replies", {"reply"}),
        ("unassigned", {"unassigned"}),
        ("mentioned", {"mention"}),
    ],
)
def test_each_saved_view_lists_its_tickets(
    signed_in: FlaskClient, world: dict[str, Any], view: str, expected: set[str]
) -> None:
    assert listed(signed_in, view=view) == {world[key].reference for key in expected}


def test_saved_views_are_tabs_and_keep_the_other_filters(
    signed_in: FlaskClient, world: dict[str, Any]
) -> None:
    page = signed_in.get("/staff", query_string={"view": "overdue"}).get_data(as_text=True)
    assert 'aria-current="page">Overdue</a>' in page
    assert '<input type="hidden" name="view" value="overdue">' in page
    assert listed(signed_in, view="overdue", status="closed") == set()


def test_an_unknown_view_is_a_clear_400(signed_in: FlaskClient) -> None:
    response = signed_in.get("/staff", query_string={"view": "<script>"})
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)


def test_new_replies_leave_the_view_once_the_ticket_is_opened(
    signed_in: FlaskClient, world: dict[str, Any]
) -> None:
    assert signed_in.get(f"/staff/tickets/{world['reply'].id}").status_code == 200
    assert listed(signed_in, view="new_replies") == set()


def row_of(page: str, reference: str) -> str:
    start = page.rindex("<tr", 0, page.index(f'">{reference}</a>', page.index("<tbody>")))
    return page[start : page.index("</tr>", start)]


def test_unread_markers_are_per_user(
    app: Flask,
    client: FlaskClient,
    world: dict[str, Any],
    login: Callable[..., Any],
) -> None:
    reference = world["reply"].reference
    assert login(client, world["agent"]).status_code == 302
    assert "inbox-unread" in row_of(client.get("/staff").get_data(as_text=True), reference)
    client.get(f"/staff/tickets/{world['reply'].id}")
    assert "inbox-unread" not in row_of(client.get("/staff").get_data(as_text=True), reference)

    other = english(app.test_client())
    assert login(other, world["colleague"]).status_code == 302
    assert ">New<" in row_of(other.get("/staff").get_data(as_text=True), reference)

    add_message(app, world["reply"], MessageKind.CITIZEN, "再问一次")  # the citizen again
    row = row_of(client.get("/staff").get_data(as_text=True), reference)
    assert ">New reply<" in row


def test_the_preview_is_the_latest_message_truncated_and_escaped(
    signed_in: FlaskClient, world: dict[str, Any]
) -> None:
    row = row_of(signed_in.get("/staff").get_data(as_text=True), world["reply"].reference)
    preview = re.search(r'class="inbox-preview[^"]*">([^<]*)<', row)
    assert preview is not None
    assert preview.group(1).startswith("追问：&lt;b&gt;还有&lt;/b&gt;")
    assert preview.group(1).endswith("…")
    assert len(preview.group(1)) < 120


def test_due_soon_and_overdue_rows_say_so_in_words(
    signed_in: FlaskClient, world: dict[str, Any]
) -> None:
    page = signed_in.get("/staff").get_data(as_text=True)
    soon = row_of(page, world["soon"].reference)
    overdue = row_of(page, world["overdue"].reference)
    assert "inbox-due-soon" in soon and "Due soon" in soon
    assert "inbox-overdue" in overdue and "overdue by" in overdue
    assert "inbox-due-soon" not in row_of(page, world["mine"].reference)


def test_the_list_fragment_carries_the_unread_count_and_the_title_shows_it(
    signed_in: FlaskClient, world: dict[str, Any]
) -> None:
    page = signed_in.get("/staff").get_data(as_text=True)
    assert re.search(r"<title>\(1\) Inbox", page)
    fragment = signed_in.get("/staff/inbox/list", query_string={"view": "mine"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body and 'id="inbox-list"' in body
    assert 'data-unread-count="1"' in body
    assert 'hx-get="/staff/inbox/list?view=mine"' in body
    assert world["mine"].reference in body and world["overdue"].reference not in body
    signed_in.get(f"/staff/tickets/{world['reply'].id}")
    assert 'data-unread-count="0"' in signed_in.get("/staff/inbox/list").get_data(as_text=True)
    assert "<title>Inbox" in signed_in.get("/staff").get_data(as_text=True)


def test_the_bulk_form_returns_to_the_page_not_the_fragment(
    signed_in: FlaskClient, world: dict[str, Any]
) -> None:
    body = signed_in.get("/staff/inbox/list", query_string={"view": "mine"}).get_data(as_text=True)
    assert 'name="next" value="/staff?view=mine"' in body


def test_rare_filters_are_behind_a_disclosure_that_opens_when_used(
    signed_in: FlaskClient,
) -> None:
    page = signed_in.get("/staff").get_data(as_text=True)
    assert '<details class="inbox-more-filters">' in page
    used = signed_in.get("/staff", query_string={"kind": "complaint"}).get_data(as_text=True)
    assert '<details class="inbox-more-filters" open>' in used
