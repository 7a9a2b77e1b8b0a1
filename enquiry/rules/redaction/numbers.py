"""Contact details and numbers: e-mail, phones, ID numbers, bank cards, plates, QQ, WeChat.

Run on the plain copy of a text (see normalize.plain); every span indexes the original. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from enquiry.rules.redaction.spans import Span, SpanKind

_SEP = r"[ \-.]?"  # one optional space, dash or dot between digits

EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}\s?@\s?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\s?\.\s?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}",
    re.ASCII,
)
MOBILE = re.compile(rf"(?<![\d\w])(?:\+?86{_SEP})?1[3-9](?:{_SEP}\d){{9}}(?!\d)", re.ASCII)
LANDLINE = re.compile(
    r"(?<![\dA-Za-z])(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?[1-9]\d{2,3}[ \-]?\d{4}"
    r"(?:\s?(?:转|ext\.?|x)\s?\d{1,6})?(?!\d)"
)
LABELLED_LOCAL = re.compile(
    r"(?:电话|座机|固话|联系方式|Tel|tel|TEL|Phone|phone|تېلېفون)\s*(?:号码)?\s*[:：]?\s*"
    r"([2-9]\d{2,3}[ \-]?\d{4})(?!\d)"
)
# 18 or 15 digits, optionally written in groups (6 8 4 or 6 4 4 4).
ID_NUMBER = re.compile(
    r"(?<![\dA-Za-z])\d{6}[ -]?(?:\d{4}[ -]?\d{4}|\d{8})[ -]?\d{3}[\dXx](?![\dA-Za-z])"
)
OLD_ID = re.compile(r"(?<![\dA-Za-z])\d{15}(?![\dA-Za-z])")
CARD = re.compile(
    r"(?<![\dA-Za-z])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{3,4}(?:[ -]?\d{1,3})?(?![\dA-Za-z])"
)
PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"\s?[A-HJ-NP-Za-hj-np-z]\s?[·•.\- ]?\s?[A-HJ-NP-Za-hj-np-z0-9]{5,6}(?![A-Za-z0-9])"
)
QQ = re.compile(r"(?:QQ|qq|Qq|扣扣)\s*(?:号码|号)?\s*(?:是|为)?\s*[:：]?\s*([1-9]\d{4,11})(?!\d)")
WECHAT = re.compile(
    r"(?:微信|WeChat|wechat|Wechat|weixin|Weixin|VX|vx|WX|wx|ئۈندىدار)\s*(?:号码|号|ID|id)?"
    r"\s*(?:是|为)?\s*[:：]?\s*([A-Za-z][-_A-Za-z0-9]{5,19}|\d{5,20})(?![-_A-Za-z0-9])"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch in "Xx").upper()


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def is_resident_id(number: str) -> bool:
    """True for an 18-character resident ID whose birth date and check character are valid."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if not _is_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def is_old_resident_id(number: str) -> bool:
    """True for a 15-digit first-generation ID (area code, then YYMMDD born in the 1900s)."""
    if len(number) != 15 or not number.isdigit() or number[0] == "0":
        return False
    return _is_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


def is_luhn(number: str) -> bool:
    """True when the digits pass the Luhn check used by bank cards."""
    if not number.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _spans(
    pattern: re.Pattern[str], plain: str, text: str, kind: SpanKind, group: int = 0
) -> Iterator[Span]:
    for match in pattern.finditer(plain):
        start, end = match.span(group)
        yield Span(start, end, kind, text[start:end])


def find_numbers(plain: str, text: str) -> list[Span]:
    """Every contact detail or identifying number in the text."""
    found: list[Span] = []
    found += _spans(EMAIL, plain, text, SpanKind.EMAIL)
    found += [
        s
        for s in _spans(ID_NUMBER, plain, text, SpanKind.ID_NUMBER)
        if is_resident_id(_digits(s.text))
    ]
    found += [
        s
        for s in _spans(OLD_ID, plain, text, SpanKind.ID_NUMBER)
        if is_old_resident_id(_digits(s.text))
    ]
    taken = {(s.start, s.end) for s in found}
    for span in _spans(CARD, plain, text, SpanKind.BANK_CARD):
        digits = _digits(span.text)
        if 15 <= len(digits) <= 19 and is_luhn(digits) and (span.start, span.end) not in taken:
            found.append(span)
    found += _spans(MOBILE, plain, text, SpanKind.MOBILE)
    found += _spans(LANDLINE, plain, text, SpanKind.LANDLINE)
    found += _spans(LABELLED_LOCAL, plain, text, SpanKind.LANDLINE, 1)
    found += [
        s for s in _spans(PLATE, plain, text, SpanKind.PLATE) if any(c.isdigit() for c in s.text)
    ]
    found += _spans(QQ, plain, text, SpanKind.QQ, 1)
    found += _spans(WECHAT, plain, text, SpanKind.WECHAT, 1)
    return found
