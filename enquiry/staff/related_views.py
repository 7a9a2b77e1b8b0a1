"""Answering alike tickets alike: similar open tickets, published answers to reuse, clusters.

A cluster is the open tickets about one report section; staff tick several and answer them
together. Each citizen still receives the answer personally (their own greeting, reference and
rating links: the ordinary reply mail) and each ticket is closed on its own.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from enquiry.bounded import parse_id
from enquiry.domain import handling
from enquiry.domain.queries import publications as published
from enquiry.domain.queries import related
from enquiry.extensions import db
from enquiry.models import Ticket, User, utcnow
from enquiry.models.tickets import BODY_MAX
from enquiry.rules.workflow import Action, TransitionError
from enquiry.staff import ticket_page as page
from enquiry.staff.access import actor_for, current_staff, load_ticket_for
from enquiry.staff.blueprint import bp
from enquiry.staff.ticket_perform import mail_identity, make_form, render_page


class ClusterAnswerForm(FlaskForm):
    """One answer for the ticked tickets."""

    body = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=BODY_MAX)])


@bp.post("/tickets/<id:ticket_id>/insert-answer/<id:publication_id>", endpoint="insert_answer")
def insert_answer(ticket_id: int, publication_id: int) -> tuple[str, int]:
    """Fill the composer with a published answer (nothing is sent: staff edit, then send)."""
    user = current_staff()
    ticket = load_ticket_for(user, ticket_id)
    found = published.published(db.session, publication_id)
    if found is None or not FlaskForm().validate_on_submit():
        abort(404 if found is None else 400)
    composer = make_form("reply", user, ticket)
    composer.body.data = found.answer
    return render_page(ticket, forms={"reply": composer})


def _section_arg() -> int | None:
    raw = request.values.get("section", "none")
    if raw == "none":
        return None
    section_id = parse_id(raw)
    if section_id is None:
        abort(404)
    return section_id


@bp.get("/clusters", endpoint="cluster")
def cluster() -> str:
    """The open tickets about one report section, to answer several together."""
    section_id = _section_arg()
    tickets = related.open_cluster(db.session, current_staff(), section_id)
    return render_template(
        "staff/cluster.html",
        tickets=tickets,
        section_id=section_id or "none",
        form=ClusterAnswerForm(),
    )


@bp.post("/clusters/answer", endpoint="answer_cluster")
def answer_cluster() -> Response | tuple[str, int]:
    """Answer each ticked ticket personally, then close each one."""
    user = current_staff()
    section_id = _section_arg()
    form = ClusterAnswerForm()
    ids = [n for n in (parse_id(v) for v in request.form.getlist("ticket")) if n is not None]
    chosen = related.tickets_for_cluster(db.session, user, ids)
    if not form.validate_on_submit() or not chosen:
        return _refuse(form, user, section_id, has_tickets=bool(chosen))
    done, skipped = answer_each(chosen, form.body.data or "", user)
    db.session.commit()
    _report(done, skipped)
    return redirect(url_for("staff.cluster", section=section_id or "none"), code=303)


def _refuse(
    form: ClusterAnswerForm, user: User, section_id: int | None, *, has_tickets: bool
) -> tuple[str, int]:
    if not has_tickets:
        form.form_errors.append(_("Tick at least one ticket."))
    tickets = related.open_cluster(db.session, user, section_id)
    html = render_template(
        "staff/cluster.html", tickets=tickets, section_id=section_id or "none", form=form
    )
    return html, 400


def _report(done: list[str], skipped: list[str]) -> None:
    count = ngettext(
        "%(num)d ticket answered and closed.", "%(num)d tickets answered and closed.", len(done)
    )
    flash(count, "success")
    if skipped:
        refs = ", ".join(skipped)
        flash(_("Not answered (not possible in their state): %(refs)s", refs=refs), "warning")


def answer_each(tickets: list[Ticket], body: str, user: User) -> tuple[list[str], list[str]]:
    """Reply to and close each ticket in its own savepoint; return references done and skipped."""
    done: list[str] = []
    skipped: list[str] = []
    actor, identity = actor_for(user), mail_identity()
    for ticket in tickets:
        if Action.ANSWER not in page.offered_actions(user, ticket):
            skipped.append(ticket.reference)
            continue
        try:
            with db.session.begin_nested():
                now = utcnow()
                handling.reply(db.session, ticket, body, identity=identity, actor=actor, now=now)
                if Action.CLOSE in page.offered_actions(user, ticket):
                    handling.close(db.session, ticket, actor=actor, now=now)
            done.append(ticket.reference)
        except (handling.HandlingError, TransitionError):
            skipped.append(ticket.reference)
    return done, skipped
