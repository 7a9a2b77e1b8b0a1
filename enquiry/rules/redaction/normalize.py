"""A same-length copy of a text for matching: full-width forms and odd spaces made plain.

Every position in the copy is the position of the same character in the original, so a
match in the copy is a span of the original. Pure.
"""

from __future__ import annotations

_TABLE: dict[int, int] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_TABLE.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20})
_TABLE.update({0x0660 + d: 0x30 + d for d in range(10)})  # Arabic-Indic digits
_TABLE.update({0x06F0 + d: 0x30 + d for d in range(10)})  # Extended Arabic-Indic digits
# Dashes people type inside numbers: ‐ ‑ ‒ – — ― −
_TABLE.update(dict.fromkeys((0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212), 0x2D))


def plain(text: str) -> str:
    """The text with each character mapped one-to-one onto its plain form."""
    return text.translate(_TABLE)
