"""Administration of departments: counts, create, edit, deactivate, default, guarded delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from enquiry.audit import Actor
from enquiry.domain import admin
from enquiry.extensions import db
from enquiry.models import AuditEvent, CannedReply, Department, Role, RoutingRule, Status
from tests.app.conftest import english
from tests.db_state import database_state


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


@pytest.fixture
def root(client: FlaskClient, staff_login: Callable[..., Any]) -> Any:
    """An admin, signed in on `client`."""
    return staff_login(client, role=Role.ADMIN, department=None, email="root@example.com")


def stored(app: Flask, code: str) -> Department | None:
    with app.app_context():
        department = db.session.scalar(select(Department).where(Department.code == code))
        if department is not None:
            db.session.expunge(department)
        return department


def snapshot(app: Flask) -> list[tuple[Any, ...]]:
    """Every department's columns, to prove that nothing changed."""
    with app.app_context():
        rows = db.session.scalars(select(Department).order_by(Department.id))
        return [
            (d.code, d.name_zh, d.name_en, d.name_ug, d.email, d.is_active, d.is_default)
            for d in rows
        ]


def events(app: Flask, prefix: str = "department.") -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action.startswith(prefix))
        found = list(db.session.scalars(query.order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def new_department_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "code": "housing-bureau",
        "name_zh": "乌鲁木齐市住房和城乡建设局",
        "name_en": "Housing and Urban-Rural Development Bureau",
        "name_ug": "ئۈرۈمچى شەھەرلىك تۇرالغۇ ئىدارىسى",
        "email": "zjj@wlmq.gov.cn",
    }
    return data | overrides


def test_the_list_shows_every_department_with_its_ticket_counts(
    client: FlaskClient,
    root: Any,
    make_department: Callable[..., Any],
    make_ticket: Callable[..., Any],
) -> None:
    make_department("housing", name_en="Housing Bureau", is_active=False)
    make_ticket(department="housing")
    make_ticket(department="housing", status=Status.CLOSED)
    make_ticket(department="egov")
    response = client.get("/staff/admin/departments")
    assert response.status_code == 200
    html = " ".join(response.get_data(as_text=True).split())
    assert "E-Government Office" in html and "Housing Bureau" in html
    assert "Default" in html and "Deactivated" in html
    assert '<td class="text-end">2</td> <td class="text-end">1</td>' in html  # housing
    assert '<td class="text-end">1</td> <td class="text-end">1</td>' in html  # egov


def test_create_a_department(app: Flask, client: FlaskClient, root: Any) -> None:
    assert client.get("/staff/admin/departments/new").status_code == 200
    response = client.post("/staff/admin/departments/new", data=new_department_form())
    assert response.status_code == 302
    department = stored(app, "housing-bureau")
    assert department is not None
    assert department.name_zh == "乌鲁木齐市住房和城乡建设局"
    assert department.email == "zjj@wlmq.gov.cn"
    assert department.is_active and not department.is_default
    [event] = events(app)
    assert event.action == "department.created" and event.detail["code"] == "housing-bureau"
    assert event.detail["after"]["name_ug"] == "ئۈرۈمچى شەھەرلىك تۇرالغۇ ئىدارىسى"


def test_optional_fields_may_stay_empty_and_the_code_is_lower_cased(
    app: Flask, client: FlaskClient, root: Any
) -> None:
    data = new_department_form(code="Water-2", name_en="", name_ug="", email="")
    assert client.post("/staff/admin/departments/new", data=data).status_code == 302
    department = stored(app, "water-2")
    assert department is not None and department.email is None and department.name_en == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "egov"}, "Another department already has this code"),
        ({"code": "housing bureau"}, "Use lower-case letters, digits and single hyphens"),
        ({"code": "-housing"}, "Use lower-case letters, digits and single hyphens"),
        ({"code": "housing--bureau"}, "Use lower-case letters, digits and single hyphens"),
        ({"code": "住房"}, "Use lower-case letters, digits and single hyphens"),
        ({"code": "x" * 41}, "At most 40 characters"),
        ({"code": ""}, "This field is required"),
        ({"name_zh": ""}, "This field is required"),
        ({"name_en": "n" * 121}, "At most 120 characters"),
        ({"email": "zjj at wlmq"}, "valid e-mail address"),
    ],
)
def test_bad_departments_are_refused_and_nothing_changes(
    app: Flask, client: FlaskClient, root: Any, overrides: dict[str, Any], message: str
) -> None:
    before = snapshot(app)
    response = client.post("/staff/admin/departments/new", data=new_department_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before
    assert events(app) == []


def test_edit_names_and_e_mail(
    app: Flask, client: FlaskClient, root: Any, make_department: Callable[..., Any]
) -> None:
    housing = make_department("housing", name_en="Housing")
    url = f"/staff/admin/departments/{housing.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Housing"' in page and "it can be deleted" in page
    data = {"name_zh": "住建局", "name_en": "Housing Bureau", "name_ug": "", "email": "a@b.cn"}
    assert client.post(url, data=data).status_code == 302
    department = stored(app, "housing")
    assert department is not None
    assert (department.name_zh, department.name_en, department.email) == (
        "住建局",
        "Housing Bureau",
        "a@b.cn",
    )
    [event] = events(app)
    assert event.action == "department.updated"
    assert event.detail["before"] == {"name_zh": "housing局", "name_en": "Housing", "email": None}
    assert event.detail["after"] == {
        "name_zh": "住建局",
        "name_en": "Housing Bureau",
        "email": "a@b.cn",
    }
    bad = client.post(url, data=data | {"name_zh": "", "email": "nope"})
    assert bad.status_code == 400
    assert stored(app, "housing").name_zh == "住建局"  # type: ignore[union-attr]


def test_deactivate_and_reactivate(
    app: Flask, client: FlaskClient, root: Any, make_department: Callable[..., Any]
) -> None:
    housing = make_department("housing")
    assert client.post(f"/staff/admin/departments/{housing.id}/deactivate").status_code == 302
    assert stored(app, "housing").is_active is False  # type: ignore[union-attr]
    assert client.post(f"/staff/admin/departments/{housing.id}/reactivate").status_code == 302
    assert stored(app, "housing").is_active is True  # type: ignore[union-attr]
    assert [e.action for e in events(app)] == ["department.deactivated", "department.reactivated"]


def test_the_default_department_cannot_be_deactivated(
    app: Flask, client: FlaskClient, root: Any
) -> None:
    egov = stored(app, "egov")
    assert egov is not None
    before = snapshot(app)
    response = client.post(f"/staff/admin/departments/{egov.id}/deactivate")
    assert response.status_code == 409
    assert "The default department cannot be deactivated" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_switching_the_default_is_an_explicit_action(
    app: Flask, client: FlaskClient, root: Any, make_department: Callable[..., Any]
) -> None:
    housing = make_department("housing")
    closed = make_department("closed", is_active=False)
    response = client.post(f"/staff/admin/departments/{closed.id}/make-default")
    assert response.status_code == 409
    assert "Only an active department can be the default" in response.get_data(as_text=True)
    assert client.post(f"/staff/admin/departments/{housing.id}/make-default").status_code == 302
    with app.app_context():
        defaults = db.session.scalars(select(Department.code).where(Department.is_default)).all()
    assert defaults == ["housing"]
    [event] = events(app)
    assert event.action == "department.made_default"
    assert event.detail["before"] == {"default": "egov"}
    assert event.detail["after"] == {"default": "housing"}


def test_an_unreferenced_department_can_be_deleted(
    app: Flask, client: FlaskClient, root: Any, make_department: Callable[..., Any]
) -> None:
    mistake = make_department("mistake")
    response = client.post(f"/staff/admin/departments/{mistake.id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/admin/departments")
    assert stored(app, "mistake") is None
    [event] = events(app)
    assert event.action == "department.deleted" and event.detail["after"] is None
    assert event.detail["before"]["code"] == "mistake"


def refer_by_ticket(app: Flask, department: Any, make_ticket: Callable[..., Any]) -> None:
    make_ticket(department=department.id)


def refer_by_user(app: Flask, department: Any, make_user: Callable[..., Any]) -> None:
    make_user(department=department.id)


def refer_by_rule(app: Flask, department: Any) -> None:
    with app.app_context():
        db.session.add(RoutingRule(name="r", keywords="x", department_id=department.id))
        db.session.commit()


def refer_by_reply(app: Flask, department: Any) -> None:
    with app.app_context():
        db.session.add(CannedReply(title="t", body="b", department_id=department.id))
        db.session.commit()


@pytest.mark.parametrize(
    ("referrer", "label"),
    [
        ("ticket", "Tickets: 1"),
        ("user", "Users: 1"),
        ("rule", "Routing rules: 1"),
        ("reply", "Canned replies: 1"),
    ],
)
def test_a_referenced_department_cannot_be_deleted(
    app: Flask,
    client: FlaskClient,
    root: Any,
    make_department: Callable[..., Any],
    make_ticket: Callable[..., Any],
    make_user: Callable[..., Any],
    referrer: str,
    label: str,
) -> None:
    housing = make_department("housing")
    if referrer == "ticket":
        refer_by_ticket(app, housing, make_ticket)
    elif referrer == "user":
        refer_by_user(app, housing, make_user)
    elif referrer == "rule":
        refer_by_rule(app, housing)
    else:
        refer_by_reply(app, housing)
    before = snapshot(app)
    response = client.post(f"/staff/admin/departments/{housing.id}/delete")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "cannot be deleted while tickets, users, routing rules or canned replies" in html
    assert label in html
    assert snapshot(app) == before
    assert events(app) == []


def test_the_default_department_cannot_be_deleted(
    app: Flask, client: FlaskClient, root: Any
) -> None:
    egov = stored(app, "egov")
    assert egov is not None
    response = client.post(f"/staff/admin/departments/{egov.id}/delete")
    assert response.status_code == 409
    assert "The default department cannot be deleted" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Department)) == 1


def test_unknown_departments_are_not_found(app: Flask, client: FlaskClient, root: Any) -> None:
    assert client.get("/staff/admin/departments/999").status_code == 404
    before = database_state(app)
    assert client.post("/staff/admin/departments/999/delete").status_code == 404
    assert database_state(app) == before


def test_the_first_department_becomes_the_default(make_app: Callable[..., Flask]) -> None:
    app = make_app()  # no department at all yet
    now = datetime.now(UTC)
    with app.app_context():
        first = admin.create_department(
            db.session,
            "egov",
            admin.DepartmentFields(name_zh="电子政务办"),
            actor=Actor.system(),
            now=now,
        )
        second = admin.create_department(
            db.session,
            "water",
            admin.DepartmentFields(name_zh="水务局"),
            actor=Actor.system(),
            now=now,
        )
        db.session.commit()
        assert first.is_default and not second.is_default
