"""Redaction measured on a synthetic corpus of letters in Chinese, Uyghur and English."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from enquiry.rules.redaction import Span, SpanKind, find_personal_data, redact

CORPUS = Path(__file__).resolve().parents[1] / "data" / "redaction"
MARK = re.compile(r"\[\[(\w+):(.+?)\]\]")
MUST_FIND_ALL = {
    SpanKind.ID_NUMBER,
    SpanKind.MOBILE,
    SpanKind.EMAIL,
    SpanKind.BANK_CARD,
    SpanKind.PLATE,
}


@dataclass
class Letter:
    text: str
    known: list[str]
    expected: list[Span]


def parse(chunk: str) -> Letter:
    known: list[str] = []
    lines = chunk.strip("\n").split("\n")
    if lines[0].startswith("known: "):
        known.append(lines.pop(0)[len("known: ") :])
    marked = "\n".join(lines)
    text, expected, position = "", [], 0
    for match in MARK.finditer(marked):
        text += marked[position : match.start()]
        start = len(text)
        text += match.group(2)
        expected.append(Span(start, len(text), SpanKind(match.group(1)), match.group(2)))
        position = match.end()
    text += marked[position:]
    return Letter(text, known, expected)


def letters() -> list[tuple[str, Letter]]:
    found = []
    for path in sorted(CORPUS.glob("*.txt")):
        for number, chunk in enumerate(path.read_text(encoding="utf-8").split("\n---\n")):
            found.append((f"{path.stem}-{number}", parse(chunk)))
    return found


def covered(span: Span, spans: list[Span]) -> bool:
    return any(s.start <= span.start and s.end >= span.end for s in spans)


def overlaps(span: Span, spans: list[Span]) -> bool:
    return any(s.start < span.end and span.start < s.end for s in spans)


LETTERS = letters()


def test_the_corpus_covers_every_language_and_kind():
    assert {name.split("-")[0] for name, _ in LETTERS} == {"zh", "ug", "en"}
    kinds = {span.kind for _, letter in LETTERS for span in letter.expected}
    assert kinds >= MUST_FIND_ALL | {SpanKind.NAME, SpanKind.ADDRESS, SpanKind.QQ, SpanKind.WECHAT}
    assert SpanKind.LANDLINE in kinds
    ids = [s.text for _, letter in LETTERS for s in letter.expected if s.kind == SpanKind.ID_NUMBER]
    assert {len(text) for text in ids} == {15, 18}  # old 15-digit numbers and today's 18


@pytest.mark.parametrize(("name", "letter"), LETTERS, ids=[n for n, _ in LETTERS])
def test_every_number_and_address_is_found(name, letter):
    found = find_personal_data(letter.text, known_names=letter.known)
    missed = [s for s in letter.expected if s.kind != SpanKind.NAME and not covered(s, found)]
    assert missed == []


@pytest.mark.parametrize(("name", "letter"), LETTERS, ids=[n for n, _ in LETTERS])
def test_nothing_marked_survives_in_the_redacted_text(name, letter):
    found = find_personal_data(letter.text, known_names=letter.known)
    redacted = redact(letter.text, found)
    for span in letter.expected:
        if span.kind in MUST_FIND_ALL:
            assert span.text not in redacted


def test_recall_and_precision_measured(capsys):
    expected_names = found_names = hit_names = true_names = 0
    false_positives: list[str] = []
    for _, letter in LETTERS:
        found = find_personal_data(letter.text, known_names=letter.known)
        names = [s for s in letter.expected if s.kind == SpanKind.NAME]
        expected_names += len(names)
        hit_names += sum(covered(s, found) for s in names)
        mine = [s for s in found if s.kind == SpanKind.NAME]
        found_names += len(mine)
        true_names += sum(overlaps(s, letter.expected) for s in mine)
        false_positives += [s.text for s in found if not overlaps(s, letter.expected)]
    recall = hit_names / expected_names
    precision = true_names / found_names
    with capsys.disabled():
        print(
            f"\nnames: recall {recall:.0%} ({hit_names}/{expected_names}), "
            f"precision {precision:.0%} ({true_names}/{found_names}); "
            f"false positives of any kind: {false_positives}"
        )
    assert recall >= 0.9
    assert precision >= 0.9
    assert len(false_positives) <= 2


def test_ordinary_figures_survive():
    text = (
        "2023年共收到申请1234件，办结率98.5%，文号国办发〔2019〕5号，"
        "编号EQ-2024-000123，电话号码请见官网。"
    )
    assert find_personal_data(text) == []
