"""Finding personal data in Chinese, Uyghur and English text before anything is published. Pure.

`find_personal_data(text, known_names=...)` returns the spans to hide, each with its kind;
`redact(text, spans)` replaces them. Numbers are validated (ID checksum, Luhn) so that ordinary
figures survive; names are heuristic and measured by the corpus test.
"""

from __future__ import annotations

from collections.abc import Iterable

from enquiry.rules.redaction.addresses import find_addresses
from enquiry.rules.redaction.names import find_names
from enquiry.rules.redaction.normalize import plain
from enquiry.rules.redaction.numbers import find_numbers, is_luhn, is_resident_id
from enquiry.rules.redaction.spans import (
    MARKER,
    NEVER_RESTORED,
    Span,
    SpanKind,
    apply,
    find_exact,
    merge,
)


def find_personal_data(text: str, known_names: Iterable[str] = ()) -> list[Span]:
    """Every span of personal data in the text, sorted and without overlaps."""
    copy = plain(text)
    found = find_numbers(copy, text) + find_addresses(copy, text)
    found += find_names(copy, text, known_names)
    return [Span(s.start, s.end, s.kind, text[s.start : s.end]) for s in merge(found)]


def redact(text: str, spans: Iterable[Span], marker: str = MARKER) -> str:
    """The text with the spans replaced by the marker."""
    return apply(text, list(spans), marker)


__all__ = [
    "MARKER",
    "NEVER_RESTORED",
    "Span",
    "SpanKind",
    "find_exact",
    "find_personal_data",
    "is_luhn",
    "is_resident_id",
    "merge",
    "redact",
]
