"""Routing decisions: which rule, if any, matches a new ticket's facts (first by priority).

Pure: no database. `enquiry.domain.routing.route` loads the active rules and falls back to the
default department (the e-government office) when none matches.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from enquiry.models import Kind, RoutingRule


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
