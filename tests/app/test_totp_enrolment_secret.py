"""During TOTP enrolment the secret stays on the server (the user's row), never in the session
cookie, which is signed but readable by anyone who holds it."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import AuditEvent, User
from tests.app.conftest import english

SESSION_COOKIE = "enquiry_session"
SECRET_IN_PAGE = re.compile(r"otpauth://totp/[^<\"]*?secret=([A-Z2-7]+)")


def cookie_contents(app: Flask, client: FlaskClient) -> str:
    """The session cookie as anyone holding it can read it: decoded, and raw."""
    cookie = client.get_cookie(SESSION_COOKIE, domain="enquiry.test")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    data = serializer.loads(cookie.value)
    payload = cookie.value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.value.startswith("."):
        raw = zlib.decompress(raw)
    return f"{data!r} {raw!r} {cookie.value}"


def shown_secret(client: FlaskClient) -> str:
    page = client.get("/staff/account/totp")
    assert page.status_code == 200
    found = SECRET_IN_PAGE.search(page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def stored(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def enrolments(app: Flask) -> int:
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action))
        return sum(action == "auth.totp_enrolled" for action in actions)


def test_the_pending_secret_is_not_in_the_session_cookie(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client = english(app.test_client())
    user = staff_login(client)
    secret = shown_secret(client)
    assert secret not in cookie_contents(app, client)
    assert stored(app, user.id).totp_pending_secret == secret
    assert stored(app, user.id).totp_secret is None
    assert shown_secret(client) == secret  # the same key until confirmed or cancelled

    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    refused = client.post("/staff/account/totp", data={"code": wrong})
    assert "The code is not correct" in refused.get_data(as_text=True)
    assert secret not in cookie_contents(app, client)
    assert stored(app, user.id).totp_secret is None
    assert stored(app, user.id).totp_pending_secret == secret
    assert enrolments(app) == 0

    response = client.post("/staff/account/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/account"
    after = stored(app, user.id)
    assert (after.totp_secret, after.totp_pending_secret) == (secret, None)
    assert enrolments(app) == 1
    assert secret not in cookie_contents(app, client)


def test_cancelling_drops_the_pending_secret(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = english(app.test_client())
    user = staff_login(client)
    first = shown_secret(client)
    response = client.post("/staff/account/totp/cancel")
    assert response.status_code == 302
    assert stored(app, user.id).totp_pending_secret is None
    # A code for the dropped key is refused and enrols nothing; the next visit shows a new key.
    late = client.post("/staff/account/totp", data={"code": pyotp.TOTP(first).now()})
    assert late.status_code == 200
    assert stored(app, user.id).totp_secret is None
    assert enrolments(app) == 0
    second = stored(app, user.id).totp_pending_secret
    assert second is not None and second != first
    assert shown_secret(client) == second


def test_the_pending_secret_is_kept_per_user(app: Flask, staff_login: Callable[..., Any]) -> None:
    one, other = english(app.test_client()), english(app.test_client())
    first_user = staff_login(one)
    staff_login(other)
    first, second = shown_secret(one), shown_secret(other)
    assert first != second
    # The other user's key does not enrol this user.
    refused = one.post("/staff/account/totp", data={"code": pyotp.TOTP(second).now()})
    if pyotp.TOTP(second).now() != pyotp.TOTP(first).now():
        assert refused.status_code == 200
        assert stored(app, first_user.id).totp_secret is None
