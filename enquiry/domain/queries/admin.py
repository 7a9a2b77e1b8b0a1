"""What the administration pages list: departments, routing rules, report sections, replies.

Only admins reach the department and rule pages (the views check the role); canned replies
are also managed by supervisors, each within their own department.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from enquiry.models import (
    FINAL_STATUSES,
    CannedReply,
    Department,
    Report,
    ReportSection,
    Role,
    RoutingRule,
    SessionLike,
    Ticket,
    User,
)

# Departments ------------------------------------------------------------------------------------


def departments_by_code(session: SessionLike) -> list[Department]:
    """Return every department, active or not, by code."""
    return list(session.scalars(sa.select(Department).order_by(Department.code)))


def department_by_id(session: SessionLike, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def ticket_counts(session: SessionLike) -> dict[int, tuple[int, int]]:
    """Return each department's tickets: (all, still open)."""
    is_open = sa.case((Ticket.status.not_in(FINAL_STATUSES), 1), else_=0)
    query = sa.select(Ticket.department_id, sa.func.count(), sa.func.sum(is_open)).group_by(
        Ticket.department_id
    )
    return {row[0]: (row[1], int(row[2] or 0)) for row in session.execute(query)}


def choosable_departments(
    session: SessionLike, *, keep: int | None = None, only: int | None = None
) -> list[Department]:
    """Return the active departments (plus `keep`, even if inactive; or just `only`), by code."""
    wanted: sa.ColumnElement[bool] = Department.is_active.is_(True)
    if keep is not None:
        wanted = sa.or_(wanted, Department.id == keep)
    if only is not None:
        wanted = Department.id == only
    query = sa.select(Department).where(wanted).order_by(Department.code)
    return list(session.scalars(query))


# Routing rules and report sections --------------------------------------------------------------


def rules_in_order(session: SessionLike) -> list[RoutingRule]:
    """Return every rule, with its department, in the order they are tried."""
    query = sa.select(RoutingRule).options(joinedload(RoutingRule.department))
    return list(session.scalars(query.order_by(RoutingRule.priority, RoutingRule.id)))


def rule_by_id(session: SessionLike, rule_id: int) -> RoutingRule | None:
    return session.get(RoutingRule, rule_id)


def tickets_per_rule(session: SessionLike) -> dict[int | None, int]:
    """Return how many tickets each rule has routed."""
    query = sa.select(Ticket.routing_rule_id, sa.func.count()).group_by(Ticket.routing_rule_id)
    return {row[0]: row[1] for row in session.execute(query)}


def report_section(session: SessionLike, section_id: int) -> ReportSection | None:
    return session.get(ReportSection, section_id)


def report_sections(session: SessionLike) -> list[tuple[int, int, str, str]]:
    """Return (year, section id, number, heading) of every section, newest report first."""
    query = (
        sa.select(Report.year, ReportSection.id, ReportSection.number, ReportSection.heading)
        .join(ReportSection.report)
        .order_by(Report.year.desc(), ReportSection.position)
    )
    return [
        (year, section_id, number, heading)
        for year, section_id, number, heading in session.execute(query)
    ]


# Canned replies ---------------------------------------------------------------------------------


def reply_scope(user: User) -> sa.ColumnElement[bool]:
    """Return the condition selecting the canned replies the user may manage."""
    if user.role is Role.ADMIN:
        return sa.true()
    if user.department_id is None:
        return sa.false()
    return CannedReply.department_id == user.department_id


def manageable_reply(session: SessionLike, user: User, reply_id: int) -> CannedReply | None:
    """Return a canned reply the user may manage, or None."""
    query = sa.select(CannedReply).where(CannedReply.id == reply_id, reply_scope(user))
    return session.scalar(query)


def manageable_replies(session: SessionLike, user: User) -> list[CannedReply]:
    """Return the canned replies the user may manage, the active ones first, by title."""
    query = (
        sa.select(CannedReply)
        .where(reply_scope(user))
        .options(joinedload(CannedReply.department))
        .order_by(CannedReply.is_active.desc(), CannedReply.title, CannedReply.id)
    )
    return list(session.scalars(query))
