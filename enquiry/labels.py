"""Labels shared by forms, pages and figures: the kinds and channels of a ticket, translated.

Lazy strings (`lazy_gettext`): the tables are built at import time and translated when shown,
in the locale of the request. They sit below the front doors and the reports so that both
can use them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

from flask import g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from enquiry.models import Adoption, Channel, Kind

KIND_LABELS = {
    Kind.QUESTION: _l("Question"),
    Kind.SUGGESTION: _l("Suggestion"),
    Kind.COMPLAINT: _l("Complaint"),
    Kind.INFO_APPLICATION: _l("Application for government information"),
    Kind.OTHER: _l("Other"),
    Kind.PERSONAL_DATA: _l("Personal data request"),
}
CHANNEL_LABELS = {
    Channel.WEB: _l("Web form"),
    Channel.EMAIL: _l("E-mail"),
    Channel.POST: _l("Post"),
    Channel.IN_PERSON: _l("In person"),
}

# What became of a suggestion (建议), on the published page and in the figures.
ADOPTION_LABELS = {
    Adoption.ADOPTED: _l("Adopted"),
    Adoption.PARTLY_ADOPTED: _l("Partly adopted"),
    Adoption.NOT_ADOPTED: _l("Not adopted"),
}


K = TypeVar("K", bound=Hashable)


def plain(table: Mapping[K, Any]) -> dict[K, str]:
    """The table's labels as text in the request's language, translated once per request.

    For pages that show a label on every row: a lazy string is translated again each time it
    is shown, tested or escaped.
    """
    done: dict[tuple[int, str], dict[Any, str]] = g.setdefault("enquiry_plain_labels", {})
    key = (id(table), str(get_locale()))
    if key not in done:
        done[key] = {name: str(label) for name, label in table.items()}
    return done[key]
