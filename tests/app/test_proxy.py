"""PROXY_HOPS: client address, scheme and host from trusted reverse proxies, off by default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, jsonify, request, url_for
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import AuditEvent
from tests.app.test_ask import app_with, post_enquiry

CLIENT = "203.0.113.7"
SPOOFED = "198.51.100.9"
PROXY_HEADERS = {
    "X-Forwarded-For": CLIENT,
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "enquiry.test",
}


def probed_app(make_app: Callable[..., Flask], **config: Any) -> Flask:
    """An app with a route that shows what the application sees of the request."""
    app = app_with(make_app, **config)

    def probe() -> Any:
        return jsonify(
            remote_addr=request.remote_addr,
            scheme=request.scheme,
            link=url_for("public.ask", _external=True),
        )

    app.add_url_rule("/_probe", "probe", probe)
    return app


def test_forwarded_headers_are_ignored_by_default(make_app: Callable[..., Flask]) -> None:
    app = probed_app(make_app)
    assert app.config["PROXY_HOPS"] == 0

    seen = app.test_client().get("/_probe", headers=PROXY_HEADERS).get_json()

    assert seen == {
        "remote_addr": "127.0.0.1",
        "scheme": "http",
        "link": "http://enquiry.test/ask",
    }


def test_one_trusted_proxy_gives_the_client_address_and_scheme(
    make_app: Callable[..., Flask],
) -> None:
    app = probed_app(make_app, PROXY_HOPS=1)
    client = app.test_client()

    seen = client.get("/_probe", headers=PROXY_HEADERS).get_json()
    assert seen == {"remote_addr": CLIENT, "scheme": "https", "link": "https://enquiry.test/ask"}

    # A client's own X-Forwarded-For comes first; the proxy appends the address it saw.
    headers = PROXY_HEADERS | {"X-Forwarded-For": f"{SPOOFED}, {CLIENT}"}
    assert client.get("/_probe", headers=headers).get_json()["remote_addr"] == CLIENT


def test_the_audit_record_keeps_the_forwarded_client_address(
    make_app: Callable[..., Flask],
) -> None:
    app = app_with(make_app, PROXY_HOPS=1)
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = CLIENT

    assert post_enquiry(client).status_code == 303

    with app.app_context():
        addresses = set(db.session.scalars(select(AuditEvent.remote_addr)))
    assert addresses == {CLIENT}


@pytest.mark.parametrize(("hops", "other_address_limited"), [(1, False), (0, True)])
def test_rate_limits_count_per_forwarded_address_only_behind_a_trusted_proxy(
    make_app: Callable[..., Flask], hops: int, other_address_limited: bool
) -> None:
    app = app_with(
        make_app, PROXY_HOPS=hops, RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT="1 per minute"
    )
    first, second = app.test_client(), app.test_client()
    first.environ_base["HTTP_X_FORWARDED_FOR"] = CLIENT
    second.environ_base["HTTP_X_FORWARDED_FOR"] = SPOOFED

    assert post_enquiry(first).status_code == 303
    assert post_enquiry(first).status_code == 429

    expected = 429 if other_address_limited else 303
    assert post_enquiry(second).status_code == expected
