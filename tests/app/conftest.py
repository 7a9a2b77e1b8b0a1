"""Staff fixtures: users, a real login through the form, departments and tickets."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from enquiry.domain.accounts.passwords import create_user
from enquiry.extensions import db
from enquiry.models import (
    ApplicantType,
    AuditEvent,
    Channel,
    Department,
    Kind,
    Role,
    Status,
    Ticket,
)

DEFAULT_PASSWORD = "correct horse battery staple"


def english(client: FlaskClient) -> FlaskClient:
    """Ask for English pages, so tests can read the messages (Chinese is the default)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _department_id(code_or_id: str | int | None) -> int | None:
    if code_or_id is None or isinstance(code_or_id, int):
        return code_or_id
    department = db.session.scalar(select(Department).where(Department.code == code_or_id))
    assert department is not None, f"no department {code_or_id!r}"
    return department.id


def _detach(obj: Any) -> Any:
    """Load an object's columns and detach it, so a test can read it after the context ends."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def make_department(app: Flask) -> Callable[..., Department]:
    """Return a factory of departments: make_department("housing")."""

    def factory(code: str, **overrides: Any) -> Department:
        with app.app_context():
            fields: dict[str, Any] = {"code": code, "name_zh": f"{code}局", "name_en": code}
            department = Department(**(fields | overrides))
            db.session.add(department)
            db.session.commit()
            return _detach(department)

    return factory


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    """Return a factory of staff users: make_user(role=Role.ADMIN, department="egov")."""
    numbers = itertools.count(1)

    def factory(
        role: Role | str = Role.AGENT,
        department: str | int | None = "egov",
        password: str = DEFAULT_PASSWORD,
        email: str | None = None,
        **overrides: Any,
    ) -> Any:
        number = next(numbers)
        with app.app_context():
            department_id = _department_id(department)
            user = create_user(
                db.session,
                email=email or f"staff{number}@enquiry.test",
                display_name=overrides.pop("display_name", f"Staff {number}"),
                password=password,
                role=Role(role),
                department=db.session.get(Department, department_id) if department_id else None,
            )
            for name, value in overrides.items():
                setattr(user, name, value)
            db.session.commit()
            return _detach(user)

    return factory


@pytest.fixture
def login() -> Callable[..., TestResponse]:
    """Return a helper that signs a user in through the real login form."""

    def do_login(
        client: FlaskClient, user: Any, password: str = DEFAULT_PASSWORD, next: str | None = None
    ) -> TestResponse:
        data = {"email": user.email, "password": password}
        if next is not None:
            data["next"] = next
        return client.post("/staff/login", data=data)

    return do_login


@pytest.fixture
def staff_login(
    make_user: Callable[..., Any], login: Callable[..., TestResponse]
) -> Callable[..., Any]:
    """Return a helper that makes a user and signs them in: staff_login(client, role=...)."""

    def sign_in(client: FlaskClient, **user_fields: Any) -> Any:
        user = make_user(**user_fields)
        response = login(client, user, user_fields.get("password", DEFAULT_PASSWORD))
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


@pytest.fixture
def make_ticket(app: Flask) -> Callable[..., Any]:
    """Return a factory that inserts Ticket rows directly (no domain verbs, no mail)."""
    numbers = itertools.count(1)

    def factory(**overrides: Any) -> Any:
        number = next(numbers)
        with app.app_context():
            department = overrides.pop("department", "egov")
            fields: dict[str, Any] = {
                "reference": f"WLMQ-2024-{number:06d}",
                "kind": Kind.QUESTION,
                "status": Status.RECEIVED,
                "channel": Channel.WEB,
                "department_id": _department_id(department),
                "subject": f"Enquiry number {number}",
                "citizen_name": "张三",
                "citizen_email": f"citizen{number}@example.test",
                "access_code_hash": "0" * 64,
                "received_on": date(2024, 5, 6),
                "created_at": datetime(2024, 5, 6, 8, 0, tzinfo=UTC),
            }
            fields.update(overrides)
            if fields["kind"] == Kind.INFO_APPLICATION:
                fields.setdefault("applicant_type", ApplicantType.CITIZEN)
            if fields["status"] == Status.CLOSED:
                fields.setdefault("closed_at", fields["created_at"])
            ticket = Ticket(**fields)
            db.session.add(ticket)
            db.session.commit()
            return _detach(ticket)

    return factory


@pytest.fixture
def audit_actions(app: Flask) -> Callable[[], list[str]]:
    """Return a helper listing the audit actions recorded so far, oldest first."""

    def actions() -> list[str]:
        with app.app_context():
            return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))

    return actions


@pytest.fixture
def make_token(app: Flask) -> Callable[..., str]:
    """Return a factory of API tokens: make_token(user) gives the secret to send as Bearer."""
    from enquiry.audit import Actor
    from enquiry.domain.admin.tokens import create_token
    from enquiry.models import User, utcnow

    def factory(user: Any, name: str = "12345 hotline") -> str:
        with app.app_context():
            owner = db.session.get(User, user.id)
            issued = create_token(
                db.session, name=name, user=owner, actor=Actor.system(), now=utcnow()
            )
            db.session.commit()
            return issued.secret

    return factory
