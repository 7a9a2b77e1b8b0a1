"""Rate limits kept in Redis hold across servers: two apps, and a second process, share them.

Each pytest-xdist worker uses its own Redis database (7, 8, 9 ...), flushed before and after
each test. Without Redis at 127.0.0.1:6379 the tests skip, except under CI where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from enquiry import ROOT, errors
from enquiry.extensions import db
from enquiry.models import AuditEvent, Ticket
from enquiry.public import ask
from tests.app.test_ask import app_with, english, in_locale, post_enquiry, submit_enquiry
from tests.app.test_track import look_up
from tests.conftest import require

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
REDIS_URL = f"redis://127.0.0.1:6379/{7 + int(WORKER)}"
WRONG_CODE = "AAAA-AAAA-AAAA-AAAA-AAAA"


@pytest.fixture
def store() -> Iterator[redis.Redis]:
    """This worker's Redis database, empty."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as error:
        connection.close()
        require(False, f"Redis is not reachable at {REDIS_URL}: {error}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def two_servers(make_app: Callable[..., Flask], store: redis.Redis) -> Callable[..., list[Flask]]:
    """Two apps on the same database and the same Redis, as two servers behind one proxy."""

    def build(**limits: str) -> list[Flask]:
        config: dict[str, Any] = {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            **limits,
        }
        first = app_with(make_app, **config)
        return [first, make_app(**config)]

    return build


def limiter_keys(store: redis.Redis) -> list[str]:
    return sorted(key.decode() for key in store.keys("*"))


def assert_clear_429(app: Flask, response: Any) -> None:
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    # The form re-shown with everything typed (public.ask), or the error page elsewhere.
    shown = (in_locale(app, "en", errors.MESSAGES[429]), in_locale(app, "en", ask.RATE_LIMITED))
    assert any(message in html for message in shown)
    assert "Traceback" not in html
    assert int(response.headers["Retry-After"]) > 0


def clients(apps: list[Flask]) -> list[FlaskClient]:
    return [english(app.test_client()) for app in apps]


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_submission_limit_is_shared_by_two_servers(
    two_servers: Callable[..., list[Flask]], store: redis.Redis
) -> None:
    one, two = two_servers(SUBMIT_RATE_LIMIT="2 per minute")
    first, second = clients([one, two])
    assert post_enquiry(first).status_code == 303
    assert post_enquiry(second).status_code == 303

    for app, client in ((one, first), (two, second)):
        assert_clear_429(app, post_enquiry(client))
    assert count(one, Ticket) == 2
    assert any("public.ask" in key for key in limiter_keys(store)), limiter_keys(store)


def test_the_tracking_limit_is_shared_by_two_servers(
    two_servers: Callable[..., list[Flask]], store: redis.Redis
) -> None:
    one, two = two_servers(TRACK_RATE_LIMIT="3 per minute")
    sent = submit_enquiry(english(one.test_client()))
    first, second = clients([one, two])
    assert look_up(first, sent.reference, WRONG_CODE).status_code == 404
    assert look_up(second, sent.reference, WRONG_CODE).status_code == 404
    assert look_up(first, sent.reference, WRONG_CODE).status_code == 404

    response = look_up(second, sent.reference, sent.code)  # even the right code, now

    assert_clear_429(two, response)
    assert sent.reference not in response.get_data(as_text=True)
    assert any("public.track" in key for key in limiter_keys(store)), limiter_keys(store)


def test_the_login_limit_is_shared_by_two_servers_and_audited(
    two_servers: Callable[..., list[Flask]], store: redis.Redis
) -> None:
    one, two = two_servers(LOGIN_RATE_LIMIT="3 per minute")
    first, second = clients([one, two])
    data = {"email": "nobody@enquiry.test", "password": "whatever it is"}
    codes = [client.post("/staff/login", data=data).status_code for client in (first, second)]
    codes.append(first.post("/staff/login", data=data).status_code)
    assert codes == [200, 200, 200]

    assert_clear_429(two, second.post("/staff/login", data=data))
    assert_clear_429(one, first.post("/staff/login", data=data))
    with one.app_context():
        refused = select(func.count()).where(AuditEvent.action == "auth.rate_limited")
        assert db.session.scalar(refused) == 2
    assert any("staff-login" in key for key in limiter_keys(store)), limiter_keys(store)


SECOND_SERVER = """
import sys
from enquiry import create_app
app = create_app()
client = app.test_client()
client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
response = client.post("/track", data={"reference": sys.argv[1], "code": sys.argv[2]})
sys.stdout.write(f"{response.status_code}\\n{response.get_data(as_text=True)}")
"""


def test_a_second_process_sees_the_first_ones_count(
    two_servers: Callable[..., list[Flask]], store: redis.Redis, tmp_path: Path
) -> None:
    one, _ = two_servers(TRACK_RATE_LIMIT="2 per minute")
    sent = submit_enquiry(english(one.test_client()))
    guesser = english(one.test_client())
    assert look_up(guesser, sent.reference, WRONG_CODE).status_code == 404
    assert look_up(guesser, sent.reference, WRONG_CODE).status_code == 404
    settings = {
        "SQLALCHEMY_DATABASE_URI": one.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": one.config["SECRET_KEY"],
        "TESTING": "true",
        "WTF_CSRF_ENABLED": "false",
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "TRACK_RATE_LIMIT": "2 per minute",
        "INSTANCE_PATH": str(tmp_path / "second"),
    }
    env = dict(os.environ) | {f"ENQUIRY_{key}": value for key, value in settings.items()}

    result = subprocess.run(
        [sys.executable, "-c", SECOND_SERVER, sent.reference, sent.code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    status, _, html = result.stdout.partition("\n")
    assert status == "429", result.stdout[:3000]
    assert in_locale(one, "en", errors.MESSAGES[429]) in html
