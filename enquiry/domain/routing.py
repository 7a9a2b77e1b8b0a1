"""Which department a new ticket goes to: the first matching rule by priority, else the
default department (the e-government office)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from enquiry.models import Department, Kind, RoutingRule, SessionLike


class NoDefaultDepartmentError(RuntimeError):
    """No department is marked as the default; `flask init` creates it (so does intake)."""


@dataclass(frozen=True)
class Facts:
    """What routing looks at in a new ticket, from any channel."""

    kind: Kind
    report_section_id: int | None = None
    text: str = ""  # subject and message
    sender_email: str | None = None


@dataclass(frozen=True)
class RuleView:
    """A rule's conditions, detached from the database (pure matching)."""

    id: int
    priority: int
    department_id: int
    kind: Kind | None = None
    report_section_id: int | None = None
    keywords: tuple[str, ...] = ()
    sender_domain: str | None = None

    @property
    def has_conditions(self) -> bool:
        return bool(self.kind or self.report_section_id or self.keywords or self.sender_domain)


@dataclass(frozen=True)
class RoutingDecision:
    department: Department
    rule_id: int | None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def parse_keywords(raw: str | None) -> tuple[str, ...]:
    """One keyword per line (commas and 、 also separate); blanks dropped."""
    if not raw:
        return ()
    for separator in (",", "，", "、", ";", "；"):
        raw = raw.replace(separator, "\n")
    return tuple(dict.fromkeys(_fold(k).strip() for k in raw.splitlines() if k.strip()))


def _domain_of(email: str | None) -> str | None:
    return email.rsplit("@", 1)[-1].lower().strip() if email and "@" in email else None


def matches(rule: RuleView, facts: Facts) -> bool:
    """True when every condition the rule sets holds for the facts (and it sets one)."""
    if not rule.has_conditions:
        return False
    if rule.kind is not None and rule.kind is not facts.kind:
        return False
    if rule.report_section_id is not None and rule.report_section_id != facts.report_section_id:
        return False
    if rule.keywords and not any(k in _fold(facts.text) for k in rule.keywords):
        return False
    if rule.sender_domain:
        domain = _domain_of(facts.sender_email)
        wanted = rule.sender_domain.lower().lstrip("@")
        if domain is None or not (domain == wanted or domain.endswith("." + wanted)):
            return False
    return True


def first_match(rules: Iterable[RuleView], facts: Facts) -> RuleView | None:
    """The matching rule with the lowest priority number (then the oldest)."""
    ordered: Sequence[RuleView] = sorted(rules, key=lambda r: (r.priority, r.id))
    return next((rule for rule in ordered if matches(rule, facts)), None)


def rule_view(rule: RoutingRule) -> RuleView:
    return RuleView(
        id=rule.id,
        priority=rule.priority,
        department_id=rule.department_id,
        kind=rule.kind,
        report_section_id=rule.report_section_id,
        keywords=parse_keywords(rule.keywords),
        sender_domain=rule.sender_domain,
    )


def route(session: SessionLike, facts: Facts | None = None) -> RoutingDecision:
    """Return the department a new ticket goes to, and the rule that decided it."""
    if facts is not None:
        rules = session.scalars(
            select(RoutingRule)
            .join(RoutingRule.department)
            .where(RoutingRule.is_active.is_(True), Department.is_active.is_(True))
        ).all()
        rule = first_match((rule_view(r) for r in rules), facts)
        if rule is not None:
            department = session.get(Department, rule.department_id)
            assert department is not None
            return RoutingDecision(department=department, rule_id=rule.id)
    default = session.scalar(
        select(Department).where(Department.is_default.is_(True), Department.is_active.is_(True))
    )
    if default is None:
        raise NoDefaultDepartmentError("no active default department")
    return RoutingDecision(department=default, rule_id=None)
