"""Staff users as the administration and the ticket page show them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from enquiry.models import SessionLike, User


def staff_users(session: SessionLike) -> list[User]:
    """Return every user with their department, the active ones first, by name."""
    query = (
        sa.select(User)
        .options(joinedload(User.department))
        .order_by(User.is_active.desc(), User.display_name, User.id)
    )
    return list(session.scalars(query))


def user_by_id(session: SessionLike, user_id: int | None) -> User | None:
    """Return the user with this id, or None (also for no id)."""
    return session.get(User, user_id) if user_id is not None else None
