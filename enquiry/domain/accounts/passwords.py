"""Passwords: hashing (Argon2id), the initial password of a new account, changing one."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from enquiry.audit import Actor, record
from enquiry.domain.accounts.sessions import end_sessions
from enquiry.models import Department, Role, SessionLike, User

MIN_PASSWORD_LENGTH = 12
HASHER_KEY = "enquiry.password_hasher"


class WeakPasswordError(ValueError):
    """The password is too short."""


class WrongPasswordError(ValueError):
    """The current password given to change it is not correct; the attempt is recorded."""


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash in constant time."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _hasher() -> PasswordHasher:
    """The app's Argon2id hasher, built once from its PASSWORD_HASH_* settings."""
    if not has_app_context():
        return PasswordHasher()
    extensions = current_app.extensions
    if HASHER_KEY not in extensions:
        config = current_app.config
        extensions[HASHER_KEY] = PasswordHasher(
            time_cost=int(config["PASSWORD_HASH_TIME_COST"]),
            memory_cost=int(config["PASSWORD_HASH_MEMORY_KIB"]),
            parallelism=int(config["PASSWORD_HASH_PARALLELISM"]),
        )
    hasher: PasswordHasher = extensions[HASHER_KEY]
    return hasher


def generate_password() -> str:
    """Return a random password a person can type."""
    return secrets.token_urlsafe(15)


def create_user(
    session: SessionLike,
    *,
    email: str,
    display_name: str,
    password: str,
    role: Role,
    department: Department | None,
) -> User:
    """Create a staff user."""
    user = User(
        email=email.strip().lower(),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        department=department,
    )
    session.add(user)
    session.flush()
    return user


def change_password(
    session: SessionLike, user: User, current: str, new: str, *, actor: Actor, now: datetime
) -> None:
    """Replace the password, given the current one; every session of the user ends."""
    if not verify_password(user.password_hash, current):
        record(session, action="auth.password_change_failed", actor=actor, now=now)
        session.flush()
        raise WrongPasswordError("the current password is not correct")
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    record(session, action="auth.password_changed", actor=actor, now=now)
    session.flush()
