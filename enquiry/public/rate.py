"""回访: the rating page an answer mail links to; no login, one rating per answer.

The mail says "click to rate", so a person's click records the grade at once: the landing page
posts the chosen grade by script as soon as it loads (a visible button does it without script).
A plain GET records nothing, because mail scanners fetch links without running pages. After the
rating, the page confirms it and offers an optional comment.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from enquiry import audit
from enquiry.domain import satisfaction
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries.ratings import ratings_by_answer
from enquiry.extensions import db, limiter
from enquiry.models import Message, MessageKind, Rating, SatisfactionRating, utcnow
from enquiry.public.blueprint import bp
from enquiry.public.forms import strip_text

logger = logging.getLogger(__name__)

COMMENT_LENGTH = Length(max=satisfaction.COMMENT_MAX, message=_l("At most %(max)d characters."))


class RatingForm(FlaskForm):
    """One of the five grades, and an optional comment."""

    rating = RadioField(
        _l("How satisfied are you with the answer?"),
        choices=[
            SelectChoice(rating.value, label)
            for rating, label in satisfaction.RATING_LABELS.items()
        ],
        validators=[InputRequired(_l("Choose one of the answers."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"), filters=[strip_text], validators=[COMMENT_LENGTH]
    )
    website = StringField(_l("Leave this field empty"))  # honeypot: people never see it


class CommentForm(FlaskForm):
    """The comment offered after a one-click rating."""

    comment = TextAreaField(
        _l("Comment (optional)"),
        filters=[strip_text],
        validators=[COMMENT_LENGTH],  # no required flag: the label says optional; empty is refused
    )

    def validate_comment(self, field: TextAreaField) -> None:
        if not field.data:
            raise ValidationError(_l("Write your comment first."))


def rate_limit() -> str:
    return str(current_app.config["TRACK_RATE_LIMIT"])


@bp.route("/rate/<token>", methods=["GET", "POST"])
@limiter.limit(rate_limit, methods=["POST"])
def rate(token: str) -> Any:
    """Land from the mail (GET: record nothing) and record the citizen's rating (POST)."""
    answer = answer_or_none(token)
    if answer is None:
        return render_problem()
    given = satisfaction.existing_rating(db.session, answer)
    if given is not None:
        return render_rated(answer, given, CommentForm(), refused=request.method == "POST")
    form = RatingForm()
    if request.method == "GET":
        chosen = request.args.get("rating", "")
        if chosen in Rating._value2member_map_:  # the mail's one-click link
            return render_page(
                answer,
                form=form,
                one_click=satisfaction.RATING_LABELS[Rating(chosen)],
                chosen=chosen,
            )
        return render_page(answer, form=form)
    if not form.validate_on_submit() or form.website.data:
        if form.website.data:  # the honeypot: say no, as the enquiry form does
            form.form_errors.append(_("Your rating could not be accepted."))
        return render_page(answer, form=form, status=400)
    return record(token, answer, form)


@bp.post("/rate/<token>/comment")
@limiter.limit(rate_limit)
def rate_comment(token: str) -> Any:
    """Add the optional comment to the rating just given."""
    answer = answer_or_none(token)
    if answer is None:
        return render_problem()
    given = satisfaction.existing_rating(db.session, answer)
    form = CommentForm()
    if given is None:
        return redirect(url_for("public.rate", token=token), code=303)
    if given.comment is not None or not form.validate_on_submit():
        return render_rated(answer, given, form, refused=given.comment is not None, status=400)
    policy = policy_from_config(current_app.config, session=db.session)
    try:
        satisfaction.add_comment(db.session, token, form.comment.data, utcnow(), policy=policy)
    except satisfaction.RatingError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return render_rated(answer, given, form, refused=False, status=400)
    db.session.commit()
    return redirect(url_for("public.rate", token=token, commented=1), code=303)


def rating_offers(ticket_id: int, messages: list[Message]) -> dict[int, dict[str, Any]]:
    """For the tracking page: each answer's rating, or the five links that give one."""
    given = ratings_by_answer(db.session, ticket_id)
    secret = policy_from_config(current_app.config).mail.secret
    offers: dict[int, dict[str, Any]] = {}
    for message in messages:
        if message.kind is not MessageKind.REPLY:
            continue
        if message.id in given:
            offers[message.id] = {"given": satisfaction.RATING_LABELS[given[message.id]]}
            continue
        token = satisfaction.make_token(secret, message)
        offers[message.id] = {
            "links": [
                (label, url_for("public.rate", token=token, rating=rating.value))
                for rating, label in satisfaction.RATING_LABELS.items()
            ]
        }
    return offers


def answer_or_none(token: str) -> Message | None:
    identity = policy_from_config(current_app.config).mail
    try:
        return satisfaction.answer_for(db.session, identity.secret, token)
    except satisfaction.InvalidRatingTokenError:
        return None


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
        given = satisfaction.existing_rating(db.session, answer)
        if given is None:
            raise
        return render_rated(answer, given, CommentForm(), refused=True)
    except satisfaction.RatingError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return render_page(answer, form=form, status=400)
    db.session.commit()
    return redirect(url_for("public.rate", token=token), code=303)


def expired_csrf(form: FlaskForm) -> None:
    csrf = getattr(form, "csrf_token", None)  # absent when CSRF protection is switched off
    if csrf is not None and csrf.errors:
        csrf.errors = []
        form.form_errors.append(_("The form has expired. Please choose again and send it."))


def render_page(answer: Message, *, status: int = 200, **context: Any) -> tuple[str, int]:
    if context.get("form") is not None:
        expired_csrf(context["form"])
    page = render_template("public/rate.html", ticket=answer.ticket, answer=answer, **context)
    return page, status


def render_rated(
    answer: Message,
    given: SatisfactionRating,
    form: CommentForm,
    *,
    refused: bool,
    status: int | None = None,
) -> tuple[str, int]:
    """The confirmation, with the comment form while no comment was given; 409 for a second."""
    return render_page(
        answer,
        status=status or (409 if refused else 200),
        rated=satisfaction.RATING_LABELS[given.rating],
        is_poor=given.rating in satisfaction.POOR_RATINGS,
        refused=refused,
        comment_form=form if given.comment is None else None,
        comment=given.comment,
        commented=request.args.get("commented") == "1",
    )


def render_problem() -> tuple[str, int]:
    message = _("This rating link is not valid. Please use the link in our e-mail.")
    return render_template("public/rate.html", problem=message), 404
