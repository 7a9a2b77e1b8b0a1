"""Similar published answers, ranked in Python with the same tokenizer as the search index.

The /questions search goes through the index of public copies (enquiry.search.published_index);
suggestions while a citizen types want the copies with the most tokens in common instead: the
index finds the candidates sharing any token, and `similar` ranks them here by the share of
the text's tokens they hold.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from enquiry.search import tokenizer

SHORT_TEXT = 200  # subjects: compared on every ticket page, so their tokens are kept


def _tokens(text: str) -> frozenset[str]:
    if len(text) <= SHORT_TEXT:
        return _short_tokens(text)
    return frozenset(tokenizer.document_tokens(text))


@functools.lru_cache(maxsize=4096)
def _short_tokens(text: str) -> frozenset[str]:
    """The tokens of a short text (a subject), kept per process: pure, so never stale."""
    return frozenset(tokenizer.document_tokens(text))


def wanted_tokens(text: str) -> set[str]:
    """The tokens of the text that count for similarity: bigrams and words, not single Han."""
    return {t for t in tokenizer.query_tokens(text) if len(t) > 1 or t.isascii()}


def similar(text: str, documents: Iterable[tuple[int, str]], limit: int = 5) -> list[int]:
    """The ids of up to `limit` documents sharing the most query bigrams (at least two)."""
    wanted = wanted_tokens(text)
    if not wanted:
        return []
    scored: list[tuple[float, int]] = []
    for number, document in documents:
        shared = len(wanted & _tokens(document))
        if shared >= min(2, len(wanted)):
            scored.append((-shared / len(wanted), number))
    return [number for _score, number in sorted(scored)[:limit]]


def text_of(parts: Sequence[str]) -> str:
    """The searchable text of a published answer."""
    return "\n".join(parts)
