"""会商: a colleague of another department named with @ in an internal note is told, finds the
ticket under "Mentioning me", may read it and add notes, and gains nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from enquiry.extensions import db
from enquiry.models import Message, MessageKind, Notification, NotificationKind, Role, Status
from tests.app.conftest import english
from tests.app.test_answer_loop import set_status
from tests.app.test_staff_ticket import department_id, open_enquiry, snapshot


def signed_in(app: Flask, login: Callable[..., Any], user: Any) -> FlaskClient:
    client = english(app.test_client())
    assert login(client, user).status_code == 302
    return client


def notes_of(app: Flask, ticket_id: int) -> list[str]:
    with app.app_context():
        query = sa.select(Message.body).where(
            Message.ticket_id == ticket_id, Message.kind == MessageKind.NOTE
        )
        return list(db.session.scalars(query.order_by(Message.id)))


def test_a_named_colleague_of_another_department_may_read_and_add_notes_only(
    app: Flask,
    make_user: Callable[..., Any],
    make_department: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    make_department("housing")
    author = make_user(role=Role.SUPERVISOR, display_name="王芳")
    expert = make_user(role=Role.SUPERVISOR, department="housing", display_name="住建张三")
    ticket_id, reference, _ = open_enquiry(app, subject="老旧小区加装电梯")
    other_id, other_reference, _ = open_enquiry(app, subject="别的件", email="o@example.com")
    set_status(app, ticket_id, Status.ANSWERED)

    writer = signed_in(app, login, author)
    note = {"note-body": "@住建张三 请就加装电梯政策会商。"}
    assert writer.post(f"/staff/tickets/{ticket_id}/note", data=note).status_code == 302
    with app.app_context():
        told = db.session.scalars(
            sa.select(Notification.kind).where(Notification.user_id == expert.id)
        ).all()
    assert told == [NotificationKind.MENTION]

    reader = signed_in(app, login, expert)
    bell = reader.get("/staff/notifications").get_data(as_text=True)
    assert reference in bell
    mentioned = reader.get("/staff", query_string={"view": "mentioned"}).get_data(as_text=True)
    assert reference in mentioned.split("<tbody>", 1)[1]
    everything = reader.get("/staff").get_data(as_text=True)
    assert reference not in everything.split('id="inbox-list"', 1)[1]  # not in the main list

    page = reader.get(f"/staff/tickets/{ticket_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "老旧小区加装电梯" in text and "请就加装电梯政策会商" in text
    assert "ticket-consulted" in text
    for form in ("/close", "/transfer", "/answer", "/assign", "/acknowledge", "/presence"):
        assert f'/staff/tickets/{ticket_id}{form}"' not in text

    answer = {"note-body": "@王芳 按住建部门政策，可申请补贴。"}
    response = reader.post(f"/staff/tickets/{ticket_id}/note", data=answer)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/tickets/{ticket_id}")
    assert notes_of(app, ticket_id)[-1] == "@王芳 按住建部门政策，可申请补贴。"

    before = snapshot(app, ticket_id)
    transfer = {"transfer-department": department_id(app, "housing"), "transfer-note": "给我"}
    assert reader.post(f"/staff/tickets/{ticket_id}/close", data={}).status_code == 404
    assert reader.post(f"/staff/tickets/{ticket_id}/transfer", data=transfer).status_code == 404
    reply = {"reply-body": "答复", "reply-seen": "0"}
    assert reader.post(f"/staff/tickets/{ticket_id}/answer", data=reply).status_code == 404
    assert snapshot(app, ticket_id) == before

    assert reader.get(f"/staff/tickets/{other_id}").status_code == 404
    assert other_reference not in mentioned
    assert other_reference not in reader.get("/staff/notifications").get_data(as_text=True)
