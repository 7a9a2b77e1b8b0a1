"""Staff accounts: password hashing and creation."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from enquiry.models import Department, Role, SessionLike, User

MIN_PASSWORD_LENGTH = 12
HASHER_KEY = "enquiry.password_hasher"


class WeakPasswordError(ValueError):
    """The password is too short."""


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


def end_sessions(session: SessionLike, user: User) -> None:
    """End every session of the user, on every device: their session ids no longer match."""
    # Raised in SQL, so that two changes at the same moment both count.
    session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["session_generation"])
