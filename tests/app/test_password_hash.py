"""Argon2id: production parameters pinned, the cheap test parameters only where set."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from enquiry.config import Defaults
from enquiry.domain.accounts.passwords import hash_password, verify_password

PRODUCTION = {
    "PASSWORD_HASH_TIME_COST": Defaults.PASSWORD_HASH_TIME_COST,
    "PASSWORD_HASH_MEMORY_KIB": Defaults.PASSWORD_HASH_MEMORY_KIB,
    "PASSWORD_HASH_PARALLELISM": Defaults.PASSWORD_HASH_PARALLELISM,
}


def test_production_parameters_are_argon2id_64_mib_3_passes() -> None:
    assert PRODUCTION == {
        "PASSWORD_HASH_TIME_COST": 3,
        "PASSWORD_HASH_MEMORY_KIB": 65536,
        "PASSWORD_HASH_PARALLELISM": 4,
    }


def test_a_production_hash_round_trips(make_app: Callable[..., Flask]) -> None:
    app = make_app(create_schema=False, **PRODUCTION)
    with app.app_context():
        stored = hash_password("correct horse battery staple")
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert verify_password(stored, "correct horse battery staple")
        assert not verify_password(stored, "correct horse battery stapler")


def test_a_hash_made_at_lower_cost_still_verifies_after_raising_it(
    make_app: Callable[..., Flask],
) -> None:
    cheap = make_app(create_schema=False)
    with cheap.app_context():
        stored = hash_password("a password of some length")
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")  # the suite's own settings
    production = make_app(create_schema=False, **PRODUCTION)
    with production.app_context():
        assert verify_password(stored, "a password of some length")
