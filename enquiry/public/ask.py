"""The enquiry form: validate, check the anti-spam token, open a ticket, confirm."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from flask_wtf.csrf import generate_csrf
from wtforms import SelectChoice

from enquiry import audit
from enquiry.bounded import parse_id
from enquiry.domain import confirmations, formtoken, reference_cache, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import public as visible
from enquiry.extensions import csrf, db, limiter
from enquiry.models import ApplicantType, Channel, DeliveryForm, Kind, utcnow
from enquiry.models.tickets import BODY_MAX
from enquiry.public import access, form_page
from enquiry.public.blueprint import bp
from enquiry.public.forms import AskForm
from enquiry.public.uploads import UploadProblem, read_uploads
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

TOKEN_MESSAGES = {
    formtoken.TokenProblem.INVALID: _l("The form could not be verified. Please send it again."),
    formtoken.TokenProblem.TOO_FAST: _l(
        "The form was sent too quickly. Please check your entries and send it again."
    ),
    formtoken.TokenProblem.STALE: _l(
        "The form was open for too long. Please check your entries and send it again."
    ),
    formtoken.TokenProblem.REPLAYED: _l(
        "This form has already been sent. To send another enquiry, check it and send it again."
    ),
}


FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"
CONFIRMATION_KEY = "confirmation"  # a token for confirmations.take, never the code
CSRF_EXPIRED = _l("The form has expired. Please check your entries and send it again.")


RATE_LIMITED = _l(
    "You have sent several enquiries in a short time. Please wait a few minutes, then send"
    " this one again: everything you typed is still here."
)
REFUSED_BY_FORM = "ask_refused_by_form"  # g flag: a validation failure, not a submission


def submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def counts_as_submission(response: Response) -> bool:
    """Only what got past the form's own checks counts towards the submission limit."""
    return not g.get(REFUSED_BY_FORM, False)


def reshow_when_limited(limit: RequestLimit) -> Response:
    """429: re-show the form with everything typed, instead of a bare error page."""
    form = AskForm()
    form.section.choices = section_choices()
    page, status = render_form(form, 429, str(RATE_LIMITED))
    response = make_response(page, status)
    response.headers["Retry-After"] = "60"
    return response


# The form checks its own CSRF token (FlaskForm), so an expired token re-shows the form with
# everything the citizen typed instead of the bare 400 page of the global check.
@bp.route("/ask", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(
    submit_limit,
    methods=["POST"],
    deduct_when=counts_as_submission,
    on_breach=reshow_when_limited,
)
def ask() -> Any:
    """Show and accept the enquiry form."""
    if request.method == "GET":
        return form_page.blank_form(render_blank_form, fresh_tokens)
    form = AskForm()
    form.section.choices = section_choices()
    if form.validate_on_submit():
        return submit(form)
    g.setdefault(REFUSED_BY_FORM, True)
    return render_form(form, 413 if form.attachments.errors else 400)


def render_blank_form() -> tuple[str, dict[str, str]]:
    """Render the form as first shown; return the page and the tokens it carries."""
    form = AskForm()
    form.section.choices = section_choices()
    form.section.data = preselected_section(request.args)
    page, _status = render_form(form, 200)
    return page, {"csrf": generate_csrf(), "form": form.form_token.data}


def fresh_tokens() -> dict[str, str]:
    """Return new tokens for a kept blank form (form_page)."""
    now = utcnow()
    return {"csrf": generate_csrf(), "form": formtoken.issue(current_app.config["SECRET_KEY"], now)}


def render_form(form: AskForm, status: int, problem: str | None = None) -> tuple[str, int]:
    if problem:
        form.form_errors.append(problem)
    token_field = getattr(form, "csrf_token", None)  # absent when CSRF is switched off
    if token_field is not None and token_field.errors:
        token_field.errors = []
        form.form_errors.append(str(CSRF_EXPIRED))
    lost = [str(upload.filename) for upload in form.chosen_files()]
    if lost and request.method == "POST":  # a browser cannot re-fill a file field
        form.form_errors.append(
            _("Please attach these files again: %(names)s", names=", ".join(lost))
        )
    form.form_token.data = formtoken.reissue(
        form.form_token.data if request.method == "POST" else None,
        secret=current_app.config["SECRET_KEY"],
        now=utcnow(),
        max_seconds=int(current_app.config["FORM_MAX_SECONDS"]),
    )
    return render_template("public/ask.html", form=form, body_max=BODY_MAX), status


def submit(form: AskForm) -> Any:
    now = utcnow()
    if form.website.data:
        logger.info("Honeypot filled from %s", request.remote_addr)
        return render_form(form, 400, _("Your enquiry could not be accepted."))
    try:
        nonce = formtoken.check(
            form.form_token.data,
            secret=current_app.config["SECRET_KEY"],
            now=now,
            min_seconds=int(current_app.config["FORM_MIN_SECONDS"]),
            max_seconds=int(current_app.config["FORM_MAX_SECONDS"]),
        )
    except formtoken.FormTokenError as error:
        return render_form(form, 400, str(TOKEN_MESSAGES[error.problem]))
    uploads = read_uploads(form.chosen_files(), int(current_app.config["MAX_ATTACHMENT_BYTES"]))
    if isinstance(uploads, UploadProblem):
        g.setdefault(REFUSED_BY_FORM, True)
        form.attachments.errors = [uploads.message]
        return render_form(form, uploads.status)
    try:
        opened = tickets.open_ticket(
            db.session,
            enquiry_from(form, uploads),
            policy=policy_from_config(current_app.config, session=db.session),
            actor=audit.Actor.citizen(request.remote_addr),
            now=now,
        )
        token = confirmations.keep(db.session, opened.ticket, opened.access_code, now=now)
        # Spent last: on SQLite the first write takes the database's write lock until the
        # commit, and the routing before the reference counter need not hold it. A replayed
        # form fails here all the same, and its ticket is rolled back with it.
        formtoken.spend(db.session, nonce, now)
    except formtoken.FormTokenError as error:
        db.session.rollback()
        return render_form(form, 400, str(TOKEN_MESSAGES[error.problem]))
    ticket_id = opened.ticket.id  # read before the commit expires it (no reload after)
    db.session.commit()
    access.grant(ticket_id)
    session[CONFIRMATION_KEY] = token  # the code itself stays out of the (readable) cookie
    return redirect(url_for("public.submitted"), code=303)


def enquiry_from(form: AskForm, uploads: list[Any]) -> tickets.NewEnquiry:
    """Turn a valid form into the domain's NewEnquiry."""
    kind = Kind(form.kind.data)
    is_application = kind is Kind.INFO_APPLICATION
    return tickets.NewEnquiry(
        kind=kind,
        subject=form.subject.data,
        body=form.message.data,
        citizen_name=form.name.data,
        citizen_email=form.email.data,
        citizen_phone=form.phone.data or None,
        channel=Channel.WEB,
        locale=current_locale(),
        is_publication_consented=bool(form.consent_publish.data),
        report_section_id=parse_id(form.section.data),
        applicant_type=ApplicantType(form.applicant_type.data) if is_application else None,
        info_description=form.info_description.data if is_application else None,
        delivery_form=DeliveryForm(form.delivery_form.data) if is_application else None,
        attachments=tuple(uploads),
    )


@bp.get("/ask/submitted")
def submitted() -> Any:
    """Show the reference and code of the enquiry just sent, once."""
    token = session.pop(CONFIRMATION_KEY, None)
    shown = confirmations.take(db.session, token, now=utcnow()) if isinstance(token, str) else None
    db.session.commit()
    if shown is None:
        return redirect(url_for("public.ask"))
    link = url_for("public.track_link", reference=shown.reference, code=shown.code, _external=True)
    page = make_response(render_template("public/submitted.html", confirmation=shown, link=link))
    page.headers["Cache-Control"] = "no-store"  # not from the cache either, after the visit
    return page


def section_choices() -> list[SelectChoice]:
    """Report sections grouped by report, for the select box (built once per language)."""
    name = f"report_section_choices/{current_locale()}"
    return list(reference_cache.cached(db.session, name, _build_section_choices))


def _build_section_choices(session: Any) -> tuple[SelectChoice, ...]:
    choices = [SelectChoice("", _("Not about a particular part"))]
    labels: dict[int, str] = {}
    for year, section_id, number, heading in visible.section_rows(session):
        if year not in labels:
            labels[year] = _("%(year)d report", year=year)
        label = labels[year]
        # An <option> holds no markup: Unicode isolates keep "(二) 主动公开" whole in Uyghur.
        title = f"{number} {heading}".strip()
        text = f"{FIRST_STRONG_ISOLATE}{title}{POP_DIRECTIONAL_ISOLATE}"
        choices.append(SelectChoice(str(section_id), text, optgroup=label))
    return tuple(choices)


def preselected_section(args: Any) -> str:
    """Return the section chosen by ?report=YEAR&section=ANCHOR, or ''."""
    year, anchor = args.get("report", type=int), args.get("section", type=str)
    if not year or not anchor:
        return ""
    section_id = visible.section_id(db.session, year, anchor)
    return str(section_id) if section_id else ""
