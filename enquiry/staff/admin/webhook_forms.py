"""The form that registers a webhook endpoint, and the names of the events it offers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from enquiry.models.webhooks import URL_MAX
from enquiry.rules.webhooks import EVENT_TYPES, PING
from enquiry.staff.admin.forms import AT_MOST, strip_text

EVENT_LABELS = {
    "ticket.opened": _l("A ticket is opened"),
    "ticket.replied": _l("A reply is sent to the citizen"),
    "ticket.transferred": _l("A ticket is routed or transferred to a department"),
    "ticket.closed": _l("A ticket is closed, refused, marked as spam or merged"),
    "ticket.rated": _l("A citizen rates an answer"),
    "ticket.overdue": _l("An overdue ticket is escalated"),
    PING: _l("Test event"),
}


class WebhookForm(FlaskForm):
    url = StringField(
        _l("URL"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=URL_MAX, message=AT_MOST)],
        description=_l("Only http and https URLs; https is strongly recommended."),
    )
    events = SelectMultipleField(
        _l("Events"),
        choices=[SelectChoice(name, EVENT_LABELS[name]) for name in EVENT_TYPES],
        validators=[DataRequired(message=_l("Choose at least one event."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    allow_private_network = BooleanField(
        _l("Allow addresses inside the office's network (loopback, private, link-local)"),
    )
