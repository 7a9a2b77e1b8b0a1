"""Forms of the bell and of the notification settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import DataRequired

from enquiry.models import NotifyMode

MODE_LABELS = {
    NotifyMode.EACH: _l("An e-mail for each notification"),
    NotifyMode.DIGEST: _l("One e-mail an hour with all notifications"),
    NotifyMode.NONE: _l("No e-mail (the bell only)"),
}


class NotifyModeForm(FlaskForm):
    """How the colleague wants notification mail."""

    mode = RadioField(
        _l("Notification e-mail"),
        choices=[SelectChoice(mode.value, label) for mode, label in MODE_LABELS.items()],
        validators=[DataRequired()],
    )


class MarkReadForm(FlaskForm):
    """Mark one or all notifications read (a CSRF token and nothing else)."""
