"""Canned replies: admins manage all of them, supervisors those of their own department."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import AuditEvent, CannedReply, Role
from tests.app.conftest import english
from tests.db_state import database_state

BODY = "{citizen_name}，您好！您的来信（{reference}）已收到，我们将于{due_on}前答复。"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


@pytest.fixture
def housing(make_department: Callable[..., Any]) -> Any:
    return make_department("housing", name_en="Housing Bureau")


def replies(app: Flask) -> list[CannedReply]:
    with app.app_context():
        found = list(db.session.scalars(select(CannedReply).order_by(CannedReply.id)))
        db.session.expunge_all()
        return found


def events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action.startswith("reply."))
        found = list(db.session.scalars(query.order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def add_reply(app: Flask, department_id: int | None, **fields: Any) -> int:
    with app.app_context():
        reply = CannedReply(
            **({"title": "已收到", "body": BODY, "department_id": department_id} | fields)
        )
        db.session.add(reply)
        db.session.commit()
        return reply.id


def reply_form(**overrides: Any) -> dict[str, Any]:
    return {"title": "受理回复", "body": BODY, "locale": "zh_Hans", "department": ""} | overrides


# Admins ------------------------------------------------------------------------------------------


def test_an_admin_creates_a_reply_for_every_department(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.ADMIN, department=None)
    page = client.get("/staff/admin/replies/new").get_data(as_text=True)
    for name in ("{reference}", "{citizen_name}", "{subject}", "{department}", "{due_on}"):
        assert name in page
    response = client.post("/staff/admin/replies/new", data=reply_form())
    assert response.status_code == 302
    [reply] = replies(app)
    assert (reply.title, reply.body, reply.locale, reply.department_id) == (
        "受理回复",
        BODY,
        "zh_Hans",
        None,
    )
    listing = client.get("/staff/admin/replies").get_data(as_text=True)
    assert "受理回复" in listing and "All departments" in listing
    [event] = events(app)
    assert event.action == "reply.created" and event.detail["after"]["department"] is None


def test_an_admin_edits_deactivates_and_reactivates_a_reply(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], housing: Any
) -> None:
    staff_login(client, role=Role.ADMIN, department=None)
    reply_id = add_reply(app, None)
    url = f"/staff/admin/replies/{reply_id}"
    assert client.get(url).status_code == 200
    data = reply_form(title="Received", body="Dear {citizen_name}", locale="en")
    data["department"] = str(housing.id)
    assert client.post(url, data=data).status_code == 302
    [reply] = replies(app)
    assert (reply.title, reply.locale, reply.department_id) == ("Received", "en", housing.id)
    assert client.post(f"{url}/deactivate").status_code == 302
    assert replies(app)[0].is_active is False
    assert "Inactive" in client.get("/staff/admin/replies").get_data(as_text=True)
    assert client.post(f"{url}/reactivate").status_code == 302
    assert replies(app)[0].is_active is True
    actions = [event.action for event in events(app)]
    assert actions == ["reply.updated", "reply.deactivated", "reply.reactivated"]
    assert events(app)[0].detail["before"]["department"] is None
    assert events(app)[0].detail["after"]["department"] == "housing"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"title": "题" * 121}, "At most 120 characters"),
        ({"body": "   "}, "This field is required"),
        ({"body": "字" * 10_001}, "At most 10000 characters"),
        ({"body": "您好 {name}，{reference}"}, "Unknown placeholder: {name}"),
        ({"locale": "fr"}, "Not a valid choice"),
        ({"department": "999"}, "Not a valid choice"),
    ],
)
def test_bad_replies_are_refused_and_nothing_is_stored(
    app: Flask,
    client: FlaskClient,
    staff_login: Callable[..., Any],
    overrides: dict[str, Any],
    message: str,
) -> None:
    staff_login(client, role=Role.ADMIN, department=None)
    response = client.post("/staff/admin/replies/new", data=reply_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert replies(app) == [] and events(app) == []


def test_a_bad_edit_changes_nothing(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any]
) -> None:
    staff_login(client, role=Role.ADMIN, department=None)
    reply_id = add_reply(app, None)
    data = reply_form(body="{unknown}")
    assert client.post(f"/staff/admin/replies/{reply_id}", data=data).status_code == 400
    assert replies(app)[0].body == BODY and events(app) == []


# Supervisors -------------------------------------------------------------------------------------


def test_a_supervisor_manages_the_replies_of_their_own_department_only(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], housing: Any
) -> None:
    staff_login(client, role=Role.SUPERVISOR, department="housing")
    ours = add_reply(app, housing.id, title="Ours")
    theirs = add_reply(app, None, title="Everyone's")
    listing = client.get("/staff/admin/replies").get_data(as_text=True)
    assert "Ours" in listing and "Everyone&#39;s" not in listing
    assert client.get(f"/staff/admin/replies/{theirs}").status_code == 404
    before = database_state(app)
    assert client.post(f"/staff/admin/replies/{theirs}/deactivate").status_code == 404
    assert database_state(app) == before
    assert client.get(f"/staff/admin/replies/{ours}").status_code == 200

    page = client.get("/staff/admin/replies/new").get_data(as_text=True)
    assert "All departments" not in page
    new = reply_form(department=str(housing.id))
    assert client.post("/staff/admin/replies/new", data=new).status_code == 302
    for department in ("", "1"):  # for every department, or for the default one: refused
        data = reply_form(department=department)
        assert client.post("/staff/admin/replies/new", data=data).status_code == 400
    assert [r.department_id for r in replies(app)] == [housing.id, None, housing.id]
    assert client.post(f"/staff/admin/replies/{ours}/deactivate").status_code == 302
    assert replies(app)[0].is_active is False


def test_a_supervisor_without_a_department_manages_nothing(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], housing: Any
) -> None:
    staff_login(client, role=Role.SUPERVISOR, department=None)
    reply_id = add_reply(app, housing.id)
    assert "There are no canned replies yet" in client.get("/staff/admin/replies").get_data(
        as_text=True
    )
    assert client.get(f"/staff/admin/replies/{reply_id}").status_code == 404
    assert client.post("/staff/admin/replies/new", data=reply_form()).status_code == 400
