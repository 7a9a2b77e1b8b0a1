"""One-time passwords (TOTP): checking a code without replay, enrolment, the roles that need one."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import datetime

import pyotp
import sqlalchemy as sa

from enquiry.audit import Actor, record
from enquiry.models import Role, SessionLike, User
from enquiry.models.settings import TOTP_REQUIRED_ROLES, get_setting, put_setting

DEFAULT_ISSUER = "Enquiry"


class WrongCodeError(ValueError):
    """The one-time password is not correct, or was already used."""

    def __init__(self, *, is_locked: bool = False) -> None:
        super().__init__("the one-time password is not correct, or was already used")
        self.is_locked = is_locked  # the failure locked the account


def matching_totp_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """Return the 30 s step a code belongs to (now or one step either side), unless used."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue  # that step, or an earlier one, was already used: a replay
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def enrolment_secret(session: SessionLike, user: User) -> str:
    """Return the secret being enrolled, creating one the first time."""
    # Kept on the user's row, never in the session cookie, which the browser can read. Set only
    # if still empty, so that two tabs opened at once show the same key.
    if user.totp_pending_secret is None:
        session.execute(
            sa.update(User)
            .where(User.id == user.id, User.totp_pending_secret.is_(None))
            .values(totp_pending_secret=pyotp.random_base32())
            .execution_options(synchronize_session=False)
        )
        session.refresh(user, ["totp_pending_secret"])
    assert user.totp_pending_secret is not None
    return user.totp_pending_secret


def provisioning_uri(secret: str, email: str, issuer: str = DEFAULT_ISSUER) -> str:
    """Return the otpauth:// URI an authenticator app reads."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def enrol(
    session: SessionLike, user: User, secret: str, code: str, *, actor: Actor, now: datetime
) -> None:
    """Confirm the enrolment of a secret with a code from it; from now on sign-in asks for one."""
    step = matching_totp_step(secret, code, now, None)
    if step is None:
        raise WrongCodeError
    user.totp_secret, user.totp_pending_secret = secret, None
    user.totp_last_step = step
    record(session, action="auth.totp_enrolled", actor=actor, now=now)
    session.flush()


def cancel_enrolment(session: SessionLike, user: User) -> bool:
    """Drop the secret shown for enrolment (the next visit shows a new one); False if none."""
    if user.totp_pending_secret is None:
        return False
    user.totp_pending_secret = None
    session.flush()
    return True


def required_roles(session: SessionLike) -> frozenset[Role]:
    """Return the roles whose members must use a one-time password."""
    values = get_setting(session, TOTP_REQUIRED_ROLES, default=[])
    return frozenset(Role(value) for value in values if value in Role._value2member_map_)


def require_for_roles(
    session: SessionLike, roles: Iterable[Role], *, actor: Actor, now: datetime
) -> None:
    """Set the roles that must use one-time passwords, and record the change."""
    before = sorted(role.value for role in required_roles(session))
    after = sorted(role.value for role in roles)
    put_setting(session, TOTP_REQUIRED_ROLES, after, now=now)
    detail = {"key": TOTP_REQUIRED_ROLES, "before": before, "after": after}
    record(session, action="settings.changed", actor=actor, now=now, detail=detail)
    session.flush()
