"""Webhook rules without an app: which addresses may be called, URLs, signatures, backoff."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from enquiry.rules.webhooks import (
    AUDIT_ACTIONS,
    EVENT_TYPES,
    WebhookUrlError,
    check_url,
    forbidden_reason,
    retry_delay,
    sign,
    verify,
)
from enquiry.webhooks.transport import checked_addresses


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "169.254.169.254",
        "169.254.0.1",
        "fe80::1",
        "fe80::1%eth0",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "fc00::1",
        "fd12:3456::1",
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "ff02::1",
        "100.64.0.1",  # carrier-grade NAT: not public either
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "240.0.0.1",
    ],
)
def test_addresses_inside_a_network_are_refused(address: str) -> None:
    assert forbidden_reason(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert forbidden_reason(address) is None


def test_the_metadata_service_is_named_as_link_local() -> None:
    assert forbidden_reason("169.254.169.254") == "169.254.169.254 is a link-local address"


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("https://hooks.example.com/enquiry", ("hooks.example.com", 443)),
        ("http://hooks.example.com:8080/x?y=1", ("hooks.example.com", 8080)),
        ("http://[2606:4700::1]/x", ("2606:4700::1", 80)),
    ],
)
def test_http_urls_name_their_host_and_port(url: str, where: tuple[str, int]) -> None:
    assert check_url(url) == where


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http:///nohost",
        "http://user:secret@example.com/",
        "http://example.com:99999/",
        "http://exa mple.com/",
        "http://example.com/\r\nX: y",
        "//example.com/",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(WebhookUrlError):
        check_url(url)


def test_a_name_is_refused_when_any_of_its_addresses_is_private() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "127.0.0.1"] if host == "mixed.example" else ["93.184.215.14"]

    def check(url: str, allow_private_network: bool) -> list[str]:
        return checked_addresses(
            url, allow_private_network=allow_private_network, resolver=resolver
        )

    assert check("https://public.example/", False) == ["93.184.215.14"]
    with pytest.raises(WebhookUrlError, match="loopback"):
        check("https://mixed.example/", False)
    assert check("https://mixed.example/", True) == ["93.184.215.14", "127.0.0.1"]


def test_the_signature_is_an_hmac_over_timestamp_dot_body() -> None:
    body = b'{"id":"x","type":"ping"}'
    header = sign("s3cret", 1764820800, body)
    digest = hmac.new(b"s3cret", b"1764820800." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1764820800,v1={digest}"
    assert verify("s3cret", header, body, now=1764820800 + 60)
    assert not verify("s3cret", header, body, now=1764820800 + 301)  # too old: a replay
    assert not verify("s3cret", header, body + b" ", now=1764820800)
    assert not verify("other", header, body, now=1764820800)
    assert not verify("s3cret", "v1=" + digest, body, now=1764820800)
    assert not verify("s3cret", "t=soon,v1=" + digest, body, now=1764820800)


def test_retries_double_up_to_a_cap_then_stop() -> None:
    base, cap, window = timedelta(minutes=1), timedelta(hours=6), timedelta(days=2)
    waits = [retry_delay(n, base, cap, window) for n in range(1, 20)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(w for w in waits if w is not None) == cap
    assert None in waits
    assert all(w is None for w in waits[waits.index(None) :])


def test_every_audit_action_maps_to_a_public_event() -> None:
    assert set(AUDIT_ACTIONS.values()) == set(EVENT_TYPES)
