"""Webhook rules: event names, signatures, which addresses may be called, the retry schedule.

Pure: no Flask, no database, no network.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import timedelta
from urllib.parse import urlsplit

PING = "ping"
# The public event names, in the order the admin form lists them.
EVENT_TYPES = (
    "ticket.opened",
    "ticket.replied",
    "ticket.transferred",
    "ticket.closed",
    "ticket.rated",
    "ticket.overdue",
)
# Audit actions (enquiry.audit) that are public events. A final status other than closed
# (refused, spam, merged) is reported as ticket.closed: the payload's status tells which.
AUDIT_ACTIONS = {
    "ticket.opened": "ticket.opened",
    "ticket.answer": "ticket.replied",
    "ticket.route": "ticket.transferred",
    "ticket.transfer": "ticket.transferred",
    "ticket.close": "ticket.closed",
    "ticket.refuse": "ticket.closed",
    "ticket.mark_spam": "ticket.closed",
    "ticket.merge": "ticket.closed",
    "ticket.rated": "ticket.rated",
    "ticket.escalate": "ticket.overdue",
}
SIGNATURE_HEADER = "X-Enquiry-Signature"
SCHEMES = ("http", "https")


class WebhookUrlError(ValueError):
    """The URL cannot be a webhook endpoint; the message says why."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header's value: `t=<unix>,v1=<hex HMAC-SHA256 over "t.body">`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """Check a signature header the way a receiver should (the recipe in docs/webhooks.md)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    fresh = abs(now - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected, fields.get("v1", ""))


def check_url(url: str) -> tuple[str, int]:
    """Return the URL's host and port, or raise WebhookUrlError (not http(s), no host ...)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookUrlError("not a valid URL") from error
    if parts.scheme not in SCHEMES:
        raise WebhookUrlError("only http and https URLs are allowed")
    if not parts.hostname:
        raise WebhookUrlError("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlError("the URL must not contain a user name or password")
    if any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise WebhookUrlError("the URL contains spaces or control characters")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def forbidden_reason(address: str) -> str | None:
    """Say why a private-network-only address may not be called, or None when it is public.

    Refused: loopback, link-local (169.254.0.0/16 with the cloud metadata service, fe80::/10),
    private (10/8, 172.16/12, 192.168/16, fc00::/7), unspecified, multicast and reserved
    addresses, and IPv4 addresses dressed as IPv6 that are any of these.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_private, "private"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not a public address"),
    )
    for refused, why in checks:
        if refused:
            return f"{ip} is a {why} address" if why != "not a public address" else f"{ip}: {why}"
    return None


def retry_delay(
    attempts: int, base: timedelta, max_delay: timedelta, window: timedelta
) -> timedelta | None:
    """Return the wait after the attempts-th failure (base, doubling, capped), or None: give up."""

    def step(n: int) -> timedelta:
        return min(base * 2 ** min(n - 1, 30), max_delay)

    total = sum((step(n) for n in range(1, attempts + 1)), timedelta())
    return None if total > window else step(attempts)
