"""Forms for letters by post and for an applicant's withdrawal, on the ticket page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from enquiry.rules.clock import REASON_MAX


class PostedForm(FlaskForm):
    """The date a letter was posted to the applicant."""

    posted_on = DateField(
        _l("Date posted"), validators=[InputRequired(_l("Enter the date posted."))]
    )


class WithdrawForm(FlaskForm):
    """The applicant withdraws the application (申请人撤回): how and when staff learnt of it."""

    note = TextAreaField(
        _l("How the applicant withdrew (letter, call, visit) (optional)"),
        validators=[Optional(), Length(max=REASON_MAX)],
    )
