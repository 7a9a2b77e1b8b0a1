"""API tokens: bearer only, stored hashed, last use recorded, revocable, rate-limited."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import ApiToken, Role
from tests.app.conftest import english

Factory = Callable[..., Any]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer enq_wrong", "Basic dXNlcjpwYXNz"])
def test_no_or_a_bad_token_is_401_in_the_one_error_shape(
    client: FlaskClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/tickets", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(response.get_json()["error"]) == {"code", "message", "field"}


def test_the_token_is_stored_hashed_and_its_use_recorded(
    app: Flask, client: FlaskClient, make_user: Factory, make_token: Factory
) -> None:
    secret = make_token(make_user(role=Role.AGENT))
    with app.app_context():
        token = db.session.scalars(db.select(ApiToken)).one()
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (token.token_hash, token.prefix) and token.last_used_at is None
    assert client.get("/api/v1/departments", headers=bearer(secret)).status_code == 200
    with app.app_context():
        assert db.session.scalars(db.select(ApiToken)).one().last_used_at is not None


def test_a_revoked_token_or_a_deactivated_user_is_refused(
    app: Flask, client: FlaskClient, make_user: Factory, make_token: Factory, login: Factory
) -> None:
    admin = make_user(role=Role.ADMIN, department=None)
    agent = make_user(role=Role.AGENT)
    secret = make_token(agent)
    assert client.get("/api/v1/departments", headers=bearer(secret)).status_code == 200
    with app.app_context():
        token_id = db.session.scalars(db.select(ApiToken.id)).one()
    staff = english(app.test_client())
    login(staff, admin)
    page = staff.get("/staff/admin/tokens")
    assert page.status_code == 200 and "12345 hotline" in page.get_data(as_text=True)
    token = csrf_of(page.get_data(as_text=True))
    revoked = staff.post(f"/staff/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert client.get("/api/v1/departments", headers=bearer(secret)).status_code == 401


def test_the_admin_page_shows_a_new_token_once_and_it_works(
    app: Flask, client: FlaskClient, make_user: Factory, login: Factory, audit_actions: Factory
) -> None:
    admin = make_user(role=Role.ADMIN, department=None)
    agent = make_user(role=Role.AGENT)
    staff = english(app.test_client())
    login(staff, admin)
    form = staff.get("/staff/admin/tokens").get_data(as_text=True)
    csrf = csrf_of(form)
    created = staff.post(
        "/staff/admin/tokens", data={"csrf_token": csrf, "name": "Portal", "user": agent.id}
    )
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    secret = created.get_data(as_text=True).split('user-select-all">')[1].split("<")[0]
    assert client.get("/api/v1/tickets", headers=bearer(secret)).status_code == 200
    assert "api_token.created" in audit_actions()
    listed = staff.get("/staff/admin/tokens").get_data(as_text=True)
    assert "Portal" in listed and secret not in listed


def test_agents_may_not_open_the_token_page(client: FlaskClient, staff_login: Factory) -> None:
    staff_login(client, role=Role.SUPERVISOR)
    assert client.get("/staff/admin/tokens").status_code == 403


def test_a_signed_in_browser_cannot_use_the_api_without_a_token(
    client: FlaskClient, staff_login: Factory
) -> None:
    staff_login(client, role=Role.ADMIN, department=None)
    body = {
        "kind": "question",
        "subject": "s",
        "body": "b",
        "citizen_name": "n",
        "citizen_email": "a@example.com",
        "source": "x",
    }
    assert client.post("/api/v1/tickets", json=body).status_code == 401
    assert client.get("/api/v1/tickets").status_code == 401


def test_the_rate_limit_counts_per_token(
    app: Flask, make_app: Factory, make_user: Factory, make_token: Factory
) -> None:
    first = make_token(make_user(role=Role.AGENT))
    second = make_token(make_user(role=Role.AGENT))
    limited_app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    client = limited_app.test_client()
    codes = [client.get("/api/v1/departments", headers=bearer(first)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/departments", headers=bearer(first))
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in limited.headers
    assert client.get("/api/v1/departments", headers=bearer(second)).status_code == 200


def test_the_openapi_document_needs_no_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_unknown_api_paths_and_methods_answer_json(
    client: FlaskClient, make_user: Factory, make_token: Factory
) -> None:
    headers = bearer(make_token(make_user(role=Role.AGENT)))
    missing = client.get("/api/v1/nothing-here", headers=headers)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/tickets", headers=headers)
    assert wrong.status_code == 405
    assert wrong.get_json()["error"]["code"] == "method_not_allowed"
    nul = client.get("/api/v1/tickets?kind=a%00b", headers=headers)
    assert nul.status_code == 400 and nul.get_json()["error"]["code"] == "bad_request"


def test_a_failure_answers_500_without_internals(
    app: Flask, make_user: Factory, make_token: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    headers = bearer(make_token(make_user(role=Role.ADMIN, department=None)))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["CALENDAR"] = "no-such-calendar"  # the figures cannot be computed
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get(
            "/api/v1/figures/dashboard?year=2024", headers={**headers, "Accept-Language": "en"}
        )
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {
            "code": "server_error",
            "message": "Something went wrong on our side.",
            "field": None,
        }
    }
