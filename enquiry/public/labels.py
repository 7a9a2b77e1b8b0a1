"""Localised labels for statuses and kinds, as the public sees them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from enquiry.labels import KIND_LABELS
from enquiry.models import Kind, Status

STATUS_LABELS = {
    Status.RECEIVED: _l("Received"),
    Status.ROUTED: _l("Passed to the department"),
    Status.ACKNOWLEDGED: _l("Accepted by the department"),
    Status.IN_PROGRESS: _l("Being handled"),
    Status.AWAITING_CITIZEN: _l("Waiting for more information from you"),
    Status.ANSWERED: _l("Answered"),
    Status.CLOSED: _l("Concluded"),
    Status.REFUSED: _l("Not accepted"),
    Status.SPAM: _l("Not accepted"),
    Status.MERGED: _l("Merged with another enquiry"),
}


def status_label(status: Status) -> str:
    return str(STATUS_LABELS[status])


def kind_label(kind: Kind) -> str:
    return str(KIND_LABELS[kind])
