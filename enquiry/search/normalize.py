"""Text folded for search: NFKC, case-folded, ignorables dropped, digits read as ASCII, each
character classed as Han, word or separator, and mapped back to where it came from.

Pure: no Flask, no database. `enquiry.search.tokenizer` cuts the folded text into tokens.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

HAN, WORD, SEPARATOR = "H", "W", " "
_IGNORED, _DIGIT = "X", "D"  # dropped without a trace; a non-ASCII digit, read as ASCII
_HAN_RANGES = (
    (0x3005, 0x3005),  # 々 iteration mark
    (0x3007, 0x3007),  # 〇 ideographic zero, as in 二〇二六
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs (NFKC maps most of them away)
    (0x20000, 0x2FA1F),  # extensions B-F and the compatibility supplement
    (0x30000, 0x323AF),  # extensions G-H
)
CACHED_CHARACTERS = 16_384  # distinct characters (or clusters) whose folding is kept
_TATWEEL = "\u0640"  # Arabic-script elongation: typography, not a letter
_ZERO_WIDTH_SPACE = "\u200b"


class Normalized(NamedTuple):
    """A text folded for search, with where each of its characters came from."""

    chars: str  # NFKC, case-folded, ignorables removed, digits in ASCII
    classes: str  # one of HAN, WORD, SEPARATOR per char
    starts: Sequence[int]  # where each char came from in the original text
    ends: Sequence[int]


def normalize(text: str) -> Normalized:
    """NFKC and case-fold the text, classify its characters, and map them back to the text."""
    if unicodedata.is_normalized("NFKC", text):
        folded = text.casefold()
        if len(folded) == len(text):  # then character i of folded is character i of text
            classes = _classes(folded)
            if _IGNORED not in classes and _DIGIT not in classes:
                return Normalized(folded, classes, range(len(text)), range(1, len(text) + 1))
    return _normalize_by_cluster(text)


def _normalize_by_cluster(text: str) -> Normalized:
    """NFKC and case-fold a cluster (a character and its combining marks) at a time."""
    distinct = set(text)
    if not any(unicodedata.combining(char) for char in distinct):
        return _normalize_by_char(text, {char: _fold(char) for char in distinct})
    chars: list[str] = []
    classes: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    index, length = 0, len(text)
    while index < length:
        after = index + 1
        while after < length and unicodedata.combining(text[after]):
            after += 1
        for char, kind in zip(*_fold(text[index:after]), strict=True):
            chars.append(char)
            classes.append(kind)
            starts.append(index)
            ends.append(after)
        index = after
    return Normalized("".join(chars), "".join(classes), starts, ends)


def _normalize_by_char(text: str, table: dict[str, tuple[str, str]]) -> Normalized:
    """Like _normalize_by_cluster for a text without combining marks (every cluster is one
    character), folding each distinct character once: Chinese text with full-width
    punctuation, which NFKC changes, is the common case and took most of the indexing time.
    """
    if all(len(folded) == 1 for folded, _ in table.values()):  # one for one: no offsets
        chars_map = {ord(char): folded for char, (folded, _) in table.items()}
        classes_map = {ord(char): kinds for char, (_, kinds) in table.items()}
        length = len(text)
        return Normalized(
            text.translate(chars_map),
            text.translate(classes_map),
            range(length),
            range(1, length + 1),
        )
    chars: list[str] = []
    classes: list[str] = []
    starts: list[int] = []
    for index, char in enumerate(text):
        folded, kinds = table[char]
        if len(folded) == 1:
            chars.append(folded)
            classes.append(kinds)
            starts.append(index)
        elif folded:
            chars.extend(folded)
            classes.extend(kinds)
            starts.extend([index] * len(folded))
    return Normalized("".join(chars), "".join(classes), starts, [s + 1 for s in starts])


@functools.lru_cache(maxsize=CACHED_CHARACTERS)
def _fold(cluster: str) -> tuple[str, str]:
    """NFKC and case-fold a cluster; return its kept characters and their classes (kept per
    process: pure, and a text is mostly characters seen before)."""
    chars: list[str] = []
    classes: list[str] = []
    for char in unicodedata.normalize("NFKC", cluster).casefold():
        kind = _class_of(char)
        if kind == _IGNORED:
            continue
        if kind == _DIGIT:
            char, kind = str(unicodedata.decimal(char)), WORD
        chars.append(char)
        classes.append(kind)
    return "".join(chars), "".join(classes)


def _classes(folded: str) -> str:
    table = {char: _class_of(char) for char in set(folded)}
    return "".join([table[char] for char in folded])


@functools.lru_cache(maxsize=CACHED_CHARACTERS)
def _class_of(char: str) -> str:
    """Return the class of a normalised character (kept per process, like _fold)."""
    if char.isascii():
        return WORD if char.isalnum() else SEPARATOR
    code = ord(char)
    if 0x4E00 <= code <= 0x9FFF or any(low <= code <= high for low, high in _HAN_RANGES):
        return HAN
    if char == _ZERO_WIDTH_SPACE:
        return SEPARATOR
    category = unicodedata.category(char)
    if category in {"Mn", "Me", "Cf"} or char == _TATWEEL:
        return _IGNORED
    if category == "Nd":
        return _DIGIT
    if category[0] in "LN" or category == "Mc":
        return WORD
    return SEPARATOR
