"""Administration of canned replies: list, create, edit, deactivate.

Admins manage every reply, including those offered to all departments; a supervisor manages
the replies of their own department only (others' are not found: 404, like others' tickets).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.domain import admin
from enquiry.domain.queries import admin as admin_queries
from enquiry.extensions import db
from enquiry.i18n import LANGUAGE_NAMES
from enquiry.models import CannedReply, Role, utcnow
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.forms import (
    ReplyForm,
    department_choices,
    error_status,
    optional_id,
    show_error,
)
from enquiry.staff.blueprint import bp
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

REPLY_MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
PREVIEW_LENGTH = 120
PLACEHOLDER_HELP = {
    "reference": _l("the ticket's reference"),
    "citizen_name": _l("the citizen's name"),
    "subject": _l("the ticket's subject"),
    "department": _l("the name of the ticket's department"),
    "section": _l("the part of the report the ticket concerns"),
    "due_date": _l("the date the answer is due"),
    "due_on": _l("the date the answer is due"),
}


def load_reply(reply_id: int) -> CannedReply:
    """Return a reply the user may manage, or abort 404."""
    reply = admin_queries.manageable_reply(db.session, current_staff(), reply_id)
    if reply is None:
        abort(404)
    return reply


def reply_row(reply: CannedReply, locale: str) -> dict[str, Any]:
    """Return what the replies table shows of a reply."""
    body = " ".join(reply.body.split())
    return {
        "url": url_for("staff.admin_edit_reply", reply_id=reply.id),
        "title": reply.title,
        "preview": body if len(body) <= PREVIEW_LENGTH else body[:PREVIEW_LENGTH] + "…",
        "language": LANGUAGE_NAMES.get(reply.locale, reply.locale),
        "department": reply.department.name_for(locale) if reply.department else None,
        "is_active": reply.is_active,
    }


@bp.get("/admin/replies")
@role_required(*REPLY_MANAGERS)
def admin_replies() -> str:
    """List the canned replies the user may manage."""
    replies = admin_queries.manageable_replies(db.session, current_staff())
    locale = current_locale()
    rows = [reply_row(reply, locale) for reply in replies]
    return render_template("staff/admin/replies.html", rows=rows)


def reply_form(reply: CannedReply | None = None) -> ReplyForm:
    """Return the form: the request's values when posted, else the reply's (or defaults)."""
    user = current_staff()
    if reply is None:
        form = ReplyForm(locale=current_locale(), department=str(user.department_id or ""))
    else:
        department = str(reply.department_id or "")
        form = ReplyForm(
            title=reply.title, body=reply.body, locale=reply.locale, department=department
        )
    if user.role is Role.ADMIN:
        keep = reply.department_id if reply else None
        form.department.choices = department_choices(keep=keep, blank=_("All departments"))
    else:  # a supervisor writes for their own department only
        form.department.choices = department_choices(only=user.department_id or -1)
    return form


def reply_fields(form: ReplyForm) -> admin.ReplyFields:
    return admin.ReplyFields(
        title=form.title.data or "",
        body=form.body.data or "",
        locale=form.locale.data or "",
        department_id=optional_id(form.department),
    )


def render_reply(
    form: ReplyForm, reply: CannedReply | None, status: int = 200, problem: str | None = None
) -> tuple[str, int]:
    """Render the reply form with the placeholders it may use."""
    placeholders = [(f"{{{name}}}", PLACEHOLDER_HELP[name]) for name in admin.PLACEHOLDERS]
    return render_template(
        "staff/admin/reply_form.html",
        form=form,
        reply=reply,
        placeholders=placeholders,
        problem=problem,
    ), status


@bp.route("/admin/replies/new", methods=["GET", "POST"])
@role_required(*REPLY_MANAGERS)
def admin_create_reply() -> tuple[str, int] | Response:
    """Create a canned reply."""
    form = reply_form()
    if not form.validate_on_submit():
        return render_reply(form, None, 400 if request.method == "POST" else 200)
    actor = actor_for(current_staff())
    try:
        admin.create_reply(db.session, reply_fields(form), actor=actor, now=utcnow())
    except admin.AdminError as error:
        db.session.rollback()
        show_error(form, error)
        return render_reply(form, None, error_status(error))
    db.session.commit()
    flash(_("The canned reply has been created."), "success")
    return redirect(url_for("staff.admin_replies"))


@bp.route("/admin/replies/<id:reply_id>", methods=["GET", "POST"])
@role_required(*REPLY_MANAGERS)
def admin_edit_reply(reply_id: int) -> tuple[str, int] | Response:
    """Change a canned reply."""
    reply = load_reply(reply_id)
    form = reply_form(reply)
    if not form.validate_on_submit():
        return render_reply(form, reply, 400 if request.method == "POST" else 200)
    actor = actor_for(current_staff())
    try:
        changed = admin.update_reply(
            db.session, reply, reply_fields(form), actor=actor, now=utcnow()
        )
    except admin.AdminError as error:
        db.session.rollback()
        show_error(form, error)
        return render_reply(form, reply, error_status(error))
    db.session.commit()
    flash(_("The changes have been saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("staff.admin_edit_reply", reply_id=reply.id))


def reply_action(reply_id: int, verb: Callable[..., bool], done: str) -> Response:
    """Apply an action to a reply, then show its page again."""
    reply = load_reply(reply_id)
    changed = verb(db.session, reply, actor=actor_for(current_staff()), now=utcnow())
    db.session.commit()
    flash(done if changed else _("Nothing was changed."), "success")
    return redirect(url_for("staff.admin_edit_reply", reply_id=reply.id))


@bp.post("/admin/replies/<id:reply_id>/deactivate")
@role_required(*REPLY_MANAGERS)
def admin_deactivate_reply(reply_id: int) -> Response:
    """Withdraw a canned reply from the reply composer."""
    verb = functools.partial(admin.set_reply_active, is_active=False)
    return reply_action(reply_id, verb, _("The canned reply has been deactivated."))


@bp.post("/admin/replies/<id:reply_id>/reactivate")
@role_required(*REPLY_MANAGERS)
def admin_reactivate_reply(reply_id: int) -> Response:
    """Offer a canned reply in the composer again."""
    verb = functools.partial(admin.set_reply_active, is_active=True)
    return reply_action(reply_id, verb, _("The canned reply has been reactivated."))
