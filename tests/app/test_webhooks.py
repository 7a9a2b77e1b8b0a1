"""Webhooks end to end: events queued in the change's transaction, posted to a real local HTTP
receiver, signed, retried, disabled after failures, and never sent where they must not go."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from enquiry import audit
from enquiry.domain import handling, satisfaction, supervision, tickets
from enquiry.domain.admin import InvalidInputError
from enquiry.domain.admin import webhooks as webhook_admin
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    AuditEvent,
    Channel,
    Department,
    Kind,
    Rating,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookStatus,
)
from enquiry.rules.webhooks import EVENT_TYPES
from enquiry.webhooks.delivery import claim_due, deliver_due
from enquiry.webhooks.sending import WebhookReport, WebhookSettings
from enquiry.webhooks.transport import HttpPoster
from tests.conftest import require
from tests.tls_smtp_server import CertificateAuthority, openssl_available
from tests.webhook_receiver import WebhookReceiver, free_port

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Beijing
DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
CITIZEN_EMAIL = "li.si@example.com"


def documented_verifier() -> Callable[..., bool]:
    """The signature check exactly as docs/webhooks.md gives it to receivers."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Verifying the signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    return namespace["verify_enquiry_signature"]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver.running() as running:
        yield running


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context(), app.test_request_context():
        yield app


def register(
    url: str, events: tuple[str, ...] = EVENT_TYPES, *, allow_private_network: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint as the system would for an admin; the test receiver is loopback."""
    endpoint, secret = webhook_admin.create_endpoint(
        db.session,
        url,
        events,
        allow_private_network=allow_private_network,
        actor=audit.Actor.system(),
        now=NOW,
    )
    db.session.commit()
    return endpoint, secret


def open_ticket(app: Flask) -> Ticket:
    opened = tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=Kind.QUESTION,
            subject="关于垃圾分类",
            body="试点小区有哪些？",
            citizen_name="李四",
            citizen_email=CITIZEN_EMAIL,
            citizen_phone="13800138000",
            channel=Channel.WEB,
            locale="zh_Hans",
        ),
        policy=policy_from_config(app.config),
        actor=audit.Actor.citizen("192.0.2.1"),
        now=NOW,
    )
    return opened.ticket


def deliver(now: datetime = NOW, **settings: Any) -> WebhookReport:
    fields: dict[str, Any] = {"timeout": 3.0} | settings
    return deliver_due(
        db.session,
        now=now,
        settings=WebhookSettings(**fields),
        poster=HttpPoster(timeout=fields["timeout"], ca_file=fields.get("ca_file")),
    )


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_an_event_is_delivered_exactly_once_signed_and_without_personal_data(
    ctx: Flask, receiver: WebhookReceiver
) -> None:
    _endpoint, secret = register(receiver.url)
    ticket = open_ticket(ctx)
    db.session.commit()
    assert deliver().summary() == "delivered 1, retry 0, failed 0, released 0"
    assert deliver(NOW + timedelta(days=1)).outcomes == []
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = json.loads(request.body)
    assert body["type"] == "ticket.opened" == request.headers["X-Enquiry-Event"]
    assert body["ticket"] == {
        "reference": ticket.reference,
        "kind": "question",
        "status": "received",
        "department": "egov",
    }
    assert body["id"] == request.headers["X-Enquiry-Delivery"]
    assert body["occurred_at"] == NOW.isoformat()
    text = request.body.decode()
    for personal in (CITIZEN_EMAIL, "13800138000", "李四", "试点小区"):
        assert personal not in text
    verify = documented_verifier()
    signature = request.headers["X-Enquiry-Signature"]
    assert verify(secret, signature, request.body)
    assert not verify(secret, signature, request.body.replace(b"received", b"closed"))
    assert not verify("another secret", signature, request.body)
    row = deliveries()[0]
    assert (row.status, row.attempts, row.last_status_code) == (WebhookStatus.DELIVERED, 1, 200)


def test_each_verb_queues_its_public_event_for_subscribed_endpoints_only(
    ctx: Flask, receiver: WebhookReceiver
) -> None:
    register(receiver.url, ("ticket.transferred", "ticket.replied", "ticket.closed"))
    register(receiver.url + "?opened", ("ticket.opened",))
    disabled, _ = register(receiver.url + "?disabled")
    webhook_admin.set_endpoint_enabled(
        db.session, disabled, is_enabled=False, actor=audit.Actor.system(), now=NOW
    )
    ticket = open_ticket(ctx)
    housing = Department(code="housing", name_zh="市住房局")
    db.session.add(housing)
    db.session.flush()
    actor = audit.Actor.system()
    handling.transfer(db.session, ticket, housing, "请贵局办理", actor=actor, now=NOW)
    handling.add_note(db.session, ticket, "内部备注", actor=actor, now=NOW)
    db.session.commit()
    queued = [(row.event_type, row.endpoint.url) for row in deliveries()]
    assert queued == [
        ("ticket.opened", receiver.url + "?opened"),
        ("ticket.transferred", receiver.url),
    ]
    payload = json.loads(deliveries()[1].payload)
    assert payload["ticket"]["department"] == "housing"
    assert payload["ticket"]["status"] == "routed"


def test_every_public_event_of_a_tickets_life_is_queued(ctx: Flask) -> None:
    register("http://127.0.0.1:9/hook")
    policy = policy_from_config(ctx.config)
    actor = audit.Actor.system()
    ticket = open_ticket(ctx)
    later = NOW + timedelta(days=60)
    supervision.escalate_overdue(
        db.session, identity=policy.mail, calendar=policy.calendar, now=later
    )
    answer = handling.reply(
        db.session, ticket, "您好，答复如下。", identity=policy.mail, actor=actor, now=later
    )
    token = satisfaction.make_token(policy.mail.secret, answer)
    satisfaction.rate(db.session, token, Rating.SATISFIED, None, later, policy=policy, actor=actor)
    handling.close(db.session, ticket, actor=actor, now=later)
    db.session.commit()
    bodies = [json.loads(row.payload) for row in deliveries()]
    assert [body["type"] for body in bodies] == [
        "ticket.opened",
        "ticket.overdue",
        "ticket.replied",
        "ticket.rated",
        "ticket.closed",
    ]
    assert [body["ticket"]["status"] for body in bodies][-1] == "closed"
    assert len({body["id"] for body in bodies}) == 5


def test_a_rolled_back_change_leaves_no_delivery(ctx: Flask, receiver: WebhookReceiver) -> None:
    register(receiver.url)
    open_ticket(ctx)
    pending = [item for item in db.session.new if isinstance(item, WebhookDelivery)]
    assert pending == [] and len(deliveries()) == 1  # flushed with the audit event
    db.session.rollback()
    assert deliveries() == []
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert deliver().outcomes == [] and receiver.requests == []


def test_a_500_is_retried_with_backoff_then_delivered(
    ctx: Flask, receiver: WebhookReceiver
) -> None:
    register(receiver.url)
    open_ticket(ctx)
    db.session.commit()
    receiver.answers.append(500)
    report = deliver()
    assert report.outcomes[0][1:] == ("retry", "HTTP 500")
    row = deliveries()[0]
    assert (row.status, row.attempts, row.last_status_code) == (WebhookStatus.PENDING, 1, 500)
    assert NOW + timedelta(seconds=47) < row.next_attempt_at < NOW + timedelta(seconds=73)
    assert deliver(NOW + timedelta(seconds=30)).outcomes == []  # not due yet
    assert deliver(NOW + timedelta(minutes=2)).summary().startswith("delivered 1")
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Enquiry-Delivery"] == second.headers["X-Enquiry-Delivery"]
    row = deliveries()[0]
    assert (row.status, row.attempts, row.last_error) == (WebhookStatus.DELIVERED, 2, None)
    assert db.session.get(WebhookEndpoint, row.endpoint_id).consecutive_failures == 0


def test_a_receiver_down_then_up_gets_the_event(ctx: Flask) -> None:
    port = free_port()
    down = WebhookReceiver(port)
    register(down.url)
    open_ticket(ctx)
    open_ticket(ctx)
    db.session.commit()
    report = deliver()
    outcomes = [outcome for _id, outcome, _detail in report.outcomes]
    assert outcomes == ["retry", "released"]  # the second waits: the receiver is unreachable
    assert "cannot connect" in report.outcomes[0][2]
    rows = deliveries()
    assert [row.attempts for row in rows] == [1, 0]
    assert rows[0].next_attempt_at == rows[1].next_attempt_at
    with WebhookReceiver.running(port) as up:
        assert deliver(NOW + timedelta(minutes=2)).summary().startswith("delivered 2")
        assert len(up.requests) == 2
    assert {row.status for row in deliveries()} == {WebhookStatus.DELIVERED}


def test_an_endpoint_is_disabled_after_n_failures_in_a_row_and_enabled_again(
    ctx: Flask, receiver: WebhookReceiver
) -> None:
    endpoint, _secret = register(receiver.url)
    for _ in range(4):
        open_ticket(ctx)
    db.session.commit()
    receiver.answers.extend([500] * 10)
    settings = {"max_failures": 3, "retry_base": timedelta(seconds=1)}
    moment = NOW
    for _ in range(3):
        deliver(moment, batch_size=1, **settings)
        moment += timedelta(minutes=5)
    assert len(receiver.requests) == 3
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.is_enabled and endpoint.consecutive_failures == 3
    assert "3 failed deliveries in a row" in (endpoint.disabled_reason or "")
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("webhook.auto_disabled") == 1
    assert deliver(moment + timedelta(hours=1), **settings).outcomes == []
    assert len(receiver.requests) == 3
    webhook_admin.set_endpoint_enabled(
        db.session, endpoint, is_enabled=True, actor=audit.Actor.system(), now=moment
    )
    db.session.commit()
    assert endpoint.consecutive_failures == 0 and endpoint.disabled_reason is None
    receiver.answers.clear()
    report = deliver(moment + timedelta(hours=1), **settings)
    assert report.count("delivered") == 4


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:9/hook",  # a name that resolves to loopback
        "http://[::1]:9/hook",
        "http://10.1.2.3/hook",
        "http://[::ffff:192.168.0.1]/hook",
    ],
)
def test_private_addresses_are_refused_at_registration(ctx: Flask, url: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        register(url, allow_private_network=False)
    assert refused.value.field == "url"
    assert "refused" in str(refused.value)
    db.session.rollback()
    endpoint, _ = register(url, allow_private_network=True)
    assert endpoint.allow_private_network
    created = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "webhook.created")
    ).one()
    assert created.detail["after"]["allow_private_network"] is True
    assert "secret" not in json.dumps(created.detail)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "file:///etc/passwd", "http://user:pw@example.com/", "x"]
)
def test_only_plain_http_urls_are_accepted(ctx: Flask, url: str) -> None:
    with pytest.raises(InvalidInputError):
        register(url, allow_private_network=True)


def test_delivery_checks_the_address_again(ctx: Flask, receiver: WebhookReceiver) -> None:
    """A name may resolve elsewhere by the time of delivery (DNS rebinding): checked again."""
    endpoint, _ = register(receiver.url)
    open_ticket(ctx)
    endpoint.allow_private_network = False  # as if the name now pointed at loopback
    db.session.commit()
    report = deliver()
    assert report.outcomes[0][1] == "retry"
    assert "127.0.0.1 is a loopback address" in report.outcomes[0][2]
    assert receiver.requests == []


def test_a_redirect_is_not_followed(ctx: Flask, receiver: WebhookReceiver) -> None:
    register(receiver.url)
    open_ticket(ctx)
    db.session.commit()
    receiver.answers.append(302)
    assert deliver().outcomes[0][1:] == ("retry", "HTTP 302")
    assert len(receiver.requests) == 1


def test_a_ping_goes_only_to_its_endpoint(ctx: Flask, receiver: WebhookReceiver) -> None:
    endpoint, secret = register(receiver.url)
    register(receiver.url + "?other")
    webhook_admin.send_test_event(db.session, endpoint, actor=audit.Actor.system(), now=NOW)
    db.session.commit()
    deliver()
    [request] = receiver.requests
    assert request.path == "/hooks/enquiry"
    assert json.loads(request.body)["type"] == "ping"
    assert documented_verifier()(secret, request.headers["X-Enquiry-Signature"], request.body)


def test_the_cli_delivers_one_pass(app: Flask, receiver: WebhookReceiver, runner: Any) -> None:
    with app.app_context(), app.test_request_context():
        register(receiver.url)
        open_ticket(app)
        db.session.commit()
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "delivered 1, retry 0, failed 0, released 0" in result.output
    assert len(receiver.requests) == 1


def test_https_connects_to_the_checked_address_and_verifies_the_name(
    ctx: Flask, tmp_path: Path
) -> None:
    """The request goes to the address that was checked, TLS still names and verifies the host."""
    require(openssl_available(), "openssl is not installed")
    ca = CertificateAuthority.create(tmp_path / "ca")
    ca_file = str(ca.root.cert)
    with WebhookReceiver.running(tls=ca.issue("localhost").server_context()) as receiver:
        genuine, _ = register(receiver.url_at("localhost"))
        open_ticket(ctx)
        db.session.commit()
        assert deliver(ca_file=ca_file).summary().startswith("delivered 1")
        [request] = receiver.requests
        assert request.headers["Host"] == f"localhost:{receiver.port}"
    webhook_admin.delete_endpoint(db.session, genuine, actor=audit.Actor.system(), now=NOW)
    with WebhookReceiver.running(tls=ca.issue("other.example").server_context()) as impostor:
        register(impostor.url_at("localhost"))
        open_ticket(ctx)
        db.session.commit()
        report = deliver(NOW + timedelta(minutes=1), ca_file=ca_file)
        assert [outcome for _id, outcome, _detail in report.outcomes] == ["retry"]
        assert "certificate" in report.outcomes[0][2].lower()
        assert impostor.requests == []


def test_a_claim_left_by_a_dead_worker_is_posted_once_its_lease_expires(
    ctx: Flask, receiver: WebhookReceiver
) -> None:
    register(receiver.url)
    open_ticket(ctx)
    db.session.commit()
    settings = WebhookSettings(lease=timedelta(minutes=5))
    assert len(claim_due(db.session, now=NOW, settings=settings)) == 1  # then the worker dies
    assert claim_due(db.session, now=NOW + timedelta(minutes=4), settings=settings) == []
    assert deliver(NOW + timedelta(minutes=4)).outcomes == []  # still leased
    assert deliver(NOW + timedelta(minutes=6)).summary().startswith("delivered 1")
    assert len(receiver.requests) == 1
    row = deliveries()[0]
    assert (row.status, row.attempts) == (WebhookStatus.DELIVERED, 2)
