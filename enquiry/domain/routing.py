"""Which department a new ticket goes to: the first matching rule by priority, else the
default department (the e-government office). The matching itself is `enquiry.rules.routing`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from enquiry.domain import reference_cache
from enquiry.models import Department, RoutingRule, SessionLike
from enquiry.rules.routing import Facts, RuleView, first_match, rule_view


class NoDefaultDepartmentError(RuntimeError):
    """No department is marked as the default; `flask init` creates it (so does intake)."""


@dataclass(frozen=True)
class RoutingDecision:
    department: Department
    rule_id: int | None


def route(session: SessionLike, facts: Facts | None = None) -> RoutingDecision:
    """Return the department a new ticket goes to, and the rule that decided it."""
    if facts is not None:
        rules = reference_cache.cached(session, "routing_rules", active_rules)
        rule = first_match(rules, facts)
        if rule is not None:
            department = session.get(Department, rule.department_id)
            assert department is not None
            return RoutingDecision(department=department, rule_id=rule.id)
    default_id = reference_cache.cached(session, "default_department", default_department_id)
    default = session.get(Department, default_id) if default_id is not None else None
    if default is None:
        raise NoDefaultDepartmentError("no active default department")
    return RoutingDecision(department=default, rule_id=None)


def active_rules(session: SessionLike) -> tuple[RuleView, ...]:
    """The active rules of active departments, as plain values."""
    rules = session.scalars(
        select(RoutingRule)
        .join(RoutingRule.department)
        .where(RoutingRule.is_active.is_(True), Department.is_active.is_(True))
    ).all()
    return tuple(rule_view(rule) for rule in rules)


def default_department_id(session: SessionLike) -> int | None:
    """The id of the active default department, if any."""
    return session.scalar(
        select(Department.id).where(Department.is_default.is_(True), Department.is_active.is_(True))
    )
