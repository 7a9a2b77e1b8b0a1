"""Signing in: the password, then the one-time password when enrolled; counted failures lock
the account for a while.

A refusal raises after recording it (the audit event, the failure count, a lockout): the caller
commits even then, so that the record and the count survive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from enquiry.audit import Actor, record
from enquiry.domain.accounts.passwords import hash_password, verify_password
from enquiry.domain.accounts.totp import WrongCodeError, matching_totp_step
from enquiry.models import SessionLike, User

DEFAULT_LOCKOUT_THRESHOLD = 5
DEFAULT_LOCKOUT_MINUTES = 15


class LoginRefusedError(ValueError):
    """Unknown address, inactive or locked account, or wrong password: one answer for all."""


@dataclass(frozen=True)
class LockoutPolicy:
    """How many failures in a row lock an account, and for how long."""

    threshold: int = DEFAULT_LOCKOUT_THRESHOLD
    duration: timedelta = timedelta(minutes=DEFAULT_LOCKOUT_MINUTES)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LockoutPolicy:
        """Return the policy of LOGIN_LOCKOUT_THRESHOLD and LOGIN_LOCKOUT_MINUTES."""
        threshold = int(config.get("LOGIN_LOCKOUT_THRESHOLD", DEFAULT_LOCKOUT_THRESHOLD))
        minutes = int(config.get("LOGIN_LOCKOUT_MINUTES", DEFAULT_LOCKOUT_MINUTES))
        return cls(threshold, timedelta(minutes=minutes))

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)


@cache
def _dummy_hash() -> str:
    return hash_password("a password no account has")


def is_locked(user: User, now: datetime) -> bool:
    """True while the user's account is locked."""
    return user.locked_until is not None and user.locked_until > now


def register_failure(
    session: SessionLike,
    user: User,
    *,
    reason: str,
    policy: LockoutPolicy,
    actor: Actor,
    now: datetime,
) -> bool:
    """Count a failed attempt, locking the account at the threshold; True when now locked."""
    # Counted in SQL, so that attempts running at the same time all count.
    session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["failed_logins"])
    failures = user.failed_logins
    detail: dict[str, Any] = {"reason": reason, "failures": failures}
    record(session, action="auth.login_failed", actor=actor, now=now, detail=detail)
    if failures < policy.threshold:
        return False
    user.locked_until = now + policy.duration
    user.failed_logins = 0  # a fresh allowance once the lock ends
    detail = {"failures": failures, "until": user.locked_until.isoformat()}
    record(session, action="auth.lockout", actor=actor, now=now, detail=detail)
    session.flush()
    return True


def authenticate(
    session: SessionLike,
    email: str,
    password: str,
    *,
    policy: LockoutPolicy,
    remote_addr: str | None,
    now: datetime,
) -> User:
    """Return the user when the password is right and the account usable; record failures."""
    address = email.strip().lower()
    user = session.scalar(sa.select(User).where(User.email == address))
    if user is None or not user.is_active:
        verify_password(_dummy_hash(), password)  # take as long as a real check
        reason = "unknown" if user is None else "inactive"
        detail: dict[str, Any] = {"email": address, "reason": reason}
        anonymous = Actor(label="anonymous", remote_addr=remote_addr)
        record(session, action="auth.login_failed", actor=anonymous, now=now, detail=detail)
        raise LoginRefusedError(reason)
    actor = Actor.staff(user, remote_addr=remote_addr)
    is_correct = verify_password(user.password_hash, password)
    if is_locked(user, now):
        detail = {"until": user.locked_until.isoformat() if user.locked_until else None}
        record(session, action="auth.login_locked", actor=actor, now=now, detail=detail)
        raise LoginRefusedError("locked")
    if not is_correct:
        register_failure(session, user, reason="password", policy=policy, actor=actor, now=now)
        raise LoginRefusedError("password")
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


def verify_second_step(
    session: SessionLike,
    user: User,
    code: str,
    *,
    policy: LockoutPolicy,
    actor: Actor,
    now: datetime,
) -> None:
    """Accept the enrolled user's one-time password once; a wrong code counts as a failure."""
    assert user.totp_secret is not None, "only an enrolled user has a second step"
    step = matching_totp_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None:
        is_now_locked = register_failure(
            session, user, reason="totp", policy=policy, actor=actor, now=now
        )
        raise WrongCodeError(is_locked=is_now_locked)
    user.totp_last_step = step
    user.failed_logins = 0
    session.flush()
