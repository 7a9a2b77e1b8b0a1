"""A copy of a staff session cookie stops working when the session is ended on purpose:
sign-out, a new password, a new role, deactivation, a reset of the one-time password (the session
generation is raised)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from enquiry.extensions import db
from enquiry.models import Department, Role, User
from tests.app.conftest import DEFAULT_PASSWORD, english

DOMAIN = "enquiry.test"
SESSION_COOKIE = "enquiry_session"


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of the client's session cookie."""
    cookie = client.get_cookie(SESSION_COOKIE, domain=DOMAIN)
    assert cookie is not None
    thief = english(app.test_client())
    thief.set_cookie(SESSION_COOKIE, cookie.value, domain=DOMAIN)
    return thief


def is_signed_in(client: FlaskClient) -> bool:
    response = client.get("/staff/account")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/staff/login")
        return False
    assert response.status_code == 200
    return True


def generation(app: Flask, user_id: int) -> int:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return user.session_generation


def department_id(app: Flask, code: str) -> int:
    with app.app_context():
        department = db.session.query(Department).filter_by(code=code).one()
        return department.id


def signed_in(
    app: Flask, staff_login: Callable[..., Any], **fields: Any
) -> tuple[FlaskClient, Any]:
    client = english(app.test_client())
    user = staff_login(client, **fields)
    return client, user


def test_a_copied_cookie_stops_working_after_sign_out(
    app: Flask, staff_login: Callable[..., Any], login: Callable[..., TestResponse]
) -> None:
    client, user = signed_in(app, staff_login)
    thief = copy_of(app, client)
    assert is_signed_in(thief)
    assert client.post("/staff/logout").status_code == 302
    assert not is_signed_in(thief)
    assert not is_signed_in(client)
    # Signing in again works, and the copy stays dead.
    assert login(client, user).status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(thief)


def test_a_copied_cookie_stops_working_after_a_password_change(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client, _user = signed_in(app, staff_login)
    thief = copy_of(app, client)
    response = client.post(
        "/staff/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "another long passphrase",
            "confirm_password": "another long passphrase",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert is_signed_in(client)  # the session that changed it goes on
    assert not is_signed_in(thief)


def test_a_refused_password_change_ends_no_session(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client, user = signed_in(app, staff_login)
    thief = copy_of(app, client)
    before = generation(app, user.id)
    response = client.post(
        "/staff/account/password",
        data={
            "current_password": "not the password at all",
            "new_password": "another long passphrase",
            "confirm_password": "another long passphrase",
        },
    )
    assert response.status_code == 200
    assert generation(app, user.id) == before
    assert is_signed_in(thief) and is_signed_in(client)


def test_a_copied_cookie_stops_working_after_a_role_change(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client, user = signed_in(app, staff_login, role=Role.AGENT)
    thief = copy_of(app, client)
    admin, _ = signed_in(app, staff_login, role=Role.ADMIN)
    response = admin.post(
        f"/staff/admin/users/{user.id}",
        data={
            "display_name": user.display_name,
            "role": "supervisor",
            "department": str(department_id(app, "egov")),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert not is_signed_in(thief)
    assert not is_signed_in(client)
    assert is_signed_in(admin)


def test_a_copied_cookie_stops_working_after_a_totp_reset(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client, user = signed_in(app, staff_login, role=Role.AGENT)
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored is not None
        stored.totp_secret = "JBSWY3DPEHPK3PXP"
        db.session.commit()
    thief = copy_of(app, client)
    assert is_signed_in(thief)
    admin, _ = signed_in(app, staff_login, role=Role.ADMIN)
    assert admin.post(f"/staff/admin/users/{user.id}/reset-totp").status_code == 302
    assert generation(app, user.id) == 1
    assert not is_signed_in(thief)
    assert not is_signed_in(client)
    assert is_signed_in(admin)


def test_a_name_change_ends_no_session(app: Flask, staff_login: Callable[..., Any]) -> None:
    client, user = signed_in(app, staff_login, role=Role.AGENT)
    admin, _ = signed_in(app, staff_login, role=Role.ADMIN)
    response = admin.post(
        f"/staff/admin/users/{user.id}",
        data={
            "display_name": "A new name",
            "role": "agent",
            "department": str(department_id(app, "egov")),
        },
    )
    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_refused_role_change_ends_no_session(app: Flask, staff_login: Callable[..., Any]) -> None:
    admin, me = signed_in(app, staff_login, role=Role.ADMIN, department=None)
    thief = copy_of(app, admin)
    before = generation(app, me.id)
    response = admin.post(
        f"/staff/admin/users/{me.id}",
        data={"display_name": me.display_name, "role": "agent", "department": ""},
    )
    assert response.status_code in {400, 409}
    assert generation(app, me.id) == before
    assert is_signed_in(admin) and is_signed_in(thief)


def test_a_copied_cookie_stays_dead_after_deactivation_and_reactivation(
    app: Flask, staff_login: Callable[..., Any], login: Callable[..., TestResponse]
) -> None:
    client, user = signed_in(app, staff_login, role=Role.AGENT)
    thief = copy_of(app, client)
    admin, _ = signed_in(app, staff_login, role=Role.ADMIN)
    assert admin.post(f"/staff/admin/users/{user.id}/deactivate").status_code == 302
    assert not is_signed_in(thief)
    assert admin.post(f"/staff/admin/users/{user.id}/reactivate").status_code == 302
    assert not is_signed_in(thief)
    assert not is_signed_in(client)
    assert login(client, user).status_code == 302
    assert is_signed_in(client)


def test_a_refused_deactivation_ends_no_session(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    admin, me = signed_in(app, staff_login, role=Role.ADMIN)
    thief = copy_of(app, admin)
    before = generation(app, me.id)
    assert admin.post(f"/staff/admin/users/{me.id}/deactivate").status_code == 409
    assert generation(app, me.id) == before
    assert is_signed_in(admin) and is_signed_in(thief)
