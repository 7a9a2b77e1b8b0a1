"""The outcome codes: the template's categories and reasons, exactly, with stable codes."""

from __future__ import annotations

import pytest

from enquiry.rules import outcomes


def test_categories_and_reasons_are_those_of_the_template() -> None:
    shape = [(c.heading, [f"{o.number}{o.label}" for o in c.outcomes]) for c in outcomes.CATEGORIES]
    assert shape == [
        ("（一）予以公开", ["予以公开"]),
        (
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            ["部分公开（区分处理的，只计这一情形，不计其他情形）"],
        ),
        (
            "（三）不予公开",
            [
                "1.属于国家秘密",
                "2.其他法律行政法规禁止公开",
                "3.危及“三安全一稳定”",
                "4.保护第三方合法权益",
                "5.属于三类内部事务信息",
                "6.属于四类过程性信息",
                "7.属于行政执法案卷",
                "8.属于行政查询事项",
            ],
        ),
        (
            "（四）无法提供",
            [
                "1.本机关不掌握相关政府信息",
                "2.没有现成信息需要另行制作",
                "3.补正后申请内容仍不明确",
            ],
        ),
        (
            "（五）不予处理",
            [
                "1.信访举报投诉类申请",
                "2.重复申请",
                "3.要求提供公开出版物",
                "4.无正当理由大量反复申请",
                "5.要求行政机关确认或重新出具已获取信息",
            ],
        ),
        (
            "（六）其他处理",
            [
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                "3.其他",
            ],
        ),
    ]


def test_codes_are_stable_unique_and_fit_the_column() -> None:
    codes = list(outcomes.OUTCOMES)
    assert len(codes) == len(set(codes)) == 2 + 8 + 3 + 5 + 3
    assert all(len(code) <= 40 and code.isascii() for code in codes)
    assert codes[:3] == ["disclosed", "partial", "refused.state_secret"]
    assert "not_processed.petition" in codes and "other.other" in codes


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("disclosed", "（一）予以公开"),
        ("refused.third_party", "（三）不予公开 · 4.保护第三方合法权益"),
        ("unavailable.not_held", "（四）无法提供 · 1.本机关不掌握相关政府信息"),
        ("other.other", "（六）其他处理 · 3.其他"),
    ],
)
def test_labels(code: str, label: str) -> None:
    assert outcomes.is_valid(code)
    assert outcomes.label(code) == label


@pytest.mark.parametrize("code", [None, "", "refused", "Disclosed", "refused.unknown", " partial"])
def test_invalid_codes(code: str | None) -> None:
    assert not outcomes.is_valid(code)


def test_unknown_code_has_no_category() -> None:
    with pytest.raises(outcomes.UnknownOutcomeError):
        outcomes.category_of("refused")


def test_choice_groups_cover_every_code_once() -> None:
    groups = outcomes.choice_groups()
    assert [group for group, _ in groups][2] == "（三）不予公开"
    assert [code for _, options in groups for code, _ in options] == list(outcomes.OUTCOMES)
    assert groups[2][1][0] == ("refused.state_secret", "1.属于国家秘密")
