"""Citizens' names: NFKC, one kind of separator ("·"), and ordinary Latin names left alone."""

from __future__ import annotations

import pytest

from enquiry.rules.names import SEPARATOR, is_gb18030_encodable, normalize_name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("买买提.艾力", "买买提·艾力", id="full-stop-between-chinese"),
        pytest.param("买买提 . 艾力", "买买提·艾力", id="full-stop-with-spaces"),
        pytest.param("阿依古丽・买买提", "阿依古丽·买买提", id="katakana-middle-dot"),
        pytest.param("阿依古丽･买买提", "阿依古丽·买买提", id="half-width-katakana-dot"),
        pytest.param("阿依古丽．买买提", "阿依古丽·买买提", id="full-width-full-stop"),
        pytest.param("买买提‧艾力", "买买提·艾力", id="hyphenation-point"),
        pytest.param("买买提 · 艾力", "买买提·艾力", id="middle-dot-with-spaces"),
        pytest.param("Ayiguli • Maimaiti", "Ayiguli·Maimaiti", id="bullet"),
        pytest.param("Ayiguli∙Maimaiti", "Ayiguli·Maimaiti", id="bullet-operator"),
        pytest.param("Ayiguli⋅Maimaiti", "Ayiguli·Maimaiti", id="dot-operator"),
        pytest.param("J. Smith", "J. Smith", id="latin-initial-kept"),
        pytest.param("Dr. A.B. Chen", "Dr. A.B. Chen", id="latin-dots-kept"),
        pytest.param("Mary-Jane O'Neil", "Mary-Jane O'Neil", id="hyphen-apostrophe-kept"),
        pytest.param("Ｊｏｈｎ\u3000Ｓｍｉｔｈ", "John Smith", id="nfkc-full-width"),
        pytest.param("ﺋﺎﻳﮕﯜﻝ.ﻣﺎﻣﯘﺕ", "ئايگۈل·مامۇت", id="nfkc-uyghur-presentation-forms"),
        pytest.param("  张   三  ", "张 三", id="white-space-collapsed"),
        pytest.param("·买买提·艾力·", "买买提·艾力", id="separators-trimmed"),
        pytest.param("乌鲁木齐市某某科技有限公司", "乌鲁木齐市某某科技有限公司", id="organisation"),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalize_name(typed: str, expected: str) -> None:
    assert normalize_name(typed) == expected


def test_normalising_twice_changes_nothing() -> None:
    for name in ("买买提.艾力", "Ayiguli • Maimaiti", "J. Smith", "ﺋﺎﻳﮕﯜﻝ.ﻣﺎﻣﯘﺕ"):
        once = normalize_name(name)
        assert normalize_name(once) == once
    assert SEPARATOR == "\u00b7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("买买提·艾力", True),
        ("ئايگۈل مامۇت", True),
        ("𠮷野家", True),  # outside the BMP: GB18030 covers all of Unicode
        ("Łukasz Żółć", True),
        ("broken \ud800 surrogate", False),
    ],
)
def test_is_gb18030_encodable(text: str, expected: bool) -> None:
    assert is_gb18030_encodable(text) is expected
