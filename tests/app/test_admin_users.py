"""Administration of staff users: list, create, edit, deactivate, reset TOTP, unlock; who may."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from enquiry.audit import Actor
from enquiry.domain import admin
from enquiry.extensions import db
from enquiry.models import AuditEvent, Department, Role, User
from tests.app.conftest import DEFAULT_PASSWORD, english
from tests.db_state import database_state

NEW_PASSWORD = "a long enough initial password"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return english(app.test_client())


@pytest.fixture
def root(client: FlaskClient, staff_login: Callable[..., Any]) -> Any:
    """An admin, signed in on `client`."""
    return staff_login(client, role=Role.ADMIN, department=None, email="root@example.com")


def department_id(app: Flask, code: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Department.id).where(Department.code == code))
        assert found is not None
        return found


def stored_user(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        db.session.expunge(user)
        return user


def user_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User)) or 0


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        db.session.expunge_all()
        return found


def new_user_form(app: Flask, **overrides: Any) -> dict[str, Any]:
    data = {
        "email": "New.Person@Example.com",
        "display_name": "艾力·买买提",
        "role": "agent",
        "department": str(department_id(app, "egov")),
        "password": NEW_PASSWORD,
    }
    return data | overrides


def can_sign_in(app: Flask, login: Callable[..., Any], email: str, password: str) -> bool:
    response = login(english(app.test_client()), SimpleNamespace(email=email), password)
    return response.status_code == 302


def path_of(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path


# Listing -----------------------------------------------------------------------------------------


def test_users_page_shows_role_department_totp_and_lockout(
    app: Flask, client: FlaskClient, root: Any, make_user: Callable[..., Any]
) -> None:
    until = datetime.now(UTC) + timedelta(minutes=10)
    make_user(display_name="Locked Agent", locked_until=until, failed_logins=5)
    make_user(display_name="Careful Supervisor", role=Role.SUPERVISOR, totp_secret="A" * 32)
    make_user(display_name="Gone Agent", is_active=False)
    response = client.get("/staff/admin/users")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Locked Agent", "Careful Supervisor", "Gone Agent", "root@example.com"):
        assert text in html
    assert "Supervisor" in html and "E-Government Office" in html
    assert "Deactivated" in html and "Set up" in html and "text-bg-warning" in html
    assert 'href="/staff/admin/users/new"' in html


def test_the_admin_landing_page_links_every_section(client: FlaskClient, root: Any) -> None:
    html = client.get("/staff/admin").get_data(as_text=True)
    for path in ("users", "departments", "rules", "replies", "audit", "security"):
        assert f'href="/staff/admin/{path}"' in html


# Creating ----------------------------------------------------------------------------------------


def test_create_a_user_with_a_typed_password(
    app: Flask, client: FlaskClient, root: Any, login: Callable[..., Any]
) -> None:
    response = client.post("/staff/admin/users/new", data=new_user_form(app))
    assert response.status_code == 302
    user = stored_user(app, "new.person@example.com")
    assert path_of(response) == f"/staff/admin/users/{user.id}"
    assert (user.role, user.department_id, user.display_name) == (
        Role.AGENT,
        department_id(app, "egov"),
        "艾力·买买提",
    )
    page = client.get(path_of(response)).get_data(as_text=True)
    assert "has been created" in page and "generated-password" not in page
    [event] = events(app, "user.created")
    assert event.actor_label == "root@example.com" and event.detail["before"] is None
    assert event.detail["after"] == {
        "email": "new.person@example.com",
        "display_name": "艾力·买买提",
        "role": "agent",
        "department": "egov",
        "is_active": True,
    }
    assert can_sign_in(app, login, "NEW.PERSON@example.com", NEW_PASSWORD)


def test_a_generated_password_is_shown_once_and_works(
    app: Flask, client: FlaskClient, root: Any, login: Callable[..., Any]
) -> None:
    data = new_user_form(app, role="admin", department="", password="")
    response = client.post("/staff/admin/users/new", data=data)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    shown = re.search(r'id="generated-password">([^<]+)<', response.get_data(as_text=True))
    assert shown is not None
    password = shown.group(1)
    assert len(password) >= 12
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="enquiry.test")
    assert cookie is not None
    assert password not in session_contents(app, cookie.value)
    user_page = f"/staff/admin/users/{stored_user(app, 'new.person@example.com').id}"
    assert "generated-password" not in client.get(user_page).get_data(as_text=True)
    assert stored_user(app, "new.person@example.com").department_id is None
    assert can_sign_in(app, login, "new.person@example.com", password)


def session_contents(app: Flask, cookie: str) -> str:
    """The session cookie as anyone holding it can read it (signed, not encrypted)."""
    payload = cookie.removeprefix(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if cookie.startswith(".") else raw).decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "STAFF1@enquiry.test"}, "already exists"),
        ({"email": "not an address"}, "valid e-mail address"),
        ({"email": ""}, "This field is required"),
        ({"display_name": "   "}, "This field is required"),
        ({"display_name": "名" * 101}, "At most 100 characters"),
        ({"role": "agent", "department": ""}, "Agents and supervisors need a department"),
        ({"role": "supervisor", "department": ""}, "Agents and supervisors need a department"),
        ({"role": "overlord"}, "Not a valid choice"),
        ({"department": "999"}, "Not a valid choice"),
        ({"password": "too short"}, "at least 12 characters"),
    ],
)
def test_bad_new_users_are_refused_and_nothing_is_stored(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    audit_actions: Callable[[], list[str]],
    overrides: dict[str, Any],
    message: str,
) -> None:
    make_user(email="staff1@enquiry.test")
    root = make_user(role=Role.ADMIN, department=None, email="root@example.com")
    login(client, root)
    before = user_count(app)
    response = client.post("/staff/admin/users/new", data=new_user_form(app, **overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'id="error-summary"' in html
    assert user_count(app) == before
    assert "user.created" not in audit_actions()


def test_a_new_user_cannot_join_an_inactive_department(
    app: Flask, client: FlaskClient, root: Any, make_department: Callable[..., Any]
) -> None:
    closed = make_department("closed", is_active=False)
    response = client.post(
        "/staff/admin/users/new", data=new_user_form(app, department=str(closed.id))
    )
    assert response.status_code == 400
    assert user_count(app) == 1


# Editing -----------------------------------------------------------------------------------------


def test_edit_role_department_and_name(
    app: Flask,
    client: FlaskClient,
    root: Any,
    make_user: Callable[..., Any],
    make_department: Callable[..., Any],
) -> None:
    housing = make_department("housing", name_en="Housing Bureau")
    agent = make_user(display_name="Old Name")
    page = client.get(f"/staff/admin/users/{agent.id}")
    assert page.status_code == 200 and "Old Name" in page.get_data(as_text=True)
    data = {"display_name": "New Name", "role": "supervisor", "department": str(housing.id)}
    response = client.post(f"/staff/admin/users/{agent.id}", data=data)
    assert response.status_code == 302
    stored = stored_user(app, agent.email)
    assert (stored.display_name, stored.role, stored.department_id) == (
        "New Name",
        Role.SUPERVISOR,
        housing.id,
    )
    [event] = events(app, "user.updated")
    assert event.detail["before"] == {
        "display_name": "Old Name",
        "role": "agent",
        "department": "egov",
    }
    assert event.detail["after"] == {
        "display_name": "New Name",
        "role": "supervisor",
        "department": "housing",
    }
    # The same values again change nothing and record nothing.
    assert client.post(f"/staff/admin/users/{agent.id}", data=data).status_code == 302
    assert len(events(app, "user.updated")) == 1


def test_bad_edits_are_refused_and_change_nothing(
    app: Flask, client: FlaskClient, root: Any, make_user: Callable[..., Any]
) -> None:
    agent = make_user(display_name="Kept")
    for data in (
        {"display_name": "Changed", "role": "agent", "department": ""},
        {"display_name": "", "role": "agent", "department": str(department_id(app, "egov"))},
    ):
        response = client.post(f"/staff/admin/users/{agent.id}", data=data)
        assert response.status_code == 400
    stored = stored_user(app, agent.email)
    assert stored.display_name == "Kept" and stored.department_id is not None
    assert events(app, "user.updated") == []


def test_an_admin_cannot_change_their_own_role(app: Flask, client: FlaskClient, root: Any) -> None:
    data = {"display_name": "Root", "role": "agent", "department": str(department_id(app, "egov"))}
    response = client.post(f"/staff/admin/users/{root.id}", data=data)
    assert response.status_code == 409
    assert "You cannot change your own role" in response.get_data(as_text=True)
    assert stored_user(app, root.email).role is Role.ADMIN


def test_unknown_users_are_not_found(app: Flask, client: FlaskClient, root: Any) -> None:
    assert client.get("/staff/admin/users/9999").status_code == 404
    before = database_state(app)
    assert client.post("/staff/admin/users/9999/deactivate").status_code == 404
    assert database_state(app) == before


# Deactivating ------------------------------------------------------------------------------------


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in_until_reactivated(
    app: Flask,
    client: FlaskClient,
    root: Any,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    agent = make_user()
    their_browser = english(app.test_client())
    assert login(their_browser, agent).status_code == 302
    assert their_browser.get("/staff/account").status_code == 200

    response = client.post(f"/staff/admin/users/{agent.id}/deactivate")
    assert response.status_code == 302
    assert stored_user(app, agent.email).is_active is False
    assert path_of(their_browser.get("/staff/account")) == "/staff/login"  # the loader refuses
    assert not can_sign_in(app, login, agent.email, DEFAULT_PASSWORD)

    assert client.post(f"/staff/admin/users/{agent.id}/reactivate").status_code == 302
    assert can_sign_in(app, login, agent.email, DEFAULT_PASSWORD)
    deactivated, reactivated = events(app, "user.deactivated"), events(app, "user.reactivated")
    assert deactivated[0].detail["before"] == {"is_active": True}
    assert deactivated[0].detail["after"] == {"is_active": False}
    assert reactivated[0].detail["email"] == agent.email


def test_an_admin_cannot_deactivate_themselves(app: Flask, client: FlaskClient, root: Any) -> None:
    response = client.post(f"/staff/admin/users/{root.id}/deactivate")
    assert response.status_code == 409
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    assert stored_user(app, root.email).is_active is True
    assert events(app, "user.deactivated") == []


def test_another_admin_can_be_deactivated_and_demoted(
    app: Flask, client: FlaskClient, root: Any, make_user: Callable[..., Any]
) -> None:
    other = make_user(role=Role.ADMIN, department=None)
    data = {"display_name": "Other", "role": "agent", "department": str(department_id(app, "egov"))}
    assert client.post(f"/staff/admin/users/{other.id}", data=data).status_code == 302
    assert client.post(f"/staff/admin/users/{other.id}/deactivate").status_code == 302
    assert stored_user(app, other.email).role is Role.AGENT


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(
    app: Flask, make_user: Callable[..., Any]
) -> None:
    only = make_user(role=Role.ADMIN, department=None, email="only@example.com")
    make_user(role=Role.ADMIN, department=None, is_active=False)  # does not count
    now = datetime.now(UTC)
    with app.app_context():
        user = db.session.get(User, only.id)
        assert user is not None
        with pytest.raises(admin.LastAdminError, match="last active admin"):
            admin.set_account_active(db.session, user, False, actor=Actor.system(), now=now)
        fields = admin.UserFields(display_name="Only", role=Role.SUPERVISOR, department_id=1)
        with pytest.raises(admin.LastAdminError):
            admin.update_account(db.session, user, fields, actor=Actor.system(), now=now)
        db.session.rollback()
    assert stored_user(app, "only@example.com").is_active is True
    assert stored_user(app, "only@example.com").role is Role.ADMIN
    assert events(app, "user.deactivated") == events(app, "user.updated") == []


# One-time passwords and lockouts -----------------------------------------------------------------


def test_reset_totp_clears_the_secret_and_the_last_step(
    app: Flask, client: FlaskClient, root: Any, make_user: Callable[..., Any]
) -> None:
    agent = make_user(totp_secret="B" * 32, totp_last_step=12345)
    page = client.get(f"/staff/admin/users/{agent.id}").get_data(as_text=True)
    assert f'action="/staff/admin/users/{agent.id}/reset-totp"' in page
    assert client.post(f"/staff/admin/users/{agent.id}/reset-totp").status_code == 302
    stored = stored_user(app, agent.email)
    assert stored.totp_secret is None and stored.totp_last_step is None
    [event] = events(app, "user.totp_reset")
    assert event.detail["after"] == {"has_totp": False}
    assert "B" * 32 not in str(event.detail)
    # Again: nothing to remove, nothing recorded.
    assert client.post(f"/staff/admin/users/{agent.id}/reset-totp").status_code == 302
    assert len(events(app, "user.totp_reset")) == 1


def test_unlock_clears_failures_and_the_lock(
    app: Flask,
    client: FlaskClient,
    root: Any,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    until = datetime.now(UTC) + timedelta(minutes=15)
    agent = make_user(failed_logins=3, locked_until=until)
    assert not can_sign_in(app, login, agent.email, DEFAULT_PASSWORD)
    assert client.post(f"/staff/admin/users/{agent.id}/unlock").status_code == 302
    stored = stored_user(app, agent.email)
    assert stored.failed_logins == 0 and stored.locked_until is None
    [event] = events(app, "user.unlocked")
    assert event.detail["before"]["locked_until"] is not None
    assert can_sign_in(app, login, agent.email, DEFAULT_PASSWORD)


# Who may ----------------------------------------------------------------------------------------

ADMIN_ONLY_PAGES = [
    "/staff/admin/users",
    "/staff/admin/users/new",
    "/staff/admin/departments",
    "/staff/admin/departments/new",
    "/staff/admin/rules",
    "/staff/admin/rules/new",
    "/staff/admin/rules/test",
    "/staff/admin/audit",
]


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_administration_is_for_admins_and_replies_also_for_supervisors(
    app: Flask, client: FlaskClient, staff_login: Callable[..., Any], role: Role
) -> None:
    staff_login(client, role=role)
    for path in ADMIN_ONLY_PAGES:
        assert client.get(path).status_code == 403, path
    before = database_state(app)
    for path in ("users/1/deactivate", "departments/1/delete", "audit/verify"):
        assert client.post(f"/staff/admin/{path}").status_code == 403, path
    assert database_state(app) == before
    expected = 200 if role is Role.SUPERVISOR else 403
    assert client.get("/staff/admin/replies").status_code == expected
    assert client.get("/staff/admin").status_code == expected
