"""The account verbs of enquiry.domain.accounts, called directly: sign-in and lockout, the
one-time password (replay refused), enrolment, password change, sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from enquiry.audit import Actor
from enquiry.domain.accounts import sessions, totp
from enquiry.domain.accounts.login import (
    LockoutPolicy,
    LoginRefusedError,
    authenticate,
    is_locked,
    verify_second_step,
)
from enquiry.domain.accounts.passwords import WrongPasswordError, change_password, verify_password
from enquiry.extensions import db
from enquiry.models import AuditEvent, Role, User
from tests.app.conftest import DEFAULT_PASSWORD

NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
POLICY = LockoutPolicy(threshold=3, duration=timedelta(minutes=10))
ADDRESS = "192.0.2.7"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def user(ctx: None, make_user: Callable[..., Any]) -> User:
    """A signed-up agent, attached to the test's session."""
    made = make_user(email="agent@enquiry.test")
    found = db.session.get(User, made.id)
    assert found is not None
    return found


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def details(action: str) -> list[dict[str, Any]]:
    query = select(AuditEvent.detail).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def sign_in(email: str, password: str, now: datetime = NOW) -> User:
    return authenticate(db.session, email, password, policy=POLICY, remote_addr=ADDRESS, now=now)


def test_the_right_password_signs_in_and_clears_earlier_failures(user: User) -> None:
    user.failed_logins = 2
    assert sign_in("  Agent@Enquiry.TEST ", DEFAULT_PASSWORD) is user
    assert user.failed_logins == 0
    assert user.locked_until is None
    assert actions() == []


@pytest.mark.parametrize("email", ["nobody@enquiry.test", "agent@enquiry.test"])
def test_an_unknown_or_inactive_account_is_refused_and_recorded(user: User, email: str) -> None:
    user.is_active = False
    with pytest.raises(LoginRefusedError):
        sign_in(email, DEFAULT_PASSWORD)
    reason = "unknown" if email.startswith("nobody") else "inactive"
    assert details("auth.login_failed") == [{"email": email, "reason": reason}]
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.actor_label, event.remote_addr) == ("anonymous", ADDRESS)


def test_failures_lock_the_account_at_the_threshold(user: User) -> None:
    for _attempt in range(POLICY.threshold):
        with pytest.raises(LoginRefusedError):
            sign_in(user.email, "not the password")
    assert user.locked_until == NOW + POLICY.duration
    assert user.failed_logins == 0  # a fresh allowance once the lock ends
    assert is_locked(user, NOW + POLICY.duration - timedelta(seconds=1))
    assert [d["failures"] for d in details("auth.login_failed")] == [1, 2, 3]
    assert details("auth.lockout") == [{"failures": 3, "until": user.locked_until.isoformat()}]


def test_a_locked_account_refuses_even_the_right_password_until_the_lock_ends(
    user: User,
) -> None:
    user.locked_until = NOW + timedelta(minutes=5)
    with pytest.raises(LoginRefusedError):
        sign_in(user.email, DEFAULT_PASSWORD)
    assert actions() == ["auth.login_locked"]
    assert user.failed_logins == 0  # a locked attempt is not counted again
    assert sign_in(user.email, DEFAULT_PASSWORD, NOW + timedelta(minutes=5, seconds=1)) is user
    assert user.locked_until is None


def test_the_policy_is_read_from_the_configuration() -> None:
    config = {"LOGIN_LOCKOUT_THRESHOLD": "2", "LOGIN_LOCKOUT_MINUTES": "1"}
    policy = LockoutPolicy.from_config(config)
    assert (policy.threshold, policy.duration, policy.minutes) == (2, timedelta(minutes=1), 1)
    assert LockoutPolicy.from_config({}) == LockoutPolicy()


def enrolled(user: User) -> pyotp.TOTP:
    user.totp_secret = pyotp.random_base32()
    db.session.flush()
    return pyotp.TOTP(user.totp_secret)


def second_step(user: User, code: str, now: datetime = NOW) -> None:
    actor = Actor.staff(user, remote_addr=ADDRESS)
    verify_second_step(db.session, user, code, policy=POLICY, actor=actor, now=now)


def test_a_one_time_password_is_accepted_once_only(user: User) -> None:
    codes = enrolled(user)
    user.failed_logins = 1
    second_step(user, codes.at(NOW))
    assert user.totp_last_step == codes.timecode(NOW)
    assert user.failed_logins == 0
    with pytest.raises(totp.WrongCodeError) as refused:
        second_step(user, codes.at(NOW), NOW + timedelta(seconds=5))  # the same code again
    assert refused.value.is_locked is False
    with pytest.raises(totp.WrongCodeError):  # the step before the one used: older, refused
        second_step(user, codes.at(NOW - timedelta(seconds=30)), NOW + timedelta(seconds=5))
    assert [d["reason"] for d in details("auth.login_failed")] == ["totp", "totp"]
    second_step(user, codes.at(NOW + timedelta(seconds=30)), NOW + timedelta(seconds=30))


def test_wrong_one_time_passwords_lock_the_account(user: User) -> None:
    enrolled(user)
    for attempt in range(1, POLICY.threshold + 1):
        with pytest.raises(totp.WrongCodeError) as refused:
            second_step(user, "000000" if attempt % 2 else "999999")
        assert refused.value.is_locked is (attempt == POLICY.threshold)
    assert is_locked(user, NOW)
    assert actions()[-1] == "auth.lockout"


def test_enrolment_keeps_one_secret_until_a_code_confirms_it(user: User) -> None:
    secret = totp.enrolment_secret(db.session, user)
    assert totp.enrolment_secret(db.session, user) == secret  # a second tab: the same key
    actor = Actor.staff(user)
    with pytest.raises(totp.WrongCodeError):
        totp.enrol(db.session, user, secret, "000000", actor=actor, now=NOW)
    assert (user.totp_secret, user.totp_pending_secret) == (None, secret)
    code = pyotp.TOTP(secret).at(NOW)
    totp.enrol(db.session, user, secret, code, actor=actor, now=NOW)
    assert (user.totp_secret, user.totp_pending_secret) == (secret, None)
    assert user.totp_last_step == pyotp.TOTP(secret).timecode(NOW)
    assert actions() == ["auth.totp_enrolled"]
    with pytest.raises(totp.WrongCodeError):  # the code that enrolled cannot sign in
        second_step(user, code)


def test_a_cancelled_enrolment_shows_a_new_secret_next_time(user: User) -> None:
    assert totp.cancel_enrolment(db.session, user) is False
    secret = totp.enrolment_secret(db.session, user)
    assert totp.cancel_enrolment(db.session, user) is True
    assert user.totp_pending_secret is None
    assert totp.enrolment_secret(db.session, user) != secret


def test_the_roles_that_need_a_one_time_password_are_a_recorded_setting(ctx: None) -> None:
    assert totp.required_roles(db.session) == frozenset()
    roles = [Role.SUPERVISOR, Role.ADMIN]
    totp.require_for_roles(db.session, roles, actor=Actor.system(), now=NOW)
    assert totp.required_roles(db.session) == frozenset(roles)
    assert details("settings.changed") == [
        {"key": "totp_required_roles", "before": [], "after": ["admin", "supervisor"]}
    ]


def test_a_password_change_needs_the_current_password_and_ends_every_session(
    user: User,
) -> None:
    old_id, generation = user.get_id(), user.session_generation
    with pytest.raises(WrongPasswordError):
        change_password(
            db.session, user, "a wrong guess", NEW_PASSWORD, actor=Actor.staff(user), now=NOW
        )
    assert user.session_generation == generation
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)
    change_password(
        db.session, user, DEFAULT_PASSWORD, NEW_PASSWORD, actor=Actor.staff(user), now=NOW
    )
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert user.session_generation == generation + 1
    assert sessions.user_for_session_id(db.session, old_id) is None
    assert actions() == ["auth.password_change_failed", "auth.password_changed"]


@pytest.mark.parametrize("session_id", ["", "x:0:abc", "999:0:abc", "1"])
def test_a_session_id_names_no_user_unless_it_matches(user: User, session_id: str) -> None:
    assert sessions.user_for_session_id(db.session, user.get_id()) is user
    assert sessions.user_for_session_id(db.session, session_id) is None


def test_signing_out_ends_every_session_and_a_deactivated_user_has_none(user: User) -> None:
    old_id = user.get_id()
    sessions.sign_in(db.session, user, actor=Actor.staff(user), now=NOW)
    assert user.last_login_at == NOW
    sessions.sign_out(db.session, user, actor=Actor.staff(user), now=NOW)
    assert sessions.user_for_session_id(db.session, old_id) is None
    user.is_active = False
    assert sessions.user_for_session_id(db.session, user.get_id()) is None
    assert actions() == ["auth.login", "auth.logout"]
