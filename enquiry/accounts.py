"""Staff accounts: password hashing and creation."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from enquiry.models import Department, Role, SessionLike, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12


class WeakPasswordError(ValueError):
    """The password is too short."""


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash in constant time."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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
