"""One tokenizer for full-text search: Chinese as character bigrams, other scripts as words.

Pure: no Flask, no database. SQLite FTS5 and PostgreSQL both index the space-joined tokens made
here and are queried with tokens made here, so both databases find the same tickets. Every
token consists of letters and digits only, which both engines' tokenizers keep whole.

Rules, applied to NFKC-normalised, case-folded text:

- A run of Han characters becomes its overlapping bigrams (煤改气 -> 煤改 改气); a one-character
  run is that character. Documents also index every single Han character (see
  `document_tokens`), so a one-character query finds something.
- A run of other letters and digits (Latin, Uyghur in Arabic script, Cyrillic ...) is one word.
  Digits of any script are read as ASCII digits; combining marks, tatweel and invisible
  joiners are dropped; everything else (punctuation, symbols, emoji) separates tokens.
- A ticket reference (WLMQ-2026-000123) is also one token, wlmq2026000123, besides its parts
  and its number without leading zeros (123).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from enquiry.search.normalize import HAN, WORD, Normalized, normalize

MAX_TOKEN_CHARS = 64  # longer words (hashes, base64) are cut: PostgreSQL skips words > 2047 bytes
MAX_QUERY_CHARS = 500
MAX_QUERY_TOKENS = 32
# PostgreSQL refuses a tsvector over 1 MB; the tsvector of a text is at most ~3x its size.
MAX_DOCUMENT_BYTES = 250_000
SNIPPET_CHARS = 160
SNIPPET_SCAN_CHARS = 5_000  # a match further into a long text is not looked for
SNIPPET_LEAD = 40
ELLIPSIS = "…"

_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014"
_REFERENCE = re.compile(
    rf"(?<![a-z0-9])([a-z]{{2,10}})[{_DASHES}]([0-9]{{4}})[{_DASHES}]([0-9]{{6,12}})(?![0-9])"
)
_RUNS = re.compile(f"{HAN}+|{WORD}+")
_WHITESPACE = re.compile(r"\s+")


class Token(NamedTuple):
    """A token and the span of the original text it came from."""

    text: str
    start: int
    end: int


class Segment(NamedTuple):
    """A piece of a snippet: plain text, or text that matched the query."""

    text: str
    is_match: bool


def tokens(text: str) -> list[str]:
    """Return the tokens of a text: Han bigrams, words, references (with repeats, in order)."""
    return [piece[0] for piece in _pieces(normalize(text), unigrams=False)]


def document_tokens(text: str) -> list[str]:
    """Return the tokens to index for a text: `tokens` plus every single Han character.

    Indexing unigrams beside bigrams lets a one-character query (垃) match, at the price of
    roughly twice the index entries for Chinese text, and of one-character queries being broad
    (they match any ticket with that character). Prefix queries on bigrams would avoid the
    unigrams but miss a character that ends a run, and need a prefix index on SQLite.
    """
    return [piece[0] for piece in _pieces(normalize(text), unigrams=True)]


@functools.lru_cache(maxsize=8)  # a ticket's few texts, between `prepare` and its flush
def _document_text(text: str) -> str:
    """`document_tokens`, space-joined (one string: a few hundred kB at most, kept or not)."""
    return " ".join(document_tokens(text))


def prepare(*texts: str) -> None:
    """Tokenize texts a document is about to be made of, before a write takes SQLite's lock.

    The few texts tokenized last are kept, so the flush that writes the document (under the
    lock) finds them done.
    """
    for text in texts:
        _document_text(text)


def query_tokens(query: str) -> list[str]:
    """Return the distinct tokens of a query, all of which a matching document must contain."""
    distinct = dict.fromkeys(tokens(query[:MAX_QUERY_CHARS]))
    return list(distinct)[:MAX_QUERY_TOKENS]


def document_for(
    reference: str, subject: str, citizen_name: str, message_bodies: Iterable[str]
) -> str:
    """Return the space-joined tokens to index for a ticket, cut at MAX_DOCUMENT_BYTES."""
    texts = (reference, subject, citizen_name, *message_bodies)
    whole = " ".join(part for part in map(_document_text, texts) if part)
    if len(whole.encode()) < MAX_DOCUMENT_BYTES:  # (as counted below: each token and a space)
        return whole
    kept: list[str] = []
    size = 0
    for text in texts:
        for token in document_tokens(text):
            size += len(token.encode()) + 1
            if size > MAX_DOCUMENT_BYTES:
                return " ".join(kept)
            kept.append(token)
    return " ".join(kept)


def snippet(
    texts: Iterable[str], query: Sequence[str], width: int = SNIPPET_CHARS
) -> list[Segment]:
    """Return the passage around the first match in texts, matches marked; [] if none match."""
    wanted = set(query)
    if not wanted:
        return []
    for text in texts:
        head = text[:SNIPPET_SCAN_CHARS]
        is_cut = len(head) < len(text)
        matches = [
            token
            for token in _matching_spans(head, wanted)
            if not (is_cut and token.end == len(head))
        ]
        if matches:
            return _passage(text, matches, width)
    return []


def _passage(text: str, matches: list[Token], width: int) -> list[Segment]:
    start = max(0, min(token.start for token in matches) - SNIPPET_LEAD)
    end = min(len(text), start + width)
    start = max(0, end - width)
    segments: list[Segment] = [Segment(ELLIPSIS, False)] if start > 0 else []
    position = start
    for match_start, match_end in _merged(matches, start, end):
        if match_start > position:
            segments.append(Segment(_squeeze(text[position:match_start]), False))
        segments.append(Segment(_squeeze(text[match_start:match_end]), True))
        position = match_end
    if position < end:
        segments.append(Segment(_squeeze(text[position:end]), False))
    if end < len(text):
        segments.append(Segment(ELLIPSIS, False))
    return segments


def _merged(matches: list[Token], start: int, end: int) -> list[tuple[int, int]]:
    """Clip the matches to [start, end) and merge those that overlap or touch (煤改 + 改气)."""
    spans: list[tuple[int, int]] = []
    for token in sorted(matches, key=lambda token: token.start):
        span_start, span_end = max(token.start, start), min(token.end, end)
        if span_start >= span_end:
            continue
        if spans and span_start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], span_end))
        else:
            spans.append((span_start, span_end))
    return spans


def _squeeze(text: str) -> str:
    """Collapse line breaks and runs of spaces: a snippet is one line."""
    return _WHITESPACE.sub(" ", text)


def _matching_spans(text: str, wanted: set[str]) -> list[Token]:
    normalized = normalize(text)
    starts, ends = normalized.starts, normalized.ends
    return [
        Token(token, starts[first], ends[last])
        for token, first, last in _pieces(normalized, unigrams=True)
        if token in wanted
    ]


def _pieces(normalized: Normalized, *, unigrams: bool) -> list[tuple[str, int, int]]:
    """Return (token, index of its first char, index of its last char): references first."""
    chars, classes = normalized.chars, normalized.classes
    found: list[tuple[str, int, int]] = []
    for match in _REFERENCE.finditer(chars):
        prefix, year, number = match.groups()
        found.append((prefix + year + number, match.start(), match.end() - 1))
        if number.lstrip("0") != number:
            found.append((number.lstrip("0") or "0", match.start(3), match.end() - 1))
    for run in _RUNS.finditer(classes):
        first, last = run.start(), run.end() - 1
        if classes[first] == WORD:
            found.append((chars[first : last + 1][:MAX_TOKEN_CHARS], first, last))
        elif first == last:
            found.append((chars[first], first, first))
        else:
            found.extend(_han_pieces(chars, first, last, unigrams=unigrams))
    return found


def _han_pieces(chars: str, first: int, last: int, *, unigrams: bool) -> list[tuple[str, int, int]]:
    """Overlapping bigrams of a run of two or more Han characters, with or without unigrams."""
    if not unigrams:
        return [(chars[index : index + 2], index, index + 1) for index in range(first, last)]
    found: list[tuple[str, int, int]] = []
    for index in range(first, last):
        found.append((chars[index], index, index))
        found.append((chars[index : index + 2], index, index + 1))
    found.append((chars[last], last, last))
    return found
