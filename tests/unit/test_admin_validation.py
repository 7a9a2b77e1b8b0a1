"""The value checks of the administration verbs, without an app or a database."""

from __future__ import annotations

import pytest

from enquiry.domain.admin import InvalidInputError, fill_placeholders
from enquiry.domain.admin.common import clean_domain, clean_email, clean_text
from enquiry.domain.admin.departments import CODE_PATTERN
from enquiry.domain.admin.replies import unknown_placeholders
from enquiry.domain.admin.rules import clean_keywords
from enquiry.models import Kind
from enquiry.rules import routing


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("xjwlmq.gov.cn", "xjwlmq.gov.cn"),
        ("@XJWLMQ.gov.cn", "xjwlmq.gov.cn"),
        ("  ＠ｊｔｊ．gov.cn. ", "jtj.gov.cn"),  # full-width, trailing dot
        ("cn", "cn"),
        ("a-b.c-d.cn", "a-b.c-d.cn"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_domains_are_normalised(raw: str | None, expected: str | None) -> None:
    assert clean_domain(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "jtj gov.cn",
        "a@jtj.gov.cn",
        "-jtj.gov.cn",
        "jtj-.gov.cn",
        "jtj..cn",
        "交通.cn",
        "a_b.cn",
        "x" * 64 + ".cn",
        ("a" * 60 + ".") * 5 + "cn",
    ],
)
def test_bad_domains_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        clean_domain(raw)
    assert caught.value.field == "sender_domain"


def test_a_clean_domain_matches_like_the_router() -> None:
    rule = routing.RuleView(
        id=1, priority=1, department_id=1, sender_domain=clean_domain("@Gov.CN")
    )
    facts = routing.Facts(kind=Kind.QUESTION, sender_email="a@jtj.gov.cn")
    assert routing.matches(rule, facts)


def test_keywords_are_one_per_line_without_blanks_or_repeats() -> None:
    assert clean_keywords(" 田字路 \n\n公交\r\n田字路\n  ") == "田字路\n公交"
    assert clean_keywords("\n \n") is None
    assert clean_keywords(None) is None
    with pytest.raises(InvalidInputError, match="1000"):
        clean_keywords("\n".join(f"词{n}" for n in range(300)))


@pytest.mark.parametrize(
    ("code", "is_valid"),
    [
        ("egov", True),
        ("housing-bureau", True),
        ("district-7", True),
        ("Housing", False),
        ("housing_bureau", False),
        ("-housing", False),
        ("housing-", False),
        ("a--b", False),
        ("住建", False),
        ("", False),
    ],
)
def test_department_codes(code: str, is_valid: bool) -> None:
    assert bool(CODE_PATTERN.match(code)) is is_valid


def test_emails_are_checked_and_lower_cased() -> None:
    assert clean_email(" Li.Ming@WLMQ.gov.cn ") == "li.ming@wlmq.gov.cn"
    assert clean_email("staff@enquiry.test") == "staff@enquiry.test"
    for bad in ("li.ming", "li@", "@wlmq.gov.cn", "li ming@wlmq.gov.cn", ""):
        with pytest.raises(InvalidInputError) as caught:
            clean_email(bad, field="email")
        assert caught.value.field == "email"


def test_texts_are_stripped_required_and_bounded() -> None:
    assert clean_text("  名  ", "name", 3, required=True) == "名"
    assert clean_text(None, "name", 3) == ""
    with pytest.raises(InvalidInputError, match="required"):
        clean_text("  ", "name", 3, required=True)
    with pytest.raises(InvalidInputError, match="At most 3 characters") as caught:
        clean_text("四个字符", "name", 3)
    assert (
        caught.value.params == {"max": 3} and caught.value.message == "At most %(max)d characters."
    )


def test_placeholders() -> None:
    body = "{citizen_name}您好：{reference} 已于{due_on}前答复。{name}{} {{literal}} {a b}"
    assert unknown_placeholders(body) == ["name", "", "literal"]
    assert unknown_placeholders("{reference}{subject}{department}") == []
    filled = fill_placeholders(
        "{citizen_name}您好，{reference}：{unknown}",
        {"citizen_name": "王五", "reference": "WLMQ-1"},
    )
    assert filled == "王五您好，WLMQ-1：{unknown}"
