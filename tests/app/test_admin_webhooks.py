"""The webhook administration pages: admins only, CSRF, secret shown once, log, actions, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.domain.accounts.passwords import create_user
from enquiry.extensions import db
from enquiry.models import AuditEvent, Role, WebhookDelivery, WebhookEndpoint
from tests.app.conftest import english
from tests.conftest import hidden_fields
from tests.webhook_receiver import WebhookReceiver


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


@pytest.fixture
def root(client: FlaskClient, staff_login: Callable[..., Any]) -> Any:
    """An admin, signed in on `client`."""
    return staff_login(client, role=Role.ADMIN, department=None, email="root@example.com")


def actions(app: Flask) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).where(AuditEvent.action.startswith("webhook."))
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


def endpoints(app: Flask) -> list[WebhookEndpoint]:
    with app.app_context():
        found = list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
        db.session.expunge_all()
        return found


def register(client: FlaskClient, url: str, **fields: Any) -> Any:
    data = {"url": url, "events": ["ticket.opened", "ticket.closed"]} | fields
    return client.post("/staff/admin/webhooks/new", data=data)


def test_an_admin_registers_an_endpoint_and_sees_the_secret_once(
    app: Flask, client: FlaskClient, root: Any
) -> None:
    assert client.get("/staff/admin/webhooks/new").status_code == 200
    response = register(client, "http://127.0.0.1:8123/hook", allow_private_network="y")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    [endpoint] = endpoints(app)
    page = response.get_data(as_text=True)
    assert endpoint.secret in page and len(endpoint.secret) == 64
    assert endpoint.events == ["ticket.opened", "ticket.closed"]
    assert endpoint.allow_private_network and endpoint.created_by_id == root.id
    for url in ("/staff/admin/webhooks", f"/staff/admin/webhooks/{endpoint.id}"):
        shown = client.get(url)
        assert shown.status_code == 200
        assert "http://127.0.0.1:8123/hook" in shown.get_data(as_text=True)
        assert endpoint.secret not in shown.get_data(as_text=True)
    assert actions(app) == ["webhook.created"]
    with app.app_context():
        for event in db.session.scalars(select(AuditEvent)):
            assert endpoint.secret not in str(event.detail)


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://localhost:8123/", "gopher://x/"]
)
def test_a_forbidden_url_is_refused_with_a_clear_message(
    app: Flask, client: FlaskClient, root: Any, url: str
) -> None:
    response = register(client, url)
    assert response.status_code == 400
    assert "This URL cannot receive webhooks" in response.get_data(as_text=True)
    assert endpoints(app) == [] and actions(app) == []


def test_at_least_one_event_is_required(app: Flask, client: FlaskClient, root: Any) -> None:
    response = client.post(
        "/staff/admin/webhooks/new", data={"url": "http://127.0.0.1:1/", "events": []}
    )
    assert response.status_code == 400
    assert "Choose at least one event." in response.get_data(as_text=True)
    assert endpoints(app) == []


def test_test_event_disable_enable_and_delete(app: Flask, client: FlaskClient, root: Any) -> None:
    with WebhookReceiver.running() as receiver:
        register(client, receiver.url, allow_private_network="y")
        [endpoint] = endpoints(app)
        base = f"/staff/admin/webhooks/{endpoint.id}"
        assert client.post(f"{base}/ping").status_code == 302
        runner = app.test_cli_runner()
        assert "delivered 1" in runner.invoke(args=["webhooks", "deliver"]).output
        assert len(receiver.requests) == 1
    log = client.get(base).get_data(as_text=True)
    assert "Delivered" in log and "HTTP 200" in log and "ping" in log
    assert client.post(f"{base}/disable").status_code == 302
    assert not endpoints(app)[0].is_enabled
    refused = client.post(f"{base}/ping")
    assert refused.status_code == 409
    assert "Enable the endpoint before sending it a test event." in refused.get_data(as_text=True)
    assert client.post(f"{base}/enable").status_code == 302
    assert endpoints(app)[0].is_enabled
    assert client.post(f"{base}/delete").status_code == 302
    assert endpoints(app) == []
    with app.app_context():
        assert db.session.scalars(select(WebhookDelivery)).all() == []
    assert actions(app) == [
        "webhook.created",
        "webhook.ping_queued",
        "webhook.disabled",
        "webhook.enabled",
        "webhook.deleted",
    ]
    assert client.get(base).status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_only_admins_may_manage_webhooks(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], role: Role
) -> None:
    staff_login(client, role=role)
    assert client.get("/staff/admin/webhooks").status_code == 403
    assert register(client, "http://127.0.0.1:1/", allow_private_network="y").status_code == 403
    assert endpoints(app) == []


def test_the_forms_need_a_csrf_token(
    make_app: Callable[..., Flask], staff_login: Callable[..., Any]
) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_user(
            db.session,
            email="root@example.com",
            display_name="Root",
            password="correct horse battery staple",
            role=Role.ADMIN,
            department=None,
        )
        db.session.commit()
    client = english(app.test_client())
    login_page = client.get("/staff/login").get_data(as_text=True)
    token = hidden_fields(login_page)["csrf_token"]
    client.post(
        "/staff/login",
        data={
            "email": "root@example.com",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    data = {"url": "http://127.0.0.1:1/", "events": "ticket.opened", "allow_private_network": "y"}
    assert client.post("/staff/admin/webhooks/new", data=data).status_code == 400
    page = client.get("/staff/admin/webhooks/new").get_data(as_text=True)
    token = hidden_fields(page)["csrf_token"]
    response = client.post("/staff/admin/webhooks/new", data=data | {"csrf_token": token})
    assert response.status_code == 201
    [endpoint] = endpoints(app)
    action = f"/staff/admin/webhooks/{endpoint.id}/delete"
    assert client.post(action).status_code == 400
    assert len(endpoints(app)) == 1
