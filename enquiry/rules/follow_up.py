"""Does a citizen's message on a concluded ticket ask for more, or only say thanks? Pure."""

from __future__ import annotations

import re

SHORT_THANKS_MAX = (
    60  # characters of new text: "谢谢！问题已经解决了。" fits, a new matter does not
)
QUESTION_MARKS = ("?", "？", "؟")
QUESTION_WORDS = re.compile(
    r"吗|怎么|如何|为什么|能否|是否|\b(?:what|how|why|when)\b|قانداق|نېمە|نېمىشقا|قاچان",
    re.IGNORECASE,
)


def asks_something_new(text: str) -> bool:
    """True unless the text is a short message without a question (a thanks, an "OK")."""
    new_text = " ".join(text.split())
    if len(new_text) > SHORT_THANKS_MAX:
        return True
    return any(mark in new_text for mark in QUESTION_MARKS) or bool(QUESTION_WORDS.search(new_text))
