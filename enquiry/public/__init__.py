"""Public pages: report, question form, confirmation, tracking."""

from enquiry.public import (
    ask,
    consent,
    feeds,
    home,
    office_hours,
    questions,
    rate,
    report,
    similar,
    statistics,
    track,
)
from enquiry.public.blueprint import bp

__all__ = [
    "ask",
    "bp",
    "consent",
    "feeds",
    "home",
    "office_hours",
    "questions",
    "rate",
    "report",
    "similar",
    "statistics",
    "track",
]
