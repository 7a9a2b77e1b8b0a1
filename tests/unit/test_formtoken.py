"""Signed, timestamped form tokens: too fast, too old and forged tokens are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from enquiry.domain import formtoken
from enquiry.domain.formtoken import FormTokenError, TokenProblem

SECRET = "form-secret"
SHOWN = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


def check(token: str, after: timedelta, secret: str = SECRET) -> str:
    return formtoken.check(
        token, secret=secret, now=SHOWN + after, min_seconds=3, max_seconds=4 * 3600
    )


def problem_with(token: str, after: timedelta, secret: str = SECRET) -> TokenProblem:
    with pytest.raises(FormTokenError) as raised:
        check(token, after, secret)
    assert str(raised.value) == raised.value.problem.value
    return raised.value.problem


def test_a_token_sent_in_time_gives_its_nonce() -> None:
    token = formtoken.issue(SECRET, SHOWN)
    nonce = check(token, timedelta(seconds=30))
    assert len(nonce) == 32 and int(nonce, 16) >= 0
    assert check(token, timedelta(seconds=3)) == nonce  # the bounds are inclusive
    assert check(token, timedelta(hours=4)) == nonce


def test_each_token_has_its_own_nonce() -> None:
    nonces = {check(formtoken.issue(SECRET, SHOWN), timedelta(minutes=1)) for _ in range(50)}
    assert len(nonces) == 50


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=2), timedelta(seconds=-60)])
def test_a_token_sent_too_fast_is_refused(after: timedelta) -> None:
    token = formtoken.issue(SECRET, SHOWN)
    assert problem_with(token, after) is TokenProblem.TOO_FAST


@pytest.mark.parametrize("after", [timedelta(hours=4, seconds=1), timedelta(days=3)])
def test_a_stale_token_is_refused(after: timedelta) -> None:
    token = formtoken.issue(SECRET, SHOWN)
    assert problem_with(token, after) is TokenProblem.STALE


def signed(payload: object, secret: str = SECRET, salt: str = formtoken.SALT) -> str:
    return URLSafeSerializer(secret, salt=salt).dumps(payload)


def tampered(token: str) -> str:
    """Change the first character of the signature (it carries six whole bits)."""
    payload, signature = token.rsplit(".", 1)
    return f"{payload}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param(tampered(formtoken.issue(SECRET, SHOWN)), id="tampered-signature"),
        pytest.param(signed({"n": "ab", "t": 9_999_999_999}, secret="x"), id="forged-time"),
        pytest.param(formtoken.issue("another-secret", SHOWN), id="another-secret"),
        pytest.param(signed({"n": "ab", "t": 0}, salt="another-form"), id="another-salt"),
        pytest.param(signed({"t": int(SHOWN.timestamp())}), id="no-nonce"),
        pytest.param(signed({"n": "ab"}), id="no-time"),
        pytest.param(signed({"n": "ab", "t": "yesterday"}), id="time-not-a-number"),
        pytest.param(signed({"n": "ab", "t": None}), id="time-null"),
        pytest.param(signed(["ab", 0]), id="not-an-object"),
    ],
)
def test_an_invalid_token_is_refused(token: str) -> None:
    assert problem_with(token, timedelta(minutes=1)) is TokenProblem.INVALID


def test_a_token_is_only_valid_for_the_secret_that_signed_it() -> None:
    token = formtoken.issue(SECRET, SHOWN)
    assert problem_with(token, timedelta(minutes=1), secret="rotated") is TokenProblem.INVALID
