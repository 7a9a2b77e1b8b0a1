"""Neutralise spreadsheet formulas in exported cells (CSV and XLSX), the one place that does.

A cell whose text begins with `=`, `+`, `-` or `@` (or a tab or carriage return, or the
full-width ＝＋－＠, which spreadsheet programs may fold to ASCII), possibly after white space,
is read as a formula by Excel, LibreOffice and Google Sheets: a department or subject named
`=HYPERLINK(...)` would run in the office's spreadsheet. Following OWASP, such text gets a
leading apostrophe, which makes it literal text. Numbers stay numbers: int and float values
pass unchanged, and so does text that is exactly a decimal number ("-3", "+1.5"), which cannot
be a formula. Pure: no Flask, no database.
"""

from __future__ import annotations

import re

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program could read the text as a formula."""
    if text[:1] in {"\t", "\r", "\n"}:
        return True
    stripped = text.lstrip()
    if not stripped or stripped[0] not in FORMULA_STARTS:
        return False
    return _PLAIN_NUMBER.fullmatch(stripped.strip()) is None


def safe_cell(value: object) -> object:
    """Return the value to write into an exported cell: formula-like text made literal."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value
