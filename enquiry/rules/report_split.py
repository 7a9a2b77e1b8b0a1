"""Split an annual report's plain text into its numbered sections (pure: no Flask, no database).

Chinese government reports number their parts "一、", their sub-parts "（一）" or "(一)" and
their enumerated points "一是". Anchors come from that numbering, never from positions, so a
link to "s2-i3" still points at the third point of part two after the report is re-imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

HEADING_MAX = 40  # longer first sentences are content, not headings
HEADING_MIN = 4  # a shorter first clause ("同时") is joined to the next one
INTRO_ANCHOR = "intro"
CLOSING_ANCHOR = "closing"
INTRO_HEADING = "前言"
CLOSING_HEADING = "结束语"

_NUMERAL = "[一二三四五六七八九十][一二三四五六七八九十百零〇]*"
_PART = re.compile(rf"(?P<n>{_NUMERAL})、\s*(?P<rest>.*)")
_SUBPART = re.compile(rf"(?P<number>[(（]\s*(?P<n>{_NUMERAL})\s*[)）])\s*(?P<rest>.*)")
_ITEM = re.compile(rf"(?P<n>{_NUMERAL})是\s*(?P<rest>.+)")
_DIGITS = dict(zip("零〇一二三四五六七八九", (0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_UNITS = {"十": 10, "百": 100}

_PUBLISHED = re.compile(
    r"发布(?:时间|日期)\s*[:：]?\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
)
# Page furniture copied along with the report: dropped wherever it appears ...
_JUNK_LINE = re.compile(
    r"^(?:发布(?:时间|日期)|来源|责任编辑)\s*[:：]"
    r"|浏览次数\s*[:：]\s*\d"
    r"|【\s*(?:字体|打印|关闭)"
    r"|^(?:打印本页|关闭窗口|分享到|上一篇|下一篇)"
)
# ... and everything from the attachment and link lists on is the page footer.
_FOOTER = re.compile(r"^(?:附件下载|相关链接|相关文章|相关阅读)\s*[:：]?")

_SENTENCE_STOPS = frozenset("。！？!?")
_CLAUSE_STOPS = frozenset("，,；;。！？!?：:")
_OPENERS = "“‘《〈「『【（("
_CLOSERS = "”’》〉」』】）)"
_TRAILING = "，,；;：:、。 "


@dataclass(frozen=True)
class SplitSection:
    """One section: its anchor, the number as printed, depth (1 = top), heading and body."""

    anchor: str
    number: str
    level: int
    heading: str
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        """Return the paragraphs joined by blank lines, as stored."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class SplitReport:
    """A report's title, publication date when printed, and its sections in reading order."""

    title: str
    published_on: date | None
    sections: tuple[SplitSection, ...]


class EmptyReportError(ValueError):
    """The text holds no report at all."""


def split_report(text: str) -> SplitReport:
    """Split a report into its title and numbered sections."""
    lines = content_lines(text)
    if not lines:
        raise EmptyReportError("The report text is empty.")
    builder = _Builder()
    for paragraph in lines[1:]:
        builder.add(paragraph)
    return SplitReport(title=lines[0], published_on=published_on(text), sections=builder.finish())


def content_lines(text: str) -> list[str]:
    """Return the non-blank lines up to the page footer, without page furniture."""
    lines = []
    for raw in text.replace("\ufeff", "").splitlines():
        line = raw.strip()
        if _FOOTER.match(line):
            break
        if line and not _JUNK_LINE.search(line):
            lines.append(line)
    return lines


def published_on(text: str) -> date | None:
    """Return the date of the "发布时间:YYYY-MM-DD" line, if any."""
    match = _PUBLISHED.search(text)
    if match is None:
        return None
    try:
        return date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


def chinese_numeral(numeral: str) -> int:
    """Convert a Chinese numeral below a thousand ("十二", "二十", "一百零五") to an int."""
    total, digit = 0, 0
    for char in numeral:
        if char in _UNITS:
            total += (digit or 1) * _UNITS[char]
            digit = 0
        else:
            digit = _DIGITS[char]
    return total + digit


@dataclass
class _Draft:
    anchor: str
    number: str
    level: int
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    own: int = 0  # paragraphs taken from the numbered line itself

    def freeze(self) -> SplitSection:
        return SplitSection(
            self.anchor, self.number, self.level, self.heading, tuple(self.paragraphs)
        )


class _Builder:
    """Walk the paragraphs, opening a section at each number and nesting by numbering kind."""

    def __init__(self) -> None:
        self.intro = _Draft(INTRO_ANCHOR, "", 1, INTRO_HEADING)
        self.sections: list[_Draft] = []
        self.part: _Draft | None = None
        self.subpart: _Draft | None = None
        self.anchors: set[str] = set()

    def add(self, paragraph: str) -> None:
        if match := _PART.fullmatch(paragraph):
            self.part = self._open(None, "s", f"{match['n']}、", match, enumerated=False)
            self.subpart = None
        elif match := _SUBPART.fullmatch(paragraph):
            number = match["number"]
            self.subpart = self._open(self.part, "", number, match, enumerated=False)
        elif match := _ITEM.fullmatch(paragraph):
            self._open(self.subpart or self.part, "i", f"{match['n']}是", match, enumerated=True)
        else:
            (self.sections[-1] if self.sections else self.intro).paragraphs.append(paragraph)

    def _open(
        self,
        parent: _Draft | None,
        kind: str,
        number: str,
        match: re.Match[str],
        *,
        enumerated: bool,
    ) -> _Draft:
        value = chinese_numeral(match["n"])
        prefix = f"{parent.anchor}-" if parent else ("" if kind == "s" else "s0-")
        heading, paragraphs = heading_and_body(match["rest"], enumerated=enumerated)
        draft = _Draft(
            anchor=self._unique(f"{prefix}{kind}{value}"),
            number=number,
            level=parent.level + 1 if parent else 1,
            heading=heading or number,
            paragraphs=paragraphs,
            own=len(paragraphs),
        )
        self.sections.append(draft)
        return draft

    def _unique(self, anchor: str) -> str:
        # Only a report that repeats a number gets here; "-r2" cannot clash with a real anchor.
        candidate, repeat = anchor, 1
        while candidate in self.anchors:
            repeat += 1
            candidate = f"{anchor}-r{repeat}"
        self.anchors.add(candidate)
        return candidate

    def finish(self) -> tuple[SplitSection, ...]:
        drafts = [self.intro] if self.intro.paragraphs else []
        drafts += self.sections
        last = self.sections[-1] if self.sections else None
        # Unnumbered paragraphs after a numbered point that carried its own text are the
        # report's closing words; after a bare part heading they are that part's body.
        if last is not None and last.own and len(last.paragraphs) > last.own:
            closing = _Draft(CLOSING_ANCHOR, "", 1, CLOSING_HEADING, last.paragraphs[last.own :])
            del last.paragraphs[last.own :]
            drafts.append(closing)
        return tuple(draft.freeze() for draft in drafts)


def heading_and_body(text: str, *, enumerated: bool) -> tuple[str, list[str]]:
    """Split the text after a number into a heading and body paragraphs.

    A short first sentence is the heading and the rest the body ("加强领导,健全机构。按照...");
    an enumerated point ("一是...") or a long first sentence keeps the whole paragraph as body
    under a short heading made from its first clause.
    """
    stops = _stops(text, _SENTENCE_STOPS)
    sentence = text[: stops[0]] if stops else text
    rest = text[stops[0] + 1 :].strip() if stops else ""
    if not enumerated and len(sentence) <= HEADING_MAX:
        return sentence.rstrip(_TRAILING), [rest] if rest else []
    return short_heading(text), [text] if text else []


def short_heading(text: str) -> str:
    """Return the first clause of a paragraph, cut to at most HEADING_MAX characters."""
    ends = [end for end in _stops(text, _CLAUSE_STOPS) if end >= HEADING_MIN]
    clause = (text[: ends[0]] if ends else text).rstrip(_TRAILING)
    if len(clause) > HEADING_MAX:
        clause = clause[: HEADING_MAX - 1].rstrip(_TRAILING) + "…"
    return clause


def _stops(text: str, stops: frozenset[str]) -> list[int]:
    """Return the positions of stop characters outside quotes, titles and brackets."""
    positions, depth = [], 0
    for index, char in enumerate(text):
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(depth - 1, 0)
        elif char in stops and depth == 0 and not _is_digit_separator(text, index):
            positions.append(index)
    return positions


def _is_digit_separator(text: str, index: int) -> bool:
    """Tell "1,083" or "10:30" (not clause ends) from a clause-ending comma or colon."""
    if text[index] not in ",:" or index == 0 or index + 1 >= len(text):
        return False
    return text[index - 1].isdigit() and text[index + 1].isdigit()
