"""Staff sign-in: passwords, lockout, rate limit, sessions, one-time passwords, the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from enquiry.domain.accounts.totp import matching_totp_step
from enquiry.extensions import db
from enquiry.models import AuditEvent, Role, User, utcnow
from enquiry.models.settings import TOTP_REQUIRED_ROLES, get_setting
from enquiry.staff.access import LAST_SEEN_KEY
from enquiry.staff.auth import PENDING_KEY
from tests.app.conftest import DEFAULT_PASSWORD, english

SAME_MESSAGE = "The e-mail address or password is not correct."


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that asks for English."""
    return english(app.test_client())


def location(response: Any) -> str:
    """Return the path (and query) a redirect points to."""
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def get_user(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        db.session.expunge_all()
        return found


def test_login_page_renders(client: FlaskClient) -> None:
    response = client.get("/staff/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html
    assert 'autocomplete="current-password"' in html


def test_login_succeeds_and_is_audited(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user(failed_logins=2)
    response = login(client, user)
    assert response.status_code == 302
    assert location(response) == "/staff"
    assert client.get("/staff").status_code == 200
    [event] = events(app, "auth.login")
    assert event.actor_id == user.id
    assert event.remote_addr == "127.0.0.1"
    stored = get_user(app, user.id)
    assert stored.failed_logins == 0
    assert stored.last_login_at is not None


def test_login_is_case_insensitive_on_the_address(
    client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    make_user(email="zhang.wei@enquiry.test")
    response = client.post(
        "/staff/login", data={"email": " Zhang.Wei@Enquiry.TEST ", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


def test_unknown_address_and_wrong_password_get_the_same_answer(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    user = make_user()
    unknown = client.post(
        "/staff/login", data={"email": "nobody@enquiry.test", "password": DEFAULT_PASSWORD}
    )
    wrong = client.post("/staff/login", data={"email": user.email, "password": "not it at all"})
    assert unknown.status_code == wrong.status_code == 200
    assert SAME_MESSAGE in unknown.get_data(as_text=True)

    def message(response: Any) -> str:
        return re.sub(r"\s+", " ", response.get_data(as_text=True)).split(SAME_MESSAGE)[1][:80]

    assert message(unknown) == message(wrong)
    failures = events(app, "auth.login_failed")
    assert [e.detail["reason"] for e in failures] == ["unknown", "password"]
    assert failures[0].actor_id is None and failures[0].detail["email"] == "nobody@enquiry.test"
    assert failures[1].actor_id == user.id
    assert all(e.remote_addr == "127.0.0.1" for e in failures)


def test_inactive_user_cannot_sign_in(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user(is_active=False)
    response = login(client, user)
    assert response.status_code == 200
    assert SAME_MESSAGE in response.get_data(as_text=True)
    assert events(app, "auth.login_failed")[0].detail["reason"] == "inactive"


def test_lockout_after_repeated_failures(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    for _ in range(4):
        login(client, user, password="wrong password!")
    assert get_user(app, user.id).locked_until is None
    assert get_user(app, user.id).failed_logins == 4
    login(client, user, password="wrong password!")
    stored = get_user(app, user.id)
    assert stored.locked_until is not None
    assert stored.locked_until > utcnow() + timedelta(minutes=14)
    [lockout] = events(app, "auth.lockout")
    assert lockout.actor_id == user.id and lockout.remote_addr == "127.0.0.1"

    # Even the right password is refused while locked, with the same message.
    response = login(client, user)
    assert response.status_code == 200
    assert SAME_MESSAGE in response.get_data(as_text=True)
    assert len(events(app, "auth.login_locked")) == 1
    assert client.get("/staff").status_code == 302


def test_lockout_ends(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user(locked_until=utcnow() - timedelta(seconds=1))
    response = login(client, user)
    assert response.status_code == 302
    assert get_user(app, user.id).locked_until is None


def test_lockout_threshold_is_configurable(
    make_app: Callable[..., Flask], make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()  # on the default app
    app = make_app(LOGIN_LOCKOUT_THRESHOLD=2, LOGIN_LOCKOUT_MINUTES=1)
    client = english(app.test_client())
    login(client, user, password="wrong password!")
    login(client, user, password="wrong password!")
    locked_until = get_user(app, user.id).locked_until
    assert locked_until is not None
    assert locked_until < utcnow() + timedelta(minutes=1, seconds=5)


def test_login_rate_limit_is_enforced_and_audited(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = english(app.test_client())
    data = {"email": "nobody@enquiry.test", "password": "whatever it is"}
    codes = [client.post("/staff/login", data=data).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/staff/login").status_code == 200  # only the POST is limited
    [event] = events(app, "auth.rate_limited")
    assert event.remote_addr == "127.0.0.1"
    assert event.detail["endpoint"] == "staff.login"


def test_password_checks_in_a_session_are_limited_per_user(
    make_app: Callable[..., Flask], make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user, colleague = make_user(), make_user()  # on the default app
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = english(app.test_client())
    assert login(client, user).status_code == 302
    wrong = {
        "current_password": "wrong password here",
        "new_password": "a brand new long password",
        "confirm_password": "a brand new long password",
    }
    codes = [client.post("/staff/account/password", data=wrong).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Sign-ins from the same address have their own allowance.
    assert login(english(app.test_client()), colleague).status_code == 302
    [event] = events(app, "auth.rate_limited")
    assert event.detail["endpoint"] == "staff.change_password"


def test_logout_is_post_only_and_audited(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    login(client, user)
    assert client.get("/staff/logout").status_code == 405
    assert client.get("/staff").status_code == 200
    response = client.post("/staff/logout")
    assert location(response) == "/staff/login"
    assert client.get("/staff").status_code == 302
    [event] = events(app, "auth.logout")
    assert event.actor_id == user.id


def test_logout_form_is_on_every_staff_page(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    login(client, make_user())
    html = client.get("/staff").get_data(as_text=True)
    assert re.search(r'<form[^>]*method="post"[^>]*action="/staff/logout"', html)


def test_anonymous_user_returns_to_the_page_asked_for(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    response = client.get("/staff/account")
    assert urlsplit(response.headers["Location"]).path == "/staff/login"
    next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert next_url == "/staff/account"
    assert f'value="{next_url}"' in client.get(response.headers["Location"]).get_data(True)
    assert location(login(client, make_user(), next=next_url)) == "/staff/account"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/staff",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "staff",
    ],
)
def test_next_cannot_leave_the_site(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any], target: str
) -> None:
    response = login(client, make_user(), next=target)
    assert location(response) == "/staff"


def test_idle_session_expires(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    login(client, user)
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = (utcnow() - timedelta(minutes=31)).timestamp()
    response = client.get("/staff/account")
    assert urlsplit(response.headers["Location"]).path == "/staff/login"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "30 minutes without activity" in page
    assert client.get("/staff").status_code == 302  # still signed out
    [event] = events(app, "auth.session_expired")
    assert event.actor_id == user.id


def test_activity_keeps_the_session_alive(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    login(client, make_user())
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = (utcnow() - timedelta(minutes=29)).timestamp()
    assert client.get("/staff").status_code == 200
    with client.session_transaction() as session:
        assert utcnow().timestamp() - session[LAST_SEEN_KEY] < 60


def test_activity_is_written_once_a_minute_so_a_request_leaves_anothers_cookie_alone(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    """Each write of the session re-sends its cookie, and the browser keeps the last one it got:
    a draft saved while an answer is sent would drop the answer's flashed confirmation. So a
    request within a minute of the recorded activity leaves the session alone."""
    login(client, make_user())
    client.get("/staff")  # the session's CSRF token is made once, on the first form
    recent = utcnow().timestamp() - 20
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = recent
    response = client.get("/staff")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with client.session_transaction() as session:
        assert session[LAST_SEEN_KEY] == recent
        session[LAST_SEEN_KEY] = utcnow().timestamp() - 61
    response = client.get("/staff")
    assert "enquiry_session=" in response.headers["Set-Cookie"]
    with client.session_transaction() as session:
        assert utcnow().timestamp() - session[LAST_SEEN_KEY] < 5


def test_session_is_bound_to_the_browser(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    login(client, make_user())
    assert client.get("/staff").status_code == 200
    response = client.get("/staff", headers={"User-Agent": "a different browser"})
    assert response.status_code == 302


# Password change


def test_password_change(
    app: Flask, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    client, other_browser = english(app.test_client()), english(app.test_client())
    login(client, user)
    login(other_browser, user)
    new_password = "a brand new long password"
    response = client.post(
        "/staff/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": new_password,
            "confirm_password": new_password,
        },
    )
    assert location(response) == "/staff/account"
    assert client.get("/staff").status_code == 200  # this session continues
    assert other_browser.get("/staff").status_code == 302  # every other one ends
    assert len(events(app, "auth.password_changed")) == 1
    client.post("/staff/logout")
    assert login(client, user).status_code == 200  # the old password no longer works
    assert login(client, user, password=new_password).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong password here", "a brand new long password", "a brand new long password",
         "The current password is not correct."),
        (DEFAULT_PASSWORD, "too short", "too short", "Use at least 12 characters."),
        (DEFAULT_PASSWORD, "a brand new long password", "another long password",
         "The two new passwords differ."),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD, DEFAULT_PASSWORD, "different from the current one"),
    ],
)  # fmt: skip
def test_password_change_refusals(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    current: str,
    new: str,
    confirm: str,
    message: str,
) -> None:
    user = make_user()
    login(client, user)
    response = client.post(
        "/staff/account/password",
        data={"current_password": current, "new_password": new, "confirm_password": confirm},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert get_user(app, user.id).password_hash == user.password_hash
    assert events(app, "auth.password_changed") == []


def test_wrong_current_password_is_audited(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    login(client, make_user())
    client.post(
        "/staff/account/password",
        data={
            "current_password": "wrong password here",
            "new_password": "a brand new long password",
            "confirm_password": "a brand new long password",
        },
    )
    assert len(events(app, "auth.password_change_failed")) == 1


# One-time passwords


def test_totp_steps_fixed_clock() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = datetime(2024, 5, 6, 8, 0, 15, tzinfo=UTC)
    step = totp.timecode(now)
    assert matching_totp_step(secret, totp.at(now), now, None) == step
    assert matching_totp_step(secret, totp.at(now - timedelta(seconds=30)), now, None) == step - 1
    assert matching_totp_step(secret, totp.at(now + timedelta(seconds=30)), now, None) == step + 1
    assert matching_totp_step(secret, totp.at(now + timedelta(seconds=60)), now, None) is None
    assert matching_totp_step(secret, totp.at(now - timedelta(seconds=60)), now, None) is None
    # A step once used, or any step before it, is refused.
    assert matching_totp_step(secret, totp.at(now), now, step) is None
    assert matching_totp_step(secret, totp.at(now - timedelta(seconds=30)), now, step) is None
    assert matching_totp_step(secret, totp.at(now + timedelta(seconds=30)), now, step) == step + 1


def enrol(client: FlaskClient) -> str:
    """Enrol the signed-in user; return the secret."""
    page = client.get("/staff/account/totp").get_data(as_text=True)
    secret = re.search(r"otpauth://totp/[^<\"]*?secret=([A-Z2-7]+)", page)
    assert secret is not None
    wrong = client.post("/staff/account/totp", data={"code": "000000"})
    if pyotp.TOTP(secret.group(1)).now() != "000000":
        assert "The code is not correct" in wrong.get_data(as_text=True)
    response = client.post("/staff/account/totp", data={"code": pyotp.TOTP(secret.group(1)).now()})
    assert location(response) == "/staff/account", response.get_data(as_text=True)
    return secret.group(1)


def test_totp_enrolment_then_two_step_login(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    user = make_user()
    login(client, user)
    secret = enrol(client)
    stored = get_user(app, user.id)
    assert stored.totp_secret == secret
    assert len(events(app, "auth.totp_enrolled")) == 1
    page = client.get("/staff/account/totp").get_data(as_text=True)
    assert "already set up" in page and secret not in page
    client.post("/staff/logout")

    response = login(client, user, next="/staff/account")
    assert location(response) == "/staff/login/totp"
    assert client.get("/staff").status_code == 302  # not signed in yet
    assert len(events(app, "auth.login")) == 1  # only the first, password-only login
    # Enrolment used this step's code, so it cannot be used again now.
    replay = client.post("/staff/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert replay.status_code == 200
    assert "already used" in replay.get_data(as_text=True)
    assert client.get("/staff").status_code == 302


def test_totp_login_accepts_a_fresh_code_once(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    secret = pyotp.random_base32()
    user = make_user(totp_secret=secret)
    assert location(login(client, user, next="/staff/account")) == "/staff/login/totp"
    code = pyotp.TOTP(secret).now()
    response = client.post("/staff/login/totp", data={"code": code[:3] + " " + code[3:]})
    assert location(response) == "/staff/account"
    assert client.get("/staff").status_code == 200
    assert get_user(app, user.id).totp_last_step is not None
    assert len(events(app, "auth.login")) == 1

    other = english(app.test_client())
    login(other, user)
    replay = other.post("/staff/login/totp", data={"code": code})
    assert "already used" in replay.get_data(as_text=True)
    assert other.get("/staff").status_code == 302


def test_wrong_codes_count_towards_lockout(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    secret = pyotp.random_base32()
    user = make_user(totp_secret=secret)
    login(client, user)
    valid = {pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=s)) for s in (-30, 0, 30)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)
    for _ in range(4):
        assert client.post("/staff/login/totp", data={"code": wrong}).status_code == 200
    response = client.post("/staff/login/totp", data={"code": wrong})
    assert location(response) == "/staff/login"
    assert get_user(app, user.id).locked_until is not None
    assert [e.detail["reason"] for e in events(app, "auth.login_failed")] == ["totp"] * 5
    assert len(events(app, "auth.lockout")) == 1
    # The second step is gone: back to the password.
    assert location(client.get("/staff/login/totp")) == "/staff/login"


def test_second_step_expires(
    client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    secret = pyotp.random_base32()
    login(client, make_user(totp_secret=secret))
    with client.session_transaction() as session:
        pending = dict(session[PENDING_KEY])
        pending["since"] -= 301
        session[PENDING_KEY] = pending
    response = client.post("/staff/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert location(response) == "/staff/login"


def test_second_step_needs_the_password_first(client: FlaskClient) -> None:
    assert location(client.get("/staff/login/totp")) == "/staff/login"


def test_admin_requires_totp_per_role(
    app: Flask, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    admin, agent = make_user(role=Role.ADMIN), make_user(role=Role.AGENT)
    admin_client, agent_client = english(app.test_client()), english(app.test_client())
    login(admin_client, admin)
    assert admin_client.get("/staff/admin/security").status_code == 200
    response = admin_client.post("/staff/admin/security", data={"require_totp_agent": "y"})
    assert location(response) == "/staff/admin/security"
    with app.app_context():
        assert get_setting(db.session, TOTP_REQUIRED_ROLES) == ["agent"]
    [change] = events(app, "settings.changed")
    assert change.detail == {"key": TOTP_REQUIRED_ROLES, "before": [], "after": ["agent"]}
    assert admin_client.get("/staff").status_code == 200  # admins are not concerned

    # The agent is sent to enrolment straight after the password, and held there.
    assert location(login(agent_client, agent)) == "/staff/account/totp"
    for path in ("/staff", "/staff/account", "/staff/account/password"):
        assert location(agent_client.get(path)) == "/staff/account/totp"
    assert agent_client.get("/staff/account/totp").status_code == 200
    enrol(agent_client)
    assert agent_client.get("/staff").status_code == 200


def test_unenrolled_user_may_still_sign_out(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    with app.app_context():
        from enquiry.models.settings import put_setting

        put_setting(db.session, TOTP_REQUIRED_ROLES, ["supervisor"], now=utcnow())
        db.session.commit()
    login(client, make_user(role=Role.SUPERVISOR))
    assert location(client.post("/staff/logout")) == "/staff/login"


def test_security_settings_can_be_cleared(
    app: Flask, client: FlaskClient, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    login(client, make_user(role=Role.ADMIN))
    client.post("/staff/admin/security", data={"require_totp_agent": "y", "require_totp_admin": ""})
    page = client.get("/staff/admin/security").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="require_totp_agent"|'
                     r'<input[^>]*name="require_totp_agent"[^>]*checked', page)  # fmt: skip
    client.post("/staff/admin/security", data={})
    with app.app_context():
        assert get_setting(db.session, TOTP_REQUIRED_ROLES) == []


# The command that creates the first account


def test_users_create_command_makes_an_admin_who_can_sign_in(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    result = runner.invoke(
        args=[
            "users", "create", "--email", "First.Admin@enquiry.test", "--name", "First Admin",
            "--role", "admin", "--password", DEFAULT_PASSWORD,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "first.admin@enquiry.test"))
        assert user is not None and user.role is Role.ADMIN
    response = client.post(
        "/staff/login", data={"email": "first.admin@enquiry.test", "password": DEFAULT_PASSWORD}
    )
    assert location(response) == "/staff"
    assert client.get("/staff/admin/security").status_code == 200


def test_users_create_command_refuses_a_short_password(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "--email", "a@enquiry.test", "--name", "A", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "12 characters" in result.output
