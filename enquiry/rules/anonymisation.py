"""Removing personal data from stored text: known values and the shapes of contact details.

Pure: no database, no Flask. Free text cannot be searched for every address a citizen might
write, so anonymisation replaces citizen text outright (see enquiry/domain/retention) and uses
`scrub` only for text the office wrote itself (system events, flags, extension reasons).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ANONYMISED = "[已匿名化]"  # stored in place of removed text: the office's language
REMOVED = "[…]"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Resident identity numbers (18 digits, the last may be X) and 15-digit old ones.
ID_NUMBER = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?!\d)")
# Mobile numbers (with or without +86) and landlines with an area code.
PHONE = re.compile(
    r"(?<!\d)(?:(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)"
)
PATTERNS = (EMAIL, ID_NUMBER, PHONE)
SHORTEST_KNOWN = 2  # a one-character "name" would strip that character everywhere


def scrub_known(text: str, known: Iterable[str | None] = ()) -> tuple[str, int]:
    """Return the text without the known values (longest first), and how many were removed."""
    removed = 0
    for value in sorted(
        {v.strip() for v in known if v and len(v.strip()) >= SHORTEST_KNOWN}, key=len, reverse=True
    ):
        removed += text.count(value)
        text = text.replace(value, REMOVED)
    return text, removed


def scrub(text: str, known: Iterable[str | None] = ()) -> tuple[str, int]:
    """Return the text without the known values and anything shaped like contact details.

    The count says how many pieces were removed.
    """
    text, removed = scrub_known(text, known)
    for pattern in PATTERNS:
        text, found = pattern.subn(REMOVED, text)
        removed += found
    return text, removed
