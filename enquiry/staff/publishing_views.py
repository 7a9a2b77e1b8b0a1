"""公开: the redaction editor, its preview, approval and unpublishing of a ticket's answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from enquiry import audit
from enquiry.domain import publication_copy, publishing
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import publications as published
from enquiry.extensions import db
from enquiry.labels import ADOPTION_LABELS
from enquiry.models import Adoption, Kind, Publication, Role, Ticket, utcnow
from enquiry.rules.redaction import SpanKind
from enquiry.staff.access import actor_for, current_staff, load_ticket_for, role_required
from enquiry.staff.blueprint import bp
from enquiry.staff.publishing_forms import EditorForm, StepForm, UnpublishForm
from enquiry.staff.stale import stamp_ticket_page, versioned

KIND_LABELS = {
    SpanKind.NAME: _l("Name"),
    SpanKind.EMAIL: _l("E-mail address"),
    SpanKind.MOBILE: _l("Mobile number"),
    SpanKind.LANDLINE: _l("Telephone number"),
    SpanKind.ID_NUMBER: _l("ID number"),
    SpanKind.BANK_CARD: _l("Bank card number"),
    SpanKind.PLATE: _l("Licence plate"),
    SpanKind.ADDRESS: _l("Address"),
    SpanKind.QQ: _l("QQ number"),
    SpanKind.WECHAT: _l("WeChat ID"),
    SpanKind.EXTRA: _l("Chosen by staff"),
}
PART_LABELS = {"title": _l("Title"), "question": _l("Question"), "answer": _l("Answer")}
PUBLISHING_MESSAGES = {
    "the citizen has not consented to publication": _l(
        "The citizen has not consented to publication."
    ),
    "only answered or closed enquiries can be published": _l(
        "Only answered or closed enquiries can be published."
    ),
    "choose whether the suggestion was adopted": _l("Choose whether the suggestion was adopted."),
    "only a draft can be submitted": _l("Only a draft can be submitted."),
    "only a supervisor can approve a publication": _l(
        "Only a supervisor can approve a publication."
    ),
    "only a submitted copy can be approved": _l("Only a submitted copy can be approved."),
}


def _marker() -> str:
    return str(current_app.config["PUBLICATION_MARKER"])


def _editor_form(ticket: Ticket, publication: Publication, *, submitted: bool) -> EditorForm:
    choices = publication.choices or {}
    texts = publication_copy.source_texts(ticket) | {"title": choices.get("title", ticket.subject)}
    found = publication_copy.detect(ticket, texts, set(choices.get("restored", [])))
    form = EditorForm() if submitted else EditorForm(formdata=None)
    form.hide.choices = [SelectChoice(f.key, f.span.text) for f in found]
    form.attachments.choices = [
        SelectChoice(a.id, a.filename) for a in publication_copy.answer_attachments(ticket)
    ]
    if not submitted:
        form.title.data = texts["title"]
        form.hide.data = [f.key for f in found if f.is_hidden]
        form.extras.data = "\n".join(choices.get("extra", []))
        form.attachments.data = list(choices.get("attachments", []))
        form.adoption.data = publication.adoption.value if publication.adoption else ""
        form.adoption_reason.data = publication.adoption_reason or ""
    form.found = found
    return form


def _render(
    ticket: Ticket, publication: Publication | None, form: Any = None, status: int = 200
) -> tuple[str, int]:
    user = current_staff()
    if publication is not None and form is None:
        form = _editor_form(ticket, publication, submitted=False)
    chosen = set((publication.choices or {}).get("attachments", [])) if publication else set()
    stamp_ticket_page(ticket)  # its steps are refused (409) if the ticket changes meanwhile
    html = render_template(
        "staff/publication.html",
        ticket=ticket,
        publication=publication,
        form=form,
        step=StepForm(),
        unpublish_form=UnpublishForm(),
        kind_labels=KIND_LABELS,
        adoption_labels=ADOPTION_LABELS,
        part_labels=PART_LABELS,
        is_suggestion=ticket.kind is Kind.SUGGESTION,
        may_approve=user.role in publishing.APPROVERS,
        needs_approval=bool(current_app.config["PUBLICATION_REQUIRES_APPROVAL"]),
        published_attachments=[
            a for a in publication_copy.answer_attachments(ticket) if a.id in chosen
        ],
    )
    return html, status


def _run(
    ticket_id: int, step: Callable[[Ticket, Publication | None, audit.Actor], None], done: str
) -> Response | tuple[str, int]:
    ticket = load_ticket_for(current_staff(), ticket_id)
    publication = published.publication_of(db.session, ticket)
    if not StepForm().validate_on_submit():
        abort(400)
    try:
        step(ticket, publication, actor_for(current_staff()))
    except publishing.PublishingError as error:
        db.session.rollback()
        flash(str(PUBLISHING_MESSAGES.get(str(error), error)), "danger")
        if str(error) == publishing.NOT_CONSENTED:  # 409: nothing the staff can do about it
            return _render(ticket, publication, status=409)
        return redirect(url_for("staff.publication", ticket_id=ticket_id), code=303)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("staff.publication", ticket_id=ticket_id), code=303)


@bp.get("/tickets/<id:ticket_id>/publication", endpoint="publication")
def publication(ticket_id: int) -> tuple[str, int]:
    """The redaction editor and the preview of the public copy."""
    ticket = load_ticket_for(current_staff(), ticket_id)
    return _render(ticket, published.publication_of(db.session, ticket))


@bp.post("/tickets/<id:ticket_id>/publication/prepare", endpoint="prepare_publication")
@versioned
def prepare_publication(ticket_id: int) -> Any:
    """Start the public copy, every detected span hidden."""

    def step(ticket: Ticket, existing: Publication | None, actor: audit.Actor) -> None:
        calendar = policy_from_config(current_app.config, session=db.session).calendar
        publishing.prepare(
            db.session,
            ticket,
            existing,
            recorded=published.adoption_of(db.session, ticket),
            calendar=calendar,
            marker=_marker(),
            actor=actor,
            now=utcnow(),
        )

    return _run(
        ticket_id, step, _("The public copy has been prepared. Check it before submitting.")
    )


@bp.post("/tickets/<id:ticket_id>/publication/save", endpoint="save_publication")
def save_publication(ticket_id: int) -> Any:
    """Store the editor's choices; the page shows the new preview."""
    ticket = load_ticket_for(current_staff(), ticket_id)
    publication = published.publication_of(db.session, ticket)
    if publication is None:
        abort(404)
    form = _editor_form(ticket, publication, submitted=True)
    if not form.validate_on_submit():
        return _render(ticket, publication, form, 400)
    try:
        publishing.save(
            db.session,
            publication,
            _choices(form),
            marker=_marker(),
            actor=actor_for(current_staff()),
            now=utcnow(),
        )
    except publishing.PublishingError as error:
        db.session.rollback()
        form.form_errors.append(str(PUBLISHING_MESSAGES.get(str(error), error)))
        return _render(ticket, publication, form, 400)
    db.session.commit()
    flash(_("The public copy has been saved. Check the preview."), "success")
    return redirect(url_for("staff.publication", ticket_id=ticket_id), code=303)


def _choices(form: EditorForm) -> publishing.Choices:
    keys = {f.key for f in form.found}
    return publishing.Choices(
        title=form.title.data or "",
        restored=frozenset(keys - set(form.hide.data or [])),
        extras=(form.extras.data or "").splitlines(),
        attachment_ids=frozenset(form.attachments.data or []),
        adoption=next((a for a in Adoption if a.value == form.adoption.data), None),
        adoption_reason=form.adoption_reason.data or "",
    )


@bp.post("/tickets/<id:ticket_id>/publication/submit", endpoint="submit_publication")
@versioned
def submit_publication(ticket_id: int) -> Any:
    """Send the copy for approval (or publish it when approval is waived)."""
    needs = bool(current_app.config["PUBLICATION_REQUIRES_APPROVAL"])

    def step(ticket: Ticket, existing: Publication | None, actor: audit.Actor) -> None:
        if existing is None:
            abort(404)
        publishing.submit(db.session, existing, needs_approval=needs, actor=actor, now=utcnow())

    done = _("Sent for approval.") if needs else _("The answer is now published.")
    return _run(ticket_id, step, done)


@bp.post("/tickets/<id:ticket_id>/publication/approve", endpoint="approve_publication")
@role_required(Role.SUPERVISOR, Role.ADMIN)
@versioned
def approve_publication(ticket_id: int) -> Any:
    """A supervisor approves: the answer goes live."""

    def step(ticket: Ticket, existing: Publication | None, actor: audit.Actor) -> None:
        if existing is None:
            abort(404)
        publishing.approve(db.session, existing, actor=actor, now=utcnow())

    return _run(ticket_id, step, _("The answer is now published."))


@bp.post("/tickets/<id:ticket_id>/publication/unpublish", endpoint="unpublish_publication")
def unpublish_publication(ticket_id: int) -> Any:
    """Take the public copy offline."""
    reason = UnpublishForm().reason.data or ""

    def step(ticket: Ticket, existing: Publication | None, actor: audit.Actor) -> None:
        if existing is None:
            abort(404)
        publishing.unpublish(db.session, existing, actor=actor, now=utcnow(), reason=reason)

    return _run(ticket_id, step, _("The answer is no longer published."))


@bp.get("/publications", endpoint="publications")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def publications() -> str:
    """Copies waiting for approval."""
    user = current_staff()
    department = None if user.role is Role.ADMIN else user.department_id
    return render_template(
        "staff/publications.html", pending=published.pending(db.session, department)
    )
