"""What a staff form may offer: departments, colleagues, assignees, canned replies."""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from enquiry.domain import reference_cache
from enquiry.domain.queries.access import LEADS
from enquiry.models import CannedReply, Department, Role, SessionLike, Ticket, User


def routing_office(session: SessionLike) -> Department | None:
    """The routing office (the default department), or None before `flask init`."""
    return session.scalar(sa.select(Department).where(Department.is_default))


def active_departments(session: SessionLike) -> list[Department]:
    """The departments a ticket may be transferred to, by code."""
    query = sa.select(Department).where(Department.is_active).order_by(Department.code)
    return list(session.scalars(query))


class DepartmentChoice(NamedTuple):
    """An active department as a select box offers it (plain values, cached per process)."""

    id: int
    code: str
    name_zh: str
    name_en: str | None
    name_ug: str | None

    def name_for(self, locale: str) -> str:
        """The name in the locale, falling back to Chinese (as Department.name_for)."""
        if locale.startswith("en") and self.name_en:
            return self.name_en
        if locale.startswith("ug") and self.name_ug:
            return self.name_ug
        return self.name_zh


def active_department_choices(session: SessionLike) -> tuple[DepartmentChoice, ...]:
    """The active departments by code, as plain values read once per reference-data stamp."""
    return reference_cache.cached(session, "active_departments", _active_department_choices)


def _active_department_choices(session: SessionLike) -> tuple[DepartmentChoice, ...]:
    return tuple(
        DepartmentChoice(d.id, d.code, d.name_zh, d.name_en, d.name_ug)
        for d in active_departments(session)
    )


def colleagues(session: SessionLike, ticket: Ticket) -> list[User]:
    """Active users of the ticket's department: who it can be assigned to."""
    query = (
        sa.select(User)
        .where(User.is_active, User.department_id == ticket.department_id)
        .order_by(User.display_name, User.id)
    )
    return list(session.scalars(query))


def bulk_assignees(session: SessionLike, user: User) -> list[User]:
    """Whom the user may assign tickets to in bulk (an agent: only themselves)."""
    if user.role not in LEADS:
        return [user]
    query = sa.select(User).where(User.is_active).order_by(User.display_name, User.id)
    if user.role is not Role.ADMIN:
        query = query.where(User.department_id == user.department_id)
    return list(session.scalars(query))


def canned_replies(session: SessionLike, user: User, ticket: Ticket) -> list[CannedReply]:
    """Active canned replies of the user's department or global; the ticket's locale first."""
    scope: sa.ColumnElement[bool] = CannedReply.department_id.is_(None)
    if user.department_id is not None:
        scope = sa.or_(scope, CannedReply.department_id == user.department_id)
    query = sa.select(CannedReply).where(CannedReply.is_active, scope)
    first = sa.case((CannedReply.locale == ticket.locale, 0), else_=1)
    return list(session.scalars(query.order_by(first, CannedReply.title, CannedReply.id)))


def department_names(session: SessionLike, locale: str) -> dict[str, str]:
    """Every department's name by code (inactive ones too: the record names them); read once
    per reference-data stamp and locale."""
    return reference_cache.cached(
        session, f"department_names:{locale}", lambda s: _department_names(s, locale)
    )


def _department_names(session: SessionLike, locale: str) -> dict[str, str]:
    return {d.code: d.name_for(locale) for d in session.scalars(sa.select(Department))}
