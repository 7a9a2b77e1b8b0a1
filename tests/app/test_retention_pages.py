"""The staff side of retention: periods (admins), plan and CSV, figures, legal holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.domain.retention.settings import load_periods
from enquiry.extensions import db
from enquiry.models import AuditEvent, LegalHold, Role, Status
from tests.app.conftest import english

LONG_AGO = datetime(2019, 1, 10, 2, 0, tzinfo=UTC)


def test_agents_cannot_open_the_retention_pages(client: FlaskClient, staff_login: Any) -> None:
    staff_login(client, role=Role.AGENT)
    for url in (
        "/staff/admin/retention",
        "/staff/admin/retention/plan.csv",
        "/staff/admin/personal-data",
        "/staff/admin/holds",
    ):
        assert client.get(url).status_code == 403, url


def test_admin_sees_the_plan_exports_it_and_changes_periods(
    app: Flask, client: FlaskClient, staff_login: Any, make_ticket: Any
) -> None:
    english(client)
    staff_login(client, role=Role.ADMIN)
    old = make_ticket(status=Status.CLOSED, created_at=LONG_AGO)
    page = client.get("/staff/admin/retention")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Questions: days after closing" in html and "Anonymise" in html
    csv = client.get("/staff/admin/retention/plan.csv")
    assert csv.status_code == 200 and old.reference in csv.get_data(as_text=True)
    periods = {
        "question": "30",
        "suggestion": "40",
        "complaint": "50",
        "other": "60",
        "info_application": "3650",
        "personal_data": "1095",
        "spam": "7",
        "mail": "14",
        "overrides": "info_application/disclosed 4000",
    }
    saved = client.post("/staff/admin/retention", data=periods)
    assert saved.status_code == 302
    with app.app_context():
        days = load_periods(db.session).days
        assert days["question"] == 30 and days["info_application/disclosed"] == 4000
        assert db.session.scalars(
            select(AuditEvent).filter_by(action="retention.periods_changed")
        ).one()
    bad = client.post("/staff/admin/retention", data=periods | {"spam": "0", "overrides": "x/y 3"})
    assert bad.status_code == 400
    assert "Not a kind/outcome" in bad.get_data(as_text=True)


def test_supervisor_sees_the_figures(
    client: FlaskClient, staff_login: Any, make_ticket: Any
) -> None:
    english(client)
    staff_login(client, role=Role.SUPERVISOR)
    make_ticket(status=Status.CLOSED, created_at=LONG_AGO)
    page = client.get("/staff/admin/personal-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Over 5 years" in html and "Removed by the runs of the next 30 days" in html
    over_5 = html.split("Over 5 years</th>", 1)[1].split("</tr>", 1)[0]
    assert over_5.startswith("<td>1</td>")  # the one enquiry, received in 2019
    next_month = html.split('class="table table-sm admin-table retention-next-month"', 1)[1]
    assert "<td>Anonymise</td><td>1</td>" in next_month.split("</table>", 1)[0]


def test_a_supervisor_places_lists_and_lifts_a_hold(
    app: Flask, client: FlaskClient, staff_login: Any, make_ticket: Any
) -> None:
    english(client)
    staff_login(client, role=Role.SUPERVISOR)
    ticket = make_ticket(status=Status.CLOSED, created_at=LONG_AGO)
    assert "Place a hold" in client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    empty = client.post(f"/staff/tickets/{ticket.id}/hold", data={"hold-reason": " "})
    assert empty.status_code == 400 and "invalid-feedback" in empty.get_data(as_text=True)
    placed = client.post(
        f"/staff/tickets/{ticket.id}/hold",
        data={"hold-reason": "<b>诉讼</b>", "hold-until_on": "2099-01-01"},
    )
    assert placed.status_code == 303
    listing = client.get("/staff/admin/holds").get_data(as_text=True)
    assert ticket.reference in listing and "&lt;b&gt;诉讼&lt;/b&gt;" in listing
    with app.app_context():
        hold = db.session.scalars(select(LegalHold)).one()
        hold_id = hold.id
    assert client.post(f"/staff/admin/holds/{hold_id}/lift").status_code == 303
    assert client.post(f"/staff/admin/holds/{hold_id}/lift").status_code == 409
    assert client.post("/staff/admin/holds/999999/lift").status_code == 404
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action)))
        assert actions.count("ticket.hold_placed") == 1 and actions.count("ticket.hold_lifted") == 1
