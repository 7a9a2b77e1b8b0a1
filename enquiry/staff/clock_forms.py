"""Forms of the statutory clock: extension, consultation, reminder, holiday overrides."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from enquiry.bounded import MAX_ID, BoundedIntegerField
from enquiry.domain import supervision
from enquiry.domain.admin import calendar as calendar_admin
from enquiry.domain.admin import calendar_notice
from enquiry.rules import clock, holiday_notice

NEXT_MAX = 2048
EXTENSION_DAYS_BOUND = 366  # the domain applies the configured limit per kind
WORKDAY = "workday"
REST_DAY = "rest"


class ExtendForm(FlaskForm):
    """延期: days and reason; the signed-in supervisor or admin approves."""

    days = BoundedIntegerField(
        _l("Extension (working days)"),
        low=-MAX_ID - 1,
        validators=[InputRequired(), NumberRange(min=1, max=EXTENSION_DAYS_BOUND)],
    )
    reason = TextAreaField(
        _l("Reason (sent to the citizen)"),
        validators=[DataRequired(), Length(max=clock.REASON_MAX)],
    )
    next = HiddenField(validators=[Optional(), Length(max=NEXT_MAX)])


class ConsultationForm(FlaskForm):
    """Third-party consultation: whom, and why (pausing)."""

    note = TextAreaField(
        _l("Whom you consult, and about what"),
        validators=[DataRequired(), Length(max=clock.REASON_MAX)],
    )
    next = HiddenField(validators=[Optional(), Length(max=NEXT_MAX)])


class ResumeForm(FlaskForm):
    """The consultation has ended."""

    next = HiddenField(validators=[Optional(), Length(max=NEXT_MAX)])


class ReminderForm(FlaskForm):
    """催办: a note to whoever handles the ticket."""

    note = TextAreaField(
        _l("Reminder note"), validators=[DataRequired(), Length(max=supervision.NOTE_MAX)]
    )
    next = HiddenField(validators=[Optional(), Length(max=NEXT_MAX)])


class OverrideForm(FlaskForm):
    """A regional exception to the national calendar for one day."""

    day = DateField(_l("Day"), validators=[InputRequired()])
    kind = SelectField(
        _l("On that day offices"),
        choices=[
            SelectChoice(REST_DAY, _l("are closed (rest day)")),
            SelectChoice(WORKDAY, _l("work (working day)")),
        ],
        validators=[InputRequired()],
    )
    note = StringField(
        _l("Note (e.g. the holiday)"),
        validators=[DataRequired(), Length(max=calendar_admin.NOTE_MAX)],
    )
    source = StringField(
        _l("Source (the notice that says so)"),
        validators=[DataRequired(), Length(max=calendar_admin.SOURCE_MAX)],
    )


class DeleteOverrideForm(FlaskForm):
    """Remove an override (a CSRF-checked POST)."""


class NoticeForm(FlaskForm):
    """A whole State Council holiday notice for a year, one line per holiday or make-up day."""

    year = BoundedIntegerField(
        _l("Year"), low=1900, validators=[InputRequired(), NumberRange(min=1900, max=2100)]
    )
    source = StringField(
        _l("Source (the notice that says so)"),
        validators=[DataRequired(), Length(max=calendar_notice.SOURCE_MAX)],
    )
    text = TextAreaField(
        _l("Days off and make-up working days"),
        validators=[DataRequired(), Length(max=holiday_notice.TEXT_MAX)],
    )
