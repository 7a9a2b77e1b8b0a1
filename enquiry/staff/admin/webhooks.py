"""Administration of webhooks: list, register (the secret shown once), delivery log, test
event, disable and enable, delete. Administrators only; every change is audited."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from enquiry.domain import admin
from enquiry.domain.admin import webhooks as webhook_admin
from enquiry.domain.queries import webhooks as queries
from enquiry.extensions import db
from enquiry.models import Role, WebhookDelivery, WebhookEndpoint, WebhookStatus, utcnow
from enquiry.staff.access import actor_for, current_staff, role_required
from enquiry.staff.admin.forms import error_status, show_error
from enquiry.staff.admin.webhook_forms import EVENT_LABELS, WebhookForm
from enquiry.staff.blueprint import bp
from enquiry.templating import format_time

STATUS_LABELS = {
    WebhookStatus.PENDING: _l("Pending"),
    WebhookStatus.SENDING: _l("Sending"),
    WebhookStatus.DELIVERED: _l("Delivered"),
    WebhookStatus.FAILED: _l("Failed"),
}


def event_names(names: list[str]) -> list[str]:
    return [str(EVENT_LABELS.get(name, name)) for name in names]


def endpoint_row(endpoint: WebhookEndpoint, waiting: Mapping[int, int]) -> dict[str, Any]:
    """Return what the list and the endpoint's page show of an endpoint (never its secret)."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "link": url_for("staff.admin_webhook", webhook_id=endpoint.id),
        "events": event_names(endpoint.events),
        "is_enabled": endpoint.is_enabled,
        "allow_private_network": endpoint.allow_private_network,
        "failures": endpoint.consecutive_failures,
        "disabled_reason": endpoint.disabled_reason,
        "waiting": waiting.get(endpoint.id, 0),
        "created": format_time(endpoint.created_at),
    }


def delivery_row(delivery: WebhookDelivery) -> dict[str, Any]:
    """Return one line of the delivery log."""
    waiting = delivery.status in (WebhookStatus.PENDING, WebhookStatus.SENDING)
    code_text = f"HTTP {delivery.last_status_code}"
    return {
        "event": EVENT_LABELS.get(delivery.event_type, delivery.event_type),
        "event_type": delivery.event_type,
        "event_id": delivery.event_id,
        "status": STATUS_LABELS[delivery.status],
        "is_failed": delivery.status is WebhookStatus.FAILED,
        "attempts": delivery.attempts,
        "created": format_time(delivery.created_at),
        "next_attempt": format_time(delivery.next_attempt_at) if waiting else None,
        "delivered": format_time(delivery.delivered_at),
        "status_code": delivery.last_status_code,
        # "HTTP 500" says no more than the status code beside it.
        "error": None if delivery.last_error == code_text else delivery.last_error,
    }


@bp.get("/admin/webhooks")
@role_required(Role.ADMIN)
def admin_webhooks() -> str:
    """List the webhook endpoints."""
    waiting = queries.pending_counts(db.session)
    rows = [endpoint_row(endpoint, waiting) for endpoint in queries.endpoints(db.session)]
    return render_template("staff/admin/webhooks.html", rows=rows)


def render_new(form: WebhookForm, status: int) -> tuple[str, int]:
    return render_template("staff/admin/webhook_new.html", form=form), status


@bp.route("/admin/webhooks/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_create_webhook() -> tuple[str, int] | Response:
    """Register an endpoint; its secret is shown in this answer only."""
    form = WebhookForm()
    if not form.validate_on_submit():
        return render_new(form, 400 if request.method == "POST" else 200)
    try:
        endpoint, secret = webhook_admin.create_endpoint(
            db.session,
            form.url.data,
            form.events.data or [],
            allow_private_network=bool(form.allow_private_network.data),
            actor=actor_for(current_staff()),
            now=utcnow(),
        )
    except admin.AdminError as error:
        db.session.rollback()
        show_error(form, error)
        return render_new(form, error_status(error))
    db.session.commit()
    # Shown here once: kept in no cookie, no flash message, no cache.
    response = make_response(render_endpoint(endpoint, secret=secret)[0], 201)
    response.headers["Cache-Control"] = "no-store"
    return response


def load_endpoint(webhook_id: int) -> WebhookEndpoint:
    endpoint = queries.endpoint(db.session, webhook_id)
    if endpoint is None:
        abort(404)
    return endpoint


def render_endpoint(
    endpoint: WebhookEndpoint,
    status: int = 200,
    problem: str | None = None,
    secret: str | None = None,
) -> tuple[str, int]:
    """Render an endpoint's page: its settings, its actions and its delivery log."""
    log = [delivery_row(delivery) for delivery in queries.delivery_log(db.session, endpoint.id)]
    waiting = queries.pending_counts(db.session)
    return render_template(
        "staff/admin/webhook.html",
        endpoint=endpoint_row(endpoint, waiting),
        log=log,
        log_length=queries.LOG_LENGTH,
        secret=secret,
        problem=problem,
    ), status


@bp.get("/admin/webhooks/<id:webhook_id>")
@role_required(Role.ADMIN)
def admin_webhook(webhook_id: int) -> tuple[str, int]:
    """Show an endpoint and its delivery log."""
    return render_endpoint(load_endpoint(webhook_id))


def webhook_action(
    webhook_id: int, verb: Callable[..., Any], done: str, then: str | None = None
) -> tuple[str, int] | Response:
    """Apply an action to an endpoint, then go on (or show its page with the refusal)."""
    endpoint = load_endpoint(webhook_id)
    try:
        changed = verb(db.session, endpoint, actor=actor_for(current_staff()), now=utcnow())
    except admin.AdminError as error:
        db.session.rollback()
        return render_endpoint(endpoint, error_status(error), _(error.message, **error.params))
    db.session.commit()
    flash(done if changed is not False else _("Nothing was changed."), "success")
    if then is not None:
        return redirect(url_for(then))
    return redirect(url_for("staff.admin_webhook", webhook_id=webhook_id))


@bp.post("/admin/webhooks/<id:webhook_id>/ping")
@role_required(Role.ADMIN)
def admin_ping_webhook(webhook_id: int) -> tuple[str, int] | Response:
    """Queue a test event for the endpoint."""
    done = _("A test event has been queued; the worker sends it within a few seconds.")
    return webhook_action(webhook_id, webhook_admin.send_test_event, done)


@bp.post("/admin/webhooks/<id:webhook_id>/disable")
@role_required(Role.ADMIN)
def admin_disable_webhook(webhook_id: int) -> tuple[str, int] | Response:
    """Stop delivering to the endpoint; waiting deliveries are kept."""
    verb = functools.partial(webhook_admin.set_endpoint_enabled, is_enabled=False)
    return webhook_action(webhook_id, verb, _("The endpoint has been disabled."))


@bp.post("/admin/webhooks/<id:webhook_id>/enable")
@role_required(Role.ADMIN)
def admin_enable_webhook(webhook_id: int) -> tuple[str, int] | Response:
    """Deliver to the endpoint again; its failure count starts from zero."""
    verb = functools.partial(webhook_admin.set_endpoint_enabled, is_enabled=True)
    return webhook_action(webhook_id, verb, _("The endpoint has been enabled."))


@bp.post("/admin/webhooks/<id:webhook_id>/delete")
@role_required(Role.ADMIN)
def admin_delete_webhook(webhook_id: int) -> tuple[str, int] | Response:
    """Delete the endpoint and its delivery log."""
    done = _("The endpoint has been deleted.")
    return webhook_action(webhook_id, webhook_admin.delete_endpoint, done, "staff.admin_webhooks")
