"""Whose figures a user may see: a supervisor their department's, an admin everyone's."""

from __future__ import annotations

import sqlalchemy as sa

from enquiry.models import Department, Role, SessionLike, User


def figure_departments(session: SessionLike, user: User) -> list[Department]:
    """Return the departments whose figures the user may see, by code."""
    query = sa.select(Department).order_by(Department.code)
    if user.role is not Role.ADMIN:
        query = query.where(Department.id == user.department_id)
    return list(session.scalars(query))


def department_names(session: SessionLike, locale: str) -> dict[int, str]:
    """Return every department's name in the locale, by id (charts name their bars)."""
    return {d.id: d.name_for(locale) for d in session.scalars(sa.select(Department))}
