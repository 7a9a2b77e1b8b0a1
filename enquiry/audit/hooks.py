"""What else an audit event brings about, in the transaction that records it.

The layers above register hooks here once, at start-up (`create_app`, `create_intake_app`):
colleagues' notifications (enquiry.domain.notifications) and webhook deliveries
(enquiry.domain.events). `enquiry.audit.record` calls each with the event just written, so a
hook sees the ticket as it was when the event happened, a rolled-back change leaves nothing
behind, and a committed one always has what its event brought about.
"""

from __future__ import annotations

from collections.abc import Callable

from enquiry.models import AuditEvent, SessionLike

Hook = Callable[[SessionLike, AuditEvent], None]
_HOOKS: list[Hook] = []


def register(hook: Hook) -> None:
    """Call `hook(session, event)` after every event recorded from now on (once per hook)."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def run(session: SessionLike, event: AuditEvent) -> None:
    """Call every registered hook, in the order they were registered."""
    for hook in _HOOKS:
        hook(session, event)
