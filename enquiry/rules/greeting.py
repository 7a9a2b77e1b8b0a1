"""Does a reply already greet the citizen? Then the mail does not add its own "Dear …". Pure."""

from __future__ import annotations

import re

# The salutations an office writes at the top of a reply, in zh, ug and en.
_GREETING = re.compile(
    r"^\s*(?:尊敬的|亲爱的|您好|你好|ھۆرمەتلىك|قەدىرلىك|ياخشىمۇسىز"
    r"|dear\b|hello\b|hi\b|good (?:morning|afternoon|day)\b)",
    re.IGNORECASE,
)


def starts_with_greeting(body: str) -> bool:
    """True when the text opens with a salutation such as 尊敬的…, 您好 or Dear …."""
    return bool(_GREETING.match(body))
