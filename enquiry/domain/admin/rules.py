"""Routing rules: create, edit, delete; validated with the matcher's own semantics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from enquiry.audit import Actor
from enquiry.domain.admin.common import (
    N_,
    ConflictError,
    InvalidInputError,
    active_department,
    changes,
    clean_domain,
    clean_text,
    department_code,
    record_change,
)
from enquiry.models import Department, Kind, ReportSection, RoutingRule, SessionLike, Ticket
from enquiry.models.routing import KEYWORDS_MAX, RULE_NAME_MAX
from enquiry.rules import routing

PRIORITY_MIN, PRIORITY_MAX = 0, 10_000


class RuleInUseError(ConflictError):
    """Tickets record the rule that routed them, so it cannot be deleted."""


@dataclass(frozen=True)
class RuleFields:
    """What an admin sets on a routing rule."""

    name: str
    priority: int | None
    department_id: int | None
    kind: Kind | None = None
    report_section_id: int | None = None
    keywords: str | None = None  # one per line
    sender_domain: str | None = None
    is_active: bool = True


def rule_state(rule: RoutingRule) -> dict[str, Any]:
    """Return what the audit record shows of a rule."""
    return {
        "name": rule.name,
        "priority": rule.priority,
        "is_active": rule.is_active,
        "kind": rule.kind.value if rule.kind else None,
        "report_section_id": rule.report_section_id,
        "keywords": rule.keywords,
        "sender_domain": rule.sender_domain,
        "department": department_code(rule.department),
    }


def _target(rule: RoutingRule) -> dict[str, Any]:
    return {"rule_id": rule.id, "name": rule.name}


def clean_keywords(value: str | None) -> str | None:
    """Return the keywords one per line, without blank lines and repeats, or None."""
    lines = (line.strip() for line in (value or "").splitlines())
    cleaned = "\n".join(dict.fromkeys(line for line in lines if line))
    if len(cleaned) > KEYWORDS_MAX:
        raise InvalidInputError(
            N_("At most %(max)d characters."), field="keywords", max=KEYWORDS_MAX
        )
    return cleaned or None


def _priority(value: int | None) -> int:
    if value is None or not PRIORITY_MIN <= value <= PRIORITY_MAX:
        message = N_("Enter a whole number from %(min)d to %(max)d.")
        raise InvalidInputError(message, field="priority", min=PRIORITY_MIN, max=PRIORITY_MAX)
    return value


def _department(session: SessionLike, fields: RuleFields, current: int | None) -> Department:
    """Return the rule's department: an active one (or the one it already has)."""
    if fields.department_id is not None and fields.department_id == current:
        department = session.get(Department, current)
        assert department is not None
        return department
    return active_department(session, fields.department_id, "department")


def _clean(session: SessionLike, fields: RuleFields, current: int | None) -> dict[str, Any]:
    """Check every field and that the rule sets at least one condition."""
    section_id = fields.report_section_id
    if section_id is not None and session.get(ReportSection, section_id) is None:
        raise InvalidInputError(N_("Choose a part of a report from the list."), field="section")
    values: dict[str, Any] = {
        "name": clean_text(fields.name, "name", RULE_NAME_MAX, required=True),
        "priority": _priority(fields.priority),
        "kind": fields.kind,
        "report_section_id": section_id,
        "keywords": clean_keywords(fields.keywords),
        "sender_domain": clean_domain(fields.sender_domain),
        "department": _department(session, fields, current),
        "is_active": fields.is_active,
    }
    view = routing.RuleView(
        id=0,
        priority=values["priority"],
        department_id=values["department"].id,
        kind=fields.kind,
        report_section_id=section_id,
        keywords=routing.parse_keywords(values["keywords"]),
        sender_domain=values["sender_domain"],
    )
    if not view.has_conditions:
        message = N_(
            "A rule needs at least one condition: a kind, a part of a report, keywords or a"
            " sender domain."
        )
        raise InvalidInputError(message)
    return values


def create_rule(
    session: SessionLike, fields: RuleFields, *, actor: Actor, now: datetime
) -> RoutingRule:
    """Create a routing rule."""
    rule = RoutingRule(created_at=now, **_clean(session, fields, None))
    session.add(rule)
    session.flush()
    record_change(
        session, "rule.created", _target(rule), None, rule_state(rule), actor=actor, now=now
    )
    return rule


def update_rule(
    session: SessionLike, rule: RoutingRule, fields: RuleFields, *, actor: Actor, now: datetime
) -> bool:
    """Change a routing rule; False when nothing changed."""
    values = _clean(session, fields, rule.department_id)
    before = rule_state(rule)
    for name, value in values.items():
        setattr(rule, name, value)
    session.flush()
    old, new = changes(before, rule_state(rule))
    if new:
        record_change(session, "rule.updated", _target(rule), old, new, actor=actor, now=now)
    return bool(new)


def delete_rule(session: SessionLike, rule: RoutingRule, *, actor: Actor, now: datetime) -> None:
    """Delete a rule no ticket records; a rule that routed tickets can only be deactivated."""
    used = sa.select(sa.func.count()).select_from(Ticket).where(Ticket.routing_rule_id == rule.id)
    if session.scalar(used):
        message = N_(
            "Tickets record this rule as the one that routed them, so it cannot be deleted."
            " Deactivate it instead."
        )
        raise RuleInUseError(message)
    before, target = rule_state(rule), _target(rule)
    session.delete(rule)
    session.flush()
    record_change(session, "rule.deleted", target, before, None, actor=actor, now=now)
