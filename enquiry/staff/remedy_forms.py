"""Forms of the 行政复议 / 行政诉讼 panel on the ticket page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from enquiry.models import RemedyKind, RemedyResult
from enquiry.models.remedies import REMEDY_BODY_MAX

DIRECT, AFTER_REVIEW = "direct", "after_review"
RESULT_PREFIX = "result"


def kind_choices() -> list[tuple[str, str]]:
    return [
        (RemedyKind.REVIEW.value, str(_l("Administrative review (行政复议)"))),
        (RemedyKind.LAWSUIT.value, str(_l("Lawsuit (行政诉讼)"))),
    ]


def route_choices() -> list[tuple[str, str]]:
    return [
        ("", str(_l("Not a lawsuit"))),
        (DIRECT, str(_l("Sued directly, without review (未经复议直接起诉)"))),
        (AFTER_REVIEW, str(_l("Sued after a review (复议后起诉)"))),
    ]


def result_choices() -> list[tuple[str, str]]:
    return [
        (RemedyResult.PENDING.value, str(_l("Not yet concluded (尚未审结)"))),
        (RemedyResult.UPHELD.value, str(_l("Upheld (结果维持)"))),
        (RemedyResult.CORRECTED.value, str(_l("Corrected (结果纠正)"))),
        (RemedyResult.OTHER.value, str(_l("Other result (其他结果)"))),
    ]


class RemedyForm(FlaskForm):
    """Record a review or lawsuit: kind, date filed, the body hearing it, the route."""

    kind = SelectField(_l("Kind"), validators=[InputRequired()], validate_choice=True)
    filed_on = DateField(_l("Filed on"), validators=[InputRequired()])
    body = StringField(
        _l("Review body or court (复议机关 / 法院)"),
        validators=[DataRequired(), Length(max=REMEDY_BODY_MAX)],
    )
    route = SelectField(_l("Lawsuit route"), validate_choice=True, default="")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
        self.route.choices = route_choices()

    def validate_route(self, field: SelectField) -> None:
        from wtforms.validators import ValidationError

        if self.kind.data == RemedyKind.LAWSUIT.value and not field.data:
            raise ValidationError(_l("Say whether the lawsuit followed a review."))
        if self.kind.data == RemedyKind.REVIEW.value and field.data:
            raise ValidationError(_l("Only a lawsuit has a route."))


class RemedyResultForm(FlaskForm):
    """Record how a review or lawsuit ended, with the date of the decision or judgment."""

    result = SelectField(_l("Result"), validators=[InputRequired()], validate_choice=True)
    concluded_on = DateField(_l("Concluded on"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.result.choices = result_choices()
