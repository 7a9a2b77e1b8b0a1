"""Forms of the consultations: a third party (art. 32), another department (会商, art. 34)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from enquiry.models.consultation import PARTY_MAX, TEXT_MAX

NEXT_MAX = 2048


class ThirdPartyForm(FlaskForm):
    """征求第三方意见: whom, when the request went out, what was asked."""

    party = StringField(
        _l("Third party (name)"), validators=[DataRequired(), Length(max=PARTY_MAX)]
    )
    sent_on = DateField(_l("Request sent on"), validators=[Optional()])
    question = TextAreaField(
        _l("What the third party is asked"), validators=[DataRequired(), Length(max=TEXT_MAX)]
    )


class AgencyForm(FlaskForm):
    """会商: the department asked and the question."""

    department = SelectField(_l("Department asked"), choices=[], validators=[InputRequired()])
    question = TextAreaField(
        _l("What the department is asked"), validators=[DataRequired(), Length(max=TEXT_MAX)]
    )


class AnswerForm(FlaskForm):
    """The opinion received (third party) or given (the consulted department)."""

    answer = TextAreaField(_l("Opinion"), validators=[DataRequired(), Length(max=TEXT_MAX)])
    next = HiddenField(validators=[Optional(), Length(max=NEXT_MAX)])
