"""好差评 on the supervision page: 整改 due dates, the 回访 record and 误评, per rating."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from enquiry.domain import rectification
from enquiry.domain.queries.ratings import rating_in
from enquiry.domain.queries.supervision import supervised_departments
from enquiry.extensions import db
from enquiry.models import Role, SatisfactionRating, utcnow
from enquiry.models.tickets import FOLLOW_UP_BY_MAX
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.ratings_board import PROBLEM
from enquiry.staff.supervision_views import supervision_page

logger = logging.getLogger(__name__)

RECTIFICATION_ERRORS = {
    "say who called and what came of the call": _l("Say who called and what came of the call."),
    "the follow-up record is too long": _l("The follow-up record is too long."),
    "the call cannot be before the rating or in the future": _l(
        "The date of the call cannot be before the rating or in the future."
    ),
    "this rating is already marked as mistaken": _l("This rating is already marked as mistaken."),
    "give a reason of at most 2000 characters": _l("Give a reason of at most 2000 characters."),
}


class FollowUpCallForm(FlaskForm):
    """回访: when the citizen was called, by whom, and what came of it."""

    called_on = DateField(_l("Date of the call"), validators=[InputRequired()])
    called_by = StringField(
        _l("Called by"), validators=[DataRequired(), Length(max=FOLLOW_UP_BY_MAX)]
    )
    result = TextAreaField(
        _l("Result"), validators=[DataRequired(), Length(max=rectification.RESULT_MAX)]
    )


class MisratedForm(FlaskForm):
    """误评: the reason a rating is set aside."""

    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(max=rectification.REASON_MAX)]
    )


def supervised_rating(rating_id: int) -> SatisfactionRating:
    departments = supervised_departments(db.session, current_staff())
    record = rating_in(db.session, rating_id, departments)
    if record is None:
        abort(404)
    return record


def refuse(record: SatisfactionRating, message: Any) -> tuple[str, int]:
    """Re-show the supervision page with the problem next to the rating, with 400."""
    db.session.rollback()
    g.setdefault(PROBLEM, (record.id, str(message)))
    return str(supervision_page()), 400


def done(record: SatisfactionRating, message: str) -> Response:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("staff.supervision", _anchor=f"rating-{record.id}"), code=303)


@bp.post("/ratings/<id:rating_id>/follow-up", endpoint="rating_follow_up")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def follow_up(rating_id: int) -> Any:
    """Record the 回访 call for a rating."""
    record, form = supervised_rating(rating_id), FollowUpCallForm()
    if not form.validate_on_submit():
        return refuse(record, _("Give the date of the call, who called and the result."))
    try:
        rectification.record_follow_up(
            db.session,
            record,
            called_on=form.called_on.data,
            called_by=form.called_by.data,
            result=form.result.data,
            actor=actor_for(current_staff()),
            now=utcnow(),
        )
    except rectification.RectificationError as error:
        return refuse(record, RECTIFICATION_ERRORS.get(str(error), str(error)))
    return done(record, _("The follow-up call has been recorded."))


@bp.post("/ratings/<id:rating_id>/misrated", endpoint="rating_misrated")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def misrated(rating_id: int) -> Any:
    """Mark a rating as 误评, with a reason."""
    record, form = supervised_rating(rating_id), MisratedForm()
    if not form.validate_on_submit():
        return refuse(record, _("Give the reason why the rating is mistaken."))
    try:
        rectification.mark_misrated(
            db.session,
            record,
            reason=form.reason.data,
            user=current_staff(),
            actor=actor_for(current_staff()),
            now=utcnow(),
        )
    except rectification.RectificationError as error:
        return refuse(record, RECTIFICATION_ERRORS.get(str(error), str(error)))
    return done(record, _("The rating is marked as mistaken and left out of the figures."))
