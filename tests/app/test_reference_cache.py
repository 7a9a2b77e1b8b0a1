"""Per-process caches of rarely changing data: every write through a session invalidates them,
in this process and in any other (a second app on the same database stands for one)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from enquiry.domain import events, reference_cache, routing
from enquiry.extensions import db, limiter
from enquiry.models import Department, Kind, RoutingRule, WebhookEndpoint, utcnow
from enquiry.ratelimit import ThreadlessMemoryStorage, storage_uri
from enquiry.rules.routing import Facts

ABOUT_BUSES = Facts(kind=Kind.QUESTION, text="公交线路")


def routed_code(app: Flask) -> str:
    with app.app_context():
        return routing.route(db.session, ABOUT_BUSES).department_code


def test_a_new_rule_routes_at_once_here_and_in_another_process(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    other = make_app()
    assert routed_code(app) == routed_code(other) == "egov"  # both caches filled
    with app.app_context():
        transport = Department(code="transport", name_zh="交通局", name_en="Transport")
        db.session.add(transport)
        db.session.add(RoutingRule(name="交通", priority=1, keywords="公交", department=transport))
        db.session.commit()
    assert routed_code(app) == routed_code(other) == "transport"


def test_a_statement_on_a_cached_table_invalidates_too(app: Flask) -> None:
    with app.app_context():
        transport = Department(code="transport", name_zh="交通局", name_en="Transport")
        db.session.add(transport)
        db.session.add(RoutingRule(name="交通", priority=1, keywords="公交", department=transport))
        db.session.commit()
    assert routed_code(app) == "transport"
    with app.app_context():
        db.session.execute(sa.update(RoutingRule).values(is_active=False))
        db.session.commit()
    assert routed_code(app) == "egov"


def subscribed(app: Flask) -> list[int]:
    """The endpoints a new ticket would be announced to, as this app sees them."""
    with app.app_context():
        deliveries = events.queue(db.session, "ticket.opened", now=utcnow())
        ids = [delivery.endpoint_id for delivery in deliveries]
        db.session.rollback()
        return ids


def test_a_webhook_endpoint_added_or_disabled_counts_at_once_everywhere(
    app: Flask, make_app: Callable[..., Flask]
) -> None:
    other = make_app()
    assert subscribed(app) == subscribed(other) == []  # both caches filled
    with app.app_context():
        endpoint = WebhookEndpoint(
            url="https://hooks.example/x", events=["ticket.opened"], secret="s"
        )
        db.session.add_all(
            [endpoint, WebhookEndpoint(url="https://b.example", events=[], secret="t")]
        )
        db.session.commit()
        endpoint_id = endpoint.id
    assert subscribed(app) == subscribed(other) == [endpoint_id]
    with other.app_context():  # the worker disables a failing endpoint
        db.session.get(WebhookEndpoint, endpoint_id).is_enabled = False
        db.session.commit()
    assert subscribed(app) == subscribed(other) == []


def test_reads_without_changes_use_the_cache(app: Flask) -> None:
    calls = []

    def build(session: object) -> int:
        calls.append(1)
        return len(calls)

    with app.app_context():
        assert reference_cache.cached(db.session, "test", build) == 1
        db.session.commit()
        assert reference_cache.cached(db.session, "test", build) == 1
        reference_cache.bump(db.session())
        db.session.commit()
        assert reference_cache.cached(db.session, "test", build) == 2


def test_the_memory_rate_limit_storage_starts_no_thread_per_hit(
    make_app: Callable[..., Flask],
) -> None:
    make_app(RATELIMIT_ENABLED=True)
    storage = limiter.storage
    assert isinstance(storage, ThreadlessMemoryStorage)
    storage.incr("key", 60)
    before = threading.active_count()
    for _ in range(20):
        storage.incr("key", 60)
    assert storage.get("key") == 21
    assert threading.active_count() <= before


def test_a_configured_redis_storage_is_kept() -> None:
    assert storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert storage_uri("memory://") == storage_uri(None) == "enquiry-memory://"
