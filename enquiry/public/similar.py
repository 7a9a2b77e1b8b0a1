"""While a citizen writes: published answers that may already answer the question.

The ask form fetches /questions/similar as the subject is typed or a section chosen
(static/js/similar.js); without JavaScript nothing is shown and the form works as before.
"this answered my question" is counted once per browser session.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from enquiry.bounded import parse_id
from enquiry.domain import publishing
from enquiry.domain.queries import publications as published
from enquiry.extensions import db, limiter
from enquiry.public.blueprint import bp

SUBJECT_MAX = 200
HELPFUL_KEY = "helpful"
HELPFUL_REMEMBERED = 50


class HelpfulForm(FlaskForm):
    """One button: the CSRF token is the only field."""


@bp.get("/questions/similar")
@limiter.limit("60 per minute")
def similar_answers() -> str:
    """A fragment listing up to five published answers like the subject being typed."""
    subject = request.args.get("subject", "")[:SUBJECT_MAX]
    section_id = parse_id(request.args.get("section"))
    rows = published.similar_published(db.session, subject, section_id)
    return render_template("public/_similar_list.html", rows=rows)


@bp.post("/questions/<id:publication_id>/helpful")
@limiter.limit("20 per minute")
def helpful(publication_id: int) -> Response | tuple[str, int]:
    """Count "this answered my question" once per session; fetch gets 204, a form a redirect."""
    found = published.published(db.session, publication_id)
    if found is None:
        abort(404)
    if not HelpfulForm().validate_on_submit():
        abort(400)
    counted = [n for n in session.get(HELPFUL_KEY, []) if isinstance(n, int)]
    if publication_id not in counted:
        publishing.count_helpful(db.session, found)
        db.session.commit()
        session[HELPFUL_KEY] = [*counted, publication_id][-HELPFUL_REMEMBERED:]
    if request.headers.get("X-Requested-With") == "fetch":
        return "", 204
    flash(_("Thank you. We are glad the answer helped."), "success")
    return redirect(url_for("public.question", publication_id=publication_id), code=303)
