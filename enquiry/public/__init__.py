"""Public pages: report, question form, confirmation, tracking."""

from enquiry.public import (
    ask,
    consent,
    data_request,
    feeds,
    files,
    home,
    my_data,
    office_hours,
    questions,
    rate,
    report,
    similar,
    statistics,
    track,
    withdraw,
)
from enquiry.public.blueprint import bp

__all__ = [
    "ask",
    "bp",
    "consent",
    "data_request",
    "feeds",
    "files",
    "home",
    "my_data",
    "office_hours",
    "questions",
    "rate",
    "report",
    "similar",
    "statistics",
    "track",
    "withdraw",
]
