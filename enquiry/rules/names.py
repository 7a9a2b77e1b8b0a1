"""Citizens' names: one field, any GB18030 character, "·" as the only separator. Pure."""

from __future__ import annotations

import re
import unicodedata

SEPARATOR = "\u00b7"  # ·
# Look-alikes people type between name parts: ・ • ‧ ． ⋅ ∙ ･ and a full stop.
_LOOKALIKES = "\u30fb\u2022\u2027\uff0e\u22c5\u2219\uff65\u00b7"
_SEPARATOR_RUN = re.compile(rf"\s*[{_LOOKALIKES}]\s*")
# A plain "." counts only between two non-ASCII characters (买买提.艾力), not in "J. Smith".
_DOT_BETWEEN = re.compile(r"(?<=[^\x00-\x7f])\s*\.\s*(?=[^\x00-\x7f])")


def normalize_name(raw: str) -> str:
    """NFKC, collapse white space, and turn every separator look-alike into "·"."""
    name = unicodedata.normalize("NFKC", raw or "")
    name = " ".join(name.split())
    name = _SEPARATOR_RUN.sub(SEPARATOR, name)
    name = _DOT_BETWEEN.sub(SEPARATOR, name)
    return name.strip(SEPARATOR + " ")


def is_gb18030_encodable(text: str) -> bool:
    """True when every character can be written in GB18030 (the national standard)."""
    try:
        text.encode("gb18030")
    except UnicodeEncodeError:
        return False
    return True
