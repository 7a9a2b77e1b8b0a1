"""Outcomes of applications under the 2008 OGI Regulations (国务院令第492号), chosen by receipt.

Pure: no Flask, no database. An application received before 2019-05-15 is handled under the
2008 text (`enquiry.rules.clock.under_2008_regulations`) and answered with its reply types
(2008 art. 21): 属于公开范围 (disclosed, in whole or in part, art. 22), 不予公开 with the reasons
of arts. 8 and 14 (state secrets, commercial secrets, personal privacy, the "three securities and
one stability"), not this agency's or does not exist (art. 21(3)), unclear: asked to change or
supplement it (art. 21(4)). The lines below are those of the pre-2019 statistical table of
依申请公开情况 that annual reports under the 2008 text used; the codes (prefix "2008.") are what
`Ticket.outcome` stores: add codes, never rename them.

The annual table the office files today is the 2021 template (`enquiry.rules.outcomes`). A 2008
application concluded in a year reported on that template is counted in the line `REPORTED_AS`
names: the nearest 2019 category (commercial secrets and privacy are 保护第三方合法权益 since
2019 art. 15; "not this agency's" and "does not exist" are 本机关不掌握相关政府信息; the rest
have no 2019 counterpart and go to （六）其他处理 · 3.其他).
"""

from __future__ import annotations

from datetime import date

from enquiry.rules import outcomes
from enquiry.rules.clock import REGULATIONS_2019_IN_FORCE
from enquiry.rules.outcomes import Category, Outcome

PREFIX = "2008."


def _single(key: str, ordinal: str, label: str) -> Category:
    code = PREFIX + key
    return Category(code, ordinal, label, (Outcome(code, "", label),))


def _with_reasons(key: str, ordinal: str, label: str, reasons: dict[str, str]) -> Category:
    code = PREFIX + key
    found = tuple(
        Outcome(f"{code}.{reason}", f"{number}.", text)
        for number, (reason, text) in enumerate(reasons.items(), start=1)
    )
    return Category(code, ordinal, label, found)


CATEGORIES: tuple[Category, ...] = (
    _single("disclosed", "（一）", "同意公开"),
    _single("partial", "（二）", "同意部分公开"),
    _with_reasons(
        "refused",
        "（三）",
        "不同意公开",
        {
            "state_secret": "涉及国家秘密",
            "commercial_secret": "涉及商业秘密",
            "privacy": "涉及个人隐私",
            "security_stability": "危及国家安全、公共安全、经济安全和社会稳定",
            "not_government_information": "不是《条例》所指政府信息",
            "other_law": "法律法规规定的其他情形",
        },
    ),
    _single("not_this_agency", "（四）", "信息不属于本机关公开"),
    _single("not_exist", "（五）", "申请信息不存在"),
    _single("change_requested", "（六）", "告知作出更改补充"),
    _single("other_channel", "（七）", "告知通过其他途径办理"),
)

OUTCOMES: dict[str, Outcome] = {
    outcome.code: outcome for category in CATEGORIES for outcome in category.outcomes
}
_CATEGORY_OF: dict[str, Category] = {
    outcome.code: category for category in CATEGORIES for outcome in category.outcomes
}

REPORTED_AS: dict[str, str] = {
    "2008.disclosed": "disclosed",
    "2008.partial": "partial",
    "2008.refused.state_secret": "refused.state_secret",
    "2008.refused.commercial_secret": "refused.third_party",
    "2008.refused.privacy": "refused.third_party",
    "2008.refused.security_stability": "refused.security_stability",
    "2008.refused.not_government_information": "other.other",
    "2008.refused.other_law": "refused.prohibited_by_law",
    "2008.not_this_agency": "unavailable.not_held",
    "2008.not_exist": "unavailable.not_held",
    "2008.change_requested": "other.other",
    "2008.other_channel": "other.other",
}


def is_2008_code(code: str | None) -> bool:
    """Tell whether code is one of the 2008 outcome codes."""
    return code in OUTCOMES


def applies(received_on: date) -> bool:
    """True when an application received on this day takes the 2008 outcome list."""
    return received_on < REGULATIONS_2019_IN_FORCE


def is_valid_for(code: str | None, received_on: date) -> bool:
    """Tell whether code is an outcome of the Regulations that govern this receipt date."""
    return is_2008_code(code) if applies(received_on) else outcomes.is_valid(code)


def choice_groups_for(received_on: date) -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the outcome list for a select: the 2008 list before 2019-05-15, else the 2019 one."""
    if not applies(received_on):
        return outcomes.choice_groups()
    return [
        (category.heading, [(o.code, f"{o.number}{o.label}") for o in category.outcomes])
        for category in CATEGORIES
    ]


def reported_as(code: str) -> str:
    """Return the line of the 2021 template an outcome is counted in (itself for 2019 codes)."""
    return REPORTED_AS.get(code, code)


def label(code: str) -> str:
    """Return the outcome's full label, under whichever Regulations it belongs to."""
    category = _CATEGORY_OF.get(code)
    if category is None:
        return outcomes.label(code)
    if not category.has_reasons:
        return category.heading
    outcome = OUTCOMES[code]
    return f"{category.heading} · {outcome.number}{outcome.label}"
