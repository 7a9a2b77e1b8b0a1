"""@mentions in internal notes: which known names a text names. Pure: no database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# An @ that starts a mention: not inside an e-mail address (ASCII before it), after anything
# else, Chinese included ("请@张伟处理").
_AT = re.compile(r"(?<![A-Za-z0-9._%+\-])[@＠]")
_STOP = re.compile(r"[\s@＠,，。;；:：!！?？、()（）\[\]【】<>《》\"'“”‘’]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9_\-]")
NAME_MAX = 100


def normalize(name: str) -> str:
    """Return the form names are compared in: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def _candidate(text: str, start: int) -> str:
    """Return the run of text after an @ up to the first stop character."""
    stop = _STOP.search(text, start)
    end = stop.start() if stop else len(text)
    return text[start : min(end, start + NAME_MAX)]


def find_mentions(text: str, names: Iterable[str]) -> set[str]:
    """Return the known names (normalized) the text mentions with @.

    The longest known name at the start of the run wins, so "@张伟处理" names 张伟; an ASCII
    name must end at a word boundary, so "@li" does not name "lin". Unknown names give nothing.
    """
    known = {normalize(name) for name in names if name.strip()}
    found: set[str] = set()
    normalized = unicodedata.normalize("NFKC", text)
    for at in _AT.finditer(normalized):
        run = normalize(_candidate(normalized, at.end()))
        for length in range(len(run), 0, -1):
            name = run[:length]
            if name in known and not _continues_ascii_word(name, run[length:]):
                found.add(name)
                break
    return found


def _continues_ascii_word(name: str, rest: str) -> bool:
    return bool(rest) and bool(_ASCII_WORD.match(name[-1])) and bool(_ASCII_WORD.match(rest[0]))
