"""Labels shared by forms, pages and figures: the kinds and channels of a ticket, translated.

Lazy strings (`lazy_gettext`): the tables are built at import time and translated when shown,
in the locale of the request. They sit below the front doors and the reports so that both
can use them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from enquiry.models import Channel, Kind

KIND_LABELS = {
    Kind.QUESTION: _l("Question"),
    Kind.SUGGESTION: _l("Suggestion"),
    Kind.COMPLAINT: _l("Complaint"),
    Kind.INFO_APPLICATION: _l("Application for government information"),
    Kind.OTHER: _l("Other"),
    Kind.PERSONAL_DATA: _l("Personal data request"),
}
CHANNEL_LABELS = {Channel.WEB: _l("Web form"), Channel.EMAIL: _l("E-mail")}
