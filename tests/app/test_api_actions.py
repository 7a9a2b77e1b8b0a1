"""The API's messages and actions: the staff verbs, their roles, 409, If-Match and 412."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import Message, MessageKind, Role, Status, Ticket

Factory = Callable[..., Any]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_acknowledge_with_the_current_etag_then_412_with_a_stale_one(
    app: Flask, client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    ticket = make_ticket(status=Status.ROUTED)
    headers = bearer(make_token(make_user(role=Role.AGENT)))
    tag = client.get(f"/api/v1/tickets/{ticket.id}", headers=headers).headers["ETag"]
    done = client.post(
        f"/api/v1/tickets/{ticket.id}/acknowledge", json={}, headers={**headers, "If-Match": tag}
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "acknowledged"
    assert done.headers["ETag"] != tag
    stale = client.post(
        f"/api/v1/tickets/{ticket.id}/start", json={}, headers={**headers, "If-Match": tag}
    )
    assert stale.status_code == 412
    assert stale.get_json()["error"]["code"] == "precondition_failed"
    with app.app_context():
        assert db.session.get(Ticket, ticket.id).status is Status.ACKNOWLEDGED  # type: ignore[union-attr]


def test_an_illegal_transition_is_409(
    client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    ticket = make_ticket(status=Status.CLOSED)
    headers = bearer(make_token(make_user(role=Role.AGENT)))
    response = client.post(f"/api/v1/tickets/{ticket.id}/acknowledge", json={}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "illegal_transition"
    english = client.post(
        f"/api/v1/tickets/{ticket.id}/acknowledge",
        json={},
        headers={**headers, "Accept-Language": "en"},
    )
    assert english.get_json()["error"]["message"] == "The ticket's state does not allow this."


def test_closing_needs_a_lead_role(
    client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    ticket = make_ticket(status=Status.ANSWERED)
    agent = bearer(make_token(make_user(role=Role.AGENT)))
    supervisor = bearer(make_token(make_user(role=Role.SUPERVISOR)))
    url = f"/api/v1/tickets/{ticket.id}/close"
    assert client.post(url, json={}, headers=agent).status_code == 403
    closed = client.post(url, json={}, headers=supervisor)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"


def test_transfer_checks_its_body_and_moves_the_ticket_out_of_scope(
    client: FlaskClient,
    make_department: Factory,
    make_user: Factory,
    make_ticket: Factory,
    make_token: Factory,
) -> None:
    housing = make_department("housing")
    ticket = make_ticket(status=Status.ACKNOWLEDGED)
    headers = bearer(make_token(make_user(role=Role.SUPERVISOR)))
    url = f"/api/v1/tickets/{ticket.id}/transfer"
    missing = client.post(url, json={"department_id": housing.id}, headers=headers)
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "note"
    unknown = client.post(url, json={"department_id": 999999, "note": "n"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["field"] == "department_id"
    moved = client.post(
        url, json={"department_id": housing.id, "note": "属住房局"}, headers=headers
    )
    assert moved.status_code == 200 and moved.get_json()["department_id"] == housing.id
    assert client.get(f"/api/v1/tickets/{ticket.id}", headers=headers).status_code == 404


def test_reply_note_and_thread(
    app: Flask, client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    ticket = make_ticket(status=Status.IN_PROGRESS)
    headers = bearer(make_token(make_user(role=Role.AGENT)))
    note = client.post(
        f"/api/v1/tickets/{ticket.id}/notes", json={"body": "内部备注"}, headers=headers
    )
    assert note.status_code == 201 and note.get_json()["kind"] == "note"
    tag = note.headers["ETag"]
    reply = client.post(
        f"/api/v1/tickets/{ticket.id}/replies",
        json={"body": "您好，答复如下。"},
        headers={**headers, "If-Match": tag},
    )
    assert reply.status_code == 201, reply.get_json()
    thread = client.get(f"/api/v1/tickets/{ticket.id}/messages", headers=headers).get_json()
    assert [m["kind"] for m in thread["items"]][-2:] == ["note", "reply"]
    with app.app_context():
        assert db.session.get(Ticket, ticket.id).status is Status.ANSWERED  # type: ignore[union-attr]
        kinds = db.session.scalars(db.select(Message.kind).where(Message.ticket_id == ticket.id))
        assert MessageKind.REPLY in list(kinds)


def test_unknown_fields_and_non_json_bodies_are_refused(
    client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    ticket = make_ticket(status=Status.IN_PROGRESS)
    headers = bearer(make_token(make_user(role=Role.AGENT)))
    url = f"/api/v1/tickets/{ticket.id}/notes"
    extra = client.post(url, json={"body": "x", "admin": True}, headers=headers)
    assert extra.status_code == 422 and extra.get_json()["error"]["field"] == "admin"
    form = client.post(url, data={"body": "x"}, headers=headers)
    assert form.status_code == 415


def test_another_departments_ticket_is_404_for_every_action(
    client: FlaskClient,
    make_department: Factory,
    make_user: Factory,
    make_ticket: Factory,
    make_token: Factory,
) -> None:
    make_department("housing")
    theirs = make_ticket(department="housing", status=Status.ROUTED)
    headers = bearer(make_token(make_user(role=Role.AGENT, department="egov")))
    for path in ("acknowledge", "notes", "replies", "messages"):
        method = client.get if path == "messages" else client.post
        response = method(f"/api/v1/tickets/{theirs.id}/{path}", json={}, headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"


def test_a_422_says_what_is_wrong_in_the_callers_language(
    client: FlaskClient, make_user: Factory, make_ticket: Factory, make_token: Factory
) -> None:
    ticket = make_ticket(status=Status.IN_PROGRESS)
    headers = bearer(make_token(make_user(role=Role.AGENT)))
    url = f"/api/v1/tickets/{ticket.id}/notes"
    chinese = client.post(url, json={}, headers={**headers, "Accept-Language": "zh-CN"})
    assert chinese.status_code == 422
    assert chinese.get_json()["error"] == {
        "code": "invalid",
        "field": "body",
        "message": "此项为必填项。",
    }
    english = client.post(url, json={"body": 5}, headers={**headers, "Accept-Language": "en"})
    assert english.get_json()["error"]["message"] == "Give text here."
    uyghur = client.post(
        url, json={"body": "x", "x": 1}, headers={**headers, "Accept-Language": "ug"}
    )
    assert uyghur.get_json()["error"]["field"] == "x"
    assert uyghur.get_json()["error"]["message"] == "بۇ سۆز بۆلىكى تونۇلمايدۇ."
