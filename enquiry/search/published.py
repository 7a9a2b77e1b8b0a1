"""Ranking published answers with the same tokenizer as the ticket search (in Python).

Published answers are few (hundreds to a few thousand) and already redacted, so they are
ranked in memory rather than through the ticket index: every token of the query must occur
(`matching`), or, for suggestions while a citizen types, the most tokens in common (`similar`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from enquiry.search import tokenizer


def _tokens(text: str) -> set[str]:
    return set(tokenizer.document_tokens(text))


def matching(query: str, documents: Iterable[tuple[int, str]]) -> list[int]:
    """The ids of the documents containing every query token, most occurrences first."""
    wanted = tokenizer.query_tokens(query)
    if not wanted:
        return []
    scored = []
    for number, text in documents:
        tokens = tokenizer.document_tokens(text)
        present = set(tokens)
        if all(token in present for token in wanted):
            scored.append((-sum(tokens.count(t) for t in wanted), number))
    return [number for _score, number in sorted(scored)]


def similar(text: str, documents: Iterable[tuple[int, str]], limit: int = 5) -> list[int]:
    """The ids of up to `limit` documents sharing the most query bigrams (at least two)."""
    wanted = {t for t in tokenizer.query_tokens(text) if len(t) > 1 or t.isascii()}
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
