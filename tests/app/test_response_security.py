"""Security headers and cookie flags on the answers that need an app of their own.

413 (a request above MAX_CONTENT_LENGTH), 429 (the rate limit) and 500 (a crash), and the
cookies of signing in and out with SESSION_COOKIE_SECURE on; every other page kind is in
tests/hostile/test_security_headers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import pytest
from flask import Flask

from enquiry import errors
from tests.app.test_ask import add_default_department, english, in_locale
from tests.security_checks import problems_with

SECURE = {"SESSION_COOKIE_SECURE": True}


def assert_error_page(app: Flask, response: Any, status: int) -> None:
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert in_locale(app, "en", errors.MESSAGES[status]) in html
    assert "Traceback" not in html
    assert problems_with(response) == []


def test_a_request_too_large_gets_the_headers(make_app: Callable[..., Flask]) -> None:
    app = make_app(MAX_CONTENT_LENGTH=1000, **SECURE)
    add_default_department(app)
    response = english(app.test_client()).post("/ask", data={"message": "长" * 2000})
    assert_error_page(app, response, 413)


def test_the_rate_limit_page_gets_the_headers(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, TRACK_RATE_LIMIT="1 per minute", **SECURE)
    client = english(app.test_client())
    data = {"reference": "WLMQ-2024-000001", "code": "AAAA-AAAA-AAAA-AAAA-AAAA"}
    assert client.post("/track", data=data).status_code == 404
    assert_error_page(app, client.post("/track", data=data), 429)


def crash() -> NoReturn:
    raise RuntimeError("a bug")


def test_a_crash_gets_the_headers(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False, **SECURE)
    app.add_url_rule("/crash", "crash", crash)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app, "log_exception", lambda exc_info: None)  # expected: keep logs quiet
        response = english(app.test_client()).get("/crash")
    assert_error_page(app, response, 500)


def test_signing_in_and_out_sets_only_flagged_cookies(
    make_app: Callable[..., Flask], make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    app = make_app(**SECURE)
    client = english(app.test_client())

    signed_in = login(client, user)

    assert signed_in.status_code == 302
    [session_cookie] = [c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("enq")]
    assert "; Secure" in session_cookie and "; HttpOnly" in session_cookie
    assert "; SameSite=Lax" in session_cookie
    assert problems_with(signed_in) == []
    inbox = client.get("/staff/inbox")
    assert inbox.status_code == 200 and problems_with(inbox) == []
    signed_out = client.post("/staff/logout")
    assert signed_out.status_code in {302, 303}
    assert problems_with(signed_out) == []
