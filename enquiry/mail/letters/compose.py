"""Put a letter together in the citizen's language: one text for the mail body and the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from flask_babel import force_locale, format_date

from enquiry.i18n import label_colon
from enquiry.mail.letters import wording
from enquiry.mail.letters.settings import LetterSettings
from enquiry.rules import letters as rules


@dataclass(frozen=True)
class LetterFacts:
    """What the letter is about: the kind, the applicant, the request, the decision's details."""

    kind: str  # a rules.letters.Step value, or an outcome category (disclosed, refused, ...)
    reference: str
    citizen_name: str
    received_on: date
    request: str
    issued_on: date
    outcome: str | None = None
    note: str | None = None  # the staff's own words: what to supplement, why extended
    due_on: date | None = None
    days: int | None = None


@dataclass(frozen=True)
class Letter:
    """A letter ready to send: its parts for the PDF and its plain text."""

    kind: str
    locale: str
    office_name: str
    letterhead: tuple[str, ...]
    title: str
    facts: tuple[tuple[str, str], ...]
    paragraphs: tuple[str, ...]
    closing: tuple[str, ...]
    is_adverse: bool
    settings: LetterSettings = field(repr=False)

    @property
    def is_rtl(self) -> bool:
        return self.locale.startswith("ug")

    @property
    def fact_lines(self) -> list[str]:
        """Reference, applicant, date received, request: one "label: value" line each."""
        colon = label_colon(self.locale)
        return [f"{label}{colon}{value}" for label, value in self.facts]

    @property
    def text(self) -> str:
        """The whole letter as plain text (the body of the mail)."""
        parts = [self.office_name, *self.letterhead, "", self.title, "", *self.fact_lines]
        for paragraph in self.paragraphs:
            parts += ["", paragraph]
        parts += ["", *self.closing]
        return "\n".join(parts).strip() + "\n"


def _day(day: date | None) -> str:
    return format_date(day, format="long") if day is not None else ""


def _body(facts: LetterFacts, settings: LetterSettings) -> list[str]:
    kind = facts.kind
    if kind == "acknowledgement":
        values = {"received": _day(facts.received_on), "reference": facts.reference}
        return [str(wording.STEPS[kind] % {**values, "due": _day(facts.due_on)})]
    if kind == "correction":
        first = str(wording.STEPS[kind] % {"limit": _day(facts.due_on)})
        return [first, facts.note or "", str(wording.STEPS["correction_after"])]
    if kind == "extension":
        first = wording.STEPS[kind] % {"days": facts.days or 0, "due": _day(facts.due_on)}
        return [str(first), facts.note or ""]
    if kind == "consultation":
        return [str(wording.STEPS[kind])]
    reason = wording.REASONS.get(facts.outcome or "", wording.REASONS.get(kind, ""))
    paragraphs = [str(wording.DECISIONS[kind] % {"reason": reason})]
    if facts.note:
        paragraphs.append(facts.note)
    return paragraphs


def compose(facts: LetterFacts, settings: LetterSettings, locale: str) -> Letter:
    """Return the letter for these facts, worded in `locale`."""
    adverse = rules.is_adverse(facts.outcome)
    basis = rules.basis(facts.kind, facts.outcome)
    with force_locale(locale):
        paragraphs = [str(wording.SALUTATION % {"name": facts.citizen_name})]
        paragraphs += [text for text in _body(facts, settings) if text.strip()]
        paragraphs.append(str(wording.LEGAL_BASIS % {"article": wording.BASES[basis]}))
        if adverse:
            authority = settings.review_authority
            paragraphs.append(str(wording.REMEDIES % {"authority": authority}))
        head = tuple(line for line in (settings.office_address, settings.letterhead) if line)
        return Letter(
            kind=facts.kind,
            locale=locale,
            office_name=settings.office_name,
            letterhead=head,
            title=str(wording.TITLES[facts.kind]),
            facts=(
                (str(wording.REFERENCE), facts.reference),
                (str(wording.APPLICANT), facts.citizen_name),
                (str(wording.RECEIVED), _day(facts.received_on)),
                (str(wording.REQUESTED), facts.request),
            ),
            paragraphs=tuple(paragraphs),
            closing=(settings.office_name, _day(facts.issued_on)),
            is_adverse=adverse,
            settings=settings,
        )


def renumbered(letter: Letter, stand_in: str, reference: str) -> Letter:
    """The letter composed with `stand_in` for a reference not yet taken, naming `reference`."""

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(stand_in, reference)
        if isinstance(value, tuple):
            return tuple(swap(item) for item in value)
        return value

    changed: dict[str, Any] = {
        part.name: swap(getattr(letter, part.name)) for part in fields(letter)
    }
    return replace(letter, **changed)
