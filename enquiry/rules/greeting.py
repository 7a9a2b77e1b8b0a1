"""Does a reply already greet the citizen? Then the mail does not add its own "Dear …". Pure."""

from __future__ import annotations

import re

# The salutations an office writes at the top of a reply, in zh, ug and en.
_GREETING = re.compile(
    r"^\s*(?:尊敬的|亲爱的|您好|你好|ھۆرمەتلىك|قەدىرلىك|ياخشىمۇسىز|ئەسسالامۇ"
    r"|dear\b|hello\b|hi\b|good (?:morning|afternoon|day)\b)",
    re.IGNORECASE,
)
# Chinese letters greet by name first: "李梅您好：", "王先生，您好！", "张女士：" — a short first
# clause that holds 您好/你好, or a name with a courtesy title and a colon.
_NAMED_GREETING = re.compile(
    r"^\s*[^\n。！？!?]{0,20}?(?:[，,、：:\s]*(?:您好|你好)"
    r"|(?:先生|女士|同志|老师|师傅)\s*[：:])"
)


def starts_with_greeting(body: str) -> bool:
    """True when the text opens with a salutation such as 尊敬的…, 您好, 李梅您好 or Dear …."""
    return bool(_GREETING.match(body) or _NAMED_GREETING.match(body))
