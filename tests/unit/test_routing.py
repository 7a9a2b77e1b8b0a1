"""Routing rules: conditions, priorities, the default."""

from __future__ import annotations

from enquiry.models import Kind, RoutingRule
from enquiry.rules.routing import (
    Facts,
    RuleView,
    first_match,
    matches,
    parse_keywords,
    rule_view,
)

HOUSING, TRANSPORT, ENVIRONMENT = 2, 3, 4


def rule(rule_id: int, priority: int, department: int, **conditions: object) -> RuleView:
    return RuleView(id=rule_id, priority=priority, department_id=department, **conditions)  # type: ignore[arg-type]


def test_keywords_parse_lines_commas_and_enumeration_commas() -> None:
    assert parse_keywords("煤改气\n田字路, 公交、 Bus ") == ("煤改气", "田字路", "公交", "bus")
    assert parse_keywords(None) == ()


def test_keyword_rule_matches_text_case_and_width_insensitively() -> None:
    transport = rule(1, 10, TRANSPORT, keywords=parse_keywords("田字路\nBUS"))
    assert matches(transport, Facts(kind=Kind.QUESTION, text="田字路二期何时完工"))
    assert matches(transport, Facts(kind=Kind.QUESTION, text="ｂｕｓ line 52"))
    assert not matches(transport, Facts(kind=Kind.QUESTION, text="垃圾分类"))


def test_all_conditions_must_hold() -> None:
    both = rule(1, 10, HOUSING, kind=Kind.COMPLAINT, keywords=("住房",))
    assert matches(both, Facts(kind=Kind.COMPLAINT, text="保障性住房"))
    assert not matches(both, Facts(kind=Kind.QUESTION, text="保障性住房"))


def test_rule_without_conditions_never_matches() -> None:
    assert not matches(rule(1, 1, HOUSING), Facts(kind=Kind.QUESTION, text="anything"))


def test_sender_domain_matches_subdomains_only_on_a_dot_boundary() -> None:
    by_domain = rule(1, 10, ENVIRONMENT, sender_domain="@eco.gov.cn")
    assert matches(by_domain, Facts(kind=Kind.OTHER, sender_email="a@eco.gov.cn"))
    assert matches(by_domain, Facts(kind=Kind.OTHER, sender_email="a@mail.eco.gov.cn"))
    assert not matches(by_domain, Facts(kind=Kind.OTHER, sender_email="a@fakeeco.gov.cn"))
    assert not matches(by_domain, Facts(kind=Kind.OTHER, sender_email=None))


def test_lowest_priority_number_wins_then_oldest() -> None:
    rules = [
        rule(5, 50, HOUSING, kind=Kind.QUESTION),
        rule(3, 10, TRANSPORT, keywords=("田字路",)),
        rule(2, 10, ENVIRONMENT, keywords=("田字路",)),
    ]
    chosen = first_match(rules, Facts(kind=Kind.QUESTION, text="田字路"))
    assert chosen is not None and chosen.department_id == ENVIRONMENT
    fallback = first_match(rules, Facts(kind=Kind.QUESTION, text="other"))
    assert fallback is not None and fallback.department_id == HOUSING
    assert first_match(rules, Facts(kind=Kind.SUGGESTION, text="other")) is None


def test_report_section_condition() -> None:
    by_section = rule(1, 1, TRANSPORT, report_section_id=7)
    assert matches(by_section, Facts(kind=Kind.QUESTION, report_section_id=7))
    assert not matches(by_section, Facts(kind=Kind.QUESTION, report_section_id=8))


def test_a_stored_rule_is_matched_by_its_view_without_a_database() -> None:
    stored = RoutingRule(
        id=9,
        name="Roads",
        priority=20,
        department_id=TRANSPORT,
        kind=Kind.COMPLAINT,
        keywords="田字路\nBus",
        sender_domain=None,
    )
    view = rule_view(stored)
    assert view == RuleView(
        id=9, priority=20, department_id=TRANSPORT, kind=Kind.COMPLAINT, keywords=("田字路", "bus")
    )
    assert matches(view, Facts(kind=Kind.COMPLAINT, text="BUS 52 路"))
