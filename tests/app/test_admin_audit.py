"""The audit record page: filters, keyset pagination, escaped detail, the verify-chain button."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import AuditEvent, Role, Ticket, User
from tests.app.conftest import english

# 01:00 on 24 November in Beijing, still the 23rd in UTC.
EARLY = datetime(2025, 11, 23, 17, 0, tzinfo=UTC)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


@pytest.fixture
def root(client: FlaskClient, staff_login: Callable[..., Any]) -> Any:
    """An admin, signed in on `client`."""
    return staff_login(client, role=Role.ADMIN, department=None, email="root@example.com")


def write(app: Flask, action: str, **fields: Any) -> int:
    """Append an event: fields may give ticket_id, user_id, remote_addr, now, detail."""
    with app.app_context():
        user = db.session.get(User, fields["user_id"]) if "user_id" in fields else None
        ticket = db.session.get(Ticket, fields["ticket_id"]) if "ticket_id" in fields else None
        actor = audit.Actor.staff(user, fields.get("remote_addr")) if user else audit.Actor.system()
        event = audit.record(
            db.session,
            action=action,
            actor=actor,
            now=fields.get("now", EARLY),
            ticket=ticket,
            detail=fields.get("detail"),
        )
        db.session.commit()
        return event.id


def listed_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="event-(\d+)">', html)]


def test_admin_changes_are_recorded_and_found_by_action_and_actor(
    app: Flask, client: FlaskClient, root: Any, make_user: Callable[..., Any]
) -> None:
    data = {"code": "housing", "name_zh": "住建局", "name_en": "", "name_ug": "", "email": ""}
    assert client.post("/staff/admin/departments/new", data=data).status_code == 302
    agent = make_user()
    assert client.post(f"/staff/admin/users/{agent.id}/deactivate").status_code == 302
    response = client.get("/staff/admin/audit", query_string={"action": "department."})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Department created" in html and "User disabled" not in html  # labels, not codes
    assert "department.created" not in html
    assert "&#34;name_zh&#34;: &#34;住建局&#34;" in html  # the detail, as escaped JSON

    by_actor = client.get("/staff/admin/audit", query_string={"actor": "ROOT@example"})
    text = by_actor.get_data(as_text=True)
    assert "Department created" in text and "User disabled" in text
    nobody = client.get("/staff/admin/audit", query_string={"actor": "nobody@"})
    assert listed_ids(nobody.get_data(as_text=True)) == []
    assert "No events match these filters" in nobody.get_data(as_text=True)


def test_filters_by_ticket_reference_address_and_date(
    app: Flask, client: FlaskClient, root: Any, make_ticket: Callable[..., Any]
) -> None:
    ticket = make_ticket(reference="WLMQ-2026-000042")
    on_ticket = write(app, "ticket.note", ticket_id=ticket.id)
    from_address = write(app, "test.remote", user_id=root.id, remote_addr="10.1.2.3")
    later = write(app, "test.later", now=EARLY + timedelta(days=2))

    def ids(**args: str) -> list[int]:
        response = client.get("/staff/admin/audit", query_string=args)
        assert response.status_code == 200
        return listed_ids(response.get_data(as_text=True))

    assert ids(reference="wlmq-2026-000042") == [on_ticket]
    assert ids(remote_addr="10.1.") == [from_address]
    assert ids(remote_addr="10.1.2.3", action="test.") == [from_address]
    # Days are Beijing days: 17:00 UTC on the 23rd is early on the 24th.
    assert later not in ids(date_from="2025-11-24", date_to="2025-11-24")
    assert on_ticket in ids(date_from="2025-11-24", date_to="2025-11-24")
    assert on_ticket not in ids(date_to="2025-11-23")
    assert ids(date_from="2025-11-26", date_to="2025-11-30") == [later]
    page = client.get("/staff/admin/audit", query_string={"reference": "WLMQ-2026-000042"})
    assert 'href="/staff/tickets/' in page.get_data(as_text=True)


def test_keyset_pages_run_newest_first_without_gaps(
    app: Flask, client: FlaskClient, root: Any
) -> None:
    written = [write(app, "test.page", detail={"n": n}) for n in range(7)]
    app.config["AUDIT_PAGE_SIZE"] = 3
    seen: list[int] = []
    url: str | None = "/staff/admin/audit?action=test.page"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += listed_ids(html)
        found = re.search(r'rel="next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == sorted(written, reverse=True)


def test_detail_is_shown_escaped(app: Flask, client: FlaskClient, root: Any) -> None:
    write(app, "test.escape", detail={"note": "<script>alert(1)</script>"})
    html = client.get("/staff/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "args",
    [
        {"date_from": "2026-11-24", "date_to": "2026-11-20"},
        {"date_from": "yesterday"},
        {"before": "abc"},
        {"action": "x" * 255},
    ],
)
def test_bad_filters_are_refused(client: FlaskClient, root: Any, args: dict[str, str]) -> None:
    assert client.get("/staff/admin/audit", query_string=args).status_code == 400


def test_verify_button_on_an_intact_chain(app: Flask, client: FlaskClient, root: Any) -> None:
    for n in range(3):
        write(app, "test.chain", detail={"n": n})
    with app.app_context():
        count = len(db.session.scalars(select(AuditEvent.id)).all())
    response = client.post("/staff/admin/audit/verify")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The audit record is intact: {count} events verified." in html
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and last.action == "audit.verified"
        assert last.detail == {"events": count, "intact": True}
        assert last.actor_label == "root@example.com"


def test_verify_button_on_a_tampered_chain(app: Flask, client: FlaskClient, root: Any) -> None:
    ids = [write(app, "test.chain", detail={"n": n}) for n in range(3)]
    with app.app_context():
        edited = update(AuditEvent).where(AuditEvent.id == ids[1]).values(detail={"n": 99})
        db.session.execute(edited)
        db.session.commit()
    response = client.post("/staff/admin/audit/verify", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"The audit record is broken at event {ids[1]}" in html
    assert "alert-danger" in html
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert last is not None and last.detail["broken_at"] == ids[1]
