"""The domain's refusals in the reader's language: each front door shows the same words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from enquiry.domain.answering import STALE, STALE_ACTION
from enquiry.domain.correction import ALREADY_REQUESTED, LIMIT_NOT_AFTER_TODAY, TOO_LATE
from enquiry.domain.handling import APPLICATION_NOT_REFUSED

# Keyed by the text of the domain error (HandlingError and its kinds).
HANDLING_MESSAGES = {
    STALE_ACTION: _l(
        "This ticket changed after you opened it: read the newer messages and history below, "
        "then decide again."
    ),
    STALE: _l(
        "Someone wrote on this ticket after you opened it: read the new messages below. Your "
        "text is kept; send it again if it still fits."
    ),
    "the department does not exist or is inactive": _l(
        "The department does not exist or is inactive."
    ),
    "the ticket is already with that department": _l("The ticket is already with that department."),
    "the assignee's account is deactivated": _l("The assignee's account is deactivated."),
    "the assignee does not work in the ticket's department": _l(
        "The assignee does not work in the ticket's department."
    ),
    "choose another ticket to merge into": _l("Choose another ticket to merge into."),
    "the ticket to merge into is already concluded": _l(
        "The ticket to merge into is already concluded."
    ),
    "choose the outcome of the application (annual-report category)": _l(
        "Choose the outcome of the application (its annual-report category)."
    ),
    "only information applications have an outcome": _l(
        "Only applications for government information have an outcome."
    ),
    APPLICATION_NOT_REFUSED: _l(
        "An application for government information is not refused: answer it, then close it "
        "with the outcome 不予处理 (not processed) or 其他处理 (other)."
    ),
    ALREADY_REQUESTED: _l("补正 has already been requested once for this application."),
    TOO_LATE: _l("补正 may only be requested within 7 working days of receipt."),
    LIMIT_NOT_AFTER_TODAY: _l("The time limit for the 补正 must be after today."),
    # Raised by the merge view, which looks the target up within the user's scope.
    "no ticket with that reference": _l("No ticket you can see has that reference."),
    # Raised when a suggestion is closed with its adoption outcome (enquiry.domain.adoption).
    "choose whether the suggestion was adopted": _l("Choose whether the suggestion was adopted."),
    "the reason is too long": _l("The reason is too long."),
}
