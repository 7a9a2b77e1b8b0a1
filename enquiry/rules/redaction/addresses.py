"""Street addresses down to the door: 号, 栋, 单元, 室, in Chinese, English and Uyghur. Pure."""

from __future__ import annotations

import re

from enquiry.rules.redaction.spans import Span, SpanKind

_NUM = r"[0-9一二三四五六七八九十百零〇]{1,5}"
_UNIT = rf"{_NUM}\s?(?:号楼|号院|号|栋|幢|座|单元|层|楼|室|户)"
_PLACE = (
    r"(?:(?![的了在是我您他她和与及向到从给住于对把被请问题])[\u4e00-\u9fff]){1,12}?(?:大道|大街|路|街|巷|道|胡同|弄|里|小区|社区|花园|家园|新村|村|苑|园|"
    r"公寓|大厦|广场|城)"
)
# A place followed by a number, or two door-level numbers in a row, or one 室/单元/栋.
CHINESE = re.compile(
    rf"(?:{_PLACE}\s?(?:{_NUM}[-－]?)?{_UNIT}(?:[-－]?{_UNIT})*)"
    rf"|(?:{_UNIT}(?:[-－]?{_UNIT})+)"
    rf"|(?:{_NUM}\s?(?:栋|幢|单元|室))"
)
_BAD_START = set("在于到从向给住是的和与及我您他她")
ENGLISH = re.compile(
    r"\b(?:(?:Room|Rm\.?|Flat|Apt\.?|Unit|Building|Bldg\.?)\s+\d+[A-Za-z]?,?\s+)*"
    r"(?:No\.\s*)?\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Road|Rd\.?|Street|St\.?|Avenue|Ave\.?|Lane|Ln\.?|Alley|Boulevard|Blvd\.?)"
    r"|\b(?:Room|Rm\.?|Flat|Apt\.?|Unit|Building|Bldg\.?)\s+\d+[A-Za-z]?"
    r"(?:,?\s+(?:Room|Rm\.?|Flat|Apt\.?|Unit|Building|Bldg\.?)\s+\d+[A-Za-z]?)*"
)
# Uyghur: "... يولى 12 - نومۇر" (road ..., number 12), "3 - بىنا 2 - ئۆي" (block, flat).
UYGHUR = re.compile(
    r"(?:[\u0600-\u06ff]+\s+(?:يولى|كوچىسى|مەھەللىسى)\s*)?"
    r"\d{1,5}\s*-?\s*(?:نومۇرلۇق|نومۇر|بىنا|قەۋەت|ئۆي|ئىشىك)"
    r"(?:\s*,?\s*\d{1,5}\s*-?\s*(?:نومۇرلۇق|نومۇر|بىنا|قەۋەت|ئۆي|ئىشىك))*"
)


def _trim_place(span_text: str) -> int:
    """How many leading characters to drop: verbs and particles swallowed before the place."""
    skip = 0
    while skip < len(span_text) - 1 and span_text[skip] in _BAD_START:
        skip += 1
    return skip


def find_addresses(plain: str, text: str) -> list[Span]:
    """Every street address precise enough to find a door."""
    found: list[Span] = []
    for pattern in (CHINESE, ENGLISH, UYGHUR):
        for match in pattern.finditer(plain):
            start, end = match.span()
            start += _trim_place(plain[start:end]) if pattern is CHINESE else 0
            found.append(Span(start, end, SpanKind.ADDRESS, text[start:end]))
    return _join_adjacent(sorted(found), text)


def _join_adjacent(spans: list[Span], text: str) -> list[Span]:
    """One span for "南湖路88号" + "南湖小区7号楼": parts of an address written together."""
    joined: list[Span] = []
    for span in spans:
        if joined and not text[joined[-1].end : span.start].strip(" ,，、"):
            last = joined.pop()
            end = max(last.end, span.end)
            span = Span(last.start, end, SpanKind.ADDRESS, text[last.start : end])
        joined.append(span)
    return joined
