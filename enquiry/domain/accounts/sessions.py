"""Staff sessions: the user a session id names, signing in and out, ending every session."""

from __future__ import annotations

import hmac
from datetime import datetime

import sqlalchemy as sa

from enquiry.audit import Actor, record
from enquiry.models import SessionLike, User


def user_for_session_id(session: SessionLike, session_id: str) -> User | None:
    """Return the active user of a session id ("id:generation:fingerprint"), or None."""
    user_id = session_id.partition(":")[0]
    user = session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active:
        return None
    # A raised session generation or a changed password ends every older session.
    return user if hmac.compare_digest(user.get_id(), session_id) else None


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


def sign_in(session: SessionLike, user: User, *, actor: Actor, now: datetime) -> None:
    """Record that the user has signed in (the caller starts the session itself)."""
    user.last_login_at = now
    record(session, action="auth.login", actor=actor, now=now)
    session.flush()


def sign_out(session: SessionLike, user: User, *, actor: Actor, now: datetime) -> None:
    """Record the sign-out and end every session of the user, copies of the cookie included."""
    record(session, action="auth.logout", actor=actor, now=now)
    end_sessions(session, user)
