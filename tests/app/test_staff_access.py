"""Every staff route checks login and role; tickets of other departments stay invisible."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule

from enquiry.extensions import db
from enquiry.models import Role, User
from enquiry.redirects import safe_next
from enquiry.staff.access import OPEN_ENDPOINTS, load_ticket_for, role_required
from tests.app.conftest import english
from tests.db_state import changed_tables, database_state


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English."""
    return english(app.test_client())


def staff_rules(app: Flask) -> list[Rule]:
    """Every staff rule but the two steps of signing in, in a stable order."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("staff.") and rule.endpoint not in OPEN_ENDPOINTS
    ]
    return sorted(rules, key=lambda rule: rule.rule)


def request_for(rule: Rule) -> tuple[str, str]:
    """Return a method the rule accepts and a path with dummy values for its arguments."""
    methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
    method = "GET" if "GET" in methods else sorted(methods)[0]
    built = rule.build(dict.fromkeys(rule.arguments, 1), append_unknown=False)
    assert built is not None, rule
    return method, built[1]


def required_roles(app: Flask, rule: Rule) -> frozenset[Role] | None:
    """Return the roles a view is restricted to by @role_required, or None for all staff."""
    return getattr(app.view_functions[rule.endpoint], "required_roles", None)


def test_the_walk_covers_the_staff_area(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in staff_rules(app)}
    assert {"staff.inbox", "staff.logout", "staff.account", "staff.security_settings"} <= endpoints
    assert required_roles(app, next(r for r in staff_rules(app) if r.rule.endswith("/security")))


def test_every_staff_route_sends_anonymous_users_to_login(app: Flask) -> None:
    client = app.test_client()
    wrong = []
    for rule in staff_rules(app):
        method, path = request_for(rule)
        response = client.open(path, method=method)
        target = urlsplit(response.headers.get("Location", "")).path
        if response.status_code != 302 or target != "/staff/login":
            wrong.append((method, path, response.status_code, target))
    assert wrong == []


def test_sign_in_pages_are_open(client: FlaskClient) -> None:
    assert client.get("/staff/login").status_code == 200
    # The second step without a first one goes back to the password, not to a loop.
    assert urlsplit(client.get("/staff/login/totp").headers["Location"]).path == "/staff/login"


@pytest.mark.parametrize("role", list(Role))
def test_every_restricted_route_refuses_other_roles(
    app: Flask, make_user: Callable[..., Any], login: Callable[..., Any], role: Role
) -> None:
    user = make_user(role=role)
    refused, failed, changed = [], [], []
    for rule in staff_rules(app):
        client = english(app.test_client())
        login(client, user)  # afresh each time: a route may well sign the user out
        method, path = request_for(rule)
        allowed = required_roles(app, rule)
        forbidden = allowed is not None and role not in allowed
        before = database_state(app) if forbidden and method == "POST" else None
        response = client.open(path, method=method)
        if forbidden and response.status_code != 403:
            refused.append((rule.endpoint, role.value, response.status_code))
        if before is not None and (after := database_state(app)) != before:
            changed.append((rule.endpoint, changed_tables(before, after)))
        if allowed is not None and role in allowed and response.status_code == 403:
            refused.append((rule.endpoint, role.value, response.status_code))
        if response.status_code >= 500:
            failed.append((rule.endpoint, response.status_code))
    assert refused == []
    assert failed == []
    assert changed == []


def test_forbidden_is_the_app_error_page(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    login(client, make_user(role=Role.AGENT))
    response = client.get("/staff/admin/security")
    assert response.status_code == 403
    assert "permission" in response.get_data(as_text=True)


def test_role_required_marks_the_view() -> None:
    @role_required(Role.SUPERVISOR, Role.ADMIN)
    def view() -> str:
        return "ok"

    assert view.required_roles == frozenset({Role.SUPERVISOR, Role.ADMIN})  # type: ignore[attr-defined]
    assert view.__name__ == "view"


def load_as(app: Flask, user_id: int, ticket_id: int) -> str:
    with app.test_request_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return load_ticket_for(user, ticket_id).reference


def test_load_ticket_for_hides_other_departments(
    app: Flask,
    make_department: Callable[..., Any],
    make_user: Callable[..., Any],
    make_ticket: Callable[..., Any],
) -> None:
    make_department("housing")
    ours = make_ticket(department="egov")
    theirs = make_ticket(department="housing")
    agent = make_user(role=Role.AGENT, department="egov")
    supervisor = make_user(role=Role.SUPERVISOR, department="housing")
    admin = make_user(role=Role.ADMIN, department=None)
    homeless = make_user(role=Role.AGENT, department=None)

    assert load_as(app, agent.id, ours.id) == ours.reference
    assert load_as(app, supervisor.id, theirs.id) == theirs.reference
    assert load_as(app, admin.id, ours.id) == ours.reference
    assert load_as(app, admin.id, theirs.id) == theirs.reference
    for user_id, ticket_id in [
        (agent.id, theirs.id),
        (supervisor.id, ours.id),
        (homeless.id, ours.id),
        (admin.id, theirs.id + 1000),
    ]:
        with pytest.raises(NotFound):
            load_as(app, user_id, ticket_id)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/staff/account", "/staff/account"),
        ("/staff?status=received&kind=question", "/staff?status=received&kind=question"),
        ("", None),
        (None, None),
        ("https://evil.example/", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("/\x00", None),
        ("/ok\nLocation: x", None),
        ("ftp://evil.example", None),
    ],
)
def test_safe_next(target: str | None, expected: str | None) -> None:
    assert safe_next(target) == expected
