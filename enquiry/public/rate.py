"""回访: the rating page an answer mail links to; no login, one rating per answer.

GET shows the choices (the mail's one-click link preselects one) and records nothing, because
mail scanners open links too; the citizen's POST (with the CSRF token) records the rating.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from enquiry import audit
from enquiry.domain import satisfaction
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db, limiter
from enquiry.models import Message, Rating, utcnow
from enquiry.public.blueprint import bp
from enquiry.public.forms import strip_text

logger = logging.getLogger(__name__)


class RatingForm(FlaskForm):
    """Satisfied, basically satisfied or dissatisfied, and an optional comment."""

    rating = RadioField(
        _l("How satisfied are you with the answer?"),
        choices=[
            SelectChoice(rating.value, label)
            for rating, label in satisfaction.RATING_LABELS.items()
        ],
        validators=[InputRequired(_l("Choose one of the answers."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        filters=[strip_text],
        validators=[
            Length(max=satisfaction.COMMENT_MAX, message=_l("At most %(max)d characters."))
        ],
    )
    website = StringField(_l("Leave this field empty"))  # honeypot: people never see it


def rate_limit() -> str:
    return str(current_app.config["TRACK_RATE_LIMIT"])


@bp.route("/rate/<token>", methods=["GET", "POST"])
@limiter.limit(rate_limit, methods=["POST"])
def rate(token: str) -> Any:
    """Show the rating form for an answer, and record the citizen's rating."""
    identity = policy_from_config(current_app.config).mail
    try:
        answer = satisfaction.answer_for(db.session, identity.secret, token)
    except satisfaction.InvalidRatingTokenError:
        return render_problem(
            _("This rating link is not valid. Please use the link in our e-mail.")
        )
    given = satisfaction.existing_rating(db.session, answer)
    if given is not None:
        return render_rated(answer, given.rating, request.method == "POST")
    form = RatingForm()
    if request.method == "GET":
        preselect = request.args.get("rating", "")
        form.rating.data = preselect if preselect in Rating._value2member_map_ else None
        return render_form(answer, form, 200)
    if not form.validate_on_submit() or form.website.data:
        if form.website.data:  # the honeypot: say no, as the enquiry form does
            form.form_errors.append(_("Your rating could not be accepted."))
        return render_form(answer, form, 400)
    return record(token, answer, form)


def record(token: str, answer: Message, form: RatingForm) -> Any:
    try:
        satisfaction.rate(
            db.session,
            token,
            Rating(form.rating.data),
            form.comment.data,
            utcnow(),
            policy=policy_from_config(current_app.config, session=db.session),
            actor=audit.Actor.citizen(request.remote_addr),
        )
    except satisfaction.AlreadyRatedError:
        db.session.rollback()
        return render_rated(answer, None, True)
    except satisfaction.RatingError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return render_form(answer, form, 400)
    db.session.commit()
    return redirect(url_for("public.rate", token=token), code=303)


def render_form(answer: Message, form: RatingForm, status: int) -> tuple[str, int]:
    csrf = getattr(form, "csrf_token", None)  # absent when CSRF protection is switched off
    if csrf is not None and csrf.errors:
        csrf.errors = []
        form.form_errors.append(_("The form has expired. Please choose again and send it."))
    return render_template(
        "public/rate.html", form=form, ticket=answer.ticket, answer=answer, rated=None
    ), status


def render_rated(answer: Message, rating: Rating | None, refused: bool) -> tuple[str, int]:
    """The thank-you page; a second rating of the same answer gets it with 409."""
    label = satisfaction.RATING_LABELS[rating] if rating is not None else None
    return render_template(
        "public/rate.html",
        form=None,
        ticket=answer.ticket,
        answer=answer,
        rated=label,
        refused=refused,
    ), 409 if refused else 200


def render_problem(message: str) -> tuple[str, int]:
    return render_template("public/rate.html", form=None, problem=message), 404
