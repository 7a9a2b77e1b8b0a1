"""Administration of API tokens: create a named token bound to a user (shown once), revoke."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from enquiry.domain import admin
from enquiry.domain.admin import tokens
from enquiry.domain.queries.inbox import visible_assignees
from enquiry.extensions import db
from enquiry.models import ApiToken, Role, User, utcnow
from enquiry.models.api_token import API_TOKEN_NAME_MAX
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.forms import optional_id, show_error, strip_text
from enquiry.staff.blueprint import bp

logger = logging.getLogger(__name__)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=API_TOKEN_NAME_MAX)],
        description=_l("Say which system uses it, e.g. the 12345 hotline."),
    )
    user = SelectField(
        _l("Acts as user"),
        validators=[DataRequired()],
        description=_l("The token has this user's role and department."),
    )


def token_form() -> TokenForm:
    """Return the form, with the active users to choose from."""
    form = TokenForm()
    users = visible_assignees(db.session, current_staff())
    form.user.choices = [("", "")] + [(str(u.id), f"{u.display_name} <{u.email}>") for u in users]
    return form


def token_row(token: ApiToken) -> dict[str, Any]:
    """Return what the tokens table shows of a token."""
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "user": token.user.display_name,
        "created": format_datetime(token.created_at, "short"),
        "last_used": format_datetime(token.last_used_at, "short") if token.last_used_at else None,
        "revoked": format_datetime(token.revoked_at, "short") if token.revoked_at else None,
    }


def render_tokens(form: TokenForm, status: int = 200, secret: str | None = None) -> Response:
    """Render the tokens page; a new secret is shown once and never cached."""
    rows = [token_row(token) for token in tokens.list_tokens(db.session)]
    page = render_template("staff/admin/tokens.html", form=form, rows=rows, secret=secret)
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/tokens")
@role_required(Role.ADMIN)
def admin_tokens() -> Response:
    """List the API tokens, with the form that creates one."""
    return render_tokens(token_form())


@bp.post("/admin/tokens")
@role_required(Role.ADMIN)
def admin_create_token() -> Response:
    """Create a token and show its secret this once."""
    form = token_form()
    if not form.validate_on_submit():
        return render_tokens(form, 400)
    user = db.session.get(User, optional_id(form.user) or 0)
    actor = actor_for(current_staff())
    try:
        issued = tokens.create_token(
            db.session, name=form.name.data or "", user=user, actor=actor, now=utcnow()
        )
    except admin.AdminError as error:
        db.session.rollback()
        show_error(form, error)
        return render_tokens(form, 400)
    db.session.commit()
    return render_tokens(token_form(), 201, secret=issued.secret)


@bp.post("/admin/tokens/<id:token_id>/revoke")
@role_required(Role.ADMIN)
def admin_revoke_token(token_id: int) -> Response:
    """Revoke a token: requests that carry it are refused from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    changed = tokens.revoke_token(db.session, token, actor=actor_for(current_staff()), now=utcnow())
    db.session.commit()
    flash(_("The token has been revoked.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("staff.admin_tokens"))
