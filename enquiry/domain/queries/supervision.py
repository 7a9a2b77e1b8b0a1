"""Which departments a supervisor or an admin watches over."""

from __future__ import annotations

import sqlalchemy as sa

from enquiry.models import Department, Role, SessionLike, User


def supervised_departments(session: SessionLike, user: User) -> list[Department]:
    """Return the departments a user supervises: all active ones for an admin."""
    if user.role is Role.ADMIN:
        query = sa.select(Department).where(Department.is_active.is_(True))
        return list(session.scalars(query.order_by(Department.code)))
    return [user.department] if user.department is not None else []
