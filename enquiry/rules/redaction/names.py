"""People's names: the citizen's own, names before 先生/女士/同志, and signatures. Pure.

Heuristic, measured in tests/unit/test_redaction_corpus.py (recall and precision are printed).
A bare surname with a title ("张先生") is not treated as a name: it identifies nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from enquiry.rules.names import SEPARATOR, normalize_name
from enquiry.rules.redaction.spans import Span, SpanKind, find_exact
from enquiry.rules.redaction.surnames import COMPOUND, SINGLE

_HAN = r"\u4e00-\u9fff"
_TITLE = re.compile(
    r"先生|女士|同志|小姐|老师|师傅|大姐|阿姨|大爷|主任|科长|局长|处长|书记|经理|医生"
)
# Characters that are grammar, not names: a candidate containing one is not a name.
_STOP = set("的了在是我您你他她们和与及向到从给住于对把被请问题好致谢位这那有个就也都说告诉感")
_LABEL = re.compile(
    rf"(?:姓名|联系人|署名|留言人|来信人|反映人|写信人|本人|我叫|我是)\s*[:：]?\s*"
    rf"([{_HAN}]{{1,4}}(?:·[{_HAN}]{{1,8}})*)"
)
_UYGHUR_NAME = re.compile(r"([\u0600-\u06ff]{2,})\s+(?:ئەپەندى|خانىم|ئاكا|ھەدە)")
_UYGHUR_LABEL = re.compile(
    r"(?:ئىسمىم|ئىسمى|ئىسىم-فامىلىسى|ئىمزا)\s*[:：]?\s*([\u0600-\u06ff]{2,}(?:\s+[\u0600-\u06ff]{2,})?)"
)
_ENGLISH_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+([A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)")
_ENGLISH_LABEL = re.compile(
    r"\b(?:[Mm]y name is|I am|I'm|Name:)\s+([A-Z][a-z]+(?: [A-Z][a-z]+){1,2})"
)
_ENGLISH_CLOSING = re.compile(
    r"(?:Regards|Best regards|Kind regards|Sincerely|Yours sincerely|Yours faithfully|Thanks|"
    r"Thank you|Best),?\s*\n\s*([A-Z][a-z]+(?: [A-Z][a-z]+){0,2})\s*$",
    re.MULTILINE,
)
_SIGNATURE_LINE = re.compile(
    rf"^[ \t]*(?:[-—－]+\s*|市民|居民|群众|村民)?([{_HAN}]{{2,4}}(?:·[{_HAN}]{{2,8}})?)"
    rf"[ \t]*(?:\d{{4}}[年.\-/]\d{{1,2}}[月.\-/]\d{{1,2}}日?)?[ \t]*$",
    re.MULTILINE,
)


def _is_chinese_name(candidate: str) -> bool:
    if SEPARATOR in candidate:
        return all(len(part) >= 2 for part in candidate.split(SEPARATOR))
    if any(ch in _STOP for ch in candidate):
        return False
    if candidate[:2] in COMPOUND:
        return 3 <= len(candidate) <= 4
    return candidate[0] in SINGLE and 2 <= len(candidate) <= 3


def _before_titles(plain: str, text: str) -> Iterable[Span]:
    for title in _TITLE.finditer(plain):
        end = title.start()
        dotted = re.search(rf"[{_HAN}]{{2,8}}·[{_HAN}]{{2,8}}$", plain[max(0, end - 17) : end])
        if dotted:
            start = end - len(dotted.group())
            yield Span(start, end, SpanKind.NAME, text[start:end])
            continue
        for length in (4, 3, 2):
            start = end - length
            if start >= 0 and _is_chinese_name(plain[start:end]):
                yield Span(start, end, SpanKind.NAME, text[start:end])
                break


def _longest_name(plain: str, start: int, end: int) -> int:
    """The end of the longest prefix of plain[start:end] that looks like a name, or -1."""
    for stop in range(end, start + 1, -1):
        if _is_chinese_name(plain[start:stop]):
            return stop
    return -1


def _groups(pattern: re.Pattern[str], plain: str, text: str, check: bool = False) -> Iterable[Span]:
    for match in pattern.finditer(plain):
        for index in range(1, (pattern.groups or 0) + 1):
            start, end = match.span(index)
            if start >= 0 and check:
                end = _longest_name(plain, start, end)
            if start < 0 or end < 0:
                continue
            yield Span(start, end, SpanKind.NAME, text[start:end])


def _own_name_parts(name: str) -> list[str]:
    """The citizen's name and the parts of it that identify on their own."""
    name = normalize_name(name)
    if not name:
        return []
    parts = [name]
    if SEPARATOR in name:
        parts += [p for p in name.split(SEPARATOR) if len(p) >= 2]
    elif " " in name:
        parts += [p for p in name.split(" ") if len(p) >= 3]
    return parts


def find_names(plain: str, text: str, known_names: Iterable[str] = ()) -> list[Span]:
    """Every name the heuristics recognise, and every occurrence of the known names."""
    needles = [part for name in known_names for part in _own_name_parts(name)]
    found = find_exact(text, needles, SpanKind.NAME)
    found += _before_titles(plain, text)
    found += _groups(_LABEL, plain, text, check=True)
    found += _groups(_SIGNATURE_LINE, plain, text, check=True)
    for pattern in (_UYGHUR_NAME, _UYGHUR_LABEL, _ENGLISH_TITLE, _ENGLISH_LABEL, _ENGLISH_CLOSING):
        found += _groups(pattern, plain, text)
    return found
