"""Every staff page polls a small fragment for the bell and the unread count; the title shows
the count. The fragment needs a signed-in user and does not keep an idle session alive."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry import audit
from enquiry.domain.queries import notifications as queries
from enquiry.extensions import db
from enquiry.models import User, utcnow
from enquiry.staff.access import LAST_SEEN_KEY
from tests.app.conftest import english
from tests.app.test_handling import new_ticket
from tests.app.test_staff_ticket import open_enquiry


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


def test_the_fragment_is_for_signed_in_staff_only_and_never_the_login_page(
    client: FlaskClient,
) -> None:
    response = client.get("/staff/live", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert response.get_data(as_text=True) == ""
    opened = client.get("/staff/live")  # opened by hand: the usual way to sign in
    assert opened.status_code == 302 and "/staff/login" in opened.headers["Location"]


def test_the_fragment_carries_the_bell_and_the_unread_count(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client)
    _, reference, _ = open_enquiry(app, subject="新来的件")
    response = client.get("/staff/live", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "<html" not in body and "<title" not in body
    assert re.search(r'<div id="staff-live"[^>]*hx-get="/staff/live"', body)
    assert 'hx-trigger="every 30s"' in body and 'data-unread-count="1"' in body
    assert reference in body and "staff-bell-count" in body  # the bell: a new ticket
    assert re.search(r'id="staff-inbox-count"[^>]*hx-swap-oob="true"', body)


def test_every_staff_page_titles_the_count_and_draws_the_polled_parts(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client)
    open_enquiry(app)
    page = client.get("/staff/notifications").get_data(as_text=True)
    assert re.search(r"<title>\(1\) ", page)
    assert 'id="staff-live"' in page and "js/live.js" in page
    assert re.search(r'id="staff-inbox-count"[^>]*> <span class="badge[^"]*">1<', page)
    assert "hx-swap-oob" not in page  # only the polled fragment swaps out of band
    account = client.get("/staff/account").get_data(as_text=True)
    assert re.search(r"<title>\(1\) ", account)


def test_polling_does_not_keep_an_idle_session_alive(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    """Neither the live counts nor the ticket page's presence heartbeat (every 10 s) is a sign
    of activity: a tab left open still expires, and the polls never re-send the session cookie."""
    staff_login(client)
    ticket_id, _, _ = open_enquiry(app)
    a_while_ago = time.time() - 10 * 60
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = a_while_ago
    live = client.get("/staff/live")
    heartbeat = client.post(f"/staff/tickets/{ticket_id}/presence")
    assert (live.status_code, heartbeat.status_code) == (200, 200)
    assert "Set-Cookie" not in live.headers and "Set-Cookie" not in heartbeat.headers
    with client.session_transaction() as session:
        assert session[LAST_SEEN_KEY] == a_while_ago  # not a sign of activity

    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = time.time() - 31 * 60
    polled = client.get("/staff/live", headers={"HX-Request": "true"})
    assert polled.status_code == 401  # expired: no login page to swap into the page
    beat = client.post(f"/staff/tickets/{ticket_id}/presence", headers={"HX-Request": "true"})
    assert beat.status_code == 401
    assert client.get("/staff").status_code == 302  # the next page asks to sign in again


def test_the_unread_count_is_kept_until_an_audited_change_or_a_read_moves_it(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], monkeypatch: Any
) -> None:
    """Counting unread tickets probes every open one; a process keeps the count under a stamp
    (the audit head's hash, the newest read mark, the read horizon) and counts again only when
    the stamp moved, also after a transaction that counted and was rolled back."""
    counted: list[int] = []
    count_for_real = queries.count_unread_tickets

    def counting(session: Any, user: User) -> int:
        counted.append(user.id)
        return count_for_real(session, user)

    monkeypatch.setattr(queries, "count_unread_tickets", counting)
    user = staff_login(client)

    def title_count() -> int:
        page = client.get("/staff/notifications").get_data(as_text=True)
        match = re.search(r"<title>\((\d+)\) ", page)
        return int(match.group(1)) if match else 0

    first, _, _ = open_enquiry(app, subject="第一件")
    assert (title_count(), len(counted)) == (1, 1)
    assert (title_count(), len(counted)) == (1, 1)  # nothing changed: not counted again
    open_enquiry(app, subject="第二件", email="second@example.com")  # audited: counted again
    assert (title_count(), len(counted)) == (2, 2)
    assert client.get(f"/staff/tickets/{first}").status_code == 200  # the read mark moves
    assert title_count() == 1

    with app.app_context(), app.test_request_context():
        colleague = db.session.get(User, user.id)
        assert colleague is not None
        new_ticket(app)  # not committed
        assert queries.unread_counts(db.session, colleague)[1] == 2  # counted, then undone
        db.session.rollback()
        # Something audited that leaves the count alone: the head moves to another hash.
        audit.record(db.session, action="test.other", actor=audit.Actor.system(), now=utcnow())
        db.session.commit()
    assert title_count() == 1
