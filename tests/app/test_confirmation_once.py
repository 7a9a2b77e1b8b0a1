"""The confirmation page shows the retrieval code once; the session cookie never holds it, and
the database holds it only sealed until then."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.domain import confirmations
from enquiry.extensions import db
from enquiry.models import PendingConfirmation, Ticket
from tests.app.conftest import english
from tests.app.test_ask import CONFIRMATION, post_enquiry, read_confirmation, valid_form
from tests.conftest import hidden_fields

SESSION_COOKIE = "enquiry_session"
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def readable_cookie(app: Flask, client: FlaskClient) -> str:
    """What anyone holding the session cookie can read from it."""
    cookie = client.get_cookie(SESSION_COOKIE, domain="enquiry.test")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    payload = cookie.value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.value.startswith("."):
        raw = zlib.decompress(raw)
    return f"{serializer.loads(cookie.value)!r} {raw!r}"


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    cookie = client.get_cookie(SESSION_COOKIE, domain="enquiry.test")
    assert cookie is not None
    copy = english(app.test_client())
    copy.set_cookie(SESSION_COOKIE, cookie.value, domain="enquiry.test")
    return copy


def pending_rows(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(PendingConfirmation.token_hash, PendingConfirmation.sealed_code)
        ).all()
        return [(row.token_hash, row.sealed_code) for row in rows]


def test_the_code_is_shown_once_and_never_kept_readable(app: Flask, client: FlaskClient) -> None:
    citizen = english(client)
    assert post_enquiry(citizen).status_code == 303
    before_view = copy_of(app, citizen)  # a copy of the cookie taken before the page is seen
    [(_token_hash, sealed)] = pending_rows(app)

    page = citizen.get("/ask/submitted")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    reference, code = CONFIRMATION.findall(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(Ticket.reference)) == reference
    bare = code.replace("-", "")
    for readable in (readable_cookie(app, citizen), readable_cookie(app, before_view), sealed):
        assert code not in readable and bare not in readable
    assert bytes.fromhex(sealed) != code.encode()
    assert pending_rows(app) == []  # shown: gone

    again = citizen.get("/ask/submitted")
    assert again.status_code == 302 and again.headers["Location"] == "/ask"
    copied = before_view.get("/ask/submitted")
    assert copied.status_code == 302 and code not in copied.get_data(as_text=True)
    # The citizen can still follow the enquiry in this browser, and with the code.
    assert citizen.get(f"/track/{reference}").status_code == 200
    assert english(app.test_client()).get(f"/track/{reference}/{code}").status_code == 303


def test_a_confirmation_not_shown_in_time_is_dropped(
    app: Flask, make_ticket: Callable[..., Any]
) -> None:
    made = make_ticket()
    later = NOW + confirmations.SHOW_WITHIN + timedelta(seconds=1)
    with app.app_context():
        ticket = db.session.get(Ticket, made.id)
        assert ticket is not None
        stale = confirmations.keep(db.session, ticket, "AAAA-BBBB-CCCC-DDDD-EEEE", now=NOW)
        fresh = confirmations.keep(
            db.session, ticket, "FFFF-GGGG-HHHH-JJJJ-KKKK", now=NOW + timedelta(minutes=59)
        )
        db.session.commit()
        assert confirmations.take(db.session, stale, now=later) is None
        shown = confirmations.take(db.session, fresh, now=later)
        assert shown == confirmations.Confirmation(made.reference, "FFFF-GGGG-HHHH-JJJJ-KKKK")
        assert confirmations.take(db.session, fresh, now=later) is None  # once
        db.session.commit()
    assert pending_rows(app) == []
    with app.app_context():
        ticket = db.session.get(Ticket, made.id)
        assert ticket is not None
        confirmations.keep(db.session, ticket, "AAAA-BBBB-CCCC-DDDD-EEEE", now=NOW)
        kept = confirmations.keep(db.session, ticket, "FFFF-GGGG-HHHH-JJJJ-KKKK", now=later)
        confirmations.keep(db.session, ticket, "LLLL-MMMM-NNNN-PPPP-QQQQ", now=later)
        db.session.commit()
    assert len(pending_rows(app)) == 3  # keeping sweeps nothing: it runs under the write lock
    with app.app_context():
        # Showing one sweeps out those too old to be shown, and leaves the others.
        assert confirmations.take(db.session, kept, now=later) is not None
        db.session.commit()
    assert len(pending_rows(app)) == 1


def test_a_wrong_token_shows_nothing_and_takes_nothing(app: Flask, client: FlaskClient) -> None:
    citizen = english(client)
    assert post_enquiry(citizen).status_code == 303
    with citizen.session_transaction() as session:
        session["confirmation"] = "not-the-token"
    response = citizen.get("/ask/submitted")
    assert response.status_code == 302 and response.headers["Location"] == "/ask"
    assert len(pending_rows(app)) == 1  # the real one is untouched


def test_a_request_under_way_when_the_form_is_sent_leaves_the_confirmation(
    app: Flask, client: FlaskClient
) -> None:
    """A citizen's page load or fetch re-sends no session cookie unless it changed the session.

    The ask form fetches similar answers as the citizen types. A fetch sent with the cookie of
    before the POST and answered after it used to set that older cookie again (Flask-Login's
    session protection marked every citizen's session changed), and the confirmation page then
    had nothing to show: the citizen was sent back to an empty form.
    """
    citizen = english(client)
    page = citizen.get("/ask")
    assert "enquiry_session=" in page.headers["Set-Cookie"]  # the CSRF token: a change
    under_way = copy_of(app, citizen)  # the cookie the fetch went out with
    data = {**hidden_fields(page.get_data(as_text=True)), **valid_form()}
    assert citizen.post("/ask", data=data).status_code == 303
    for path in ("/questions/similar?subject=%E7%85%A4%E6%94%B9%E6%B0%94&section=", "/", "/ask"):
        response = under_way.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, (path, response.headers["Set-Cookie"])
    assert read_confirmation(citizen).reference.startswith("WLMQ-")
