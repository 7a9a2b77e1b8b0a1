"""Which department a new ticket goes to: the first matching rule by priority, else the
default department (the e-government office). The matching itself is `enquiry.rules.routing`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import select

from enquiry.domain import reference_cache
from enquiry.models import Department, RoutingRule, SessionLike
from enquiry.rules.routing import Facts, RuleView, first_match, rule_view


class NoDefaultDepartmentError(RuntimeError):
    """No department is marked as the default; `flask init` creates it (so does intake)."""


@dataclass(frozen=True)
class RoutingDecision:
    """The department (its id and code: nothing to load) and the rule that chose it, if any."""

    department_id: int
    department_code: str
    rule_id: int | None


def route(session: SessionLike, facts: Facts | None = None) -> RoutingDecision:
    """Return the department a new ticket goes to, and the rule that decided it."""
    codes = reference_cache.cached(session, "department_codes", department_codes)
    if facts is not None:
        rules = reference_cache.cached(session, "routing_rules", active_rules)
        rule = first_match(rules, facts)
        if rule is not None:
            return RoutingDecision(rule.department_id, codes[rule.department_id], rule.id)
    default_id = reference_cache.cached(session, "default_department", default_department_id)
    if default_id is None:
        raise NoDefaultDepartmentError("no active default department")
    return RoutingDecision(default_id, codes[default_id], None)


def department_codes(session: SessionLike) -> Mapping[int, str]:
    """Every department's code by id (read-only: one copy is shared while it is current)."""
    rows = session.execute(select(Department.id, Department.code))
    return MappingProxyType({row.id: row.code for row in rows})


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
