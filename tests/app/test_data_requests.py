"""A citizen asks to correct or delete their data; nothing changes until staff approve."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import AuditEvent, Kind, PersonalDataRequest, Role, Ticket
from enquiry.rules.anonymisation import ANONYMISED
from enquiry.rules.deadlines import working_days_between
from tests.app.conftest import english
from tests.app.test_my_data import _open


def _request(client: FlaskClient, app: Flask, data: dict[str, str]) -> tuple[str, Any]:
    reference, code = _open(app, "孙三", "sunsan@example.org", b"%PDF-1 x", "a.pdf")
    client.get(f"/track/{reference}/{code}")
    assert client.get(f"/track/{reference}/personal-data").status_code == 200
    return reference, client.post(f"/track/{reference}/personal-data", data=data)


def _staff_decides(app: Flask, client: FlaskClient, user: Any, decision: str) -> Any:
    with app.app_context():
        request_ticket = db.session.scalars(
            select(Ticket).where(Ticket.kind == Kind.PERSONAL_DATA)
        ).one()
        ticket_id = request_ticket.id
    page = client.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "Personal data request" in page
    return client.post(
        f"/staff/tickets/{ticket_id}/personal-data/decide",
        data={"decision": decision, "note": "核实无误"},
    )


def test_a_correction_changes_contact_details_only_after_approval(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    english(client)
    reference, response = _request(
        client, app, {"action": "correct", "email": "sun.san@example.org", "phone": ""}
    )
    assert response.status_code == 303
    with app.app_context():
        subject = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert subject.citizen_email == "sunsan@example.org"  # not yet
        request_ticket = db.session.scalars(
            select(Ticket).where(Ticket.kind == Kind.PERSONAL_DATA)
        ).one()
        assert request_ticket.due_on is not None and request_ticket.due_on > subject.received_on
        calendar = policy_from_config(app.config, session=db.session).calendar
        clock = working_days_between(request_ticket.received_on, request_ticket.due_on, calendar)
        assert clock == app.config["DEADLINE_DAYS_PERSONAL_DATA"] == 15  # its own clock
    staff = english(app.test_client())
    login(staff, make_user(role=Role.SUPERVISOR))
    assert _staff_decides(app, staff, None, "approve").status_code == 303
    with app.app_context():
        subject = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert subject.citizen_email == "sun.san@example.org"
        assert subject.citizen_name == "孙三"
        row = db.session.scalars(select(PersonalDataRequest)).one()
        assert row.decision == "approved" and row.decided_at is not None
        actions = list(db.session.scalars(select(AuditEvent.action)))
        assert "ticket.contact_corrected" in actions and "personal_data.decided" in actions
    again = _staff_decides(app, staff, None, "reject")
    assert again.status_code == 409
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_a_rejected_correction_changes_nothing(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    reference, response = _request(client, app, {"action": "correct", "name": "孙四"})
    assert response.status_code == 303
    staff = english(app.test_client())
    login(staff, make_user(role=Role.SUPERVISOR))
    assert _staff_decides(app, staff, None, "reject").status_code == 303
    with app.app_context():
        subject = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert subject.citizen_name == "孙三"


def test_an_approved_deletion_anonymises_the_enquiry(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    reference, response = _request(client, app, {"action": "delete"})
    assert response.status_code == 303
    staff = english(app.test_client())
    login(staff, make_user(role=Role.SUPERVISOR))
    assert _staff_decides(app, staff, None, "approve").status_code == 303
    with app.app_context():
        subject = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert subject.anonymised_at is not None and subject.citizen_name == ANONYMISED
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_a_correction_needs_something_to_correct(app: Flask, client: FlaskClient) -> None:
    english(client)
    _reference, response = _request(client, app, {"action": "correct"})
    assert response.status_code == 400
    assert "Enter at least one contact detail" in response.get_data(as_text=True)
    _reference, bad = _request(client, app, {"action": "correct", "email": "<b>x"})
    assert bad.status_code == 400 and "<b>x" not in bad.get_data(as_text=True)


def test_staff_record_a_request_sent_by_email_and_approve_it(
    app: Flask, make_user: Any, login: Any
) -> None:
    reference, _code = _open(app, "周五", "zhouwu@example.org", b"%PDF-1 z", "z.pdf")
    with app.app_context():
        subject_id = db.session.scalars(select(Ticket).filter_by(reference=reference)).one().id
    staff = english(app.test_client())
    login(staff, make_user(role=Role.SUPERVISOR))
    assert "Record a personal data request" in staff.get(f"/staff/tickets/{subject_id}").get_data(
        as_text=True
    )
    bad = staff.post(f"/staff/tickets/{subject_id}/personal-data/record", data={"pdr-action": "x"})
    assert bad.status_code == 400
    recorded = staff.post(
        f"/staff/tickets/{subject_id}/personal-data/record",
        data={"pdr-action": "correct", "pdr-phone": "13911112222"},
    )
    assert recorded.status_code == 303
    with app.app_context():
        assert db.session.get(Ticket, subject_id).citizen_phone is None  # type: ignore[union-attr]
    assert _staff_decides(app, staff, None, "approve").status_code == 303
    with app.app_context():
        assert db.session.get(Ticket, subject_id).citizen_phone == "13911112222"  # type: ignore[union-attr]


def test_only_a_supervisor_or_an_administrator_decides(
    app: Flask, client: FlaskClient, make_user: Any, login: Any
) -> None:
    reference, response = _request(client, app, {"action": "correct", "name": "孙四"})
    assert response.status_code == 303
    agent = english(app.test_client())
    login(agent, make_user(role=Role.AGENT))
    with app.app_context():
        ticket_id = (
            db.session.scalars(select(Ticket).where(Ticket.kind == Kind.PERSONAL_DATA)).one().id
        )
    page = agent.get(f"/staff/tickets/{ticket_id}").get_data(as_text=True)
    assert "Only a supervisor or an administrator can approve or reject" in page
    assert "/personal-data/decide" not in page
    forbidden = agent.post(
        f"/staff/tickets/{ticket_id}/personal-data/decide", data={"decision": "approve"}
    )
    assert forbidden.status_code == 403
    with app.app_context():
        subject = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert subject.citizen_name == "孙三"
        assert db.session.scalars(select(PersonalDataRequest)).one().decision is None
    admin = english(app.test_client())
    login(admin, make_user(role=Role.ADMIN))
    assert "/personal-data/decide" in admin.get(f"/staff/tickets/{ticket_id}").get_data(
        as_text=True
    )
    assert _staff_decides(app, admin, None, "approve").status_code == 303
    with app.app_context():
        subject = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        assert subject.citizen_name == "孙四"
        decided = db.session.scalars(
            select(AuditEvent).filter_by(action="personal_data.decided")
        ).one()
        assert decided.detail["role"] == "admin" and decided.actor_id is not None
