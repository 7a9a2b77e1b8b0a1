"""How an information application was concluded, in the 2021 national annual-report template.

Pure: no Flask, no database. The categories and reasons are those of table 三 of the template
(国办公开办函〔2021〕30号), with their labels exactly as printed there; the codes are ours and are
what `Ticket.outcome` stores (at most 40 characters). Changing a code breaks stored data: add
codes, never rename them.
"""

from __future__ import annotations

from dataclasses import dataclass


class UnknownOutcomeError(ValueError):
    """A string that is not one of the outcome codes."""


@dataclass(frozen=True)
class Outcome:
    """One line of 三、本年度办理结果 that carries numbers."""

    code: str
    number: str  # "1." ... for a reason within a category, "" for a category without reasons
    label: str  # the reason's label, or the category's when it has no reasons


@dataclass(frozen=True)
class Category:
    """（一）…（六）: a kind of result, with its reasons when the template lists any."""

    code: str
    ordinal: str  # （一）
    label: str
    outcomes: tuple[Outcome, ...]

    @property
    def has_reasons(self) -> bool:
        """True when the template splits the category into numbered reasons."""
        return bool(self.outcomes[0].number)

    @property
    def heading(self) -> str:
        return f"{self.ordinal}{self.label}"


def _single(code: str, ordinal: str, label: str) -> Category:
    return Category(code, ordinal, label, (Outcome(code, "", label),))


def _with_reasons(code: str, ordinal: str, label: str, reasons: dict[str, str]) -> Category:
    outcomes = tuple(
        Outcome(f"{code}.{key}", f"{number}.", text)
        for number, (key, text) in enumerate(reasons.items(), start=1)
    )
    return Category(code, ordinal, label, outcomes)


CATEGORIES: tuple[Category, ...] = (
    _single("disclosed", "（一）", "予以公开"),
    _single("partial", "（二）", "部分公开（区分处理的，只计这一情形，不计其他情形）"),
    _with_reasons(
        "refused",
        "（三）",
        "不予公开",
        {
            "state_secret": "属于国家秘密",
            "prohibited_by_law": "其他法律行政法规禁止公开",
            "security_stability": "危及“三安全一稳定”",
            "third_party": "保护第三方合法权益",
            "internal_affairs": "属于三类内部事务信息",
            "process_information": "属于四类过程性信息",
            "enforcement_file": "属于行政执法案卷",
            "administrative_query": "属于行政查询事项",
        },
    ),
    _with_reasons(
        "unavailable",
        "（四）",
        "无法提供",
        {
            "not_held": "本机关不掌握相关政府信息",
            "needs_creation": "没有现成信息需要另行制作",
            "unclear_after_correction": "补正后申请内容仍不明确",
        },
    ),
    _with_reasons(
        "not_processed",
        "（五）",
        "不予处理",
        {
            "petition": "信访举报投诉类申请",
            "repeated": "重复申请",
            "publication": "要求提供公开出版物",
            "mass_repeated": "无正当理由大量反复申请",
            "confirmation": "要求行政机关确认或重新出具已获取信息",
        },
    ),
    _with_reasons(
        "other",
        "（六）",
        "其他处理",
        {
            "no_correction": ("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            "fee_unpaid": (
                "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
            ),
            "other": "其他",
        },
    ),
)
TOTAL_LABEL = "（七）总计"

OUTCOMES: dict[str, Outcome] = {
    outcome.code: outcome for category in CATEGORIES for outcome in category.outcomes
}
_CATEGORY_OF: dict[str, Category] = {
    outcome.code: category for category in CATEGORIES for outcome in category.outcomes
}


def is_valid(code: str | None) -> bool:
    """Tell whether code is one of the outcome codes."""
    return code in OUTCOMES


def category_of(code: str) -> Category:
    """Return the category an outcome code belongs to."""
    try:
        return _CATEGORY_OF[code]
    except KeyError:
        raise UnknownOutcomeError(code) from None


def label(code: str) -> str:
    """Return the outcome's full label, e.g. （三）不予公开 · 1.属于国家秘密."""
    category = category_of(code)
    if not category.has_reasons:
        return category.heading
    outcome = OUTCOMES[code]
    return f"{category.heading} · {outcome.number}{outcome.label}"


def choice_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the outcomes grouped by category, as (group label, [(code, label)]) for a select."""
    return [
        (
            category.heading,
            [(outcome.code, f"{outcome.number}{outcome.label}") for outcome in category.outcomes],
        )
        for category in CATEGORIES
    ]
