"""Administration of routing rules: list, create, edit, delete, the trial form, and a rule made
in the UI routing a real submission from /ask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.domain.accounts.passwords import create_user
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    Department,
    Kind,
    Report,
    ReportSection,
    Role,
    RoutingRule,
    Ticket,
)
from tests.app.conftest import DEFAULT_PASSWORD, english
from tests.app.test_ask import add_default_department, valid_form
from tests.conftest import hidden_fields
from tests.db_state import database_state


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


@pytest.fixture
def root(client: FlaskClient, staff_login: Callable[..., Any]) -> Any:
    """An admin, signed in on `client`."""
    return staff_login(client, role=Role.ADMIN, department=None, email="root@example.com")


@pytest.fixture
def transport(make_department: Callable[..., Any]) -> Any:
    return make_department("transport", name_zh="市交通运输局", name_en="Transport Bureau")


def rules(app: Flask) -> list[RoutingRule]:
    with app.app_context():
        found = list(db.session.scalars(select(RoutingRule).order_by(RoutingRule.id)))
        db.session.expunge_all()
        return found


def events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action.startswith("rule."))
        found = list(db.session.scalars(query.order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def add_section(app: Flask) -> int:
    with app.app_context():
        report = Report(year=2013, title="2013年度政府信息公开工作报告")
        report.sections = [
            ReportSection(anchor="s1", number="一、", level=1, position=0, heading="概述", body="…")
        ]
        db.session.add(report)
        db.session.commit()
        return report.sections[0].id


def rule_form(target: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "交通",
        "priority": "10",
        "kind": "",
        "section": "",
        "keywords": "田字路\n 公交 \n\n田字路",
        "sender_domain": "@JTJ.WLMQ.gov.cn",
        "department": str(target.id),
        "is_active": "y",
    }
    return data | overrides


def add_rule(app: Flask, department: Any, **fields: Any) -> int:
    with app.app_context():
        rule = RoutingRule(department_id=department.id, **({"name": "r"} | fields))
        db.session.add(rule)
        db.session.commit()
        return rule.id


# Listing -----------------------------------------------------------------------------------------


def test_rules_are_listed_in_priority_order_with_conditions_and_department(
    app: Flask, client: FlaskClient, root: Any, transport: Any
) -> None:
    add_rule(app, transport, name="Later", priority=50, kind=Kind.COMPLAINT)
    add_rule(app, transport, name="First", priority=5, keywords="田字路\n公交", is_active=False)
    add_rule(app, transport, name="Domain", priority=20, sender_domain="jtj.gov.cn")
    response = client.get("/staff/admin/rules")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("First") < html.index("Domain") < html.index("Later")
    assert "Text contains any of: 田字路、公交" in html
    assert "Kind: Complaint" in html and "Sender&#39;s domain: jtj.gov.cn" in html
    assert "Transport Bureau" in html and "Inactive" in html
    assert 'action="/staff/admin/rules/test"' in html


# Creating and editing ----------------------------------------------------------------------------


def test_create_a_rule_with_every_condition(
    app: Flask, client: FlaskClient, root: Any, transport: Any
) -> None:
    section_id = add_section(app)
    assert client.get("/staff/admin/rules/new").status_code == 200
    data = rule_form(transport, kind="complaint", section=str(section_id))
    response = client.post("/staff/admin/rules/new", data=data)
    assert response.status_code == 302
    [rule] = rules(app)
    assert (rule.name, rule.priority, rule.kind, rule.report_section_id) == (
        "交通",
        10,
        Kind.COMPLAINT,
        section_id,
    )
    assert rule.keywords == "田字路\n公交"
    assert rule.sender_domain == "jtj.wlmq.gov.cn"
    assert rule.department_id == transport.id and rule.is_active
    [event] = events(app)
    assert event.action == "rule.created" and event.detail["before"] is None
    assert event.detail["after"]["department"] == "transport"
    assert event.detail["after"]["keywords"] == "田字路\n公交"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"keywords": "", "sender_domain": ""}, "A rule needs at least one condition"),
        ({"keywords": " ,、 ", "sender_domain": ""}, "A rule needs at least one condition"),
        ({"priority": "-1"}, "Enter a whole number from 0 to 10000"),
        ({"priority": "10001"}, "Enter a whole number from 0 to 10000"),
        ({"priority": "ten"}, "Not a valid integer value"),
        ({"name": ""}, "This field is required"),
        ({"name": "名" * 121}, "At most 120 characters"),
        ({"sender_domain": "jtj gov cn"}, "Enter a domain such as"),
        ({"sender_domain": "someone@jtj.gov.cn"}, "Enter a domain such as"),
        ({"sender_domain": "-jtj.gov.cn"}, "Enter a domain such as"),
        ({"keywords": "词\n" * 600}, "At most 1000 characters"),
        ({"kind": "gossip"}, "Not a valid choice"),
        ({"section": "999"}, "Not a valid choice"),
        ({"department": ""}, "This field is required"),
        ({"department": "999"}, "Not a valid choice"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_stored(
    app: Flask,
    client: FlaskClient,
    root: Any,
    transport: Any,
    overrides: dict[str, Any],
    message: str,
) -> None:
    response = client.post("/staff/admin/rules/new", data=rule_form(transport, **overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'id="error-summary"' in html
    assert rules(app) == [] and events(app) == []


def test_an_inactive_department_is_not_offered_for_a_new_rule(
    app: Flask, client: FlaskClient, root: Any, make_department: Callable[..., Any]
) -> None:
    closed = make_department("closed", is_active=False)
    page = client.get("/staff/admin/rules/new").get_data(as_text=True)
    assert f'value="{closed.id}"' not in page
    response = client.post("/staff/admin/rules/new", data=rule_form(closed))
    assert response.status_code == 400
    assert rules(app) == []


def test_edit_a_rule_records_before_and_after(
    app: Flask, client: FlaskClient, root: Any, transport: Any
) -> None:
    rule_id = add_rule(app, transport, name="Old", priority=100, keywords="公交")
    url = f"/staff/admin/rules/{rule_id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Old"' in page and "公交</textarea>" in page
    data = rule_form(transport, name="New", priority="7", keywords="公交", sender_domain="")
    data.pop("is_active")  # unticked
    assert client.post(url, data=data).status_code == 302
    [rule] = rules(app)
    assert (rule.name, rule.priority, rule.is_active) == ("New", 7, False)
    [event] = events(app)
    assert event.action == "rule.updated"
    assert event.detail["before"] == {"name": "Old", "priority": 100, "is_active": True}
    assert event.detail["after"] == {"name": "New", "priority": 7, "is_active": False}


def test_a_rule_keeps_its_department_after_that_was_deactivated(
    app: Flask, client: FlaskClient, root: Any, make_department: Callable[..., Any]
) -> None:
    old = make_department("old")
    rule_id = add_rule(app, old, keywords="旧")
    with app.app_context():
        department = db.session.get(Department, old.id)
        assert department is not None
        department.is_active = False
        db.session.commit()
    response = client.post(f"/staff/admin/rules/{rule_id}", data=rule_form(old, keywords="旧"))
    assert response.status_code == 302
    assert rules(app)[0].department_id == old.id


def test_a_bad_edit_changes_nothing(
    app: Flask, client: FlaskClient, root: Any, transport: Any
) -> None:
    rule_id = add_rule(app, transport, name="Kept", keywords="公交")
    data = rule_form(transport, name="Changed", keywords="", sender_domain="")
    response = client.post(f"/staff/admin/rules/{rule_id}", data=data)
    assert response.status_code == 400
    assert rules(app)[0].name == "Kept" and events(app) == []


# Deleting ----------------------------------------------------------------------------------------


def test_delete_an_unused_rule(app: Flask, client: FlaskClient, root: Any, transport: Any) -> None:
    rule_id = add_rule(app, transport, keywords="公交")
    assert client.post(f"/staff/admin/rules/{rule_id}/delete").status_code == 302
    assert rules(app) == []
    [event] = events(app)
    assert event.action == "rule.deleted" and event.detail["before"]["keywords"] == "公交"


def test_a_rule_recorded_on_tickets_cannot_be_deleted(
    app: Flask, client: FlaskClient, root: Any, transport: Any, make_ticket: Callable[..., Any]
) -> None:
    rule_id = add_rule(app, transport, keywords="公交")
    make_ticket(department="transport", routing_rule_id=rule_id)
    response = client.post(f"/staff/admin/rules/{rule_id}/delete")
    assert response.status_code == 409
    assert "Deactivate it instead" in response.get_data(as_text=True)
    assert len(rules(app)) == 1 and events(app) == []


def test_unknown_rules_are_not_found(app: Flask, client: FlaskClient, root: Any) -> None:
    assert client.get("/staff/admin/rules/999").status_code == 404
    before = database_state(app)
    assert client.post("/staff/admin/rules/999/delete").status_code == 404
    assert database_state(app) == before


# The trial form ----------------------------------------------------------------------------------


def test_the_trial_shows_the_deciding_rule_and_the_others_that_match(
    app: Flask, client: FlaskClient, root: Any, transport: Any
) -> None:
    add_rule(app, transport, name="Buses", priority=20, keywords="公交")
    add_rule(app, transport, name="Complaints", priority=5, kind=Kind.COMPLAINT)
    add_rule(app, transport, name="Switched off", priority=1, keywords="公交", is_active=False)
    args = {"kind": "complaint", "section": "", "text": "公交车太挤", "sender": ""}
    response = client.get("/staff/admin/rules/test", query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The rule Complaints (priority 5) would send this enquiry to Transport Bureau" in html
    others = html.split("do not decide")[1]
    assert "Buses" in others and "Switched off" in others and "inactive" in others


def test_the_trial_falls_back_to_the_default_department(
    client: FlaskClient, root: Any, transport: Any
) -> None:
    args = {"kind": "question", "text": "垃圾分类", "sender": "a@example.com"}
    html = client.get("/staff/admin/rules/test", query_string=args).get_data(as_text=True)
    assert "No active rule matches" in html and "E-Government Office" in html


def test_the_trial_form_checks_its_input(client: FlaskClient, root: Any) -> None:
    assert client.get("/staff/admin/rules/test").status_code == 200
    response = client.get("/staff/admin/rules/test", query_string={"kind": "gossip"})
    assert response.status_code == 400


# A rule made in the UI routes a real submission --------------------------------------------------


def sign_in(client: FlaskClient, email: str) -> None:
    token = hidden_fields(client.get("/staff/login").get_data(as_text=True))["csrf_token"]
    data = {"csrf_token": token, "email": email, "password": DEFAULT_PASSWORD}
    assert client.post("/staff/login", data=data).status_code == 302


def test_a_rule_made_in_the_ui_routes_a_new_submission_and_is_recorded(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)  # like a browser: every form carries its token
    add_default_department(app)
    with app.app_context():
        water = Department(code="water", name_zh="市水务局", name_en="Water Bureau")
        db.session.add(water)
        db.session.flush()
        create_user(
            db.session,
            email="root@example.com",
            display_name="Root",
            password=DEFAULT_PASSWORD,
            role=Role.ADMIN,
            department=None,
        )
        db.session.commit()
        water_id = water.id
    staff = english(app.test_client())
    sign_in(staff, "root@example.com")
    form_page = staff.get("/staff/admin/rules/new").get_data(as_text=True)
    data = {
        "csrf_token": hidden_fields(form_page)["csrf_token"],
        "name": "供水",
        "priority": "10",
        "keywords": "停水\n水管",
        "department": str(water_id),
        "is_active": "y",
    }
    assert staff.post("/staff/admin/rules/new", data=data).status_code == 302

    citizen = english(app.test_client())
    page = citizen.get("/ask").get_data(as_text=True)
    form = hidden_fields(page) | valid_form(subject="小区停水三天", message="请尽快处理。")
    assert citizen.post("/ask", data=form).status_code == 303

    with app.app_context():
        rule = db.session.scalars(select(RoutingRule)).one()
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.department_id == water_id and ticket.routing_rule_id == rule.id
        opened = db.session.scalars(select(AuditEvent).filter_by(action="ticket.opened")).one()
        assert opened.detail["routing_rule"] == rule.id
        assert opened.detail["department"] == "water"
    other = hidden_fields(citizen.get("/ask").get_data(as_text=True)) | valid_form()
    assert citizen.post("/ask", data=other).status_code == 303
    with app.app_context():
        departments = db.session.scalars(select(Ticket.department_id).order_by(Ticket.id)).all()
        assert departments[1] != water_id  # no keyword: the default department
