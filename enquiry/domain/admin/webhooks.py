"""Administration of webhook endpoints: register, enable, disable, delete, send a test event.

The secret is made here and returned once, for the administrator to copy; it is never put in
the audit record. Allowing private networks is an explicit choice that the audit record names.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from enquiry import audit
from enquiry.domain import events
from enquiry.domain.admin.common import N_, ConflictError, InvalidInputError, record_change
from enquiry.models import SessionLike, WebhookDelivery, WebhookEndpoint
from enquiry.models.webhooks import URL_MAX
from enquiry.rules.webhooks import EVENT_TYPES, WebhookUrlError
from enquiry.webhooks.transport import Resolver, checked_addresses, resolve

MANUALLY_DISABLED = "disabled by an administrator"


def endpoint_state(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What the audit record keeps of an endpoint (never its secret)."""
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "is_enabled": endpoint.is_enabled,
        "allow_private_network": endpoint.allow_private_network,
    }


def _target(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"webhook_endpoint_id": endpoint.id}


def clean_url(url: str | None, *, allow_private_network: bool, resolver: Resolver) -> str:
    """Return the URL when it may be called now (http(s), resolves, public unless allowed)."""
    cleaned = (url or "").strip()
    if not cleaned:
        raise InvalidInputError(N_("This field is required."), field="url")
    if len(cleaned) > URL_MAX:
        raise InvalidInputError(N_("At most %(max)d characters."), field="url", max=URL_MAX)
    try:
        checked_addresses(cleaned, allow_private_network=allow_private_network, resolver=resolver)
    except WebhookUrlError as error:
        message = N_("This URL cannot receive webhooks: %(reason)s.")
        raise InvalidInputError(message, field="url", reason=str(error)) from error
    return cleaned


def clean_events(chosen: Sequence[str]) -> list[str]:
    """Return the chosen event types in their usual order; at least one."""
    wanted = [name for name in EVENT_TYPES if name in set(chosen)]
    if not wanted or len(wanted) != len(set(chosen)):
        raise InvalidInputError(N_("Choose at least one event."), field="events")
    return wanted


def create_endpoint(
    session: SessionLike,
    url: str | None,
    chosen_events: Sequence[str],
    *,
    allow_private_network: bool,
    actor: audit.Actor,
    now: datetime,
    resolver: Resolver = resolve,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; return it and its secret (shown once)."""
    endpoint = WebhookEndpoint(
        url=clean_url(url, allow_private_network=allow_private_network, resolver=resolver),
        events=clean_events(chosen_events),
        secret=secrets.token_hex(32),
        is_enabled=True,
        allow_private_network=allow_private_network,
        consecutive_failures=0,
        created_by_id=actor.user.id if actor.user is not None else None,
        created_at=now,
    )
    session.add(endpoint)
    session.flush()
    after = endpoint_state(endpoint)
    record_change(session, "webhook.created", _target(endpoint), None, after, actor=actor, now=now)
    return endpoint, endpoint.secret


def set_endpoint_enabled(
    session: SessionLike,
    endpoint: WebhookEndpoint,
    *,
    is_enabled: bool,
    actor: audit.Actor,
    now: datetime,
) -> bool:
    """Enable (the failure count starts again) or disable an endpoint; False when unchanged."""
    if endpoint.is_enabled == is_enabled:
        return False
    before = endpoint_state(endpoint) | {"disabled_reason": endpoint.disabled_reason}
    endpoint.is_enabled = is_enabled
    endpoint.disabled_reason = None if is_enabled else MANUALLY_DISABLED
    if is_enabled:
        endpoint.consecutive_failures = 0
    after = endpoint_state(endpoint) | {"disabled_reason": endpoint.disabled_reason}
    action = "webhook.enabled" if is_enabled else "webhook.disabled"
    record_change(session, action, _target(endpoint), before, after, actor=actor, now=now)
    session.flush()
    return True


def delete_endpoint(
    session: SessionLike, endpoint: WebhookEndpoint, *, actor: audit.Actor, now: datetime
) -> None:
    """Delete an endpoint and its delivery log."""
    before = endpoint_state(endpoint)
    record_change(session, "webhook.deleted", _target(endpoint), before, None, actor=actor, now=now)
    session.delete(endpoint)
    session.flush()


def send_test_event(
    session: SessionLike, endpoint: WebhookEndpoint, *, actor: audit.Actor, now: datetime
) -> WebhookDelivery:
    """Queue a `ping` for the endpoint (it must be enabled to be delivered)."""
    if not endpoint.is_enabled:
        raise ConflictError(N_("Enable the endpoint before sending it a test event."))
    delivery = events.queue_ping(session, endpoint, now=now)
    detail = {**_target(endpoint), "event_id": delivery.event_id}
    audit.record(session, action="webhook.ping_queued", actor=actor, now=now, detail=detail)
    return delivery
