"""What a redaction finds, and how overlapping finds are merged and applied. Pure."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MARKER = "■■"


class SpanKind(enum.StrEnum):
    NAME = "name"
    EMAIL = "email"
    MOBILE = "mobile"
    LANDLINE = "landline"
    ID_NUMBER = "id_number"
    BANK_CARD = "bank_card"
    PLATE = "plate"
    ADDRESS = "address"
    QQ = "qq"
    WECHAT = "wechat"
    EXTRA = "extra"  # chosen by staff: an exact string


# Kinds staff may never restore: an e-mail address is never published.
NEVER_RESTORED = frozenset({SpanKind.EMAIL})

# When two finds cover exactly the same text, the more specific kind names it.
_PRIORITY = {
    kind: rank
    for rank, kind in enumerate(
        (
            SpanKind.ID_NUMBER,
            SpanKind.BANK_CARD,
            SpanKind.EMAIL,
            SpanKind.MOBILE,
            SpanKind.LANDLINE,
            SpanKind.QQ,
            SpanKind.WECHAT,
            SpanKind.PLATE,
            SpanKind.ADDRESS,
            SpanKind.NAME,
            SpanKind.EXTRA,
        )
    )
}


@dataclass(frozen=True, order=True)
class Span:
    """Characters [start, end) of a text that are personal data of one kind."""

    start: int
    end: int
    kind: SpanKind
    text: str

    @property
    def key(self) -> str:
        """A stable name for the span in a form: where it is and what it covers."""
        return f"{self.start}-{self.end}"


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and drop every one that lies inside (or overlaps) an earlier, longer one."""
    ordered = sorted(spans, key=lambda s: (s.start, -(s.end - s.start), _PRIORITY[s.kind]))
    kept: list[Span] = []
    for span in ordered:
        if kept and span.start < kept[-1].end:
            last = kept[-1]
            if span.end > last.end:  # overlapping tails: one span covering both
                kept[-1] = Span(last.start, span.end, last.kind, "")
            continue
        kept.append(span)
    return kept


def find_exact(text: str, needles: Iterable[str], kind: SpanKind = SpanKind.EXTRA) -> list[Span]:
    """Every occurrence of each non-blank needle, case-insensitive for Latin letters."""
    folded = text.casefold()
    found: list[Span] = []
    for needle in {n.strip() for n in needles if n and n.strip()}:
        target = needle.casefold()
        if len(target) != len(needle):  # casefold changed the length: match as typed
            folded_text, target = text, needle
        else:
            folded_text = folded
        start = folded_text.find(target)
        while start != -1:
            found.append(Span(start, start + len(target), kind, text[start : start + len(target)]))
            start = folded_text.find(target, start + 1)
    return found


def apply(text: str, spans: Sequence[Span], marker: str = MARKER) -> str:
    """The text with every span replaced by the marker."""
    out: list[str] = []
    position = 0
    for span in merge(spans):
        out.append(text[position : span.start])
        out.append(marker)
        position = span.end
    out.append(text[position:])
    return "".join(out)
