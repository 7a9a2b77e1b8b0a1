"""Which formal letter (告知书) an information application gets, and on what legal basis.

Pure: no Flask, no database. A letter is either a step of the procedure (登记回执, 补正通知,
延期通知, 征求第三方意见通知) or the decision that concludes the application: one per outcome
code of `enquiry.rules.outcomes`. Article references are to the 2019 Regulations of the
People's Republic of China on Open Government Information (国务院令第711号); every letter but
予以公开 and the procedural steps is adverse and must tell the applicant of the remedies.
"""

from __future__ import annotations

import enum

from enquiry.rules import outcomes


class Step(enum.StrEnum):
    """The procedural letters; an outcome letter is named by its outcome code instead."""

    ACKNOWLEDGEMENT = "acknowledgement"  # 登记回执
    CORRECTION = "correction"  # 补正通知
    EXTENSION = "extension"  # 延期通知
    CONSULTATION = "consultation"  # 征求第三方意见通知


# Legal basis keys (see enquiry.mail.letters.texts for the wording in each language).
STEP_BASIS: dict[Step, str] = {
    Step.ACKNOWLEDGEMENT: "art31_33",
    Step.CORRECTION: "art30",
    Step.EXTENSION: "art33_2",
    Step.CONSULTATION: "art32",
}
OUTCOME_BASIS: dict[str, str] = {
    "disclosed": "art36_2",
    "partial": "art37",
    "refused.state_secret": "art14",
    "refused.prohibited_by_law": "art14",
    "refused.security_stability": "art14",
    "refused.third_party": "art15",
    "refused.internal_affairs": "art16_1",
    "refused.process_information": "art16_2",
    "refused.enforcement_file": "art16_2",
    "refused.administrative_query": "art36_7",
    "unavailable.not_held": "art36_4_5",
    "unavailable.needs_creation": "art38",
    "unavailable.unclear_after_correction": "art30",
    "not_processed.petition": "art39_1",
    "not_processed.repeated": "art36_6",
    "not_processed.publication": "art39_2",
    "not_processed.mass_repeated": "art35",
    "not_processed.confirmation": "art39",
    "other.no_correction": "art30",
    "other.fee_unpaid": "art42",
    "other.other": "art36",
}
NOT_ADVERSE_CATEGORIES = frozenset({"disclosed"})


def outcome_letter(code: str) -> str:
    """Return the letter kind of an outcome: its category code (disclosed, refused, ...)."""
    return outcomes.category_of(code).code


def basis(kind: str, outcome: str | None = None) -> str:
    """Return the legal-basis key for a step, or for an outcome code."""
    if outcome is not None:
        if outcome not in OUTCOME_BASIS:
            raise outcomes.UnknownOutcomeError(outcome)
        return OUTCOME_BASIS[outcome]
    return STEP_BASIS[Step(kind)]


def is_adverse(outcome: str | None) -> bool:
    """True when the letter concludes an application with anything but 予以公开."""
    if outcome is None:
        return False
    return outcomes.category_of(outcome).code not in NOT_ADVERSE_CATEGORIES
