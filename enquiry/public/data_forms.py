"""The form a citizen uses to ask for their personal data to be corrected or deleted."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from enquiry.domain.personal_data import CORRECT, DELETE, Correction
from enquiry.models import tickets as limits
from enquiry.models.privacy import REQUEST_NOTE_MAX
from enquiry.public.forms import (
    normalize_name_filter,
    strip_final_dot,
    strip_text,
    validate_gb18030,
    validate_phone,
    validate_sendable_address,
)

AT_MOST = _l("At most %(max)d characters.")


class PersonalDataRequestForm(FlaskForm):
    action = RadioField(
        _l("What would you like us to do?"),
        choices=[
            SelectChoice(CORRECT, _l("Correct my contact details")),
            SelectChoice(DELETE, _l("Delete my personal data from this enquiry")),
        ],
        validators=[InputRequired(_l("Choose what you would like us to do."))],
    )
    name = StringField(
        _l("Correct name"),
        filters=[strip_text, normalize_name_filter],
        validators=[Optional(), Length(max=limits.NAME_MAX, message=AT_MOST), validate_gb18030],
    )
    email = StringField(
        _l("Correct e-mail"),
        filters=[strip_text, strip_final_dot],
        validators=[
            Optional(),
            Length(max=limits.EMAIL_MAX, message=AT_MOST),
            Email(
                _l("Enter a valid e-mail address, e.g. name@example.com."),
                check_deliverability=False,
            ),
            validate_sendable_address,
        ],
    )
    phone = StringField(
        _l("Correct phone"),
        filters=[strip_text],
        validators=[Optional(), Length(max=limits.PHONE_MAX, message=AT_MOST), validate_phone],
    )
    note = TextAreaField(
        _l("Anything else we should know (optional)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=REQUEST_NOTE_MAX, message=AT_MOST)],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.action.data == CORRECT and self.correction().is_empty():
            self.name.errors = [
                *self.name.errors,
                str(_l("Enter at least one contact detail to correct.")),
            ]
            ok = False
        return ok

    def correction(self) -> Correction:
        """The corrected details as entered (empty fields stay as they are)."""
        return Correction(self.name.data or None, self.email.data or None, self.phone.data or None)
