"""The API's tickets: list (filters, keyset pages, scope), get (ETag), create for a citizen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    AuditEvent,
    Channel,
    DeliveryForm,
    Kind,
    OutboundEmail,
    Role,
    Status,
    Ticket,
)

Factory = Callable[..., Any]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_an_agent_lists_only_their_departments_tickets(
    client: FlaskClient,
    make_department: Factory,
    make_user: Factory,
    make_ticket: Factory,
    make_token: Factory,
) -> None:
    make_department("housing")
    ours = [make_ticket(department="egov") for _ in range(3)]
    theirs = make_ticket(department="housing")
    token = make_token(make_user(role=Role.AGENT, department="egov"))

    first = client.get("/api/v1/tickets?limit=2&sort=oldest", headers=bearer(token))
    assert first.status_code == 200
    page = first.get_json()
    assert [item["id"] for item in page["items"]] == [ours[0].id, ours[1].id]
    second = client.get(
        f"/api/v1/tickets?limit=2&sort=oldest&after={page['next_cursor']}", headers=bearer(token)
    ).get_json()
    assert [item["id"] for item in second["items"]] == [ours[2].id]
    assert second["next_cursor"] is None
    assert client.get(f"/api/v1/tickets/{theirs.id}", headers=bearer(token)).status_code == 404


def test_the_inbox_filters_apply(
    client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    make_ticket(kind=Kind.QUESTION)
    complaint = make_ticket(kind=Kind.COMPLAINT, status=Status.ROUTED)
    token = make_token(make_user(role=Role.ADMIN, department=None))
    found = client.get("/api/v1/tickets?kind=complaint&status=routed", headers=bearer(token))
    assert [item["reference"] for item in found.get_json()["items"]] == [complaint.reference]


def test_an_invalid_filter_or_cursor_names_the_field(
    client: FlaskClient, make_user: Factory, make_token: Factory
) -> None:
    token = make_token(make_user(role=Role.ADMIN, department=None))
    response = client.get("/api/v1/tickets?kind=gossip", headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "kind"
    response = client.get("/api/v1/tickets?after=forged", headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "after"


def test_get_gives_an_etag_and_304_when_unchanged(
    client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    ticket = make_ticket()
    token = make_token(make_user(role=Role.AGENT))
    response = client.get(f"/api/v1/tickets/{ticket.id}", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["reference"] == ticket.reference
    tag = response.headers["ETag"]
    again = client.get(
        f"/api/v1/tickets/{ticket.id}", headers={**bearer(token), "If-None-Match": tag}
    )
    assert again.status_code == 304


def test_create_opens_a_ticket_for_a_hotline_caller(
    app: Flask, client: FlaskClient, make_user: Factory, make_token: Factory
) -> None:
    token = make_token(make_user(role=Role.AGENT))
    body = {
        "kind": "question",
        "subject": "公交线路咨询",
        "body": "市民来电询问 52 路公交的末班车时间。",
        "citizen_name": "李四",
        "citizen_email": "lisi@example.com",
        "source": "12345",
    }
    response = client.post("/api/v1/tickets", json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["ticket"]["status"] == "received"
    assert created["access_code"]
    with app.app_context():
        ticket = db.session.get(Ticket, created["ticket"]["id"])
        assert ticket is not None and ticket.channel is Channel.WEB
        actions = db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.ticket_id == ticket.id)
        ).all()
        assert "ticket.opened" in actions and "ticket.taken_by_api" in actions
        assert db.session.scalar(
            db.select(OutboundEmail.id).where(OutboundEmail.ticket_id == ticket.id)
        )


def test_create_refuses_an_invalid_body_naming_the_field(
    client: FlaskClient, make_user: Factory, make_token: Factory
) -> None:
    token = make_token(make_user(role=Role.AGENT))
    body = {
        "kind": "question",
        "subject": "x",
        "body": "y",
        "citizen_name": "z",
        "citizen_email": "not an address",
        "source": "12345",
    }
    response = client.post("/api/v1/tickets", json=body, headers=bearer(token))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "citizen_email" and error["code"] == "invalid"
    response = client.post(
        "/api/v1/tickets", data="{", headers=bearer(token), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_create_takes_an_information_application_with_its_own_fields(
    app: Flask, client: FlaskClient, make_user: Factory, make_token: Factory
) -> None:
    headers = bearer(make_token(make_user(role=Role.AGENT)))
    body = {
        "kind": "info_application",
        "subject": "申请公开2013年煤改气补贴资金分配表",
        "body": "请公开各区县补贴资金分配明细。",
        "citizen_name": "李明",
        "citizen_email": "li.ming@example.com",
        "source": "12345",
        "applicant_type": "citizen",
        "info_description": "2013年煤改气补贴资金按区县的分配表",
        "delivery_form": "email",
    }
    created = client.post("/api/v1/tickets", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    with app.app_context():
        ticket = db.session.get(Ticket, created.get_json()["ticket"]["id"])
        assert ticket is not None and ticket.kind is Kind.INFO_APPLICATION
        assert ticket.applicant_type is ApplicantType.CITIZEN
        assert ticket.delivery_form is DeliveryForm.EMAIL
    missing = client.post("/api/v1/tickets", json=body | {"applicant_type": None}, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["error"]["field"] == "applicant_type"
    stray = {k: v for k, v in body.items() if k not in {"applicant_type", "info_description"}}
    question = client.post("/api/v1/tickets", json=stray | {"kind": "question"}, headers=headers)
    assert question.status_code == 422
    assert question.get_json()["error"]["field"] == "delivery_form"
