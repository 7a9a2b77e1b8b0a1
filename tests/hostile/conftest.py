"""One seeded app per database for the hostile-input suite, shared by all its tests.

Seeding (demo data, staff, canned replies, rules, a received e-mail, an answered ticket) and
logging in are done once per database: the suite sends thousands of requests and must stay
within its time budget. Password hashing is cheap here as everywhere in the suite
(tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, require
from tests.hostile.site import Site


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """A seeded app on SQLite or PostgreSQL, with helpers to send hostile requests."""
    tmp = tmp_path_factory.mktemp(f"hostile-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'hostile.sqlite3'}"
    else:
        require(bool(POSTGRES_URL), "ENQUIRY_TEST_POSTGRES_URL is not set")
        assert POSTGRES_URL
        url = POSTGRES_URL
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENQUIRY_INSTANCE_PATH", str(tmp / "instance"))
        site = Site.build(url, Path(tmp))
        try:
            yield site
        finally:
            site.close()
